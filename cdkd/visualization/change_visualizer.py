"""Side-by-side drawing of a change-detection sample: A | B | (C) | ground truth | prediction."""
import os
import os.path as osp
import string
from typing import List, Optional, Sequence, Tuple, Union

import cv2
import numpy as np
from mmengine.dist import master_only
from mmengine.visualization import Visualizer

from cdkd.registry import VISUALIZERS
from cdkd.visualization.display import draw_change_overlay, to_display_rgb

Color = Tuple[int, int, int]
DisplayBands = Optional[Sequence[Union[int, Sequence[int], None]]]


def _mask_of(data_sample, key: str) -> Optional[np.ndarray]:
    """``H x W`` numpy mask of ``data_sample.<key>.data`` (SegDataSample or dict), or None."""
    field = data_sample.get(key) if isinstance(data_sample, dict) else getattr(
        data_sample, key, None)
    if field is None:
        return None
    data = field['data'] if isinstance(field, dict) else field.data
    data = data.detach().cpu().numpy() if hasattr(data, 'detach') else np.asarray(data)
    return data.reshape(data.shape[-2:]) if data.ndim == 3 else data


def _fit(mask: np.ndarray, shape: Tuple[int, int]) -> np.ndarray:
    """Nearest-neighbour resize of a label mask to ``shape`` (no-op when it already fits)."""
    if mask.shape == tuple(shape):
        return mask
    return cv2.resize(mask.astype(np.uint8), (shape[1], shape[0]), interpolation=cv2.INTER_NEAREST)


@VISUALIZERS.register_module()
class ChangeLocalVisualizer(Visualizer):
    """Visualizer drawing one panel row per change sample.

    Subclasses mmengine's ``Visualizer`` rather than mmseg's ``SegLocalVisualizer``: nothing of
    the latter's class-palette drawing is reused, and it forces cityscapes classes by default.

    Panels, left to right: every temporal image (A, B, and C for the heterogeneous dataset;
    each made displayable by :func:`to_display_rgb`), the ground truth, and the prediction.
    Each panel has a caption strip above it (black, white text; omitted with
    ``with_labels=False``) and panels are separated by ``separator_width`` grey columns. Total
    size: ``(caption + H) x (n W + (n - 1) separator_width)`` for n panels.

    Colours (RGB):

    - ground truth: changed white, unchanged black, ignored (255) ``ignore_color`` (grey);
    - prediction against the ground truth: TP white, FP red, FN green, TN black; pixels whose
      ground truth is ignored show the bare prediction (changed white, unchanged black);
      without a ground truth the whole panel is the bare prediction.

    Args:
        name, image, vis_backends, save_dir: as mmengine's ``Visualizer`` (images from
            :meth:`add_datasample` go to ``save_dir/vis_data/vis_image`` through
            ``LocalVisBackend``).
        caption_height: caption strip height in pixels; ``None`` = 8% of the panel height,
            clipped to [12, 40].
        separator_width: width of the grey column between panels.
        alpha: default opacity of :meth:`draw_overlay`.
        ignore_index: ground-truth label that is not scored.
    """
    TP_COLOR: Color = (255, 255, 255)
    FP_COLOR: Color = (255, 0, 0)
    FN_COLOR: Color = (0, 255, 0)
    TN_COLOR: Color = (0, 0, 0)
    IGNORE_COLOR: Color = (128, 128, 128)
    SEPARATOR_COLOR: Color = (128, 128, 128)
    CAPTION_BG: Color = (0, 0, 0)
    CAPTION_FG: Color = (255, 255, 255)

    def __init__(self,
                 name: str = 'visualizer',
                 image: Optional[np.ndarray] = None,
                 vis_backends: Optional[List[dict]] = None,
                 save_dir: Optional[str] = None,
                 caption_height: Optional[int] = None,
                 separator_width: int = 4,
                 alpha: float = 0.5,
                 ignore_index: int = 255,
                 **kwargs) -> None:
        super().__init__(name, image, vis_backends, save_dir, **kwargs)
        self.caption_height = caption_height
        self.separator_width = separator_width
        self.alpha = alpha
        self.ignore_index = ignore_index

    # ---- mask colouring -------------------------------------------------------------------
    def colorize_gt(self, gt: np.ndarray) -> np.ndarray:
        """``H x W x 3`` uint8: changed white, unchanged black, ``ignore_index`` grey."""
        out = np.zeros(gt.shape + (3, ), dtype=np.uint8)
        out[gt == 1] = self.TP_COLOR
        out[gt == self.ignore_index] = self.IGNORE_COLOR
        return out

    def colorize_prediction(self, pred: np.ndarray, gt: Optional[np.ndarray] = None) -> np.ndarray:
        """``H x W x 3`` uint8 error map: TP white, FP red, FN green, TN black.

        Without ``gt`` (or where ``gt == ignore_index``) changed pixels are white, others black.
        """
        changed = pred > 0
        out = np.zeros(pred.shape + (3, ), dtype=np.uint8)
        out[changed] = self.TP_COLOR
        if gt is not None:
            scored = gt != self.ignore_index
            truth = gt == 1
            out[scored & changed & ~truth] = self.FP_COLOR
            out[scored & ~changed & truth] = self.FN_COLOR
        return out

    def draw_overlay(self,
                     image: np.ndarray,
                     mask: np.ndarray,
                     color: Color = (255, 0, 0),
                     alpha: Optional[float] = None,
                     display_bands: Optional[Sequence[int]] = None) -> np.ndarray:
        """:func:`draw_change_overlay` with this visualizer's ``alpha`` as default opacity.

        ``out = (1 - alpha) * rgb + alpha * color`` where ``mask != 0``, ``rgb`` elsewhere.
        """
        alpha = self.alpha if alpha is None else alpha
        return draw_change_overlay(image, mask, color, alpha, display_bands)

    # ---- layout ---------------------------------------------------------------------------
    def caption_height_for(self, panel_height: int) -> int:
        """Caption strip height used for panels of ``panel_height`` pixels."""
        if self.caption_height is not None:
            return int(self.caption_height)
        return int(np.clip(round(0.08 * panel_height), 12, 40))

    def _caption(self, panel: np.ndarray, text: str, height: int) -> np.ndarray:
        strip = np.zeros((height, panel.shape[1], 3), dtype=np.uint8)
        strip[:] = self.CAPTION_BG
        font = cv2.FONT_HERSHEY_SIMPLEX
        text_h = max(5, int(height * 0.55))
        scale = cv2.getFontScaleFromHeight(font, text_h, 1)
        cv2.putText(strip, text, (2, (height + text_h) // 2), font, scale, self.CAPTION_FG, 1,
                    cv2.LINE_AA)
        return np.concatenate([strip, panel], axis=0)

    def draw_panels(self,
                    images: Union[np.ndarray, Sequence[np.ndarray]],
                    data_sample=None,
                    draw_gt: bool = True,
                    draw_pred: bool = True,
                    display_bands: DisplayBands = None,
                    with_labels: bool = True) -> np.ndarray:
        """Compose the panel row (see class doc) and return it as ``H' x W' x 3`` uint8 RGB.

        Args:
            images: per-date arrays ``H x W x C`` (any band count and dtype), temporal order.
            data_sample: ``SegDataSample`` or dict with ``gt_sem_seg`` and/or ``pred_sem_seg``.
            draw_gt: add the ground-truth panel (if the sample has one).
            draw_pred: add the prediction panel (if the sample has one). Errors are coloured
                whenever a ground truth exists, even with ``draw_gt=False``.
            display_bands: one band list for every date (e.g. ``(3, 2, 1)``), or a list with one
                entry (band list or None) per date, for dates with different band counts.
            with_labels: draw the caption strips.
        """
        if isinstance(images, np.ndarray) or hasattr(images, 'detach'):
            images = [images]
        per_date = display_bands is not None and len(display_bands) > 0 and all(
            b is None or not np.isscalar(b) for b in display_bands)
        if per_date and len(display_bands) != len(images):
            raise ValueError(f'display_bands has {len(display_bands)} entries for '
                             f'{len(images)} images')
        panels, captions = [], []
        for i, img in enumerate(images):
            bands = display_bands[i] if per_date else display_bands
            rgb = to_display_rgb(img, bands)
            if panels and rgb.shape[:2] != panels[0].shape[:2]:
                rgb = cv2.resize(rgb, panels[0].shape[1::-1], interpolation=cv2.INTER_LINEAR)
            panels.append(rgb)
            captions.append(string.ascii_uppercase[i] if i < 26 else str(i))
        if not panels:
            raise ValueError('add_datasample needs at least one image')
        shape = panels[0].shape[:2]
        gt = pred = None
        if data_sample is not None:
            gt = _mask_of(data_sample, 'gt_sem_seg')
            pred = _mask_of(data_sample, 'pred_sem_seg')
        gt = None if gt is None else _fit(gt, shape)
        pred = None if pred is None else _fit(pred, shape)
        if draw_gt and gt is not None:
            panels.append(self.colorize_gt(gt))
            captions.append('ground truth')
        if draw_pred and pred is not None:
            panels.append(self.colorize_prediction(pred, gt))
            captions.append('prediction' if gt is None else 'pred TP/FP(red)/FN(green)')
        return self._assemble(panels, captions, with_labels)

    def _assemble(self, panels: List[np.ndarray], captions: List[str],
                  with_labels: bool) -> np.ndarray:
        if with_labels:
            cap = self.caption_height_for(panels[0].shape[0])
            panels = [self._caption(p, c, cap) for p, c in zip(panels, captions)]
        sep = np.empty((panels[0].shape[0], self.separator_width, 3), dtype=np.uint8)
        sep[:] = self.SEPARATOR_COLOR
        row = [panels[0]]
        for p in panels[1:]:
            row += [sep, p] if self.separator_width > 0 else [p]
        return np.ascontiguousarray(np.concatenate(row, axis=1))

    # ---- mmengine entry point -------------------------------------------------------------
    @master_only
    def add_datasample(self,
                       name: str,
                       images: Union[np.ndarray, Sequence[np.ndarray]],
                       data_sample=None,
                       draw_gt: bool = True,
                       draw_pred: bool = True,
                       show: bool = False,
                       wait_time: float = 0,
                       out_file: Optional[str] = None,
                       step: int = 0,
                       display_bands: DisplayBands = None,
                       with_labels: bool = True) -> np.ndarray:
        """Draw a sample (see :meth:`draw_panels`) and show / save it.

        As in mmseg: ``show`` opens a window; with ``out_file`` the RGB row is written there
        (``cv2.imwrite`` after RGB -> BGR, parent folders created), otherwise it goes to every
        vis backend through ``add_image(name, image, step)`` (``LocalVisBackend`` writes
        ``<save_dir>/vis_data/vis_image/<name>_<step>.png``).

        Returns:
            the drawn ``H' x W' x 3`` uint8 RGB row (also set as the visualizer's image).
        """
        drawn = self.draw_panels(images, data_sample, draw_gt, draw_pred, display_bands,
                                 with_labels)
        self.set_image(drawn)
        if show:
            self.show(drawn, win_name=name, wait_time=wait_time)
        if out_file is not None:
            parent = osp.dirname(osp.abspath(out_file))
            os.makedirs(parent, exist_ok=True)
            if not cv2.imwrite(out_file, cv2.cvtColor(drawn, cv2.COLOR_RGB2BGR)):
                raise OSError(f'could not write {out_file}')
        else:
            self.add_image(name, drawn, step)
        return drawn

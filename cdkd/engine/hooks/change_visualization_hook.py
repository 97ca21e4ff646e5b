"""Hook drawing validation/test change predictions, like mmseg's ``SegVisualizationHook``."""
import os.path as osp
import warnings
from typing import List, Optional, Sequence

import numpy as np
from mmengine.hooks import Hook
from mmengine.visualization import Visualizer

from cdkd.datasets.transforms.loading import LoadMultiImageFromFile
from cdkd.registry import HOOKS


def _get(obj, key, default=None):
    if isinstance(obj, dict):
        return obj.get(key, default)
    return getattr(obj, key, default)


@HOOKS.register_module()
class ChangeVisualizationHook(Hook):
    """Draw every test sample and every ``interval``-th val batch with :class:`ChangeLocalVisualizer`.

    For each output sample the hook reads all ``img_paths`` (A, B[, C]) from disk with cdkd's
    ``LoadMultiImageFromFile`` (so any band count/dtype works), and calls
    ``visualizer.add_datasample(f'{mode}_{sample_name}', imgs, data_sample=output,
    step=runner.iter)``. With ``out_dir`` test panels are written straight to
    ``<out_dir>/<sample_name>.png`` (``tools/test.py --show-dir D`` sets ``out_dir=D`` and
    ``draw=True``, as mmdet's ``test_out_dir``); otherwise, and always during validation, they go to
    the vis backends (``LocalVisBackend``: ``<visualizer.save_dir>/vis_data/vis_image``).

    Args:
        draw: draw anything at all (off by default, as in mmseg; ``--show-dir`` turns it on).
        interval: in validation, draw the batches whose index is a multiple of ``interval``
            (counted from 1); testing draws every sample.
        show: open a window instead of writing to vis backends (the backends are dropped).
        wait_time: seconds a shown window stays open.
        backend_args: mmengine file-backend arguments for reading the images.
        display_bands: forwarded to the visualizer (e.g. ``(3, 2, 1)`` for Sentinel-2 RGB).
        out_dir: folder for the test panels (``<sample_name>.png``), or None for the backends.
    """
    priority = 'NORMAL'

    def __init__(self,
                 draw: bool = False,
                 interval: int = 50,
                 show: bool = False,
                 wait_time: float = 0.,
                 backend_args: Optional[dict] = None,
                 display_bands=None,
                 out_dir: Optional[str] = None) -> None:
        self._visualizer: Visualizer = Visualizer.get_current_instance()
        self.interval = interval
        self.show = show
        if self.show:
            # showing only: nothing should be stored
            self._visualizer._vis_backends = {}
            warnings.warn('show=True: results are displayed, not stored (vis backends dropped).')
        self.wait_time = wait_time
        self.backend_args = backend_args.copy() if backend_args else None
        self.display_bands = display_bands
        self.out_dir = out_dir
        self.draw = draw
        if not self.draw:
            warnings.warn('draw=False: ChangeVisualizationHook will not draw or store anything.')
        # the pipeline's own loader: same band order/dtype handling as training data
        self._loader = LoadMultiImageFromFile(backend_args=self.backend_args)

    def _load_images(self, img_paths: Sequence[str]) -> List[np.ndarray]:
        return self._loader(dict(img_paths=list(img_paths)))['imgs']

    def _after_iter(self,
                    runner,
                    batch_idx: int,
                    data_batch: dict = None,
                    outputs: Optional[Sequence] = None,
                    mode: str = 'val') -> None:
        """Draw every test sample and the samples of every ``interval``-th val batch, as mmseg's
        ``SegVisualizationHook`` does (never during training)."""
        if self.draw is False or mode == 'train' or not outputs:
            return
        if mode == 'val' and not self.every_n_inner_iters(batch_idx, self.interval):
            return
        if not hasattr(self._visualizer, 'draw_panels'):
            raise TypeError('ChangeVisualizationHook needs visualizer=dict(type='
                            f"'ChangeLocalVisualizer'), got {type(self._visualizer).__name__}")
        for output in outputs:
            img_paths = _get(output, 'img_paths') or [_get(output, 'img_path')]
            name = _get(output, 'sample_name') or osp.splitext(osp.basename(img_paths[0]))[0]
            out_file = None
            if self.out_dir is not None and mode == 'test' and not self.show:
                out_file = osp.join(self.out_dir, f'{name}.png')
            self._visualizer.add_datasample(
                f'{mode}_{name}',
                self._load_images(img_paths),
                data_sample=output,
                show=self.show,
                wait_time=self.wait_time,
                out_file=out_file,
                step=runner.iter,
                display_bands=self.display_bands)

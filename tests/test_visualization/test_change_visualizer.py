"""ChangeLocalVisualizer panel layout/colours and the display conversion."""
import os.path as osp
import uuid

import cv2
import numpy as np
import pytest
import torch
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from cdkd.registry import VISUALIZERS
from cdkd.visualization import ChangeLocalVisualizer, to_display_rgb

WHITE, RED, GREEN, BLACK, GREY = (255, 255, 255), (255, 0, 0), (0, 255, 0), (0, 0, 0), (128,) * 3


def make_sample(gt=None, pred=None):
    s = SegDataSample()
    if gt is not None:
        s.gt_sem_seg = PixelData(data=torch.as_tensor(gt)[None].long())
    if pred is not None:
        s.pred_sem_seg = PixelData(data=torch.as_tensor(pred)[None].long())
    return s


def new_vis(**kwargs):
    return ChangeLocalVisualizer(name=f'vis_{uuid.uuid4().hex}', **kwargs)


def panel(row, index, width, sep, top=0):
    x = index * (width + sep)
    return row[top:, x:x + width]


# ---- display ------------------------------------------------------------------------------
def test_one_band_is_grey():
    img = np.arange(12, dtype=np.uint8).reshape(3, 4, 1)
    rgb = to_display_rgb(img)
    assert rgb.shape == (3, 4, 3) and rgb.dtype == np.uint8
    for c in range(3):
        np.testing.assert_array_equal(rgb[..., c], img[..., 0])
    np.testing.assert_array_equal(to_display_rgb(img[..., 0]), rgb)  # 2-D input too


def test_uint8_rgb_passes_through_and_bands_selectable():
    img = np.random.default_rng(0).integers(0, 256, (5, 6, 4), dtype=np.uint8)
    np.testing.assert_array_equal(to_display_rgb(img), img[..., :3])
    np.testing.assert_array_equal(to_display_rgb(img, display_bands=(3, 2, 1)), img[..., [3, 2, 1]])
    with pytest.raises(ValueError, match='out of range'):
        to_display_rgb(img, display_bands=(4, 2, 1))
    with pytest.raises(ValueError, match='1 or 3'):
        to_display_rgb(img, display_bands=(0, 1))


def test_thirteen_band_uint16_percentile_stretch():
    h, w = 10, 10
    img = np.zeros((h, w, 13), dtype=np.uint16)
    ramp = np.arange(h * w, dtype=np.uint16).reshape(h, w) * 100  # 0 .. 9900
    for b in range(13):
        img[..., b] = ramp + b
    rgb = to_display_rgb(img)
    assert rgb.shape == (h, w, 3) and rgb.dtype == np.uint8
    lo, hi = np.percentile(ramp.astype(float), (2, 98))
    expect = np.rint(np.clip((ramp - lo) / (hi - lo), 0, 1) * 255).astype(np.uint8)
    np.testing.assert_array_equal(rgb[..., 0], expect)  # band offset cancels out
    assert rgb.min() == 0 and rgb.max() == 255
    # 2% darkest pixels clip to 0, 2% brightest to 255
    assert (rgb[..., 0] == 0).sum() >= 2 and (rgb[..., 0] == 255).sum() >= 2
    sel = to_display_rgb(img, display_bands=(3, 2, 1))
    np.testing.assert_array_equal(sel, rgb)


def test_float_with_nan_and_constant_band():
    img = np.linspace(0, 1, 50, dtype=np.float32).reshape(5, 10, 1).repeat(3, axis=2)
    img[0, 0, :] = np.nan
    img[..., 2] = 0.3  # constant band
    rgb = to_display_rgb(img)
    assert rgb[0, 0, 0] == 0 and rgb[-1, -1, 0] == 255
    assert (rgb[..., 2] == 0).all()


# ---- panels -------------------------------------------------------------------------------
GT = np.array([[1, 1], [0, 0]])
PRED = np.array([[1, 0], [1, 0]])  # TP, FN / FP, TN


def test_panel_layout_and_exact_colours():
    vis = new_vis(separator_width=4)
    a = np.full((2, 2, 3), 10, np.uint8)
    b = np.full((2, 2, 3), 20, np.uint8)
    row = vis.draw_panels([a, b], make_sample(GT, PRED), with_labels=False)
    assert row.shape == (2, 4 * 2 + 3 * 4, 3) and row.dtype == np.uint8
    np.testing.assert_array_equal(panel(row, 0, 2, 4), a)
    np.testing.assert_array_equal(panel(row, 1, 2, 4), b)
    gt_panel, pred_panel = panel(row, 2, 2, 4), panel(row, 3, 2, 4)
    assert tuple(gt_panel[0, 0]) == WHITE and tuple(gt_panel[1, 0]) == BLACK
    assert tuple(pred_panel[0, 0]) == WHITE  # TP
    assert tuple(pred_panel[0, 1]) == GREEN  # FN
    assert tuple(pred_panel[1, 0]) == RED  # FP
    assert tuple(pred_panel[1, 1]) == BLACK  # TN
    assert (row[:, 2:6] == 128).all()  # separator between A and B


def test_three_dates_captions_and_ignore():
    vis = new_vis(separator_width=2, caption_height=10)
    imgs = [np.zeros((4, 4, 3), np.uint8), np.zeros((4, 4, 1), np.uint8),
            np.zeros((4, 4, 13), np.uint16)]
    gt = np.array([[255, 1, 0, 0]] * 4)
    pred = np.array([[1, 1, 1, 0]] * 4)
    row = vis.draw_panels(imgs, make_sample(gt, pred))
    assert row.shape == (10 + 4, 5 * 4 + 4 * 2, 3)
    gt_panel, pred_panel = panel(row, 3, 4, 2, top=10), panel(row, 4, 4, 2, top=10)
    assert tuple(gt_panel[0, 0]) == GREY
    assert tuple(pred_panel[0, 0]) == WHITE  # ignored: bare prediction
    assert tuple(pred_panel[0, 2]) == RED
    assert row[:10, :4].max() > 128  # caption text drawn (anti-aliased white on black)
    assert row[:10, :4].min() == 0
    assert vis.caption_height_for(4) == 10
    assert new_vis().caption_height_for(256) == 20


def test_prediction_only_and_flags():
    vis = new_vis(separator_width=1)
    img = np.zeros((2, 2, 3), np.uint8)
    row = vis.draw_panels([img, img], make_sample(pred=PRED), with_labels=False)
    assert row.shape == (2, 3 * 2 + 2, 3)
    pred_panel = panel(row, 2, 2, 1)
    assert tuple(pred_panel[1, 0]) == WHITE and tuple(pred_panel[0, 1]) == BLACK
    row = vis.draw_panels([img, img], make_sample(GT, PRED), draw_gt=False, with_labels=False)
    assert row.shape == (2, 3 * 2 + 2, 3)
    assert tuple(panel(row, 2, 2, 1)[1, 0]) == RED  # errors still coloured against the gt


def test_mask_resized_to_image_and_per_date_bands():
    vis = new_vis(separator_width=0)
    sar = np.zeros((4, 4, 1), np.float32)
    s2 = np.zeros((4, 4, 13), np.uint16)
    gt = np.zeros((2, 2), np.int64)
    row = vis.draw_panels([sar, s2], make_sample(gt, gt), display_bands=[None, (3, 2, 1)],
                          with_labels=False)
    assert row.shape == (4, 16, 3)
    with pytest.raises(ValueError, match='entries'):
        vis.draw_panels([sar, s2], None, display_bands=[None])


def test_out_file_written_and_readable(tmp_path):
    vis = new_vis()
    img = np.random.default_rng(0).integers(0, 256, (8, 8, 3), dtype=np.uint8)
    out = tmp_path / 'sub' / 'row.png'
    drawn = vis.add_datasample('x', [img, img], make_sample(GT.repeat(4, 0).repeat(4, 1),
                                                             PRED.repeat(4, 0).repeat(4, 1)),
                               out_file=str(out))
    back = cv2.imread(str(out), cv2.IMREAD_COLOR)
    assert back is not None
    np.testing.assert_array_equal(cv2.cvtColor(back, cv2.COLOR_BGR2RGB), drawn)


def test_add_image_goes_to_vis_backend(tmp_path):
    vis = VISUALIZERS.build(
        dict(type='ChangeLocalVisualizer', name=f'vis_{uuid.uuid4().hex}', save_dir=str(tmp_path),
             vis_backends=[dict(type='LocalVisBackend')]))
    assert isinstance(vis, ChangeLocalVisualizer)
    img = np.zeros((4, 4, 3), np.uint8)
    drawn = vis.add_datasample('val_s1', [img, img], make_sample(np.eye(4), np.eye(4)), step=3)
    path = osp.join(tmp_path, 'vis_data', 'vis_image', 'val_s1_3.png')
    back = cv2.imread(path)
    np.testing.assert_array_equal(back[..., ::-1], drawn)


def test_draw_overlay():
    vis = new_vis(alpha=0.5)
    img = np.full((2, 2, 3), 100, np.uint8)
    mask = np.array([[0, 1], [255, 0]])
    out = vis.draw_overlay(img, mask, color=(255, 0, 0))
    assert tuple(out[0, 0]) == (100, 100, 100)
    assert tuple(out[0, 1]) == (178, 50, 50)  # rint(0.5*100 + 0.5*255) = 178 (round half even)
    assert tuple(out[1, 0]) == (178, 50, 50)
    out = vis.draw_overlay(np.zeros((4, 4, 1), np.uint16), torch.ones(1, 2, 2), (0, 0, 255), 1.0)
    assert out.shape == (4, 4, 3) and (out[..., 2] == 255).all()


def test_draw_change_overlay_as_infer_uses_it():
    """tools/infer.py: draw_change_overlay(to_display_rgb(image_t2), mask) with a 0/1 mask."""
    from cdkd.visualization import draw_change_overlay
    rgb = to_display_rgb(np.full((3, 3, 13), 7, np.uint16))  # constant bands -> black
    mask = np.zeros((3, 3), np.uint8)
    mask[1, 1] = 1
    out = draw_change_overlay(rgb, mask)
    assert out.dtype == np.uint8 and out.shape == (3, 3, 3)
    assert tuple(out[1, 1]) == (128, 0, 0) and tuple(out[0, 0]) == (0, 0, 0)  # rint(127.5)=128
    np.testing.assert_array_equal(draw_change_overlay(rgb, mask, alpha=0.0), rgb)

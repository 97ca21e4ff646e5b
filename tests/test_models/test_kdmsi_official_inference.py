"""KD-MSI's stage-1 inference as the official code computes it: MSI order, MI, view resize, and the
Siamese CAM net's details (classifier bias, per-date BatchNorm)."""
import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from cdkd.models.tta import MultiScaleChangeTTA
from cdkd.registry import MODELS
from tests.test_models.test_cam_distillation_detector import tiny_kdmsi
from tests.test_models.test_multiscale_change_tta import tta
from tests.test_models.tiny import tiny_backbone


def official_msi(net, x, scales):
    """multi_scale_sigmoid_inference.py:31-64,168-180, re-implemented on tensors: per scale,
    bicubic (PIL-like) view + width flip, sigmoid of the stride-16 map, flip pair averaged, one
    bilinear upsample to the 16-rounded size, crop, sum / |S|."""
    h, w = x.shape[-2:]
    up = (-(-h // 16) * 16, -(-w // 16) * 16)
    total = 0
    for s in scales:
        v = F.interpolate(x, size=(round(h * s), round(w * s)), mode='bicubic',
                          align_corners=False, antialias=True)
        cams = torch.sigmoid(net(torch.cat([v, v.flip(-1)])))
        cams = (cams[:1] + cams[1:].flip(-1)) / 2
        total = total + F.interpolate(cams, size=up, mode='bilinear',
                                      align_corners=False)[:, 0, :h, :w]
    return total / len(scales)


def test_msi_of_the_detector_follows_the_official_order():
    model = tiny_kdmsi().eval()
    x = torch.randn(1, 6, 40, 56)  # not a multiple of 16: the rounding and crop matter
    scales = (0.5, 1.0, 1.25, 2.0)
    msi = MultiScaleChangeTTA(module=model, mode='msi', scales=scales, antialias=True,
                              output_size_divisor=16)
    with torch.no_grad():
        ours = msi.change_probability(x)
        expected = official_msi(model.student, x, scales)
        # today's order before this change: upsample the logits to the view, then sigmoid
        old = 0
        for s in scales:
            v = F.interpolate(x, size=(round(40 * s), round(56 * s)), mode='bicubic',
                              align_corners=False)
            for flip in (False, True):
                vv = v.flip(-1) if flip else v
                z = F.interpolate(model.student(vv), size=vv.shape[-2:], mode='bilinear',
                                  align_corners=False)
                p = torch.sigmoid(z).flip(-1) if flip else torch.sigmoid(z)
                old = old + F.interpolate(p, size=(40, 56), mode='bilinear',
                                          align_corners=False)[:, 0]
        old = old / (2 * len(scales))
    torch.testing.assert_close(ours, expected, atol=1e-6, rtol=0)
    assert (old - expected).abs().max() > 1e-3


def test_mi_is_relu_per_view_summed_over_max():
    """multi_scale_inference.py:63-64,185: ReLU before the sum (a negative view cannot cancel a
    positive one), then / (max + 1e-5)."""
    def signed(v):  # left half positive at scale 1, negative at scale 2
        sign = 1.0 if v.shape[-2] == 16 else -1.0
        ramp = torch.linspace(-1, 1, v.shape[-1]).expand(v.shape[0], 1, *v.shape[-2:])
        return sign * ramp
    x = torch.zeros(1, 6, 16, 16)
    mi = tta(signed, mode='mi', scales=(1.0, 2.0), flip=False).change_probability(x)
    views = [F.relu(signed(torch.zeros(1, 6, 16 * s, 16 * s))) for s in (1, 2)]
    total = sum(F.interpolate(v, size=(16, 16), mode='bilinear', align_corners=False)
                for v in views)[:, 0]
    torch.testing.assert_close(mi, total / (total.max() + 1e-5), atol=1e-6, rtol=0)
    relu_of_sum = F.relu(sum(F.interpolate(signed(torch.zeros(1, 6, 16 * s, 16 * s)),
                                           size=(16, 16), mode='bilinear', align_corners=False)
                             for s in (1, 2)))[:, 0]
    assert (mi - relu_of_sum / (relu_of_sum.max() + 1e-5)).abs().max() > 0.1


def test_view_resize_matches_pil_bicubic():
    """The official code resizes uint8 images with PIL bicubic, which antialiases when shrinking:
    torch's antialiased bicubic matches it to the uint8 rounding; plain bicubic does not."""
    rng = np.random.default_rng(0)
    img = (rng.random((64, 64, 3)) * 255).astype(np.uint8)  # fine texture: aliasing matters
    x = torch.from_numpy(img.astype(np.float32)).permute(2, 0, 1)[None].repeat(1, 2, 1, 1)
    seen = {}

    def record(v):
        seen[v.shape[-1]] = v[:1, :3]
        return v[:, :1]
    for antialias in (True, False):
        tta(record, scales=(0.5, ), flip=False, antialias=antialias).change_probability(x)
        pil = np.asarray(Image.fromarray(img).resize((32, 32), Image.BICUBIC)).astype(np.float32)
        diff = np.abs(seen[32][0].permute(1, 2, 0).numpy() - pil).mean()
        assert bool(diff < 1.0) == antialias, (antialias, diff)


def test_siamese_cam_net_official_details():
    backbone = dict(tiny_backbone(), out_indices=(3, ), strides=(1, 2, 2, 1))
    torch.manual_seed(0)
    net = MODELS.build(dict(type='SiameseCAMNet', backbone=backbone, in_channels=64,
                            fusion='diff'))
    assert net.classifier.bias is None  # core/networks.py:75,77
    net.train()
    x = torch.randn(2, 6, 32, 32)
    out = net(x)
    # per-date forward passes: training-mode BatchNorm sees each date's own statistics
    f1, f2 = net.backbone(x[:, :3])[-1], net.backbone(x[:, 3:])[-1]
    torch.testing.assert_close(out, net.classifier(f1 - f2), atol=1e-6, rtol=0)
    net.joint_date_batch = True
    assert (net(x) - out).abs().max() > 1e-4

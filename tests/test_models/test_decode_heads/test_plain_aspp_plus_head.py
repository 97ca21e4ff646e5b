"""PlainASPPPlusHead = the official KD-MSI DeepLabV3+ ASPP + decoder (core/deeplab_utils.py)."""
import torch
import torch.nn.functional as F
from torch import nn

from cdkd.registry import MODELS


def head(**kwargs):
    cfg = dict(type='PlainASPPPlusHead', in_channels=32, in_index=3, channels=16,
               dilations=(1, 6, 12, 18), c1_in_channels=8, c1_channels=4, dropout_ratio=0.1,
               num_classes=2, norm_cfg=dict(type='GN', num_groups=4, requires_grad=True),
               align_corners=True, loss_decode=dict(type='CrossEntropyLoss'))
    cfg.update(kwargs)
    return MODELS.build(cfg)


class OfficialASPPDecoder(nn.Module):
    """An independent re-implementation of the official ASPP(output_stride=16) + Decoder with
    GroupNorm(4) (deeplab_utils.py:8-118), for channel widths given as arguments."""

    def __init__(self, inplanes, planes, low_in, low_out, num_classes):
        super().__init__()
        gn = lambda c: nn.GroupNorm(4, c)  # noqa: E731
        self.branches = nn.ModuleList(
            [nn.Sequential(nn.Conv2d(inplanes, planes, 1, bias=False), gn(planes), nn.ReLU())]
            + [nn.Sequential(nn.Conv2d(inplanes, planes, 3, padding=d, dilation=d, bias=False),
                             gn(planes), nn.ReLU()) for d in (6, 12, 18)])
        self.pool = nn.Sequential(nn.AdaptiveAvgPool2d(1),
                                  nn.Conv2d(inplanes, planes, 1, bias=False), gn(planes),
                                  nn.ReLU())
        self.conv1 = nn.Sequential(nn.Conv2d(5 * planes, planes, 1, bias=False), gn(planes),
                                   nn.ReLU(), nn.Dropout(0.5))
        self.low = nn.Sequential(nn.Conv2d(low_in, low_out, 1, bias=False), gn(low_out),
                                 nn.ReLU())
        self.classifier = nn.Sequential(
            nn.Conv2d(planes + low_out, planes, 3, padding=1, bias=False), gn(planes), nn.ReLU(),
            nn.Dropout(0.5), nn.Conv2d(planes, planes, 3, padding=1, bias=False), gn(planes),
            nn.ReLU(), nn.Dropout(0.1), nn.Conv2d(planes, num_classes, 1))

    def forward(self, x, low):
        outs = [b(x) for b in self.branches]
        outs.append(F.interpolate(self.pool(x), size=x.shape[2:], mode='bilinear',
                                  align_corners=True))
        x = self.conv1(torch.cat(outs, dim=1))
        low = self.low(low)
        x = F.interpolate(x, size=low.shape[2:], mode='bilinear', align_corners=True)
        return self.classifier(torch.cat([x, low], dim=1))


def copy_into_official(ours, official):
    """Copy our weights into the official layout (our pooled branch comes first in the concat)."""
    aspp = ours.aspp_modules
    for i, branch in enumerate(official.branches):
        branch[0].weight.data.copy_(aspp[i].conv.weight)
        branch[1].load_state_dict(aspp[i].gn.state_dict())
    official.pool[1].weight.data.copy_(ours.image_pool[1].conv.weight)
    official.pool[2].load_state_dict(ours.image_pool[1].gn.state_dict())
    w = ours.bottleneck[0].conv.weight
    c = w.shape[1] // 5
    official.conv1[0].weight.data.copy_(torch.cat([w[:, c:], w[:, :c]], dim=1))
    official.conv1[1].load_state_dict(ours.bottleneck[0].gn.state_dict())
    official.low[0].weight.data.copy_(ours.c1_bottleneck.conv.weight)
    official.low[1].load_state_dict(ours.c1_bottleneck.gn.state_dict())
    for dst, src in ((0, 0), (4, 2)):
        official.classifier[dst].weight.data.copy_(ours.decoder[src].conv.weight)
        official.classifier[dst + 1].load_state_dict(ours.decoder[src].gn.state_dict())
    official.classifier[8].load_state_dict(ours.conv_seg.state_dict())


def test_equals_the_official_aspp_and_decoder():
    torch.manual_seed(0)
    ours = head()
    ours.init_weights()
    for m in ours.modules():  # non-trivial norm parameters
        if isinstance(m, nn.GroupNorm):
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.2, 0.2)
    official = OfficialASPPDecoder(32, 16, 8, 4, 2)
    copy_into_official(ours, official)
    assert sum(p.numel() for p in ours.parameters()) == sum(
        p.numel() for p in official.parameters())
    feats = [torch.randn(2, 8, 16, 16), torch.randn(2, 8, 8, 8), torch.randn(2, 8, 4, 4),
             torch.randn(2, 32, 4, 4)]
    ours.eval(), official.eval()
    with torch.no_grad():
        torch.testing.assert_close(ours(feats), official(feats[3], feats[0]), atol=1e-5,
                                   rtol=1e-5)


def test_structure_official_details():
    h = head()
    convs = [m for n, m in h.named_modules() if isinstance(m, nn.Conv2d) and n != 'conv_seg']
    assert convs and all(c.bias is None for c in convs)
    assert h.bottleneck[0].conv.kernel_size == (1, 1)  # plain 1x1, not mmseg's 3x3
    dropouts = [m for m in h.modules() if isinstance(m, nn.modules.dropout._DropoutNd)]
    assert all(type(m) is nn.Dropout for m in dropouts)  # element-wise, not Dropout2d
    assert sorted(m.p for m in dropouts) == [0.1, 0.5, 0.5]
    h.train()
    feats = [torch.randn(1, 8, 16, 16)] * 3 + [torch.randn(1, 32, 4, 4)]
    assert not torch.equal(h(feats), h(feats))  # dropout active in training
    assert all(m.num_groups == 4 for m in h.modules() if isinstance(m, nn.GroupNorm))
    assert sum(isinstance(m, nn.GroupNorm) for m in h.modules()) == 9

import pytest
import torch

from cdkd.models import FeatureFusionNeck, fuse_features


def test_policies():
    a, b = torch.randn(2, 4, 5, 5), torch.randn(2, 4, 5, 5)
    assert torch.equal(fuse_features(a, b, 'diff'), a - b)
    assert torch.equal(fuse_features(a, b, 'abs_diff'), (a - b).abs())
    assert torch.equal(fuse_features(a, b, 'concat'), torch.cat([a, b], 1))
    assert torch.equal(fuse_features(a, b, 'sum'), a + b)
    with pytest.raises(ValueError, match='unknown fusion policy'):
        fuse_features(a, b, 'mul')


def test_neck_levels_and_selection():
    feats1 = [torch.randn(1, c, 8, 8) for c in (2, 4)]
    feats2 = [torch.randn(1, c, 8, 8) for c in (2, 4)]
    out = FeatureFusionNeck('concat')(feats1, feats2)
    assert [o.shape[1] for o in out] == [4, 8]
    out = FeatureFusionNeck('diff', out_indices=[1])(feats1, feats2)
    assert len(out) == 1 and torch.equal(out[0], feats1[1] - feats2[1])
    with pytest.raises(ValueError, match='levels'):
        FeatureFusionNeck()(feats1, feats2[:1])

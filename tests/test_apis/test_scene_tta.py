"""Large-scene inference with the config's TTA model: the MSI formula tile by tile, one forward
call per scale for a batch of tiles, normalisation as the plain path, clear config errors."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.model import BaseModel

from cdkd.apis import ChangeProbabilityNet, build_tta_model, infer_scene
from tests.test_apis.test_scene_inference import write_raster

pytest.importorskip('rasterio', reason='large-scene inference needs rasterio')
import rasterio  # noqa: E402

MEAN = [10.0, 20.0, 30.0, 40.0, 50.0, 60.0]
STD = [20.0, 30.0, 40.0, 50.0, 60.0, 70.0]
SCALES = (0.5, 1.0, 2.0)  # dyadic: tile and scene resize grids agree exactly in float32


def known_logits(x, two_class):
    """A pointwise map of the normalised input that is not flip-symmetric."""
    z = x[:, 3:].mean(1) - x[:, :3].mean(1) + 0.3 * x[:, 0]
    return torch.stack([0.5 * x[:, 1], z], 1) if two_class else z[:, None]


class KnownLogitModel(BaseModel):
    """A 'detector' returning ``known_logits`` at view size; records the batches it saw."""

    def __init__(self, two_class, tta_model):
        super().__init__(data_preprocessor=dict(type='ChangeDataPreProcessor', mean=MEAN, std=STD,
                                                temporal_bands=(3, 3), size_divisor=32))
        self.two_class = two_class
        self.batches = []
        self.cfg = Config(dict(tta_model=tta_model) if tta_model else {})

    def encode_decode(self, inputs, batch_img_metas):
        self.batches.append(tuple(inputs.shape))
        return known_logits(inputs, self.two_class)

    def forward(self, *args, **kwargs):
        raise AssertionError('scene TTA must not call forward')


def msi_reference(normalised, two_class):
    """Mean over scales and {original, width-flipped} of the per-view change probability
    (sigmoid of the logit, or the softmax change channel), un-flipped and resized back."""
    size = normalised.shape[-2:]
    views = []
    for s in SCALES:
        scaled = F.interpolate(normalised, size=(round(size[0] * s), round(size[1] * s)),
                               mode='bicubic', align_corners=False) if s != 1 else normalised
        for flip in (False, True):
            logits = known_logits(scaled.flip(-1) if flip else scaled, two_class)
            prob = logits.softmax(1)[:, 1] if two_class else torch.sigmoid(logits[:, 0])
            prob = prob.flip(-1) if flip else prob
            views.append(F.interpolate(prob[:, None], size=size, mode='bilinear',
                                       align_corners=False)[:, 0])
    return torch.stack(views).mean(0)[0]


@pytest.mark.parametrize('two_class', [False, True])
def test_scene_tta_equals_msi_formula_in_tile_interiors(tmp_path, two_class):
    rng = np.random.default_rng(0)
    stacked = rng.integers(0, 256, (6, 128, 192)).astype(np.uint8)
    path_t1 = write_raster(tmp_path / 'a.tif', stacked[:3])
    path_t2 = write_raster(tmp_path / 'b.tif', stacked[3:])
    model = KnownLogitModel(two_class, dict(type='MultiScaleChangeTTA', mode='msi', scales=SCALES))
    net = ChangeProbabilityNet(model, build_tta_model(model)).eval()
    infer_scene(net, path_t1, path_t2, str(tmp_path / 'c.tif'), tile=64, overlap=0, batch_size=3,
                prob_path=str(tmp_path / 'p.tif'), prob_dtype='float32', progress=False)
    with rasterio.open(tmp_path / 'p.tif') as src:
        prob = src.read(1)
    # 2 x 3 tiles in two batches of 3: one call per scale, the flipped copies in the same call.
    assert model.batches == [(6, 6, round(64 * s), round(64 * s)) for s in SCALES] * 2
    normalised = (torch.from_numpy(stacked).float()[None] - torch.tensor(MEAN).view(1, 6, 1, 1)) \
        / torch.tensor(STD).view(1, 6, 1, 1)
    expected = msi_reference(normalised, two_class).numpy()
    rows, cols = np.arange(128) % 64, np.arange(192) % 64  # >= 8 px from tile edges (resizes)
    interior = ((rows >= 8) & (rows < 56))[:, None] & ((cols >= 8) & (cols < 56))[None]
    np.testing.assert_allclose(prob[interior], expected[interior], atol=1e-6, rtol=0)
    assert prob.min() < 0.4 and prob.max() > 0.6  # not squashed by a second sigmoid


def test_missing_or_tensorless_tta_model_is_a_clear_error():
    with pytest.raises(KeyError, match=r"tta_model in the config, e.g. .*MultiScaleChangeTTA"):
        build_tta_model(KnownLogitModel(False, None))
    with pytest.raises(TypeError, match="'SegTTAModel' has no change_probability"):
        build_tta_model(KnownLogitModel(False, dict(type='SegTTAModel')))

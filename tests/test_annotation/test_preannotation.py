"""AI pre-annotation with a tiny cdkd change detector built and saved in the test."""
import numpy as np
import pytest
import torch

from cdkd.apis import change_probability, inference_model, init_model

from ..test_models.tiny import tiny_detector
from .conftest import FLASK_MISSING, decode_png

pytest.importorskip('flask', reason=FLASK_MISSING)

from cdkd.annotation import PreAnnotator, create_app  # noqa: E402
from cdkd.annotation.preannotation import probability_to_uint8  # noqa: E402

CONFIG = """
default_scope = 'cdkd'
model = {model!r}
test_dataloader = dict(dataset=dict(pipeline=[
    dict(type='LoadMultiImageFromFile'), dict(type='PackChangeInputs')]))
"""


@pytest.fixture(scope='module')
def tiny_models(tmp_path_factory):
    """Config file and checkpoint (mmengine layout) of a randomly initialised tiny detector, with
    a two-class softmax head (key False) and a single-logit sigmoid head (key True)."""
    folder = tmp_path_factory.mktemp('tiny_models')
    saved = {}
    for single_logit in (False, True):
        config = folder / f'tiny_cd_{int(single_logit)}.py'
        config.write_text(CONFIG.format(model=tiny_detector(single_logit=single_logit)))
        torch.manual_seed(0)
        model = init_model(str(config))
        checkpoint = folder / f'tiny_cd_{int(single_logit)}.pth'
        torch.save({'meta': {}, 'state_dict': model.state_dict()}, checkpoint)
        saved[single_logit] = str(config), str(checkpoint)
    return saved


@pytest.mark.parametrize('single_logit', [False, True])
def test_probability_endpoint_serves_the_model_probability(tiny_models, data_root, single_logit):
    config, checkpoint = tiny_models[single_logit]
    annotator = PreAnnotator(config, checkpoint)
    app = create_app(str(data_root), preannotator=annotator)
    client = app.test_client()
    assert client.get('/api/pairs').get_json()['preannotation'] is True

    response = client.get('/api/pairs/p0.png/probability.png')
    assert response.status_code == 200 and response.mimetype == 'image/png'
    served = decode_png(response.data)

    reference = init_model(config, checkpoint)
    pair = [str(data_root / 'A' / 'p0.png'), str(data_root / 'B' / 'p0.png')]
    prob = change_probability(inference_model(reference, pair))
    assert served.shape == (64, 80) and served.dtype == np.uint8
    np.testing.assert_array_equal(served, probability_to_uint8(prob))


def test_probability_is_predicted_once_per_pair(tiny_models, data_root, monkeypatch):
    from cdkd.annotation import preannotation
    config, checkpoint = tiny_models[False]
    annotator = PreAnnotator(config, checkpoint)
    calls = []
    real = preannotation.inference_model
    monkeypatch.setattr(preannotation, 'inference_model',
                        lambda model, pair: calls.append(pair) or real(model, pair))
    client = create_app(str(data_root), preannotator=annotator).test_client()
    first = client.get('/api/pairs/p1.png/probability.png').data
    assert client.get('/api/pairs/p1.png/probability.png').data == first
    assert len(calls) == 1
    assert client.get('/api/pairs/evil.png/probability.png').status_code == 404
    assert len(calls) == 1


def test_probability_to_uint8_rounds_and_clips():
    prob = np.array([[0.0, 0.5, 1.0, 1.5], [-0.2, 0.002, 0.998, 0.25]], np.float32)
    assert probability_to_uint8(prob).tolist() == [[0, 128, 255, 255], [0, 1, 254, 64]]


def test_probability_is_resized_to_the_requested_size(tiny_models, data_root):
    config, checkpoint = tiny_models[True]
    annotator = PreAnnotator(config, checkpoint)
    pair = str(data_root / 'A' / 'p0.png'), str(data_root / 'B' / 'p0.png')
    assert annotator.probability(*pair).shape == (64, 80)
    resized = annotator.probability(*pair, size=(32, 40))
    assert resized.shape == (32, 40) and resized.dtype == np.float32
    assert 0.0 <= resized.min() and resized.max() <= 1.0

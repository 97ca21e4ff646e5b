"""The Flask API through its test client: listing, display, path safety, masks, labels, state."""
import json
import os

import cv2
import numpy as np
import pytest
import tifffile

from cdkd.visualization import to_display_rgb

from .conftest import FLASK_MISSING, decode_png, png_bytes

pytest.importorskip('flask', reason=FLASK_MISSING)


def test_pairs_lists_only_partnered_files_inside_the_root(client):
    info = client.get('/api/pairs').get_json()
    assert info['names'] == ['ms.tif', 'p0.png', 'p1.png']
    assert info['last_index'] == 0 and info['preannotation'] is False


def test_index_page_and_static_files_are_served(client):
    assert b'panel-t1' in client.get('/').data
    assert client.get('/static/js/main.js').status_code == 200
    assert client.get('/static/../app.py').status_code in (400, 404)
    assert client.get('/static/%2E%2E/app.py').status_code in (400, 404)


@pytest.mark.parametrize('url', [
    '/api/pairs/..%2F..%2Fetc%2Fpasswd/A/preview.png',
    '/api/pairs/../A/preview.png',
    '/api/pairs/%2Fetc%2Fpasswd/A/preview.png',
    '/api/pairs/..%5Cp0.png/A/preview.png',
    '/api/pairs/../../../etc/passwd/meta',
    '/api/pairs/.hidden/meta',
    '/api/pairs/p0.png/..%2F..%2Foutside/preview.png',
    '/api/pairs/p0.png/label/preview.png',
    '/api/pairs/evil.png/A/preview.png',      # symlinked out of the root
    '/api/pairs/evil.png/meta',
    '/api/pairs/only_a.png/A/preview.png',    # no partner in B/
    '/api/pairs/nothing.png/mask.png',
])
def test_requests_outside_the_pairs_are_refused(client, url):
    response = client.get(url)
    assert response.status_code in (400, 404), url
    assert response.mimetype == 'application/json'


def test_malformed_names_are_400_and_unknown_names_404(client):
    assert client.get('/api/pairs/.hidden/meta').status_code == 400
    assert client.get('/api/pairs/..%5Cx/meta').status_code == 400
    assert client.get('/api/pairs/evil.png/meta').status_code == 404
    assert client.put('/api/state', json={'last_pair': '../p0.png'}).status_code == 400
    assert client.put('/api/pairs/evil.png/label', json={'label': 'change'}).status_code == 404


def test_symlinked_label_folder_is_refused(client, data_root, tmp_path):
    target = tmp_path / 'elsewhere'
    target.mkdir()
    os.symlink(target, data_root / 'label')
    mask = np.full((64, 80), 255, np.uint8)
    response = client.put('/api/pairs/p0.png/mask.png', data=png_bytes(mask))
    assert response.status_code == 400
    assert os.listdir(target) == []


def test_meta_preview_and_tiles(client, data_root):
    meta = client.get('/api/pairs/p0.png/meta').get_json()
    assert meta == dict(name='p0.png', index=1, width=80, height=64, preview_width=32,
                        preview_height=26, tile_size=32, has_mask=False, image_label=None)
    preview = decode_png(client.get('/api/pairs/p0.png/B/preview.png').data, cv2.IMREAD_COLOR)
    assert preview.shape == (26, 32, 3)
    rgb = cv2.cvtColor(cv2.imread(str(data_root / 'A' / 'p0.png')), cv2.COLOR_BGR2RGB)
    tile = decode_png(client.get('/api/pairs/p0.png/A/tiles/2/1.png').data, cv2.IMREAD_COLOR)
    np.testing.assert_array_equal(cv2.cvtColor(tile, cv2.COLOR_BGR2RGB), rgb[32:64, 64:80])
    assert client.get('/api/pairs/p0.png/A/tiles/3/0.png').status_code == 404
    assert client.get('/api/pairs/p0.png/A/tiles/0/2.png').status_code == 404


def test_multiband_uint16_is_shown_through_to_display_rgb(client, data_root):
    image = tifffile.imread(data_root / 'A' / 'ms.tif')
    tile = decode_png(client.get('/api/pairs/ms.tif/A/tiles/1/0.png').data, cv2.IMREAD_COLOR)
    expected = to_display_rgb(image)[:, 32:48]
    np.testing.assert_array_equal(cv2.cvtColor(tile, cv2.COLOR_BGR2RGB), expected)


def test_mismatched_pair_sizes_are_reported(client, data_root):
    cv2.imwrite(str(data_root / 'B' / 'p1.png'), np.zeros((10, 10, 3), np.uint8))
    response = client.get('/api/pairs/p1.png/meta')
    assert response.status_code == 422
    assert 'A/p1.png is 80 x 64 but B/p1.png is 10 x 10' in response.get_json()['error']


def test_mask_save_writes_0_255_and_keeps_the_previous_version(client, data_root):
    rgba = np.zeros((64, 80, 4), np.uint8)
    rgba[10:20, 30:50] = (220, 0, 255, 255)  # the canvas overlay: change = opaque
    result = client.put('/api/pairs/p0.png/mask.png', data=png_bytes(rgba)).get_json()
    assert result == dict(saved='label/p0.png', previous=None, changed_pixels=200)
    saved = cv2.imread(str(data_root / 'label' / 'p0.png'), cv2.IMREAD_UNCHANGED)
    expected = np.zeros((64, 80), np.uint8)
    expected[10:20, 30:50] = 255
    np.testing.assert_array_equal(saved, expected)
    np.testing.assert_array_equal(decode_png(client.get('/api/pairs/p0.png/mask.png').data),
                                  expected)
    assert client.get('/api/pairs/p0.png/meta').get_json()['has_mask'] is True

    rgba[:] = 0
    result = client.put('/api/pairs/p0.png/mask.png', data=png_bytes(rgba)).get_json()
    assert result['previous'].startswith('label/.history/p0.')
    np.testing.assert_array_equal(cv2.imread(str(data_root / result['previous']),
                                             cv2.IMREAD_UNCHANGED), expected)
    assert cv2.imread(str(data_root / 'label' / 'p0.png'), cv2.IMREAD_UNCHANGED).max() == 0


def test_mask_of_wrong_size_or_format_is_refused(client, data_root):
    response = client.put('/api/pairs/p0.png/mask.png', data=png_bytes(np.zeros((8, 8), np.uint8)))
    assert response.status_code == 400 and '8 x 8' in response.get_json()['error']
    assert client.put('/api/pairs/p0.png/mask.png', data=b'junk').status_code == 400
    assert not (data_root / 'label').exists()


def test_image_labels_are_saved_per_pair(client, data_root):
    assert client.put('/api/pairs/p0.png/label', json={'label': 'change'}).status_code == 200
    client.put('/api/pairs/p1.png/label', json={'label': 'no_change'})
    assert client.get('/api/labels').get_json() == {'p0.png': 'change', 'p1.png': 'no_change'}
    client.put('/api/pairs/p1.png/label', json={'label': None})
    assert json.loads((data_root / 'image_labels.json').read_text()) == {'p0.png': 'change'}
    assert client.get('/api/pairs/p0.png/meta').get_json()['image_label'] == 'change'
    assert client.put('/api/pairs/p0.png/label', json={'label': 'yes'}).status_code == 400


def test_last_pair_is_persisted(client, data_root):
    from cdkd.annotation import create_app
    assert client.put('/api/state', json={'last_pair': 'p1.png'}).status_code == 200
    reopened = create_app(str(data_root)).test_client()
    assert reopened.get('/api/pairs').get_json()['last_index'] == 2
    assert client.put('/api/state', json={'last_pair': 3}).status_code == 400


def test_probability_without_a_model_is_404(client):
    response = client.get('/api/pairs/p0.png/probability.png')
    assert response.status_code == 404 and '--checkpoint' in response.get_json()['error']


def test_unreadable_image_is_reported_as_json(client, data_root):
    (data_root / 'A' / 'p1.png').write_bytes(b'not an image')
    response = client.get('/api/pairs/p1.png/meta')
    assert response.status_code == 500
    assert 'cannot decode image' in response.get_json()['error']
    assert 'A/p1.png' in response.get_json()['error']


@pytest.mark.parametrize('body', [
    dict(data='change', content_type='text/plain'),          # not JSON
    dict(data='{"label": ', content_type='application/json'),  # broken JSON
    dict(json=['change']),                                    # a list
    dict(json='change'),                                      # a bare string
    dict(json={'lable': 'change'}),                           # no "label" key
])
def test_label_put_with_a_bad_body_is_400_and_keeps_the_label(client, data_root, body):
    assert client.put('/api/pairs/p0.png/label', json={'label': 'change'}).status_code == 200
    before = (data_root / 'image_labels.json').read_bytes()
    response = client.put('/api/pairs/p0.png/label', **body)
    assert response.status_code == 400
    assert '"label"' in response.get_json()['error']
    assert (data_root / 'image_labels.json').read_bytes() == before


@pytest.mark.parametrize('body', [dict(json=['p1.png']), dict(data='p1.png')])
def test_state_put_with_a_bad_body_is_400(client, data_root, body):
    response = client.put('/api/state', **body)
    assert response.status_code == 400 and 'last_pair' in response.get_json()['error']
    assert not (data_root / '.cdkd_annotation_state.json').exists()


def test_empty_mask_body_is_400_with_a_message(client, data_root):
    response = client.put('/api/pairs/p0.png/mask.png', data=b'')
    assert response.status_code == 400 and 'empty' in response.get_json()['error']
    response = client.put('/api/pairs/p0.png/mask.png', json=[1, 2])
    assert response.status_code == 400 and 'not a PNG' in response.get_json()['error']
    assert not (data_root / 'label').exists()


def png_declaring(width, height):
    """A small PNG whose IHDR (with a valid CRC) declares ``width x height``."""
    import struct
    import zlib
    content = bytearray(png_bytes(np.zeros((8, 8), np.uint8)))
    ihdr = bytes(content[12:16]) + struct.pack('>II', width, height) + bytes(content[24:29])
    content[16:24] = struct.pack('>II', width, height)
    content[29:33] = struct.pack('>I', zlib.crc32(ihdr))
    return bytes(content)


def test_huge_declared_png_is_refused_before_decoding(client, data_root, monkeypatch):
    from cdkd.annotation import storage

    def no_decoding(*args, **kwargs):
        raise AssertionError('the PNG was decoded')

    assert client.get('/api/pairs/p0.png/meta').status_code == 200  # the image itself is cached
    monkeypatch.setattr(storage.cv2, 'imdecode', no_decoding)
    response = client.put('/api/pairs/p0.png/mask.png', data=png_declaring(20000, 20000))
    assert response.status_code == 400
    assert '20000 x 20000' in response.get_json()['error']
    assert not (data_root / 'label').exists()


def test_symlinked_history_folder_is_refused(client, data_root, tmp_path):
    first = np.zeros((64, 80), np.uint8)
    assert client.put('/api/pairs/p0.png/mask.png', data=png_bytes(first)).status_code == 200
    saved = (data_root / 'label' / 'p0.png').read_bytes()
    target = tmp_path / 'elsewhere'
    target.mkdir()
    os.symlink(target, data_root / 'label' / '.history')
    response = client.put('/api/pairs/p0.png/mask.png', data=png_bytes(first + 255))
    assert response.status_code == 400 and 'outside the data root' in response.get_json()['error']
    assert os.listdir(target) == []
    assert (data_root / 'label' / 'p0.png').read_bytes() == saved


def test_symlinked_image_labels_file_is_refused(client, data_root, tmp_path):
    outside = tmp_path / 'outside_labels.json'
    outside.write_text('{"secret.png": "change"}')
    os.symlink(outside, data_root / 'image_labels.json')
    assert client.get('/api/labels').status_code == 400
    assert client.get('/api/pairs/p0.png/meta').status_code == 400
    assert client.put('/api/pairs/p0.png/label', json={'label': 'change'}).status_code == 400
    assert outside.read_text() == '{"secret.png": "change"}'
    assert os.path.islink(data_root / 'image_labels.json')

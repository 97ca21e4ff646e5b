"""Flask app factory of the change annotation tool (``tools/annotate.py``)."""
import io
import os.path as osp
from typing import Optional

import cv2
from flask import Flask, abort, jsonify, request, send_file, send_from_directory
from werkzeug.exceptions import HTTPException

from .imagery import DisplayImages
from .pairs import SIDES, PairIndex, UnknownPairError
from .path_safety import UnsafePathError, resolve_inside
from .preannotation import PreAnnotator, probability_to_uint8
from .storage import JsonStore, MaskStore, check_image_label, decode_mask_png, encode_png

STATIC_DIR = osp.join(osp.dirname(osp.abspath(__file__)), 'static')
IMAGE_LABELS_FILE = 'image_labels.json'
STATE_FILE = '.cdkd_annotation_state.json'


def create_app(data_root: str, preannotator: Optional[PreAnnotator] = None,
               preview_max_side: int = 1024, tile_size: int = 512) -> Flask:
    """The annotation web app for ``data_root`` (``A/``, ``B/``, optional ``label/``).

    Masks are saved to ``label/<stem>.png`` (0/255) with previous versions in ``label/.history``,
    per-pair labels to ``image_labels.json`` and the last visited pair to
    ``.cdkd_annotation_state.json``, all written atomically. Pair names from the browser must be
    file names listed in ``A/``; anything else is refused (400 malformed, 404 unknown).
    """
    pairs = PairIndex(data_root)
    root = pairs.root
    images = DisplayImages(preview_max_side=preview_max_side, tile_size=tile_size)
    masks = MaskStore(root)
    image_labels = JsonStore(root, IMAGE_LABELS_FILE)
    state = JsonStore(root, STATE_FILE)

    app = Flask(__name__, static_folder=None)
    app.config['MAX_CONTENT_LENGTH'] = 512 * 1024 * 1024

    @app.errorhandler(UnsafePathError)
    def _unsafe(error):
        return jsonify(error=str(error)), 400

    @app.errorhandler(UnknownPairError)
    def _unknown(error):
        return jsonify(error=str(error)), 404

    @app.errorhandler(HTTPException)
    def _http(error):
        return jsonify(error=error.description), error.code

    @app.errorhandler(Exception)
    def _failed(error):  # e.g. an unreadable image: the browser shows the message
        app.logger.exception('request failed')
        return jsonify(error=f'{type(error).__name__}: {error}'), 500

    def mask_stem(name):
        pairs.index(name)
        stem = pairs.stem(name)
        masks.path(stem)  # refuse a label/ symlinked out of the root
        return stem

    def json_field(key, expected):
        """``body[key]`` of a JSON object body; anything else is a 400 that changes nothing."""
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or key not in body:
            abort(400, f'expected a JSON object {expected}')
        return body[key]

    def png(array, rgb=False, cache=True):
        content = encode_png(cv2.cvtColor(array, cv2.COLOR_RGB2BGR) if rgb else array)
        response = send_file(io.BytesIO(content), mimetype='image/png')
        response.headers['Cache-Control'] = 'private, max-age=60' if cache else 'no-store'
        return response

    @app.get('/')
    def index():
        return send_from_directory(STATIC_DIR, 'index.html')

    @app.get('/favicon.ico')
    def favicon():
        return '', 204

    @app.get('/static/<path:filename>')
    def static_file(filename):
        resolve_inside(STATIC_DIR, filename)
        return send_from_directory(STATIC_DIR, filename)

    @app.get('/api/pairs')
    def list_pairs():
        last = state.read().get('last_pair')
        return jsonify(names=pairs.names, last_index=pairs.names.index(last)
                       if last in pairs.names else 0,
                       preannotation=preannotator is not None, tile_size=tile_size)

    @app.get('/api/pairs/<name>/meta')
    def meta(name):
        sizes = {side: images.rgb(pairs.image_path(name, side)).shape[:2] for side in SIDES}
        if sizes['A'] != sizes['B']:
            abort(422, f'A/{name} is {sizes["A"][1]} x {sizes["A"][0]} but B/{name} is '
                       f'{sizes["B"][1]} x {sizes["B"][0]}; the pair must be co-registered')
        height, width = sizes['A']
        preview_height, preview_width = images.preview_size(height, width)
        stem = mask_stem(name)
        return jsonify(name=name, index=pairs.index(name), width=width, height=height,
                       preview_width=preview_width, preview_height=preview_height,
                       tile_size=tile_size, has_mask=masks.load(stem) is not None,
                       image_label=image_labels.read().get(name))

    @app.get('/api/pairs/<name>/<side>/preview.png')
    def preview(name, side):
        return png(images.preview(pairs.image_path(name, side)), rgb=True)

    @app.get('/api/pairs/<name>/<side>/tiles/<int:col>/<int:row>.png')
    def tile(name, side, col, row):
        try:
            return png(images.tile(pairs.image_path(name, side), col, row), rgb=True)
        except IndexError as e:
            abort(404, str(e))

    @app.get('/api/pairs/<name>/mask.png')
    def get_mask(name):
        mask = masks.load(mask_stem(name))
        if mask is None:
            abort(404, f'no mask saved for {name}')
        return png(mask.astype('uint8') * 255, cache=False)

    @app.put('/api/pairs/<name>/mask.png')
    def put_mask(name):
        stem = mask_stem(name)
        height, width = images.rgb(pairs.image_path(name, 'A')).shape[:2]
        try:
            mask = decode_mask_png(request.get_data(), expected_size=(width, height))
        except ValueError as e:
            abort(400, f'{name}: {e}')
        kept = masks.save(stem, mask)
        return jsonify(saved=osp.relpath(masks.path(stem), root),
                       previous=osp.relpath(kept, root) if kept else None,
                       changed_pixels=int(mask.sum()))

    @app.get('/api/labels')
    def get_labels():
        return jsonify(image_labels.read())

    @app.put('/api/pairs/<name>/label')
    def put_label(name):
        pairs.index(name)
        try:
            value = check_image_label(
                json_field('label', '{"label": "change" | "no_change" | null}'))
        except ValueError as e:
            abort(400, str(e))
        return jsonify(image_labels.update(name, value))

    @app.put('/api/state')
    def put_state():
        name = json_field('last_pair', '{"last_pair": "<pair name>"}')
        if not isinstance(name, str):
            abort(400, 'expected {"last_pair": "<pair name>"}')
        pairs.index(name)
        return jsonify(state.update('last_pair', name))

    @app.get('/api/pairs/<name>/probability.png')
    def probability(name):
        if preannotator is None:
            abort(404, 'no model loaded: start the tool with --config and --checkpoint')
        path_t1, path_t2 = pairs.image_path(name, 'A'), pairs.image_path(name, 'B')
        prob = preannotator.probability(path_t1, path_t2, size=images.rgb(path_t1).shape[:2])
        return png(probability_to_uint8(prob))

    return app

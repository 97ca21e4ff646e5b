"""A small data root for the annotation tool tests: RGB and uint16 multi-band pairs, plus files
that must not be served (an unpaired image, symlinks out of the root)."""
import os

import cv2
import numpy as np
import pytest

FLASK_MISSING = 'the annotation tool needs Flask (requirements/runtime.txt)'


def write_png(path, array):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    assert cv2.imwrite(str(path), array)


@pytest.fixture
def data_root(tmp_path):
    """``root/{A,B}`` with pairs ``p0.png`` (64 x 80 RGB), ``p1.png`` and ``ms.tif`` (4-band
    uint16), ``A/only_a.png`` without partner, ``{A,B}/evil.png`` symlinked outside the root."""
    import tifffile
    rng = np.random.default_rng(0)
    root = tmp_path / 'root'
    for side in 'AB':
        for name in ('p0.png', 'p1.png'):
            write_png(root / side / name, rng.integers(0, 256, (64, 80, 3), dtype=np.uint8))
        tifffile.imwrite(root / side / 'ms.tif',
                         rng.integers(0, 4000, (32, 48, 4), dtype=np.uint16))
    write_png(root / 'A' / 'only_a.png', np.zeros((8, 8, 3), np.uint8))
    outside = tmp_path / 'outside'
    write_png(outside / 'secret.png', np.full((8, 8, 3), 7, np.uint8))
    for side in 'AB':
        os.symlink(outside / 'secret.png', root / side / 'evil.png')
    return root


@pytest.fixture
def client(data_root):
    from cdkd.annotation import create_app
    app = create_app(str(data_root), preview_max_side=32, tile_size=32)
    app.testing = True
    return app.test_client()


def png_bytes(array):
    ok, buf = cv2.imencode('.png', array)
    assert ok
    return buf.tobytes()


def decode_png(content, flags=cv2.IMREAD_UNCHANGED):
    return cv2.imdecode(np.frombuffer(content, np.uint8), flags)

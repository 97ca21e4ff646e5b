import json
import os

import cv2
import numpy as np
import pytest

from .conftest import FLASK_MISSING

pytest.importorskip('flask', reason=FLASK_MISSING)

from cdkd.annotation import storage  # noqa: E402
from cdkd.annotation.storage import JsonStore, MaskStore, atomic_write_bytes  # noqa: E402
from cdkd.annotation.storage import check_image_label, decode_mask_png  # noqa: E402


def test_atomic_write_leaves_old_file_when_the_rename_fails(tmp_path, monkeypatch):
    path = tmp_path / 'f.bin'
    atomic_write_bytes(str(path), b'old')

    def crash(src, dst):
        raise OSError('simulated crash')

    monkeypatch.setattr(storage.os, 'replace', crash)
    with pytest.raises(OSError, match='simulated'):
        atomic_write_bytes(str(path), b'new content')
    assert path.read_bytes() == b'old'
    assert os.listdir(tmp_path) == ['f.bin']  # no temp file left behind


def test_mask_store_keeps_every_overwritten_version(tmp_path):
    store = MaskStore(str(tmp_path))
    first = np.zeros((4, 5), bool)
    first[1, 2] = True
    assert store.save('x', first) is None
    saved = cv2.imread(store.path('x'), cv2.IMREAD_UNCHANGED)
    assert saved.dtype == np.uint8 and saved.shape == (4, 5)
    assert saved[1, 2] == 255 and saved.sum() == 255
    first_bytes = open(store.path('x'), 'rb').read()

    assert store.save('x', first) is None  # unchanged: no history entry
    second = ~first
    kept = store.save('x', second)
    assert kept is not None and os.path.dirname(kept) == str(tmp_path / 'label' / '.history')
    assert open(kept, 'rb').read() == first_bytes
    store.save('x', first)
    assert len(store.history('x')) == 2
    assert store.history('x')[0] == os.path.basename(kept)
    np.testing.assert_array_equal(store.load('x'), first)
    assert store.load('missing') is None
    assert store.history('x.y') == []


def test_decode_mask_png_uses_alpha_of_rgba_and_nonzero_of_grey():
    rgba = np.zeros((3, 4, 4), np.uint8)
    rgba[0, 0] = (0, 0, 255, 255)
    rgba[0, 1] = (0, 0, 255, 127)  # below half coverage: no change
    rgba[2, 3, :3] = 255           # colour without alpha: no change
    mask = decode_mask_png(cv2.imencode('.png', rgba)[1].tobytes())
    assert mask.tolist() == [[True, False, False, False], [False] * 4, [False] * 4]
    grey = np.array([[0, 1], [255, 0]], np.uint8)
    assert decode_mask_png(cv2.imencode('.png', grey)[1].tobytes()).tolist() == [[False, True],
                                                                                 [True, False]]
    with pytest.raises(ValueError, match='PNG'):
        decode_mask_png(b'not a png')


def test_json_store_updates_and_removes_keys_atomically(tmp_path):
    store = JsonStore(str(tmp_path), 'image_labels.json')
    assert store.read() == {}
    store.update('a.png', 'change')
    store.update('b.png', 'no_change')
    assert store.update('a.png', None) == {'b.png': 'no_change'}
    assert json.loads((tmp_path / 'image_labels.json').read_text()) == {'b.png': 'no_change'}
    (tmp_path / 'image_labels.json').write_text('{broken')
    with pytest.raises(ValueError, match='image_labels.json'):
        store.read()


def test_check_image_label():
    assert check_image_label('change') == 'change'
    assert check_image_label(None) is None
    with pytest.raises(ValueError, match='no_change'):
        check_image_label('maybe')


def test_a_save_waits_for_another_process_holding_the_data_root_lock(tmp_path):
    """Two tool instances on one root: a save blocks while the other process holds the lock, so
    neither can read the previous mask while the other replaces it (no version is lost)."""
    import subprocess
    import sys
    import threading
    store = MaskStore(str(tmp_path))
    store.save('x', np.zeros((4, 5), bool))
    holder = subprocess.Popen(
        [sys.executable, '-c', 'import sys; from filelock import FileLock; '
         f'lock = FileLock({str(tmp_path / storage.LOCK_FILE)!r}); lock.acquire(); '
         'print("held", flush=True); sys.stdin.read()'],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == 'held'
        saver = threading.Thread(target=store.save, args=('x', np.ones((4, 5), bool)))
        saver.start()
        saver.join(timeout=1.0)
        assert saver.is_alive(), 'the save did not wait for the lock of the other process'
        assert not store.load('x').any()
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    saver.join(timeout=30)
    assert store.load('x').all() and len(store.history('x')) == 1

"""Atomic, versioned storage of masks, per-pair image labels and the session state.

Every file is resolved inside the data root on each access (a ``label/.history`` or JSON file
symlinked out of the root is refused), and every read-modify-write holds one inter-process lock
per data root, so two tool instances on one root never lose each other's saves.
"""
import datetime
import json
import os
import os.path as osp
import re
import struct
from typing import Dict, List, Optional, Tuple

import cv2
import numpy as np
from filelock import FileLock

from cdkd.utils.atomic_write import atomic_write_bytes
from .path_safety import resolve_inside

IMAGE_LABELS = ('change', 'no_change')
LABEL_DIR = 'label'
HISTORY_DIR = '.history'
LOCK_FILE = '.cdkd_annotation.lock'
LOCK_TIMEOUT_S = 60
PNG_SIGNATURE = b'\x89PNG\r\n\x1a\n'


def root_lock(root: str) -> FileLock:
    """The inter-process lock of a data root (``<root>/.cdkd_annotation.lock``)."""
    return FileLock(resolve_inside(root, LOCK_FILE), timeout=LOCK_TIMEOUT_S)


def encode_png(array: np.ndarray) -> bytes:
    ok, buf = cv2.imencode('.png', array)
    if not ok:
        raise ValueError(f'cannot encode an array of shape {array.shape} as PNG')
    return buf.tobytes()


def png_size(content: bytes) -> Tuple[int, int]:
    """``(width, height)`` declared in a PNG's IHDR header, read without decoding the image."""
    if not content:
        raise ValueError('the mask body is empty: send the mask as a PNG')
    # signature, chunk length (13), 'IHDR', width, height (big-endian uint32)
    if len(content) < 24 or content[:8] != PNG_SIGNATURE or content[12:16] != b'IHDR':
        raise ValueError('the mask is not a PNG (no PNG signature and IHDR header)')
    return struct.unpack('>II', content[16:24])


def decode_mask_png(content: bytes, expected_size: Optional[Tuple[int, int]] = None
                    ) -> np.ndarray:
    """A mask PNG from the browser as a bool ``H x W`` array: with an alpha channel (the canvas
    overlay) change is alpha >= 128, otherwise any nonzero value. With ``expected_size``
    ``(width, height)`` a PNG declaring another size is refused before it is decoded (a small
    file can declare a huge image)."""
    width, height = png_size(content)
    if expected_size is not None and (width, height) != tuple(expected_size):
        raise ValueError(f'mask is {width} x {height}, the image is '
                         f'{expected_size[0]} x {expected_size[1]}')
    img = cv2.imdecode(np.frombuffer(content, np.uint8), cv2.IMREAD_UNCHANGED)
    if img is None:
        raise ValueError('the mask is not a decodable PNG')
    if img.ndim == 3 and img.shape[2] == 4:
        return img[..., 3] >= 128
    if img.ndim == 3:
        return img.max(axis=2) > 0
    return img > 0


class MaskStore:
    """Masks as ``<root>/label/<stem>.png`` (0/255, one channel); each overwritten version is
    kept as ``label/.history/<stem>.<UTC timestamp>.png``."""

    def __init__(self, root: str):
        self.root = root
        self._lock = root_lock(root)

    @property
    def history_dir(self) -> str:
        return resolve_inside(self.root, f'{LABEL_DIR}/{HISTORY_DIR}')

    def path(self, stem: str) -> str:
        return resolve_inside(self.root, f'{LABEL_DIR}/{stem}.png')

    def load(self, stem: str) -> Optional[np.ndarray]:
        """The stored mask as bool ``H x W`` (any nonzero value is change), or None."""
        path = self.path(stem)
        if not osp.isfile(path):
            return None
        mask = cv2.imread(path, cv2.IMREAD_UNCHANGED)
        if mask is None:
            raise ValueError(f'cannot read mask {path}')
        return (mask.max(axis=2) if mask.ndim == 3 else mask) > 0

    def save(self, stem: str, mask: np.ndarray) -> Optional[str]:
        """Store ``mask`` (nonzero = change) as 0/255. Returns the history file the previous
        version was kept in, or None (no previous file, or it held the same mask)."""
        content = encode_png(np.where(mask, 255, 0).astype(np.uint8))
        path = self.path(stem)
        with self._lock:
            kept = None
            if osp.isfile(path):
                with open(path, 'rb') as f:
                    previous = f.read()
                if previous == content:
                    return None
                kept = self._history_path(stem)
                atomic_write_bytes(kept, previous)
            atomic_write_bytes(path, content)
            return kept

    def history(self, stem: str) -> List[str]:
        """File names of the kept versions of ``stem``, oldest first."""
        history_dir = self.history_dir
        if not osp.isdir(history_dir):
            return []
        pattern = re.compile(re.escape(stem) + r'\.\d{8}T\d{12}Z(-\d+)?\.png')
        return sorted(f for f in os.listdir(history_dir) if pattern.fullmatch(f))

    def _history_path(self, stem: str) -> str:
        stamp = datetime.datetime.now(datetime.timezone.utc).strftime('%Y%m%dT%H%M%S%fZ')
        history_dir = self.history_dir
        path, n = osp.join(history_dir, f'{stem}.{stamp}.png'), 1
        while osp.exists(path):  # two saves within a microsecond
            path, n = osp.join(history_dir, f'{stem}.{stamp}-{n}.png'), n + 1
        return path


class JsonStore:
    """A JSON object in the file ``<root>/<name>``, rewritten atomically on every change."""

    def __init__(self, root: str, name: str):
        self.root, self.name = root, name
        self._lock = root_lock(root)

    @property
    def path(self) -> str:
        return resolve_inside(self.root, self.name)

    def read(self) -> Dict:
        path = self.path
        if not osp.isfile(path):
            return {}
        with open(path) as f:
            try:
                data = json.load(f)
            except json.JSONDecodeError as e:
                raise ValueError(f'{path} is not valid JSON: {e}') from e
        if not isinstance(data, dict):
            raise ValueError(f'{path} must hold a JSON object, got {type(data).__name__}')
        return data

    def update(self, key: str, value) -> Dict:
        """Set ``key`` to ``value`` (None removes it) and write the file."""
        with self._lock:
            data = self.read()
            if value is None:
                data.pop(key, None)
            else:
                data[key] = value
            text = json.dumps(data, indent=2, sort_keys=True) + '\n'
            atomic_write_bytes(self.path, text.encode())
            return data


def check_image_label(value) -> Optional[str]:
    if value is not None and value not in IMAGE_LABELS:
        raise ValueError(f'image label must be one of {IMAGE_LABELS} or null, got {value!r}')
    return value

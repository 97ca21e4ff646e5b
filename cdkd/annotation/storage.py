"""Atomic, versioned storage of masks, per-pair image labels and the session state."""
import datetime
import json
import os
import os.path as osp
import re
import threading
from typing import Dict, List, Optional

import cv2
import numpy as np

from cdkd.utils.atomic_write import atomic_write_bytes

IMAGE_LABELS = ('change', 'no_change')
HISTORY_DIR = '.history'


def encode_png(array: np.ndarray) -> bytes:
    ok, buf = cv2.imencode('.png', array)
    if not ok:
        raise ValueError(f'cannot encode an array of shape {array.shape} as PNG')
    return buf.tobytes()


def decode_mask_png(content: bytes) -> np.ndarray:
    """A mask PNG from the browser as a bool ``H x W`` array: with an alpha channel (the canvas
    overlay) change is alpha >= 128, otherwise any nonzero value."""
    img = cv2.imdecode(np.frombuffer(content, np.uint8), cv2.IMREAD_UNCHANGED)
    if img is None:
        raise ValueError('the mask is not a decodable PNG')
    if img.ndim == 3 and img.shape[2] == 4:
        return img[..., 3] >= 128
    if img.ndim == 3:
        return img.max(axis=2) > 0
    return img > 0


class MaskStore:
    """Masks as ``label/<stem>.png`` (0/255, one channel); each overwritten version is kept as
    ``label/.history/<stem>.<UTC timestamp>.png``."""

    def __init__(self, label_dir: str):
        self.label_dir = label_dir
        self.history_dir = osp.join(label_dir, HISTORY_DIR)
        self._lock = threading.Lock()

    def path(self, stem: str) -> str:
        return osp.join(self.label_dir, stem + '.png')

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
        if not osp.isdir(self.history_dir):
            return []
        pattern = re.compile(re.escape(stem) + r'\.\d{8}T\d{12}Z(-\d+)?\.png')
        return sorted(f for f in os.listdir(self.history_dir) if pattern.fullmatch(f))

    def _history_path(self, stem: str) -> str:
        stamp = datetime.datetime.now(datetime.timezone.utc).strftime('%Y%m%dT%H%M%S%fZ')
        path, n = osp.join(self.history_dir, f'{stem}.{stamp}.png'), 1
        while osp.exists(path):  # two saves within a microsecond
            path, n = osp.join(self.history_dir, f'{stem}.{stamp}-{n}.png'), n + 1
        return path


class JsonStore:
    """A JSON object in one file, rewritten atomically on every change."""

    def __init__(self, path: str):
        self.path = path
        self._lock = threading.Lock()

    def read(self) -> Dict:
        if not osp.isfile(self.path):
            return {}
        with open(self.path) as f:
            try:
                data = json.load(f)
            except json.JSONDecodeError as e:
                raise ValueError(f'{self.path} is not valid JSON: {e}') from e
        if not isinstance(data, dict):
            raise ValueError(f'{self.path} must hold a JSON object, got {type(data).__name__}')
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

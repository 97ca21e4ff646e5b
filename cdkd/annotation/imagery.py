"""Display versions of the pair images: a downscaled preview and full-resolution tiles.

The browser first gets a preview whose longer side is at most ``preview_max_side`` and asks for
``tile_size`` tiles of the full-resolution display image only where it zooms in, so a large scene
is never sent whole. Any band count and dtype is shown through ``to_display_rgb`` (first three
bands, percentile stretch for non-uint8), computed once per image so tiles share one stretch.
"""
import os
import os.path as osp
import threading
from collections import OrderedDict
from typing import Tuple

import cv2
import numpy as np

from cdkd.datasets.transforms.loading import decode_image
from cdkd.visualization import to_display_rgb


def read_image(path: str) -> np.ndarray:
    """An image file as ``H x W x C`` in file band order (the training pipeline's reader)."""
    with open(path, 'rb') as f:
        return decode_image(f.read(), path)


class DisplayImages:
    """Display RGB arrays (uint8) of image files, the ``capacity`` most recent kept in memory."""

    def __init__(self, preview_max_side: int = 1024, tile_size: int = 512, capacity: int = 6):
        self.preview_max_side = preview_max_side
        self.tile_size = tile_size
        self.capacity = capacity
        self._cache: 'OrderedDict[Tuple[str, float], np.ndarray]' = OrderedDict()
        self._lock = threading.Lock()

    def rgb(self, path: str) -> np.ndarray:
        key = (path, os.stat(path).st_mtime)
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        rgb = to_display_rgb(read_image(path))
        with self._lock:
            self._cache[key] = rgb
            while len(self._cache) > self.capacity:
                self._cache.popitem(last=False)
        return rgb

    def preview_size(self, height: int, width: int) -> Tuple[int, int]:
        """(height, width) of the preview: the image scaled so its longer side fits."""
        scale = min(1.0, self.preview_max_side / max(height, width))
        return max(1, round(height * scale)), max(1, round(width * scale))

    def preview(self, path: str) -> np.ndarray:
        rgb = self.rgb(path)
        height, width = self.preview_size(*rgb.shape[:2])
        if (height, width) == rgb.shape[:2]:
            return rgb
        return cv2.resize(rgb, (width, height), interpolation=cv2.INTER_AREA)

    def tile(self, path: str, col: int, row: int) -> np.ndarray:
        """Full-resolution tile (``col``, ``row``), smaller at the edges; IndexError if outside."""
        rgb = self.rgb(path)
        height, width = rgb.shape[:2]
        x0, y0 = col * self.tile_size, row * self.tile_size
        if col < 0 or row < 0 or x0 >= width or y0 >= height:
            raise IndexError(f'tile ({col}, {row}) is outside the {width} x {height} image '
                             f'{osp.basename(path)}')
        return rgb[y0:y0 + self.tile_size, x0:x0 + self.tile_size]

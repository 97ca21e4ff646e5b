"""AI pre-annotation: a cdkd change detector proposes a change-probability map for a pair."""
import threading
from collections import OrderedDict
from typing import Optional, Tuple

import cv2
import numpy as np

from cdkd.apis import change_probability, inference_model, init_model


class PreAnnotator:
    """Wraps any registered cdkd change detector built by ``init_model(config, checkpoint)``.

    ``probability`` returns the per-pixel change probability (float32 in [0, 1], the size of the
    t1 image); the browser thresholds it with its slider, so a pair is predicted once. The last
    ``capacity`` maps are cached; predictions run one at a time.
    """

    def __init__(self, config: str, checkpoint: str, device: str = 'cpu', capacity: int = 8):
        self.config, self.checkpoint = config, checkpoint
        self.model = init_model(config, checkpoint, device=device)
        self.capacity = capacity
        self._cache: 'OrderedDict[Tuple[str, str], np.ndarray]' = OrderedDict()
        self._lock = threading.Lock()

    def probability(self, path_t1: str, path_t2: str,
                    size: Optional[Tuple[int, int]] = None) -> np.ndarray:
        """Change probability of the pair; resized (bilinear) to ``size`` = (H, W) if given."""
        key = (path_t1, path_t2)
        with self._lock:
            if key not in self._cache:
                prob = change_probability(inference_model(self.model, [path_t1, path_t2]))
                self._cache[key] = np.clip(prob.astype(np.float32), 0.0, 1.0)
                while len(self._cache) > self.capacity:
                    self._cache.popitem(last=False)
            self._cache.move_to_end(key)
            prob = self._cache[key]
        if size is not None and prob.shape != tuple(size):
            prob = cv2.resize(prob, (size[1], size[0]), interpolation=cv2.INTER_LINEAR)
        return prob


def probability_to_uint8(prob: np.ndarray) -> np.ndarray:
    """Probability in [0, 1] as 0..255 (rounded), the PNG sent to the browser; the browser
    marks change where ``value >= floor(threshold * 255 + 0.5)``."""
    return np.rint(np.clip(prob, 0.0, 1.0) * 255.0).astype(np.uint8)

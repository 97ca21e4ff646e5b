"""The image pairs of a data root laid out as ``A/`` (t1), ``B/`` (t2) and ``label/``."""
import os
import os.path as osp
from typing import Dict, List

from .path_safety import is_inside, plain_file_name, resolve_inside

SIDES = ('A', 'B')
IMAGE_SUFFIXES = ('.png', '.jpg', '.jpeg', '.bmp', '.tif', '.tiff')


class UnknownPairError(LookupError):
    """A well-formed pair name that is not among the pairs of the data root."""


class PairIndex:
    """Pairs are the image files of ``A/`` with a partner of the same name in ``B/``, sorted by
    name; files that are symlinks out of the root are left out. The list is read once (restart
    the tool after adding files)."""

    def __init__(self, data_root: str):
        self.root = osp.realpath(data_root)
        for side in SIDES:
            if not osp.isdir(osp.join(self.root, side)):
                raise FileNotFoundError(f'{osp.join(data_root, side)} does not exist; the data '
                                        f'root needs A/ (t1) and B/ (t2) folders')
        self.names: List[str] = sorted(
            name for name in os.listdir(osp.join(self.root, 'A'))
            if not name.startswith('.') and osp.splitext(name)[1].lower() in IMAGE_SUFFIXES
            and all(self._inside_file(side, name) for side in SIDES))
        if not self.names:
            raise FileNotFoundError(f'no image pairs in {data_root}: A/ and B/ share no image '
                                    f'file name ({", ".join(IMAGE_SUFFIXES)})')
        self._index: Dict[str, int] = {name: i for i, name in enumerate(self.names)}

    def _inside_file(self, side: str, name: str) -> bool:
        path = osp.join(self.root, side, name)
        return osp.isfile(path) and is_inside(self.root, path)

    def __len__(self) -> int:
        return len(self.names)

    def index(self, name: str) -> int:
        """Position of ``name``; UnsafePathError if malformed, UnknownPairError if unknown."""
        plain_file_name(name)
        if name not in self._index:
            raise UnknownPairError(f'no pair named {name!r} in A/ and B/')
        return self._index[name]

    def image_path(self, name: str, side: str) -> str:
        if side not in SIDES:
            raise UnknownPairError(f'unknown side {side!r}; use one of {SIDES}')
        self.index(name)
        return resolve_inside(self.root, f'{side}/{name}')

    @staticmethod
    def stem(name: str) -> str:
        return osp.splitext(name)[0]

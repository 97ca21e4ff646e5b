"""Generic folder dataset of co-registered image pairs and change masks (docs/design.md)."""
import copy
import os
import os.path as osp
from collections import Counter

from mmengine.dataset import BaseDataset

from cdkd.registry import DATASETS
from .transforms.loading import LABEL_ENCODINGS

SEG_KEY = 'seg_map_path'
FIRST_KEYS = ('img_path_from', 'img_path_to')


def _list_files(folder):
    return sorted(f for f in os.listdir(folder) if osp.isfile(osp.join(folder, f)))


def _suffix_summary(files):
    counts = Counter(osp.splitext(f)[1] or '(none)' for f in files)
    return ', '.join(f'{s} ({n})' for s, n in counts.most_common())


@DATASETS.register_module()
class BiTemporalCDDataset(BaseDataset):
    """Change-detection pairs stored as ``data_root/<prefix>/<name><suffix>`` folders.

    Each item has ``img_paths`` (temporal order: ``img_path_from`` (t1), ``img_path_to`` (t2),
    then any other ``data_prefix`` image keys in the given order), ``seg_map_path`` (None when
    ``data_prefix`` has no ``seg_map_path``), ``label_encoding``, ``sample_name`` and
    ``seg_fields``. Samples are the files of the first folder with ``img_suffix`` (sorted), or the
    names of ``ann_file`` (one per line, suffix optional); every other folder must hold a partner
    file of the same name.

    Args:
        data_root: root the prefixes (and ``ann_file``) are relative to.
        data_prefix: folder per key; defaults to the class's ``DEFAULT_PREFIX``.
        img_suffix / seg_map_suffix: file suffixes of images / masks.
        ann_file: optional list of sample names.
        label_encoding: how masks encode change: '0_255', '0_1', '1_2' (OSCD: 1 unchanged,
            2 changed), 'auto' or 'threshold' (see ``encode_change_mask``).
        **kwargs: mmengine ``BaseDataset`` arguments (pipeline, test_mode, indices,
            serialize_data, lazy_init, max_refetch, ...).
    """

    METAINFO = dict(classes=('unchanged', 'changed'), palette=[[0, 0, 0], [255, 255, 255]])
    DEFAULT_PREFIX = dict(img_path_from='A', img_path_to='B', seg_map_path='label')
    DEFAULT_IMG_SUFFIX = '.png'
    DEFAULT_SEG_MAP_SUFFIX = '.png'
    DEFAULT_LABEL_ENCODING = '0_255'

    def __init__(self, data_root='', data_prefix=None, img_suffix=None, seg_map_suffix=None,
                 ann_file='', label_encoding=None, metainfo=None, **kwargs):
        self.img_suffix = self.DEFAULT_IMG_SUFFIX if img_suffix is None else img_suffix
        self.seg_map_suffix = (self.DEFAULT_SEG_MAP_SUFFIX
                               if seg_map_suffix is None else seg_map_suffix)
        self.label_encoding = label_encoding or self.DEFAULT_LABEL_ENCODING
        if self.label_encoding not in LABEL_ENCODINGS:
            raise ValueError(f'unknown label_encoding {self.label_encoding!r}; use one of '
                             f'{LABEL_ENCODINGS}')
        prefix = copy.deepcopy(dict(self.DEFAULT_PREFIX if data_prefix is None else data_prefix))
        missing = [k for k in FIRST_KEYS if k not in prefix]
        if missing:
            raise ValueError(f'data_prefix {prefix} lacks {missing}; it needs img_path_from (t1) '
                             f'and img_path_to (t2)')
        self.image_keys = list(FIRST_KEYS) + [k for k in prefix if k not in FIRST_KEYS + (SEG_KEY,)]
        super().__init__(ann_file=ann_file, metainfo=metainfo, data_root=data_root or '',
                         data_prefix=prefix, **kwargs)

    def check_data_exists(self):
        """Raise ``FileNotFoundError`` naming the first missing ``data_root``, ``data_prefix``
        folder or ``ann_file``. Cheap (no listing): tools call it on a lazily built dataset
        before training or testing starts (``cdkd.utils.check_loader_data``)."""
        if self.data_root and not osp.isdir(self.data_root):
            raise FileNotFoundError(f'data_root {self.data_root} does not exist')
        for key, folder in self.data_prefix.items():
            if not osp.isdir(folder):
                raise FileNotFoundError(f'folder {folder} (data_prefix {key!r}) does not exist')
        if self.ann_file and not osp.isfile(self.ann_file):
            raise FileNotFoundError(f'ann_file {self.ann_file} does not exist')

    def data_folders(self):
        """The folders this dataset reads (``data_prefix`` joined with ``data_root``)."""
        return list(self.data_prefix.values())

    def _sample_names(self):
        first = self.data_prefix['img_path_from']
        if self.ann_file:
            return self._names_from_list(first)
        files = _list_files(first)
        names = [f[:-len(self.img_suffix)] for f in files if f.endswith(self.img_suffix)]
        if not names:
            if not files:
                raise FileNotFoundError(f'no images found: folder {first} is empty')
            raise FileNotFoundError(
                f'no images with suffix {self.img_suffix!r} in {first}; it holds '
                f'{_suffix_summary(files)}: set img_suffix accordingly')
        return names

    def _names_from_list(self, first):
        if not osp.isfile(self.ann_file):
            raise FileNotFoundError(f'ann_file {self.ann_file} does not exist')
        names = []
        with open(self.ann_file) as f:
            for lineno, line in enumerate(f, 1):
                name = line.strip()
                if not name or name.startswith('#'):
                    continue
                if name.endswith(self.img_suffix):
                    name = name[:-len(self.img_suffix)]
                if not osp.isfile(osp.join(first, name + self.img_suffix)):
                    raise FileNotFoundError(
                        f'sample {name!r} (line {lineno} of {self.ann_file}) not found: '
                        f'{osp.join(first, name + self.img_suffix)} does not exist')
                names.append(name)
        if not names:
            raise ValueError(f'ann_file {self.ann_file} lists no samples')
        return names

    def load_data_list(self):
        self.check_data_exists()
        names = self._sample_names()
        folders = {k: self.data_prefix[k] for k in self.image_keys}
        seg_folder = self.data_prefix.get(SEG_KEY)
        if seg_folder is not None:
            folders[SEG_KEY] = seg_folder
        present = {k: set(_list_files(v)) for k, v in folders.items()}
        data_list = []
        for name in names:
            paths = {}
            for key, folder in folders.items():
                suffix = self.seg_map_suffix if key == SEG_KEY else self.img_suffix
                if name + suffix not in present[key]:
                    raise FileNotFoundError(
                        f'sample {name!r}: partner file {osp.join(folder, name + suffix)} is '
                        f'missing (data_prefix {key!r})')
                paths[key] = osp.join(folder, name + suffix)
            data_list.append(dict(
                img_paths=[paths[k] for k in self.image_keys],
                seg_map_path=paths.get(SEG_KEY),
                label_encoding=self.label_encoding,
                sample_name=name,
                seg_fields=[]))
        return data_list

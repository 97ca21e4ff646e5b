"""A folder dataset over synthetic scenes that generates them on first use."""
import glob
import json
import os
import os.path as osp
import shutil
import tempfile

from filelock import FileLock
from mmengine.logging import print_log

from cdkd.registry import DATASETS
from .bitemporal_dataset import BiTemporalCDDataset
from .hetero_dataset import OPTICAL_T2_KEY
from .synthetic import (DEFAULT_NO_CHANGE_PROB, DEFAULT_SAR_LOOKS, DEFAULT_SPLITS,
                        GENERATOR_VERSION, META_FILE, generate_synthetic_cd, split_layout)


def _read_meta(root):
    try:
        with open(osp.join(root, META_FILE)) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


# Parameters added after sets were generated without them in the metadata: their value then.
_UNRECORDED = dict(sar_looks=float(DEFAULT_SAR_LOOKS), no_change_prob=DEFAULT_NO_CHANGE_PROB)


def _matches(meta, want):
    return meta is not None and all(
        meta.get(k, _UNRECORDED.get(k)) == v for k, v in want.items())


def ensure_synthetic_cd(data_root, splits=None, size=256, seed=0, with_sar=False, progress=True,
                        sar_looks=DEFAULT_SAR_LOOKS, no_change_prob=DEFAULT_NO_CHANGE_PROB):
    """Make sure ``data_root`` holds the synthetic set with these parameters; generate it if absent.

    Generation is atomic: scenes go to a temporary folder beside ``data_root`` that is renamed
    into place when complete (its ``synthetic_meta.json`` is written last). A file lock
    (``<data_root>.lock``) makes concurrent processes (distributed ranks, parallel test runs)
    generate once; the others wait and reuse the result. Temporary folders left by a killed run
    are removed under the lock. A ``data_root`` with files but no metadata is taken as
    user-provided data and left alone.

    Raises:
        ValueError: ``data_root`` holds a synthetic set generated with other parameters.
    """
    root = osp.abspath(data_root)
    splits = dict(DEFAULT_SPLITS if splits is None else splits)
    want = dict(version=GENERATOR_VERSION, splits=splits, size=int(size), seed=int(seed),
                with_sar=bool(with_sar), no_change_prob=float(no_change_prob))
    if with_sar:
        want['sar_looks'] = float(sar_looks)
    if _matches(_read_meta(root), want):
        return root
    parent, base = osp.split(root)
    os.makedirs(parent, exist_ok=True)
    with FileLock(root + '.lock'):
        meta = _read_meta(root)
        if _matches(meta, want):
            return root
        if meta is not None:
            found = {k: meta.get(k, _UNRECORDED.get(k)) for k in want}
            raise ValueError(f'{root} holds synthetic data generated with {found}, but {want} was '
                             f'requested: delete {root} to regenerate it or use another data_root')
        if osp.isdir(root) and os.listdir(root):
            print_log(f'{root} exists without {META_FILE}: using it as is', logger='current')
            return root
        for stale in glob.glob(osp.join(parent, glob.escape(base) + '.tmp-*')):
            shutil.rmtree(stale, ignore_errors=True)
        if osp.isdir(root):
            os.rmdir(root)  # empty: make room for the rename
        tmp = tempfile.mkdtemp(prefix=base + '.tmp-', dir=parent)
        print_log(f'generating synthetic change-detection data in {root} ({want})',
                  logger='current')
        try:
            generate_synthetic_cd(tmp, want['splits'], size, seed, with_sar, progress=progress,
                                  sar_looks=sar_looks, no_change_prob=no_change_prob)
            os.chmod(tmp, 0o755)  # mkdtemp makes it private; the data is not
            os.replace(tmp, root)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    return root


@DATASETS.register_module()
class SyntheticCDDataset(BiTemporalCDDataset):
    """Synthetic scenes of ``cdkd.datasets.synthetic``, generated under ``data_root`` if missing.

    Args:
        data_root: where the whole set (all splits) lives.
        split: which split this dataset reads (a key of ``splits``).
        splits: scenes per split to generate, e.g. ``dict(train=800, val=100, test=200)``.
        size, seed, with_sar, sar_looks, no_change_prob: forwarded to the generator. With
            ``with_sar`` the layout is heterogeneous: ``A`` (optical t1), ``B`` (SAR t2), ``C``
            (optical t2), ``Label``; ``sar_looks`` sets B's speckle (4 by default; 1 is
            single-look, the hardest). ``no_change_prob``: share of change-free scenes (0.1).
        with_optical_t2: with ``with_sar``, also load C (False: only A and B, as at test time).
        data_prefix: defaults to ``<split>/<folder>`` for the layout above.
        **kwargs: ``BiTemporalCDDataset`` arguments.
    """

    def __init__(self, data_root='data/synthetic_cd', split='train', splits=None, size=256, seed=0,
                 with_sar=False, with_optical_t2=True, sar_looks=DEFAULT_SAR_LOOKS,
                 no_change_prob=DEFAULT_NO_CHANGE_PROB, data_prefix=None, **kwargs):
        splits = dict(DEFAULT_SPLITS if splits is None else splits)
        if data_prefix is None:
            if split not in splits:
                raise ValueError(f'split {split!r} is not one of the generated splits {splits}')
            data_prefix = {k: f'{split}/{v}' for k, v in split_layout(with_sar).items()}
            if not with_optical_t2:
                data_prefix.pop(OPTICAL_T2_KEY, None)
        self.split = split
        self.generator_args = dict(splits=splits, size=size, seed=seed, with_sar=with_sar,
                                   no_change_prob=no_change_prob)
        if with_sar:
            self.generator_args['sar_looks'] = sar_looks
        super().__init__(data_root=data_root, data_prefix=data_prefix, **kwargs)

    def check_data_exists(self):
        """An absent or empty ``data_root`` is generated on first use (nothing is missing);
        otherwise its folders must exist as for any folder dataset."""
        root = self.data_root
        if osp.isdir(root) and os.listdir(root):
            super().check_data_exists()

    def load_data_list(self):
        ensure_synthetic_cd(self.data_root, **self.generator_args)
        return super().load_data_list()

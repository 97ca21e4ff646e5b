import json
import multiprocessing as mp
import os
import os.path as osp
import time

import cv2
import numpy as np
import pytest

from cdkd.datasets import SyntheticCDDataset, ensure_synthetic_cd, generate_sample
from cdkd.datasets.synthetic import META_FILE, generate_synthetic_cd

SMALL = dict(splits=dict(train=3, val=1, test=2), size=64, seed=3)
PIPELINE = [
    dict(type='LoadMultiImageFromFile'),
    dict(type='LoadChangeAnnotation'),
    dict(type='PackChangeInputs'),
]


def test_samples_are_deterministic_and_independent():
    a = generate_sample(5, 'train', size=96, seed=1)
    b = generate_sample(5, 'train', size=96, seed=1)
    for key in ('t1', 't2', 'label'):
        np.testing.assert_array_equal(a[key], b[key])
    assert not np.array_equal(a['t1'], generate_sample(6, 'train', size=96, seed=1)['t1'])
    assert not np.array_equal(a['t1'], generate_sample(5, 'val', size=96, seed=1)['t1'])
    assert not np.array_equal(a['t1'], generate_sample(5, 'train', size=96, seed=2)['t1'])
    assert a['t1'].shape == (96, 96, 3) and a['t1'].dtype == np.uint8
    assert a['label'].shape == (96, 96) and set(np.unique(a['label'])) <= {0, 255}


def test_change_statistics():
    fractions = np.array([(generate_sample(i, 'stats', size=128)['label'] > 0).mean()
                          for i in range(40)])
    changed = fractions[fractions > 0]
    assert 1 <= (fractions == 0).sum() <= 10  # about 10 % of scenes have no change
    assert 0.03 <= changed.mean() <= 0.2
    assert np.median(changed) > 0.02 and changed.max() < 0.35


def test_dates_differ_outside_the_change_too():
    ratios = []
    for i in range(8):
        s = generate_sample(i, 'train', size=128)
        unchanged = s['label'] == 0
        diff = np.abs(s['t1'].astype(int) - s['t2'].astype(int)).mean(2)
        assert diff[unchanged].mean() > 2  # illumination, season, jitter, noise
        if (~unchanged).any():
            ratios.append(diff[~unchanged].mean() / diff[unchanged].mean())
    assert np.median(ratios) > 1.5  # yet the change stands out (real LEVIR-CD pairs: ~1.1)


def test_generation_speed():
    generate_sample(0, 'warmup')
    start = time.perf_counter()
    for i in range(5):
        generate_sample(i, 'speed', size=256)
    per_scene = (time.perf_counter() - start) / 5
    assert per_scene < 0.25, f'{per_scene * 1000:.0f} ms per 256 x 256 scene'  # ~35 ms here


def test_layout_and_files_match_generate_sample(tmp_path):
    meta = generate_synthetic_cd(str(tmp_path), progress=False, **SMALL)
    for split, count in SMALL['splits'].items():
        for folder in ('A', 'B', 'label'):
            assert sorted(os.listdir(tmp_path / split / folder)) == \
                [f'{split}_{i:05d}.png' for i in range(count)]
    assert json.loads((tmp_path / META_FILE).read_text())['splits'] == SMALL['splits']
    assert meta['size'] == 64
    again = generate_sample(1, 'test', size=64, seed=3)
    a = cv2.cvtColor(cv2.imread(str(tmp_path / 'test' / 'A' / 'test_00001.png')),
                     cv2.COLOR_BGR2RGB)
    np.testing.assert_array_equal(a, again['t1'])
    label = cv2.imread(str(tmp_path / 'test' / 'label' / 'test_00001.png'), cv2.IMREAD_UNCHANGED)
    np.testing.assert_array_equal(label, again['label'])


def test_sar_layout(tmp_path):
    generate_synthetic_cd(str(tmp_path), splits=dict(train=2), size=64, with_sar=True,
                          progress=False)
    assert sorted(os.listdir(tmp_path / 'train')) == ['A', 'B', 'C', 'Label']
    read = lambda f: cv2.imread(str(tmp_path / 'train' / f / 'train_00000.png'),  # noqa: E731
                                cv2.IMREAD_UNCHANGED)
    assert read('A').shape == (64, 64, 3) and read('C').shape == (64, 64, 3)
    assert read('B').shape == (64, 64) and read('B').dtype == np.uint8  # one SAR band
    assert set(np.unique(read('Label'))) <= {0, 255}
    sample = generate_sample(0, 'train', size=64, with_sar=True)
    np.testing.assert_array_equal(read('B'), sample['sar'])
    optical = generate_sample(0, 'train', size=64)
    np.testing.assert_array_equal(sample['t2'], optical['t2'])
    np.testing.assert_array_equal(sample['label'], optical['label'])
    assert sample['sar'].std() > 10  # speckled, not flat


def test_dataset_generates_on_first_use_and_reuses(tmp_path):
    root = str(tmp_path / 'syn')
    (tmp_path / 'syn.tmp-crashed').mkdir()  # partial output of a killed run
    (tmp_path / 'syn.tmp-crashed' / 'junk.png').write_bytes(b'x')
    ds = SyntheticCDDataset(data_root=root, split='train', pipeline=PIPELINE, **SMALL)
    assert len(ds) == 3 and ds[0]['inputs'].shape == (6, 64, 64)
    assert not (tmp_path / 'syn.tmp-crashed').exists()
    assert os.stat(root).st_mode & 0o755 == 0o755
    assert [p for p in os.listdir(tmp_path) if '.tmp-' in p] == []
    stamp = os.path.getmtime(osp.join(root, META_FILE))
    test = SyntheticCDDataset(data_root=root, split='test', **SMALL)
    assert len(test) == 2 and os.path.getmtime(osp.join(root, META_FILE)) == stamp
    with pytest.raises(ValueError, match='generated with'):
        SyntheticCDDataset(data_root=root, split='train', splits=dict(train=4), size=64, seed=3)
    with pytest.raises(ValueError, match="split 'extra'"):
        SyntheticCDDataset(data_root=root, split='extra', **SMALL)


def test_hetero_dataset_with_and_without_optical_t2(tmp_path):
    root = str(tmp_path / 'het')
    args = dict(SMALL, data_root=root, with_sar=True, pipeline=PIPELINE)
    train = SyntheticCDDataset(split='train', **args)
    assert train[0]['data_samples'].num_bands == (3, 1, 3)
    test = SyntheticCDDataset(split='test', with_optical_t2=False, **args)
    assert test[0]['inputs'].shape == (4, 64, 64)


def test_user_data_without_metadata_is_left_alone(tmp_path):
    (tmp_path / 'mine' / 'train').mkdir(parents=True)
    assert ensure_synthetic_cd(str(tmp_path / 'mine'), **SMALL).endswith('mine')
    assert not (tmp_path / 'mine' / META_FILE).exists()


def _ensure(root):
    ensure_synthetic_cd(root, progress=False, **SMALL)


def test_concurrent_processes_generate_once(tmp_path):
    root = str(tmp_path / 'shared')
    ctx = mp.get_context('fork')
    procs = [ctx.Process(target=_ensure, args=(root, )) for _ in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0, 0, 0]
    assert len(os.listdir(osp.join(root, 'train', 'A'))) == 3
    assert [p for p in os.listdir(tmp_path) if '.tmp-' in p] == []


def _speckle_level(sar):
    """Mean absolute deviation of the SAR image from its 5 x 5 local mean (speckle dominates it)."""
    x = sar.astype(np.float32)
    return float(np.abs(x - cv2.blur(x, (5, 5))).mean())


def test_fewer_sar_looks_give_stronger_speckle_and_nothing_else_changes():
    for i in range(3):
        four = generate_sample(i, 'train', 96, seed=0, with_sar=True)
        one = generate_sample(i, 'train', 96, seed=0, with_sar=True, sar_looks=1)
        for key in ('t1', 't2', 'label'):
            assert np.array_equal(four[key], one[key]), key
        assert _speckle_level(one['sar']) > 1.3 * _speckle_level(four['sar'])


def test_sar_looks_is_recorded_and_checked(tmp_path):
    splits = dict(train=2)
    root = ensure_synthetic_cd(str(tmp_path / 'one_look'), splits, size=32, with_sar=True,
                               progress=False, sar_looks=1)
    with open(osp.join(root, META_FILE)) as f:
        assert json.load(f)['sar_looks'] == 1.0
    with pytest.raises(ValueError, match="'sar_looks': 1.0.*'sar_looks': 4.0"):
        ensure_synthetic_cd(root, splits, size=32, with_sar=True, progress=False)
    with pytest.raises(ValueError, match='sar_looks must be > 0'):
        generate_synthetic_cd(str(tmp_path / 'bad'), splits, size=32, with_sar=True,
                              progress=False, sar_looks=0)


def test_sets_generated_before_looks_and_no_change_prob_were_recorded_still_match(tmp_path):
    splits = dict(train=2)
    root = ensure_synthetic_cd(str(tmp_path / 'old'), splits, size=32, with_sar=True,
                               progress=False)
    meta_path = osp.join(root, META_FILE)
    with open(meta_path) as f:
        meta = json.load(f)
    del meta['sar_looks'], meta['no_change_prob']
    with open(meta_path, 'w') as f:
        json.dump(meta, f)
    assert ensure_synthetic_cd(root, splits, size=32, with_sar=True, progress=False) == root
    with pytest.raises(ValueError, match='delete'):
        ensure_synthetic_cd(root, splits, size=32, with_sar=True, progress=False, sar_looks=1)


def test_small_scenes_render():
    for i in range(20):  # enough samples that some draw roads
        sample = generate_sample(i, 'train', 32)
        assert sample['t1'].shape == (32, 32, 3) and sample['label'].shape == (32, 32)


def test_more_change_free_scenes_leave_the_others_as_they_were():
    n = 30
    usual = [generate_sample(i, 'train', 64) for i in range(n)]
    more = [generate_sample(i, 'train', 64, no_change_prob=0.5) for i in range(n)]
    empty = lambda s: not s['label'].any()  # noqa: E731
    assert sum(map(empty, more)) >= sum(map(empty, usual)) + 5
    for a, b in zip(usual, more):
        if not empty(b):  # a changed scene under 0.5 is a changed scene under 0.1: same draws
            assert all(np.array_equal(a[k], b[k]) for k in ('t1', 't2', 'label'))


def test_no_change_prob_is_recorded_and_validated(tmp_path):
    splits = dict(train=3)
    root = ensure_synthetic_cd(str(tmp_path / 'half'), splits, size=32, progress=False,
                               no_change_prob=0.5)
    with open(osp.join(root, META_FILE)) as f:
        assert json.load(f)['no_change_prob'] == 0.5
    with pytest.raises(ValueError, match="'no_change_prob': 0.5.*'no_change_prob': 0.1"):
        ensure_synthetic_cd(root, splits, size=32, progress=False)
    with pytest.raises(ValueError, match=r'no_change_prob must be in \[0, 1\], got 1.5'):
        generate_synthetic_cd(str(tmp_path / 'bad'), splits, size=32, progress=False,
                              no_change_prob=1.5)

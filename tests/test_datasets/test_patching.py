import os.path as osp

import cv2
import numpy as np
import pytest

from cdkd.datasets.patching import (AtomicTree, collect_pairs, crop_patch, normalise_mask,
                                    patch_origins, random_partition, split_counts)


def test_patch_origins_drop_or_pad_the_border():
    assert patch_origins(600, 1100, 256) == [(y, x) for y in (0, 256) for x in (0, 256, 512, 768)]
    assert len(patch_origins(600, 1100, 256, pad=True)) == 3 * 5
    # WHU-CD: 32507 x 15354 -> 7434 whole patches, 7620 with padding
    assert len(patch_origins(15354, 32507, 256)) == 7434
    assert len(patch_origins(15354, 32507, 256, pad=True)) == 7620


def test_crop_patch_zero_pads_outside():
    img = np.arange(12, dtype=np.uint8).reshape(3, 4)
    patch = crop_patch(img, 2, 2, 2)
    np.testing.assert_array_equal(patch, [[10, 11], [0, 0]])


def test_split_counts_match_published_splits():
    assert split_counts(7434, (0.8, 0.1, 0.1)) == [5947, 743, 744]
    assert split_counts(7620, (0.8, 0.1, 0.1)) == [6096, 762, 762]


def test_random_partition_is_seeded_and_complete():
    items = list(range(20))
    a = random_partition(items, [14, 3, 3], seed=1)
    assert a == random_partition(items, [14, 3, 3], seed=1)
    assert a != random_partition(items, [14, 3, 3], seed=2)
    assert sorted(sum(a, [])) == items and [len(g) for g in a] == [14, 3, 3]
    with pytest.raises(ValueError, match='add up to 19'):
        random_partition(items, [14, 3, 2], seed=0)


def test_normalise_mask_encodings_and_errors():
    np.testing.assert_array_equal(normalise_mask(np.array([[0, 1]]), 'm.png'), [[0, 255]])
    np.testing.assert_array_equal(normalise_mask(np.array([[0, 255]]), 'm.png'), [[0, 255]])
    np.testing.assert_array_equal(normalise_mask(np.array([[3, 200]]), 'm.png', threshold=True),
                                  [[0, 255]])
    with pytest.raises(ValueError, match='m.png holds values'):
        normalise_mask(np.array([[0, 7]]), 'm.png')


def test_collect_pairs_names_the_orphan(tmp_path):
    for folder, names in (('A', 'ab'), ('B', 'a'), ('label', 'ab')):
        (tmp_path / folder).mkdir()
        for n in names:
            cv2.imwrite(str(tmp_path / folder / f'{n}.png'), np.zeros((4, 4), np.uint8))
    with pytest.raises(FileNotFoundError, match=r'no partner in .*B, e.g. .*A/b.png'):
        collect_pairs(*(str(tmp_path / f) for f in ('A', 'B', 'label')))


def test_atomic_tree_only_appears_on_commit(tmp_path):
    out = tmp_path / 'out'
    tree = AtomicTree(str(out))
    tree.write('train', 'x', *(np.zeros((2, 2), np.uint8) for _ in range(3)))
    assert not out.exists() and osp.isfile(tree.work_dir + '/train/label/x.png')
    assert tree.commit() == dict(train=1)
    assert (out / 'train' / 'A' / 'x.png').is_file()
    with pytest.raises(FileExistsError, match='--overwrite'):
        AtomicTree(str(out))

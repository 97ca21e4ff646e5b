"""The data sets of tools/experiments/kdmsi_ablation.py: the real samples, read in place from
``SHARED`` (../shared/data unless --shared-data), cut into crops under a work dir, and the
synthetic scenes. Splits and crop sizes: kdmsi_ablation.py's docstring."""
import os
import os.path as osp
import sys

import cv2

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SHARED_DEFAULT = osp.normpath(osp.join(REPO, '..', 'shared', 'data'))
SHARED = SHARED_DEFAULT  # kdmsi_ablation's --shared-data overrides


def write_pair(root, split, name, a, b, label):
    for sub, img in (('A', a), ('B', b), ('label', label)):
        os.makedirs(osp.join(root, split, sub), exist_ok=True)
        if not cv2.imwrite(osp.join(root, split, sub, name + '.png'), img):
            raise OSError(f'could not write {root}/{split}/{sub}/{name}.png')


def read_pair(folder, name):
    a = cv2.imread(osp.join(folder, 'A', name), cv2.IMREAD_COLOR)
    b = cv2.imread(osp.join(folder, 'B', name), cv2.IMREAD_COLOR)
    label = cv2.imread(osp.join(folder, 'label', name), cv2.IMREAD_GRAYSCALE)
    if a is None or b is None or label is None:
        raise FileNotFoundError(f'cannot read pair {name} under {folder}')
    return a, b, label


def crops(a, b, label, size):
    h, w = label.shape
    for y in range(0, h - size + 1, size):
        for x in range(0, w - size + 1, size):
            yield (f'{y:04d}_{x:04d}', a[y:y + size, x:x + size], b[y:y + size, x:x + size],
                   label[y:y + size, x:x + size])


def prepare_levir(root):
    for tile, split in (('test_1.png', 'train'), ('test_2.png', 'train'), ('test_3.png', 'test')):
        for suffix, *pair in crops(*read_pair(osp.join(SHARED, 'levir_cd'), tile), 256):
            write_pair(root, split, f'{tile[:-4]}_{suffix}', *pair)
    folder = osp.join(SHARED, 'levir_cd256')
    for name in sorted(os.listdir(osp.join(folder, 'A'))):
        write_pair(root, 'train', name[:-4], *read_pair(folder, name))


def prepare_dsifn(root):
    folder = osp.join(SHARED, 'dsifn_cd256')
    names = sorted(os.listdir(osp.join(folder, 'A')))
    for i, name in enumerate(names):
        split = 'train' if i < 7 else 'test'
        for suffix, *pair in crops(*read_pair(folder, name), 128):
            write_pair(root, split, f'{name[:-4]}_{suffix}', *pair)


# AirChange: the two held-out scenes (also the STKD and compression experiments' split); 160 px
# crops give many change-free training crops (71 of 184), the case the image-label gating is for.
AIRCHANGE_TEST = ('Szada_2.png', 'Tiszadob_5.png')


def prepare_airchange(root):
    folder = osp.join(SHARED, 'airchange')
    names = sorted(os.listdir(osp.join(folder, 'A')))
    missing = [n for n in AIRCHANGE_TEST if n not in names]
    if missing:
        raise FileNotFoundError(f'AirChange test scenes {missing} not under {folder}/A')
    for name in names:
        split = 'test' if name in AIRCHANGE_TEST else 'train'
        for suffix, *pair in crops(*read_pair(folder, name), 160):
            write_pair(root, split, f'{name[:-4]}_{suffix}', *pair)


def prepare_egy_bcd(root):
    """EGY-BCD's nine 256 samples: train_* and val_* for training, test_* for testing, in 64 px
    crops (25 of the 112 training crops are change-free; of 128 px crops only 2 of 28 are)."""
    folder = osp.join(SHARED, 'egy_bcd')
    for name in sorted(os.listdir(osp.join(folder, 'A'))):
        split = name.split('_')[0]
        if split not in ('train', 'val', 'test'):
            raise ValueError(f'EGY-BCD sample {folder}/A/{name}: expected a train_/val_/test_ name')
        for suffix, *pair in crops(*read_pair(folder, name), 64):
            write_pair(root, 'test' if split == 'test' else 'train', f'{name[:-4]}_{suffix}', *pair)


# Share of change-free synthetic scenes (the generator's default; --synthetic-no-change-prob).
SYNTHETIC_NO_CHANGE_PROB = 0.1


def prepare_synthetic(root):
    sys.path.insert(0, REPO)
    from cdkd.datasets import generate_synthetic_cd
    generate_synthetic_cd(root, splits=dict(train=160, test=40), size=128, seed=0, progress=False,
                          no_change_prob=SYNTHETIC_NO_CHANGE_PROB)

"""Dataset converters on the real LEVIR-CD tiles (read in place) and generated look-alikes."""
import importlib.util
import os
import os.path as osp

import cv2
import numpy as np
import pytest

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def load_converter(name):
    spec = importlib.util.spec_from_file_location(
        f'converter_{name}', osp.join(REPO, 'tools', 'dataset_converters', f'{name}.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def read_rgb(path):
    return cv2.imread(str(path), cv2.IMREAD_UNCHANGED)


def write_pairs(root, split, folders, names, size, suffixes=('.png', '.png', '.png'), seed=0):
    rng = np.random.default_rng(seed)
    for name in names:
        for folder, suffix in zip(folders, suffixes):
            os.makedirs(root / split / folder, exist_ok=True)
            if folder in ('label', 'mask'):
                img = (rng.random((size, size)) > 0.7).astype(np.uint8) * 255
            else:
                img = rng.integers(0, 256, (size, size, 3), dtype=np.uint8)
            cv2.imwrite(str(root / split / folder / f'{name}{suffix}'), img)


def test_levir_on_real_tiles(shared_data, tmp_path):
    src = tmp_path / 'levir'
    for folder in ('A', 'B', 'label'):  # symlinks: the licensed tiles are read in place
        os.makedirs(src / 'test' / folder)
        for name in ('test_1.png', 'test_2.png', 'test_3.png'):
            os.symlink(osp.join(shared_data, 'levir_cd', folder, name), src / 'test' / folder / name)
    out = tmp_path / 'out'
    counts = load_converter('levir_cd').main([str(src), str(out), '--splits', 'test'])
    assert counts == dict(test=48)  # 3 tiles x 16
    original = read_rgb(osp.join(shared_data, 'levir_cd', 'B', 'test_2.png'))
    patch = read_rgb(out / 'test' / 'B' / 'test_2_0512_0768.png')
    np.testing.assert_array_equal(patch, original[512:768, 768:1024])
    label = read_rgb(out / 'test' / 'label' / 'test_3_0256_0000.png')
    assert label.shape == (256, 256) and set(np.unique(label)) <= {0, 255}
    assert not osp.exists(str(out) + '.partial')


def test_levir_missing_split_names_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match=r'train/A does not exist'):
        load_converter('levir_cd').main([str(tmp_path), str(tmp_path / 'out')])


def test_whu_both_splits(tmp_path):
    rasterio = pytest.importorskip('rasterio', reason='WHU-CD strip reads use rasterio')
    rng = np.random.default_rng(0)
    h, w = 600, 1100
    paths = {}
    for key, bands in (('t1', 3), ('t2', 3), ('label', 1)):
        data = rng.integers(0, 256, (bands, h, w), dtype=np.uint8)
        if key == 'label':
            data = (data > 200).astype(np.uint8)  # 0/1 encoding, as some releases store it
        paths[key] = str(tmp_path / f'{key}.tif')
        with rasterio.open(paths[key], 'w', driver='GTiff', width=w, height=h, count=bands,
                           dtype='uint8', crs='EPSG:32650',
                           transform=rasterio.transform.from_origin(0, h, 1, 1)) as dst:
            dst.write(data)
    whu = load_converter('whu_cd')
    args = ['--t1', paths['t1'], '--t2', paths['t2'], '--label', paths['label']]
    counts = whu.main(args + ['--out', str(tmp_path / 'kdmsi')])
    assert counts == dict(train=6, val=0, test=2)  # 8 patches: floor(6.4), floor(0.8), rest
    padded = whu.main(args + ['--out', str(tmp_path / 'padded'), '--split', 'padded'])
    assert padded == dict(train=12, val=1, test=2)  # 15 patches, border zero-padded
    assert whu.main(args + ['--out', str(tmp_path / 'again')]) == counts
    assert sorted(os.listdir(tmp_path / 'again' / 'test' / 'A')) == \
        sorted(os.listdir(tmp_path / 'kdmsi' / 'test' / 'A'))
    with rasterio.open(paths['t2']) as src:
        original = np.moveaxis(src.read(), 0, -1)
    name = sorted(os.listdir(tmp_path / 'kdmsi' / 'train' / 'B'))[0]
    y, x = (int(v) for v in name[4:-4].split('_'))
    patch = cv2.cvtColor(read_rgb(tmp_path / 'kdmsi' / 'train' / 'B' / name), cv2.COLOR_BGR2RGB)
    np.testing.assert_array_equal(patch, original[y:y + 256, x:x + 256])
    assert set(np.unique(read_rgb(tmp_path / 'kdmsi' / 'train' / 'label' / name))) <= {0, 255}


def test_sysu_verify_and_copy(tmp_path):
    src = tmp_path / 'sysu'
    for split, n in (('train', 3), ('val', 1), ('test', 2)):
        write_pairs(src, split, ('time1', 'time2', 'label'), [f'{i:05d}' for i in range(n)], 256)
    sysu = load_converter('sysu_cd')
    assert sysu.main([str(src)]) == dict(train=3, val=1, test=2)
    assert sysu.main([str(src), '--out', str(tmp_path / 'ab')]) == dict(train=3, val=1, test=2)
    assert len(os.listdir(tmp_path / 'ab' / 'train' / 'A')) == 3
    cv2.imwrite(str(src / 'val' / 'label' / '00000.png'), np.full((256, 256), 128, np.uint8))
    with pytest.raises(ValueError, match=r'val/label/00000.png holds values \[128\]'):
        sysu.main([str(src)])


def test_dsifn_patches_and_reallocation(tmp_path):
    src = tmp_path / 'dsifn'
    suffixes = ('.jpg', '.jpg', '.png')
    write_pairs(src, 'train', ('t1', 't2', 'mask'), ['0', '1', '2'], 512, suffixes)
    write_pairs(src, 'val', ('t1', 't2', 'mask'), ['0'], 512, suffixes)
    write_pairs(src, 'test', ('t1', 't2', 'mask'), ['0'], 512, ('.jpg', '.jpg', '.tif'))
    dsifn = load_converter('dsifn_cd')
    counts = dsifn.main([str(src), str(tmp_path / 'out'), '--reallocate', '5'])
    assert counts == dict(train=7, val=4, test=9)  # 12 - 5, 4, 4 + 5
    moved = [n for n in os.listdir(tmp_path / 'out' / 'test' / 'label') if n.startswith('train_')]
    assert len(moved) == 5
    assert dsifn.OFFICIAL_COUNTS[1638] == dict(train=14400 - 1638, val=1360, test=192 + 1638)
    with pytest.raises(ValueError, match='exceeds the 12'):
        dsifn.main([str(src), str(tmp_path / 'o2'), '--reallocate', '13'])

"""tools/experiments/kdmsi_ablation.py: its configs build, the gating table aggregates seeds."""
import importlib.util
import os.path as osp

import pytest
from mmengine.config import Config

from cdkd.registry import MODELS

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SCRIPT = osp.join(REPO, 'tools', 'experiments', 'kdmsi_ablation.py')
spec = importlib.util.spec_from_file_location('kdmsi_ablation', SCRIPT)
kdmsi_ablation = importlib.util.module_from_spec(spec)
spec.loader.exec_module(kdmsi_ablation)


def test_configs_build_offline_with_gated_and_ungated_selection(tmp_path):
    stage1, stage2 = kdmsi_ablation.write_configs(str(tmp_path), '/data', 'diff', 64, 8, 8, seed=3)
    cfg1, cfg2 = Config.fromfile(stage1), Config.fromfile(stage2)
    assert [m.get('image_label_gating', False) for m in cfg1.val_evaluator] == [True, False]
    assert cfg1.val_dataloader.dataset.pipeline[2] == dict(
        type='ImageLevelChangeLabel', min_changed_pixels=1, drop_mask=False)
    assert cfg1.randomness.seed == 3 and cfg2.randomness.seed == 3
    assert cfg2.model.backbone.init_cfg is None  # random init: no download in the experiment
    assert cfg2.tta_model.type == 'LogitSumChangeTTA'
    for cfg in (cfg1, cfg2):
        MODELS.build(cfg.model)


def test_gating_table_mean_std_and_per_seed():
    def arm(pseudo_iou, iou):
        return dict(pseudo_threshold=0.3, pseudo=dict(mIoU=0.5, IoU=pseudo_iou),
                    stage2=dict(IoU=iou, mF1=0.6))
    seeds = [dict(seed=s, epochs=[8, 9], counts=dict(train=4, test=2),
                  gated=arm(0.4 + s / 10, 0.2), ungated=arm(0.3, 0.1 * s), minutes=1.0,
                  selection=dict(gated_epoch=2, ungated_epoch=4),
                  label_pixels_differing=dict(pixels=5, of=9, on_no_change_images=4))
             for s in range(3)]
    for s in seeds:
        s['ungated']['pseudo_at_other_threshold'] = dict(IoU=0.25, mIoU=0.5)
    seeds[0]['stage1_shared_with'] = 'e8-3/seed0'
    results = {'levir_cd:8,9': dict(image_labels=dict(no_change=3, change=1), seeds=seeds)}
    text = kdmsi_ablation.profiles_markdown(results, 'CMD', '## Reading\n\n- kept\n')
    assert '## levir_cd (4 train / 2 test pairs, 8 / 9 epochs in stage 1 / 2)' in text
    assert ('Training images with image label 0 / 1: 3 / 1; random training crop 96 px; teacher '
            'features abs_diff.') in text
    assert "pseudo labels are those of e8-3/seed0" in text
    assert text.endswith('\n## Reading\n\n- kept\n')
    assert '| gated | 0.30, 0.30, 0.30 | 0.500 ± 0.000 | 0.500 ± 0.100 | 0.200 ± 0.000 |' in text
    assert 's2: 0.600 / 0.200' in text and 's2: 0.300 / 0.200' in text
    assert 'pseudo IoU 0.200 ± 0.100, stage-2 cIoU 0.100 ± 0.100' in text
    assert 's0: 2 / 4' in text
    assert 's1: 5 of 9 (4 on label-0 images)' in text
    assert "Ungated pseudo IoU at the gated arm's threshold" in text and 's2: 0.250.' in text
    assert kdmsi_ablation.mean_std([1.0]) == '1.000 ± 0.000'


def test_label_differences_counts_disagreeing_pixels(tmp_path):
    import json

    import cv2
    import numpy as np
    (tmp_path / 'data' / 'train' / 'label').mkdir(parents=True)
    for name, changed in (('a.png', False), ('b.png', True)):
        mask = np.zeros((4, 4), np.uint8)
        mask[3, 3] = 255 if changed else 0
        cv2.imwrite(str(tmp_path / 'data' / 'train' / 'label' / name), mask)
    for arm, value in (('gated', 0), ('ungated', 255)):
        folder = tmp_path / arm / 'pseudo_labels'
        (folder / 'label').mkdir(parents=True)
        for name, pixels in (('a.png', 3), ('b.png', 2)):
            mask = np.zeros((4, 4), np.uint8)
            mask[0, :pixels] = value
            cv2.imwrite(str(folder / 'label' / name), mask)
        (folder / 'pseudo_label_report.json').write_text(json.dumps(dict(sweep={
            '0.00': dict(mIoU=0.1 if value else 0.4, IoU=0.0),
            '0.30': dict(mIoU=0.2 if value else 0.6, IoU=0.7 if value else 0.9)})))
    result = kdmsi_ablation.label_differences(
        str(tmp_path), dict(gated=dict(pseudo_threshold=0.3), ungated={}), str(tmp_path / 'data'))
    assert result['label_pixels_differing'] == dict(pixels=5, of=32, on_no_change_images=3)
    assert result['gated']['sweep_mIoU'] == {'0.00': 0.4, '0.30': 0.6}
    assert result['ungated']['pseudo_at_other_threshold'] == dict(IoU=0.7, mIoU=0.2)
    (tmp_path / 'data' / 'train' / 'label' / 'b.png').unlink()
    with pytest.raises(FileNotFoundError, match='no training mask .*b.png'):
        kdmsi_ablation.label_differences(str(tmp_path), result, str(tmp_path / 'data'))


def test_gating_page_keeps_its_reading_section(tmp_path):
    import json
    arm = dict(pseudo_threshold=0.3, pseudo=dict(mIoU=0.5, IoU=0.2), stage2=dict(IoU=0.1, mF1=0.6))
    seed = dict(seed=0, epochs=[1, 2], counts=dict(train=1, test=1), gated=arm,
                ungated=dict(arm, pseudo_at_other_threshold=dict(IoU=0.2, mIoU=0.5)),
                minutes=1.0, selection=dict(gated_epoch=1, ungated_epoch=1),
                label_pixels_differing=dict(pixels=0, of=1, on_no_change_images=0))
    results = {'egy_bcd:1,2': dict(image_labels=dict(no_change=0, change=1), seeds=[seed])}
    kdmsi_ablation.write_gating_page(str(tmp_path), results, 'CMD1')
    page = tmp_path / 'kdmsi_gating.md'
    assert '`## Reading`' in page.read_text()  # the header names the section it keeps
    page.write_text(page.read_text() + '## Reading\n\n- by hand\n')
    kdmsi_ablation.write_gating_page(str(tmp_path), results, 'CMD2')
    text = page.read_text()
    assert 'CMD2' in text and 'CMD1' not in text and text.count('## Reading\n') == 1
    assert text.endswith('\n## Reading\n\n- by hand\n')
    assert json.loads((tmp_path / 'kdmsi_gating.json').read_text()) == results


def test_setup_spec_names_epochs_and_rejects_bad_ones():
    assert kdmsi_ablation.parse_setup('levir_cd:80,240') == ('levir_cd', 80, 240)
    assert kdmsi_ablation.parse_setup('airchange') == ('airchange',
                                                       *kdmsi_ablation.SETUPS['airchange'][3:])
    assert kdmsi_ablation.parse_setup('egy_bcd', [5, 6]) == ('egy_bcd', 5, 6)
    with pytest.raises(ValueError, match="unknown setup 'levir'"):
        kdmsi_ablation.parse_setup('levir:1,2')
    with pytest.raises(ValueError, match='NAME:STAGE1,STAGE2'):
        kdmsi_ablation.parse_setup('levir_cd:80')


def _fake_set(root, names, shape):
    import cv2
    import numpy as np
    for i, name in enumerate(names):
        for sub in ('A', 'B', 'label'):
            (root / sub).mkdir(parents=True, exist_ok=True)
            img = np.zeros(shape + (() if sub == 'label' else (3, )), np.uint8)
            if sub == 'label' and i % 2:
                img[shape[0] // 2 + 10, 10] = 255  # in the 2nd crop, every other image
            cv2.imwrite(str(root / sub / name), img)


def test_airchange_and_egy_bcd_splits_crops_and_image_labels(tmp_path, monkeypatch):
    shared = tmp_path / 'shared'
    air = ['Archieve.png', 'Szada_1.png', 'Szada_2.png', 'Tiszadob_5.png']
    _fake_set(shared / 'airchange', air, (330, 170))  # 2 x 1 crops of 160 each
    _fake_set(shared / 'egy_bcd', ['test_1.png', 'train_1.png', 'val_1.png'], (128, 128))
    monkeypatch.setattr(kdmsi_ablation.data, 'SHARED', str(shared))
    kdmsi_ablation.data.prepare_airchange(str(tmp_path / 'air'))
    listing = lambda d: sorted(p.name for p in d.iterdir())  # noqa: E731
    assert listing(tmp_path / 'air' / 'test' / 'A') == [
        'Szada_2_0000_0000.png', 'Szada_2_0160_0000.png',
        'Tiszadob_5_0000_0000.png', 'Tiszadob_5_0160_0000.png']
    assert listing(tmp_path / 'air' / 'train' / 'label') == [
        'Archieve_0000_0000.png', 'Archieve_0160_0000.png',
        'Szada_1_0000_0000.png', 'Szada_1_0160_0000.png']
    # Szada_1 (the 2nd image) has its change in its 2nd crop only
    assert kdmsi_ablation.image_label_counts(str(tmp_path / 'air')) == dict(no_change=3, change=1)
    kdmsi_ablation.data.prepare_egy_bcd(str(tmp_path / 'egy'))
    assert len(listing(tmp_path / 'egy' / 'train' / 'A')) == 8  # train_ + val_, 4 crops of 64
    assert listing(tmp_path / 'egy' / 'test' / 'A')[0] == 'test_1_0000_0000.png'
    _fake_set(shared / 'egy_bcd', ['extra_1.png'], (64, 64))
    with pytest.raises(ValueError, match='extra_1.png: expected a train_/val_/test_ name'):
        kdmsi_ablation.data.prepare_egy_bcd(str(tmp_path / 'egy2'))
    (shared / 'airchange' / 'A' / 'Szada_2.png').unlink()
    with pytest.raises(FileNotFoundError, match="Szada_2.png"):
        kdmsi_ablation.data.prepare_airchange(str(tmp_path / 'air2'))


def test_cached_run_with_other_epochs_is_refused(tmp_path):
    import json
    out = tmp_path / 'levir_cd' / 'e8-8' / 'seed0'
    out.mkdir(parents=True)
    (out / 'result.json').write_text(json.dumps(dict(epochs=[8, 9])))
    with pytest.raises(ValueError, match=r'holds a run with epochs \[8, 9\], not \[8, 8\]'):
        kdmsi_ablation.run_profiles('levir_cd', str(out), 0, 8, 8, str(tmp_path / 'data'))


def test_stage1_is_shared_only_from_a_finished_run_with_the_same_stage1_config(tmp_path):
    setup = tmp_path / 'levir_cd'
    for folder, config in (('e8-8', 'A'), ('e9-8', 'A'), ('e8-5', 'B'), ('e8-40', 'A')):
        run = setup / folder / 'seed0'
        run.mkdir(parents=True)
        (run / 'stage1.py').write_text(config)
        if folder != 'e8-40':
            for arm in ('gated', 'ungated'):
                (run / arm / 'pseudo_labels').mkdir(parents=True)
            (run / 'gated' / 'stage1').mkdir()
            (run / 'result.json').write_text('{}')
    out = setup / 'e8-40' / 'seed0'
    # e8-5 differs in its stage-1 config, e9-8 in its stage-1 epochs, e8-40 is the run itself
    (out / 'ungated' / 'pseudo_labels').mkdir(parents=True)
    assert kdmsi_ablation.share_stage1(str(out), 0, 8) is None  # pseudo labels of its own
    assert not (out / 'gated').exists() and not (out / 'ungated' / 'stages').exists()
    (out / 'ungated' / 'pseudo_labels').rmdir()
    assert kdmsi_ablation.share_stage1(str(out), 0, 8) == str(setup / 'e8-8' / 'seed0')
    assert (out / 'gated' / 'stage1').resolve() == setup / 'e8-8' / 'seed0' / 'gated' / 'stage1'
    for arm in ('gated', 'ungated'):
        assert (out / arm / 'pseudo_labels').resolve() == (
            setup / 'e8-8' / 'seed0' / arm / 'pseudo_labels')
        assert (out / arm / 'stages' / 'pseudo_labels.done').is_file()
        assert (out / arm / 'stages' / 'train_stage1.done').is_file()

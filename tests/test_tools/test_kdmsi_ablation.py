"""tools/experiments/kdmsi_ablation.py: its configs build, the gating table aggregates seeds."""
import importlib.util
import os.path as osp

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
    seeds = [dict(seed=s, counts=dict(train=4, test=2), gated=arm(0.4 + s / 10, 0.2),
                  ungated=arm(0.3, 0.1 * s), minutes=1.0,
                  selection=dict(gated_epoch=2, ungated_epoch=4)) for s in range(3)]
    text = kdmsi_ablation.profiles_markdown(dict(levir_cd=seeds), 'CMD')
    assert '| gated | 0.30, 0.30, 0.30 | 0.500 ± 0.000 | 0.500 ± 0.100 | 0.200 ± 0.000 |' in text
    assert 's2: 0.600 / 0.200' in text and 's2: 0.300 / 0.200' in text
    assert 'pseudo IoU 0.200 ± 0.100, stage-2 cIoU 0.100 ± 0.100' in text
    assert 's0: 2 / 4' in text
    assert kdmsi_ablation.mean_std([1.0]) == '1.000 ± 0.000'

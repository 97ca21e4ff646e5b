"""tools/train.py and tools/test.py run the STKD config unchanged; val logs student/* scores."""
import os.path as osp

from cdkd.datasets import generate_synthetic_cd

from .test_train_test_infer import REPO, read_metrics, run_tool

STKD_CONFIG = osp.join(REPO, 'configs/stkd/stkd_siamfpn_r18_128x128_500it_synthetic.py')


def test_stkd_train_val_test(tmp_path):
    root = str(tmp_path / 'data')
    generate_synthetic_cd(root, dict(train=4, val=2, test=2), size=64, seed=0, progress=False)
    data = f"dict(data_root={root!r}, splits=dict(train=4, val=2, test=2), size=64)"
    cfg = tmp_path / 'stkd_tiny.py'
    cfg.write_text(f"""
_base_ = [{STKD_CONFIG!r}]
model = dict(detector=dict(backbone=dict(stem_channels=8, base_channels=8),
                           decode_head=dict(in_channels=[8, 16, 32, 64], channels=16)))
crop_size = (64, 64)
loader = dict(num_workers=0, persistent_workers=False, dataset={data})
train_dataloader = dict(batch_size=2, **loader)
val_dataloader = loader
test_dataloader = loader
train_cfg = dict(max_iters=2, val_interval=2)
param_scheduler = [dict(type='PolyLR', eta_min=1e-6, power=1.0, begin=0, end=2, by_epoch=False)]
default_hooks = dict(logger=dict(interval=1), checkpoint=dict(interval=2))
""")
    work = tmp_path / 'work'
    out = run_tool('tools/train.py', str(cfg), '--work-dir', str(work), cwd=REPO)
    for term in ('teacher.decode.loss_ce', 'student.decode.loss_ce', 'distill.loss_kl'):
        assert term in out
    val = read_metrics(str(work))
    assert 0 <= val['F1'] <= 1 and 0 <= val['student/F1'] <= 1
    run_tool('tools/test.py', str(cfg), str(work), '--work-dir', str(tmp_path / 'test'), cwd=REPO)
    test = read_metrics(str(tmp_path / 'test'))
    assert 0 <= test['F1'] <= 1 and 'student/F1' not in test  # clean test pipeline

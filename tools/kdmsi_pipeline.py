"""KD-MSI end to end: stage 1 (teacher + student from image labels), MSI pseudo labels, stage 2
(Siamese DeepLabV3+ on the pseudo labels) and its evaluation on the real test labels with the
stage-2 config's tta_model (the official multiscale logit-sum test; ``--no-test-tta``: one
scale).

    python tools/kdmsi_pipeline.py --stage1 configs/kdmsi/kdmsi_r50_256x256_20e_levircd.py \
        --stage2 configs/kdmsi/kdmsi-stage2_siamdlv3p_r50_256x256_50e_levircd.py \
        --work-dir work_dirs/kdmsi_levircd [--threshold T] [--no-gating | --image-labels LIST] \
        [--stage1-options k=v ...] [--stage2-options k=v ...] [--from-stage STAGE]

Each stage runs the ordinary tool in a subprocess (tools/train.py, tools/pseudo_label.py,
tools/test.py) and, when it succeeds, writes WORK_DIR/stages/<stage>.done; a rerun skips finished
stages (an interrupted training stage resumes from its last checkpoint). ``--from-stage`` reruns a
stage and everything after it. The final metrics are in WORK_DIR/results.json.
"""
import argparse
import json
import os
import os.path as osp
import subprocess
import sys
import time

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
STAGES = ('train_stage1', 'pseudo_labels', 'train_stage2', 'test_stage2')


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--stage1', required=True, help='KD-MSI stage-1 config')
    parser.add_argument('--stage2', required=True, help='stage-2 (Siamese DeepLabV3+) config')
    parser.add_argument('--work-dir', required=True)
    parser.add_argument('--threshold', type=float,
                        help='pseudo-label threshold (default: sweep 0.00..0.85 for best mIoU)')
    parser.add_argument('--no-tta', action='store_true',
                        help='pseudo labels from the single-scale map instead of the tta_model')
    parser.add_argument('--no-gating', action='store_true',
                        help='ungated pseudo labels (no-change images keep their maps; the '
                        'official code gates them to all background)')
    parser.add_argument('--image-labels', metavar='LIST',
                        help='image-level labels "name,0/1" for the gating (default: from '
                        'the masks)')
    parser.add_argument('--no-test-tta', action='store_true',
                        help="test stage 2 at one scale instead of its tta_model (the official "
                        "multiscale logit-sum test, LogitSumChangeTTA)")
    parser.add_argument('--stage1-options', nargs='+', default=[], metavar='K=V')
    parser.add_argument('--stage2-options', nargs='+', default=[], metavar='K=V')
    parser.add_argument('--from-stage', choices=STAGES, help='rerun from this stage on')
    return parser.parse_args()


def latest_metrics(work_dir):
    """Metrics line of the newest test run logged under work_dir (``<stamp>/<stamp>.json``)."""
    for run in sorted(os.listdir(work_dir), reverse=True):
        path = osp.join(work_dir, run, f'{run}.json')
        if osp.isfile(path):
            with open(path) as f:
                lines = [json.loads(line) for line in f if line.strip()]
            if lines:
                return lines[-1]
    raise FileNotFoundError(f'no test metrics logged under {work_dir}')


def run(cmd):
    print('[kdmsi] $ ' + ' '.join(cmd), flush=True)
    subprocess.run([sys.executable, *cmd], cwd=REPO, check=True)


def main():
    args = parse_args()
    work_dir = osp.abspath(args.work_dir)
    stage_dir = osp.join(work_dir, 'stages')
    os.makedirs(stage_dir, exist_ok=True)
    if args.from_stage:
        for stage in STAGES[STAGES.index(args.from_stage):]:
            marker = osp.join(stage_dir, f'{stage}.done')
            if osp.exists(marker):
                os.remove(marker)
    dirs = {name: osp.join(work_dir, name) for name in ('stage1', 'pseudo_labels', 'stage2',
                                                        'stage2_test')}
    labels = osp.join(dirs['pseudo_labels'], 'label')
    stage2_opts = [f'train_dataloader.dataset.data_prefix.seg_map_path={labels}',
                   *args.stage2_options]

    def train(config, out, options):
        cmd = ['tools/train.py', config, '--work-dir', out]
        if osp.isfile(osp.join(out, 'last_checkpoint')):
            cmd.append('--resume')
        run(cmd + (['--cfg-options', *options] if options else []))

    def pseudo():
        cmd = ['tools/pseudo_label.py', args.stage1, dirs['stage1'], '--out-dir',
               dirs['pseudo_labels']]
        cmd += ['--threshold', str(args.threshold)] if args.threshold is not None else ['--sweep']
        cmd += ['--no-tta'] if args.no_tta else []
        cmd += ['--no-gating'] if args.no_gating else []
        cmd += ['--image-labels', args.image_labels] if args.image_labels else []
        run(cmd + (['--cfg-options', *args.stage1_options] if args.stage1_options else []))

    def test():
        tta = [] if args.no_test_tta else ['--tta']
        run(['tools/test.py', args.stage2, dirs['stage2'], '--work-dir', dirs['stage2_test'],
             *tta, '--cfg-options', *stage2_opts])
        metrics = latest_metrics(dirs['stage2_test'])
        with open(osp.join(dirs['pseudo_labels'], 'pseudo_label_report.json')) as f:
            threshold = json.load(f)['threshold']
        result = dict(stage1=args.stage1, stage2=args.stage2, pseudo_label_threshold=threshold,
                      stage2_test_tta=not args.no_test_tta, stage2_test=metrics)
        tmp = osp.join(work_dir, '.results.json.tmp')
        with open(tmp, 'w') as f:
            json.dump(result, f, indent=2)
        os.replace(tmp, osp.join(work_dir, 'results.json'))
        print('[kdmsi] stage-2 test: ' + ', '.join(
            f'{k} {metrics[k]:.4f}' for k in ('OA', 'mF1', 'IoU', 'mIoU', 'FP_union', 'FN_union')
            if k in metrics), flush=True)

    actions = dict(
        train_stage1=lambda: train(args.stage1, dirs['stage1'], args.stage1_options),
        pseudo_labels=pseudo,
        train_stage2=lambda: train(args.stage2, dirs['stage2'], stage2_opts),
        test_stage2=test)
    for i, stage in enumerate(STAGES, 1):
        marker = osp.join(stage_dir, f'{stage}.done')
        if osp.exists(marker):
            print(f'[kdmsi] stage {i}/{len(STAGES)} {stage}: done before, skipped', flush=True)
            continue
        print(f'[kdmsi] stage {i}/{len(STAGES)} {stage}', flush=True)
        start = time.time()
        actions[stage]()
        with open(marker, 'w') as f:
            json.dump(dict(seconds=round(time.time() - start, 1)), f)
    print(f'[kdmsi] all stages done; results in {osp.join(work_dir, "results.json")}', flush=True)


if __name__ == '__main__':
    main()

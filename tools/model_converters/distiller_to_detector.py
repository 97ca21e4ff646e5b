"""Turn a distiller checkpoint into a checkpoint of the plain change detector it trains.

    python tools/model_converters/distiller_to_detector.py work_dirs/cwd/best_F1.pth student.pth
    python tools/model_converters/distiller_to_detector.py stkd.pth plain.pth --source ema_teacher

Sources: ``student`` (a TeacherStudentDistiller's ``architecture.*`` weights; the teachers and the
connectors are left out), ``detector`` / ``ema_teacher`` (an STKDDistiller's network / its mean
teacher). By default the source is read from the checkpoint (``architecture.*`` keys: student,
else detector). The result loads into the student's (or the wrapped detector's) own config with
tools/test.py, tools/infer.py, tools/infer_scene.py and tools/export_onnx.py.
"""
import argparse
import os

from cdkd.models.distillers.utils import strip_prefix
from cdkd.utils.compat import load_local_checkpoint, save_checkpoint_atomic

PREFIXES = dict(student='architecture', detector='detector', ema_teacher='ema_teacher')


def convert(src: str, dst: str, source: str = None) -> int:
    """Write the plain-detector checkpoint of ``source``; returns the number of tensors."""
    checkpoint = load_local_checkpoint(src, map_location='cpu')
    state = checkpoint.get('state_dict', checkpoint)
    if source is None:
        source = 'student' if any(k.startswith('architecture.') for k in state) else 'detector'
    if source not in PREFIXES:
        raise ValueError(f'source must be one of {sorted(PREFIXES)}, got {source!r}')
    kind = 'TeacherStudentDistiller' if source == 'student' else (
        'STKDDistiller' + (' (with ema_teacher=True)' if source == 'ema_teacher' else ''))
    out = dict(state_dict=strip_prefix(state, PREFIXES[source], kind),
               meta=dict(checkpoint.get('meta') or {}, converted_from=os.path.abspath(src),
                         distiller_source=source))
    save_checkpoint_atomic(out, dst)  # never leave a half-written checkpoint
    return len(out['state_dict'])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('src', help='distiller checkpoint (.pth)')
    parser.add_argument('dst', help='output checkpoint of the plain detector')
    parser.add_argument('--source', choices=sorted(PREFIXES),
                        help='network to export (default: student if present, else detector)')
    args = parser.parse_args(argv)
    n = convert(args.src, args.dst, args.source)
    print(f'wrote {n} tensors to {args.dst}')


if __name__ == '__main__':
    main()

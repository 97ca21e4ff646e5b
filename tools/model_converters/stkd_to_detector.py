"""Turn an STKDDistiller checkpoint into a checkpoint of the plain change detector.

    python tools/model_converters/stkd_to_detector.py work_dirs/stkd/best_F1_iter_500.pth \
        plain.pth [--source ema_teacher]

The result loads into the detector config the STKD config wraps (e.g.
configs/siamese/siamfpn_r18_128x128_500it_synthetic.py for
configs/stkd/stkd_siamfpn_r18_128x128_500it_synthetic.py) with tools/test.py or tools/infer.py.
"""
import argparse
import os

from cdkd.models.distillers import STKDDistiller
from cdkd.utils.compat import load_local_checkpoint, save_checkpoint_atomic


def convert(src: str, dst: str, source: str = 'detector') -> int:
    checkpoint = load_local_checkpoint(src, map_location='cpu')
    state = checkpoint.get('state_dict', checkpoint)
    out = dict(state_dict=STKDDistiller.detector_state_dict(state, source),
               meta=dict(checkpoint.get('meta') or {}, converted_from=os.path.abspath(src),
                         stkd_source=source))
    save_checkpoint_atomic(out, dst)  # never leave a half-written checkpoint
    return len(out['state_dict'])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('src', help='STKDDistiller checkpoint (.pth)')
    parser.add_argument('dst', help='output checkpoint of the plain detector')
    parser.add_argument('--source', default='detector', choices=['detector', 'ema_teacher'],
                        help='which network to export (ema_teacher needs ema_teacher=True)')
    args = parser.parse_args()
    n = convert(args.src, args.dst, args.source)
    print(f'wrote {n} tensors of the {args.source} to {args.dst}')


if __name__ == '__main__':
    main()

"""Turn an STKDDistiller checkpoint into a checkpoint of the plain change detector
(``distiller_to_detector.py`` with an STKD source; kept under this name for STKD users).

    python tools/model_converters/stkd_to_detector.py work_dirs/stkd/best_F1_iter_500.pth \
        plain.pth [--source ema_teacher]

The result loads into the detector config the STKD config wraps (e.g.
configs/siamese/siamfpn_r18_128x128_500it_synthetic.py for
configs/stkd/stkd_siamfpn_r18_128x128_500it_synthetic.py) with tools/test.py or tools/infer.py.
"""
import argparse
import os.path as osp


def _general():
    from cdkd.utils.script_loader import load_script
    return load_script(osp.join(osp.dirname(osp.abspath(__file__)), 'distiller_to_detector.py'))


def convert(src: str, dst: str, source: str = 'detector') -> int:
    if source not in ('detector', 'ema_teacher'):
        raise ValueError(f"source must be 'detector' or 'ema_teacher', got {source!r}")
    return _general().convert(src, dst, source)


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

"""Predict change masks with a trained checkpoint, no labels needed.

    python tools/infer.py CONFIG CKPT --pair t1.png t2.png --out-dir out/
    python tools/infer.py CONFIG CKPT --dirs A/ B/ --out-dir out/ [--overlay] [--save-prob]

Writes ``<name>.png`` (0/255 change mask) per pair, optionally ``<name>_prob.png`` (probability
x 255) and ``<name>_overlay.png`` (changes drawn in red on the t2 image). Before anything is
written, the outputs are checked: two pairs may not map to one file (``x.png`` and ``x.jpg``),
no output may be an input, and ``--out-dir`` may not be (inside) an input folder. The checkpoint
must fit the config's model exactly (the error names the mismatched keys).
"""
import argparse
import os
import os.path as osp
import sys

import cv2
import numpy as np

from cdkd.apis import change_probability, inference_model, init_model
from cdkd.datasets.transforms import LoadMultiImageFromFile
from cdkd.utils.dataloaders import inside
from cdkd.visualization import draw_change_overlay, to_display_rgb

IMAGE_SUFFIXES = ('.png', '.jpg', '.jpeg', '.tif', '.tiff', '.bmp')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Change-detection inference on image pairs')
    parser.add_argument('config')
    parser.add_argument('checkpoint', help='checkpoint file or work dir')
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument('--pair', nargs=2, metavar=('T1', 'T2'), help='one image pair')
    group.add_argument('--dirs', nargs=2, metavar=('DIR_T1', 'DIR_T2'),
                       help='two folders with the same file names')
    parser.add_argument('--out-dir', required=True)
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--overlay', action='store_true', help='also write change overlays')
    parser.add_argument('--save-prob', action='store_true', help='also write probability maps')
    return parser.parse_args(argv)


def list_pairs(dir_t1: str, dir_t2: str):
    for d in (dir_t1, dir_t2):
        if not osp.isdir(d):
            raise FileNotFoundError(f'folder {d} does not exist')
    names = sorted(n for n in os.listdir(dir_t1) if n.lower().endswith(IMAGE_SUFFIXES))
    if not names:
        raise FileNotFoundError(f'no images ({", ".join(IMAGE_SUFFIXES)}) in {dir_t1}')
    missing = [n for n in names if not osp.isfile(osp.join(dir_t2, n))]
    if missing:
        raise FileNotFoundError(f'{len(missing)} image(s) of {dir_t1} have no partner in {dir_t2}, '
                                f'e.g. {missing[0]}')
    return [(osp.join(dir_t1, n), osp.join(dir_t2, n)) for n in names]


def plan_outputs(pairs, out_dir: str, save_prob: bool, overlay: bool):
    """Per pair ``(name, {kind: path})`` of the files it will write."""
    plan = []
    for path_t1, _ in pairs:
        name = osp.splitext(osp.basename(path_t1))[0]
        files = dict(mask=osp.join(out_dir, f'{name}.png'))
        if save_prob:
            files['prob'] = osp.join(out_dir, f'{name}_prob.png')
        if overlay:
            files['overlay'] = osp.join(out_dir, f'{name}_overlay.png')
        plan.append((name, files))
    return plan


def check_plan(plan, pairs, out_dir: str, input_dirs=()) -> None:
    """Refuse, before anything is written, outputs that collide with each other, overwrite an
    input file, or land in an input folder (real paths, so links and ``..`` do not slip by)."""
    real_out = osp.realpath(out_dir)
    for folder in input_dirs:
        if inside(real_out, osp.realpath(folder)):
            raise ValueError(f'--out-dir {out_dir} is (inside) the input folder {folder}: its '
                             'masks would mix with or overwrite the inputs; choose another folder')
    inputs = {osp.realpath(p): p for pair in pairs for p in pair}
    writers = {}
    for (_, files), (path_t1, _) in zip(plan, pairs):
        for path in files.values():
            real = osp.realpath(path)
            if real in inputs:
                raise ValueError(f'{path} (output for {path_t1}) would overwrite the input '
                                 f'{inputs[real]}; choose another --out-dir')
            if real in writers:
                raise ValueError(f'{writers[real]} and {path_t1} would both be written to {path} '
                                 '(same name without the suffix); rename one of them or predict '
                                 'them into separate --out-dir folders')
            writers[real] = path_t1


def write_png(path: str, image: np.ndarray) -> None:
    if not cv2.imwrite(path, image):
        raise OSError(f'could not write {path}')


def main(argv=None):
    args = parse_args(argv)
    pairs = [tuple(args.pair)] if args.pair else list_pairs(*args.dirs)
    plan = plan_outputs(pairs, args.out_dir, args.save_prob, args.overlay)
    check_plan(plan, pairs, args.out_dir, args.dirs or ())
    model = init_model(args.config, args.checkpoint, device=args.device)
    os.makedirs(args.out_dir, exist_ok=True)
    for i, ((path_t1, path_t2), (name, files)) in enumerate(zip(pairs, plan), 1):
        sample = inference_model(model, [path_t1, path_t2])
        mask = sample.pred_sem_seg.data[0].cpu().numpy().astype(np.uint8)
        write_png(files['mask'], mask * 255)
        if args.save_prob:
            prob = change_probability(sample)
            write_png(files['prob'], np.round(np.clip(prob, 0, 1) * 255).astype(np.uint8))
        if args.overlay:
            image_t2 = LoadMultiImageFromFile()(dict(img_paths=[path_t2]))['imgs'][0]
            overlay = draw_change_overlay(to_display_rgb(image_t2), mask)
            write_png(files['overlay'], overlay[..., ::-1])
        print(f'[{i}/{len(pairs)}] {name}: {int(mask.sum())} changed pixels', file=sys.stderr)
    print(f'wrote {len(pairs)} change mask(s) to {args.out_dir}')


if __name__ == '__main__':
    main()

"""Change map of a large co-registered pair (GeoTIFF, PNG, JPEG), tile by tile.

    python tools/infer_scene.py CONFIG CKPT --t1 A.tif --t2 B.tif --out change.tif \
        [--tile 512] [--overlap 128] [--batch-size 4] [--prob-out prob.tif --prob-dtype uint8] \
        [--polygons change.geojson] [--resample-b] [--threshold T] [--device cpu] [--tta] \
        [--cfg-options tta_model.scales=[0.5,1.0] ...]

Writes a uint8 GeoTIFF on A's grid (same size, CRS, transform): 0 unchanged, 1 changed, 255
nodata. Needs rasterio. The bands are those the config's test pipeline selects
(``MultiImgSelectBands``), the threshold the model's own (``change_threshold``) unless given.
``--tta`` applies the config's ``tta_model`` (e.g. KD-MSI's multiscale
sigmoid inference, ``MultiScaleChangeTTA``: scales, flips and mode from the config) to every tile,
as ``tools/test.py --tta`` does per image; the averaged probabilities are then blended across tiles.
Other test-time augmentation plugs in through ``cdkd.apis.infer_scene(predict_probs=...)``.
"""
import argparse
import json

import torch
from mmengine.config import DictAction

from cdkd.apis import (ChangeProbabilityNet, band_selections, build_tta_model, change_threshold,
                       infer_scene, init_model)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint', help='checkpoint file or work dir')
    parser.add_argument('--t1', required=True, help='image at time 1 (defines the output grid)')
    parser.add_argument('--t2', required=True, help='image at time 2')
    parser.add_argument('--out', required=True, help='change map GeoTIFF')
    parser.add_argument('--tile', type=int, default=512, help='tile size (multiple of 32)')
    parser.add_argument('--overlap', type=int, default=128, help='overlap of neighbouring tiles')
    parser.add_argument('--batch-size', type=int, default=4, help='tiles per forward pass')
    parser.add_argument('--threshold', type=float,
                        help="change probability threshold (default: the head's, or 0.5)")
    parser.add_argument('--prob-out', help='also write the change probability GeoTIFF')
    parser.add_argument('--prob-dtype', choices=['uint8', 'float32'], default='uint8')
    parser.add_argument('--polygons', help='also write changed regions as GeoJSON polygons')
    parser.add_argument('--resample-b', action='store_true',
                        help="warp t2 onto t1's grid (bilinear) instead of requiring the same grid")
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--gdal-cache-mb', type=int, default=128, help="cap of GDAL's block cache")
    parser.add_argument('--tta', action='store_true',
                        help="test-time augmentation of every tile (the config's tta_model)")
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings, e.g. tta_model.scales=[0.5,1.0]')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    model = init_model(args.config, args.checkpoint, device=args.device,
                       cfg_options=args.cfg_options)
    divisor = getattr(model.data_preprocessor, 'size_divisor', None) or 1
    if args.tile % divisor:
        raise ValueError(f'--tile {args.tile} must be a multiple of {divisor} (the size_divisor '
                         'of the model preprocessor)')
    tta_model = build_tta_model(model) if args.tta else None
    net = ChangeProbabilityNet(model, tta_model).to(args.device).eval()
    threshold = args.threshold
    if threshold is None:  # the TTA model's threshold, as tools/test.py --tta uses it
        threshold = getattr(tta_model, 'threshold', None)
    if threshold is None:
        threshold = change_threshold(model)
    summary = infer_scene(net, args.t1, args.t2, args.out, tile=args.tile, overlap=args.overlap,
                          batch_size=args.batch_size, threshold=threshold,
                          prob_path=args.prob_out, prob_dtype=args.prob_dtype,
                          polygons_path=args.polygons, resample_t2=args.resample_b,
                          expected_bands=getattr(model, 'temporal_bands', None),
                          band_selections=band_selections(model.cfg),
                          device=args.device, gdal_cache_mb=args.gdal_cache_mb)
    tta = model.cfg.tta_model.to_dict() if args.tta else None
    print(json.dumps(dict(summary, out=args.out, threshold=threshold, tta=tta)))
    return summary


if __name__ == '__main__':
    with torch.no_grad():
        main()

"""Large-scene change inference: two co-registered rasters of any size -> a change-map GeoTIFF on
the same grid, computed tile by tile with blended overlaps and written strip by strip.

Memory is bounded by the probability and weight accumulators of one strip of ``tile`` rows across
the scene width plus one batch of input tiles, never by the scene area. Prediction goes through any callable
``predict_probs(batch) -> probs`` (``(N, C, tile, tile)`` raw float32 bands -> ``(N, 1, tile, tile)``
or ``(N, tile, tile)`` change probabilities), so a test-time-augmentation wrapper such as KD-MSI's
multiscale sigmoid inference can be plugged in; the default is the plain network
(:class:`ChangeProbabilityNet`).
"""
import math
import os
import os.path as osp
import sys
import time
import warnings
from typing import Callable, List, Optional, Sequence

import numpy as np
import torch

from .polygons import write_change_polygons

CHANGE_NODATA = 255  # change map: 0 unchanged, 1 changed, 255 nodata
PROB_DTYPES = ('uint8', 'float32')


def _rasterio():
    try:
        import rasterio
    except ImportError as err:
        raise ImportError('large-scene inference needs rasterio: pip install "rasterio>=1.3" '
                          '(listed in requirements/optional.txt)') from err
    return rasterio


def tile_origins(length: int, tile: int, overlap: int) -> List[int]:
    """Tile starts along one axis with stride ``tile - overlap``; the last tile is shifted back to
    end at the border (a single tile when ``length <= tile``)."""
    if overlap < 0 or overlap >= tile:
        raise ValueError(f'overlap must be in [0, tile), got overlap={overlap}, tile={tile}')
    if length <= tile:
        return [0]
    stride = tile - overlap
    starts = list(range(0, length - tile, stride))
    return starts + [length - tile]


def blend_weight(tile: int, overlap: int) -> np.ndarray:
    """``tile x tile`` weight: 1 in the centre, a raised-cosine ramp over ``overlap`` pixels at each
    side, strictly positive so border pixels covered by one tile keep their prediction."""
    i = np.arange(tile, dtype=np.float64) + 0.5
    if overlap == 0:
        ramp = np.ones(tile)
    else:
        edge = np.minimum(np.minimum(i, tile - i) / overlap, 1.0)
        ramp = np.sin(0.5 * math.pi * edge) ** 2
    return np.outer(ramp, ramp).astype(np.float32)


def check_same_grid(src_t1, src_t2, path_t1: str, path_t2: str) -> None:
    """Both rasters must share size, CRS and transform; the error says which differs."""
    problems = []
    if (src_t1.width, src_t1.height) != (src_t2.width, src_t2.height):
        problems.append(f'size {src_t1.width}x{src_t1.height} vs {src_t2.width}x{src_t2.height}')
    if src_t1.crs != src_t2.crs:
        problems.append(f'CRS {src_t1.crs} vs {src_t2.crs}')
    if not src_t1.transform.almost_equals(src_t2.transform):
        problems.append(f'transform {tuple(src_t1.transform)[:6]} vs {tuple(src_t2.transform)[:6]}')
    if problems:
        raise ValueError(f'{path_t1} and {path_t2} are not on the same grid ({"; ".join(problems)});'
                         ' co-register them, or resample the second onto the first (--resample-b)')


def check_footprints_overlap(src_t1, src_t2, path_t1: str, path_t2: str) -> None:
    """Before warping t2 onto t1's grid: their footprints must overlap (else every output pixel
    would be nodata); the error names both footprints (bounds and CRS)."""
    from rasterio.warp import transform_bounds
    b1, b2 = tuple(src_t1.bounds), tuple(src_t2.bounds)
    b2_on_t1 = b2
    if src_t1.crs and src_t2.crs and src_t1.crs != src_t2.crs:
        b2_on_t1 = tuple(transform_bounds(src_t2.crs, src_t1.crs, *b2))

    def ranges(b):  # (left, bottom, right, top); bottom > top without georeferencing
        return sorted((b[0], b[2])), sorted((b[1], b[3]))

    (x1, y1), (x2, y2) = ranges(b1), ranges(b2_on_t1)
    if x2[0] < x1[1] and x1[0] < x2[1] and y2[0] < y1[1] and y1[0] < y2[1]:
        return
    on_t1 = f', {tuple(round(v, 6) for v in b2_on_t1)} in CRS {src_t1.crs}' \
        if b2_on_t1 != b2 else ''
    raise ValueError(f'{path_t1} (bounds {b1}, CRS {src_t1.crs}) and {path_t2} (bounds {b2}, CRS '
                     f'{src_t2.crs}{on_t1}) do not overlap: resampling t2 onto t1 would give an '
                     'all-nodata change map; check that both images cover the same area')


def select_bands(counts: Sequence[int], selections: Sequence[Sequence], paths: Sequence[str]):
    """Per date, the 0-based raster bands the model sees: each of ``selections`` (the ``bands``
    of the config's ``MultiImgSelectBands`` steps, in pipeline order; ``None`` keeps a date)
    applied to ``range(count)``, exactly as the transform indexes the loaded image."""
    indices = [list(range(int(c))) for c in counts]
    for selection in selections:
        if len(selection) != len(indices):
            raise ValueError(f'the config selects bands for {len(selection)} dates '
                             f'(MultiImgSelectBands(bands={list(selection)})), scene inference '
                             f'reads {len(indices)} ({", ".join(paths)})')
        for date, keep in enumerate(selection):
            if keep is None:
                continue
            n = len(indices[date])
            if any(not -n <= k < n for k in keep):
                raise ValueError(f'{paths[date]}: bands {list(keep)} requested (the config\'s '
                                 f'MultiImgSelectBands) but the image has {n}')
            indices[date] = [indices[date][k] for k in keep]
    return [tuple(i) for i in indices]


def _read_window(src, bands: Sequence[int], x: int, y: int, width: int,
                 height: int) -> np.ndarray:
    """Bands ``bands`` (0-based, repeats allowed) of a window as float32 ``(len, height, width)``."""
    from rasterio.windows import Window
    unique = sorted(set(bands))
    data = src.read(indexes=[b + 1 for b in unique], window=Window(x, y, width, height),
                    out_dtype='float32')
    if list(bands) == unique:
        return data
    return data[[unique.index(b) for b in bands]]


def _valid_rows(src, y: int, height: int) -> np.ndarray:
    """Valid pixels of rows [y, y + height): GDAL's dataset mask (nodata, mask band or alpha)."""
    from rasterio.windows import Window
    return src.dataset_mask(window=Window(0, y, src.width, height)) > 0


def _pad_to(batch: np.ndarray, tile: int) -> np.ndarray:
    h, w = batch.shape[-2:]
    if (h, w) == (tile, tile):
        return batch
    return np.pad(batch, [(0, 0)] * (batch.ndim - 2) + [(0, tile - h), (0, tile - w)],
                  mode='reflect' if min(h, w) > 1 else 'edge')


class _Outputs:
    """The change map (and optional probability) GeoTIFFs, written to temp files and renamed."""

    def __init__(self, profile: dict, out_path: str, prob_path: Optional[str], prob_dtype: str):
        rasterio = _rasterio()
        base = dict(profile, driver='GTiff', count=1, tiled=True, blockxsize=256, blockysize=256,
                    compress='deflate', BIGTIFF='IF_SAFER')
        for key in ('photometric', 'interleave', 'nodata'):
            base.pop(key, None)
        self.targets = [(out_path, self._temp(out_path))]
        self.change = rasterio.open(self.targets[0][1], 'w', **dict(base, dtype='uint8',
                                                                     nodata=CHANGE_NODATA))
        self.prob, self.prob_dtype = None, prob_dtype
        if prob_path is not None:
            self.targets.append((prob_path, self._temp(prob_path)))
            extra = dict(dtype='float32', nodata=float('nan')) if prob_dtype == 'float32' else \
                dict(dtype='uint8')  # uint8 uses all of 0..255; nodata goes to the mask band
            self.prob = rasterio.open(self.targets[1][1], 'w', **dict(base, **extra))

    @staticmethod
    def _temp(path: str) -> str:
        folder = osp.dirname(osp.abspath(path))
        os.makedirs(folder, exist_ok=True)
        return osp.join(folder, f'.{osp.basename(path)}.{os.getpid()}.partial.tif')

    def write(self, y: int, prob: np.ndarray, valid: np.ndarray, threshold: float) -> None:
        from rasterio.windows import Window
        window = Window(0, y, prob.shape[1], prob.shape[0])
        change = np.where(valid, (prob > threshold).astype(np.uint8), CHANGE_NODATA)
        self.change.write(change.astype(np.uint8), 1, window=window)
        if self.prob is not None:
            if self.prob_dtype == 'float32':
                self.prob.write(np.where(valid, prob, np.nan).astype(np.float32), 1, window=window)
            else:
                self.prob.write(np.round(np.clip(prob, 0, 1) * 255).astype(np.uint8), 1,
                                window=window)
                self.prob.write_mask(np.where(valid, 255, 0).astype(np.uint8), window=window)

    def commit(self) -> None:
        self.close()
        for final, temp in self.targets:
            os.replace(temp, final)

    def close(self) -> None:
        for dataset in (self.change, self.prob):
            if dataset is not None and not dataset.closed:
                dataset.close()

    def discard(self) -> None:
        self.close()
        for _, temp in self.targets:
            if osp.exists(temp):
                os.remove(temp)


@torch.no_grad()
def infer_scene(predict_probs: Callable[[torch.Tensor], torch.Tensor],
                path_t1: str,
                path_t2: str,
                out_path: str,
                tile: int = 512,
                overlap: int = 128,
                batch_size: int = 4,
                threshold: float = 0.5,
                prob_path: Optional[str] = None,
                prob_dtype: str = 'uint8',
                polygons_path: Optional[str] = None,
                resample_t2: bool = False,
                expected_bands: Optional[tuple] = None,
                band_selections: Sequence[Sequence] = (),
                device: str = 'cpu',
                gdal_cache_mb: int = 128,
                progress: bool = True) -> dict:
    """Predict change over two co-registered rasters (GeoTIFF, PNG, JPEG, anything GDAL reads).

    Writes ``out_path``: a uint8 GeoTIFF on the first raster's grid (same size, CRS, transform)
    with 0 = unchanged, 1 = changed, 255 = nodata (a pixel that is nodata/masked in either input).
    Optionally ``prob_path`` (uint8 ``round(p * 255)`` with a nodata mask band, or float32 with NaN
    nodata) and ``polygons_path`` (GeoJSON of the changed regions, see :mod:`.polygons`). Outputs
    appear atomically (temp file + rename). ``resample_t2`` warps the second raster onto the first's
    grid (bilinear) instead of requiring the same grid; their footprints must overlap.
    ``band_selections`` are the config's ``MultiImgSelectBands`` band lists (see
    :func:`select_bands`), so a scene is fed as ``tools/test.py`` feeds an image; the selected
    band counts must equal ``expected_bands``. GDAL's block cache is capped at
    ``gdal_cache_mb`` (its default, 5 % of RAM, would otherwise grow with the scene). Returns a
    summary dict.
    """
    rasterio = _rasterio()
    with rasterio.Env(GDAL_CACHEMAX=int(gdal_cache_mb)):  # values < 100000 are megabytes
        return _infer_scene(predict_probs, path_t1, path_t2, out_path, tile, overlap, batch_size,
                            threshold, prob_path, prob_dtype, polygons_path, resample_t2,
                            expected_bands, band_selections, device, progress)


def _infer_scene(predict_probs, path_t1, path_t2, out_path, tile, overlap, batch_size, threshold,
                 prob_path, prob_dtype, polygons_path, resample_t2, expected_bands,
                 band_selections, device, progress):
    rasterio = _rasterio()
    from rasterio.vrt import WarpedVRT
    from rasterio.enums import Resampling
    if prob_dtype not in PROB_DTYPES:
        raise ValueError(f'prob_dtype must be one of {PROB_DTYPES}, got {prob_dtype!r}')
    for path in (path_t1, path_t2):
        if not osp.isfile(path):
            raise FileNotFoundError(f'{path} does not exist')
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', rasterio.errors.NotGeoreferencedWarning)
        src_t1, src_t2_file = rasterio.open(path_t1), rasterio.open(path_t2)
    src_t2 = src_t2_file
    outputs = None
    try:
        if resample_t2:  # the alpha band marks pixels outside t2's footprint (and its nodata)
            check_footprints_overlap(src_t1, src_t2_file, path_t1, path_t2)
            src_t2 = WarpedVRT(src_t2_file, crs=src_t1.crs or src_t2_file.crs,
                               transform=src_t1.transform, width=src_t1.width,
                               height=src_t1.height, resampling=Resampling.bilinear,
                               add_alpha=True)
        else:
            check_same_grid(src_t1, src_t2, path_t1, path_t2)
        counts = (src_t1.count, src_t2_file.count)
        indices = select_bands(counts, band_selections, (path_t1, path_t2))
        bands = tuple(len(i) for i in indices)
        if expected_bands is not None and tuple(expected_bands) != bands:
            selected = f' ({bands[0]} and {bands[1]} after the config\'s band selection)' \
                if bands != counts else ''
            raise ValueError(f'{path_t1} and {path_t2} have {counts[0]} and {counts[1]} bands'
                             f'{selected}, the model expects temporal_bands='
                             f'{tuple(expected_bands)}')
        height, width = src_t1.height, src_t1.width
        rows, cols = tile_origins(height, tile, overlap), tile_origins(width, tile, overlap)
        weight = blend_weight(tile, overlap)
        with warnings.catch_warnings():  # PNG/JPEG inputs have no georeferencing to carry over
            warnings.simplefilter('ignore', rasterio.errors.NotGeoreferencedWarning)
            outputs = _Outputs(src_t1.profile, out_path, prob_path, prob_dtype)
        strip_h = min(tile, height)
        prob_sum = np.zeros((strip_h, width), np.float32)
        weight_sum = np.zeros((strip_h, width), np.float32)
        changed = nodata = 0
        for r, y in enumerate(rows):
            for b in range(0, len(cols), batch_size):
                xs = cols[b:b + batch_size]
                tile_w = min(tile, width)
                crops = np.stack([np.concatenate([
                    _read_window(src, idx, x, y, tile_w, strip_h)
                    for src, idx in ((src_t1, indices[0]), (src_t2, indices[1]))]) for x in xs])
                probs = predict_probs(torch.from_numpy(_pad_to(crops, tile)).to(device))
                probs = probs.reshape(len(xs), tile, tile).float().cpu().numpy()
                for x, p in zip(xs, probs):
                    w = min(tile, width - x)
                    prob_sum[:, x:x + w] += p[:strip_h, :w] * weight[:strip_h, :w]
                    weight_sum[:, x:x + w] += weight[:strip_h, :w]
            # Rows before the next tile row are final: write them and shift the accumulators.
            done = (rows[r + 1] if r + 1 < len(rows) else height) - y
            prob = prob_sum[:done] / weight_sum[:done]
            valid = _valid_rows(src_t1, y, done) & _valid_rows(src_t2, y, done)
            outputs.write(y, prob, valid, threshold)
            changed += int(((prob > threshold) & valid).sum())
            nodata += int((~valid).sum())
            for acc in (prob_sum, weight_sum):  # in place: no second full-width buffer
                acc[:strip_h - done] = acc[done:]  # numpy handles the overlap
                acc[strip_h - done:] = 0
            if progress:
                print(f'[{r + 1}/{len(rows)}] tile rows of {osp.basename(path_t1)}',
                      file=sys.stderr, flush=True)
        outputs.commit()
    except BaseException:
        if outputs is not None:
            outputs.discard()
        raise
    finally:
        if src_t2 is not src_t2_file:
            src_t2.close()
        src_t1.close()
        src_t2_file.close()
    polygons = write_change_polygons(out_path, polygons_path) if polygons_path else None
    seconds = time.perf_counter() - start
    return dict(width=width, height=height, tiles=len(rows) * len(cols), changed_pixels=changed,
                nodata_pixels=nodata, polygons=polygons, seconds=seconds,
                megapixels_per_s=width * height / 1e6 / seconds)

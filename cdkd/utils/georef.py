"""GeoTIFF georeferencing: footprints for overlap checks, with or without rasterio.

rasterio is used when installed (any GDAL-readable raster); otherwise the GeoTIFF tags are read
with tifffile: ModelPixelScale (33550) + ModelTiepoint (33922), or ModelTransformation (34264)
without rotation, and the EPSG code from the GeoKey directory (34735).
"""
import os
import os.path as osp
import tempfile
import warnings
from dataclasses import dataclass
from typing import Optional, Tuple

import numpy as np

PIXEL_SCALE, TIEPOINT, TRANSFORMATION, GEOKEYS = 33550, 33922, 34264, 34735
GEOGRAPHIC_TYPE_KEY, PROJECTED_TYPE_KEY = 2048, 3072


@dataclass(frozen=True)
class GeoRef:
    """North-up grid: pixel (row, col) covers x in [x0 + col sx, x0 + (col+1) sx) and
    y in (y0 - (row+1) sy, y0 - row sy]."""
    crs: Optional[str]
    x0: float
    y0: float
    sx: float
    sy: float
    width: int
    height: int

    @property
    def bounds(self) -> Tuple[float, float, float, float]:
        """(minx, miny, maxx, maxy)."""
        return (self.x0, self.y0 - self.height * self.sy, self.x0 + self.width * self.sx, self.y0)


def _rasterio_georef(path):
    try:
        import rasterio
    except ImportError:
        return False, None
    with warnings.catch_warnings():  # NotGeoreferencedWarning: handled below
        warnings.simplefilter('ignore')
        src = rasterio.open(path)
    with src:
        t = src.transform
        if src.crs is None or (t.a == 1 and t.e == 1 and t.c == 0 and t.f == 0):
            return True, None
        if t.b != 0 or t.d != 0:
            raise ValueError(f'{path}: rotated geotransform {tuple(t)[:6]} is not supported')
        return True, GeoRef(src.crs.to_string(), t.c, t.f, t.a, -t.e, src.width, src.height)


def _geokeys_epsg(values):
    """EPSG code stored directly in the GeoKey directory, or None."""
    if values is None or len(values) < 4:
        return None
    for i in range(int(values[3])):
        key, location, _, value = values[4 + 4 * i:8 + 4 * i]
        if key in (PROJECTED_TYPE_KEY, GEOGRAPHIC_TYPE_KEY) and location == 0 and value < 32767:
            return f'EPSG:{value}'
    return None


def _tifffile_georef(path):
    import tifffile
    with tifffile.TiffFile(path) as tif:
        page = tif.pages[0]
        tags = {code: page.tags[code].value for code in (PIXEL_SCALE, TIEPOINT, TRANSFORMATION,
                                                         GEOKEYS) if code in page.tags}
        height, width = page.shape[:2] if page.planarconfig != 2 or page.ndim < 3 \
            else page.shape[1:3]
    crs = _geokeys_epsg(tags.get(GEOKEYS))
    if PIXEL_SCALE in tags and TIEPOINT in tags:
        sx, sy = tags[PIXEL_SCALE][:2]
        i, j, _, x, y, _ = tags[TIEPOINT][:6]
        return GeoRef(crs, x - i * sx, y + j * sy, sx, sy, width, height)
    if TRANSFORMATION in tags:
        m = tags[TRANSFORMATION]
        if m[1] != 0 or m[4] != 0:
            raise ValueError(f'{path}: rotated ModelTransformation is not supported')
        return GeoRef(crs, m[3], m[7], m[0], -m[5], width, height)
    return None


def read_georef(path: str) -> Optional[GeoRef]:
    """Georeferencing of a GeoTIFF, or None (PNG, TIFF without GeoTIFF tags)."""
    if osp.splitext(path)[1].lower() not in ('.tif', '.tiff'):
        return None  # PNG world files are not read
    handled, ref = _rasterio_georef(path)
    return ref if handled else _tifffile_georef(path)


def overlap_fraction(a: Tuple[float, ...], b: Tuple[float, ...]) -> float:
    """Area of the intersection of two (minx, miny, maxx, maxy) boxes over the area of ``a``."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    area = (a[2] - a[0]) * (a[3] - a[1])
    return max(w, 0.0) * max(h, 0.0) / area if area > 0 else 0.0


def write_geotiff(path: str, array: np.ndarray, x0: float, y0: float, sx: float, sy: float,
                  epsg: int = 4326) -> None:
    """Write an H x W (x C) array as a georeferenced GeoTIFF (tifffile, atomic rename)."""
    import tifffile
    geographic = epsg == 4326
    geokeys = [1, 1, 0, 2, 1024, 0, 1, 2 if geographic else 1,
               GEOGRAPHIC_TYPE_KEY if geographic else PROJECTED_TYPE_KEY, 0, 1, epsg]
    extratags = [(PIXEL_SCALE, 'd', 3, (sx, sy, 0.0), True),
                 (TIEPOINT, 'd', 6, (0.0, 0.0, 0.0, x0, y0, 0.0), True),
                 (GEOKEYS, 'H', len(geokeys), geokeys, True)]
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix='.tif', dir=osp.dirname(osp.abspath(path)))
    os.close(fd)
    try:
        tifffile.imwrite(tmp, array, photometric='minisblack', extratags=extratags,
                         planarconfig='contig' if array.ndim == 3 else None)
        os.replace(tmp, path)
    except BaseException:
        os.remove(tmp)
        raise

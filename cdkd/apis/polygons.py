"""Changed regions of a change-map GeoTIFF as GeoJSON polygons, streamed strip by strip."""
import json
import os
import os.path as osp
from typing import Optional

CHANGED = 1


def write_change_polygons(change_path: str, out_path: str, strip_rows: int = 4096,
                          simplify_tolerance: Optional[float] = None) -> int:
    """Write the changed pixels (value 1) of ``change_path`` as a GeoJSON FeatureCollection of
    polygons in the raster's CRS (named in the ``crs`` member when it has an EPSG code) and return
    the polygon count.

    The raster is vectorised in strips of ``strip_rows`` rows so memory stays bounded; a region that
    crosses a strip boundary becomes adjacent polygons (dissolve them in a GIS if needed). Each
    feature carries ``area_px`` (its pixel count) and ``strip`` (the strip index). The file is
    written to a temp file and renamed.
    """
    import rasterio
    from rasterio.features import shapes
    from rasterio.windows import Window, transform as window_transform

    tmp = osp.join(osp.dirname(osp.abspath(out_path)) or '.',
                   f'.{osp.basename(out_path)}.{os.getpid()}.partial')
    count = 0
    try:
        with rasterio.open(change_path) as src, open(tmp, 'w') as f:
            epsg = src.crs.to_epsg() if src.crs else None
            f.write('{"type": "FeatureCollection",')
            if epsg:
                f.write(f' "crs": {{"type": "name", "properties": {{"name": "EPSG:{epsg}"}}}},')
            f.write(' "features": [\n')
            for index, y in enumerate(range(0, src.height, strip_rows)):
                window = Window(0, y, src.width, min(strip_rows, src.height - y))
                data = src.read(1, window=window)
                mask = data == CHANGED
                if not mask.any():
                    continue
                for geometry, _ in shapes(data, mask=mask, connectivity=4,
                                          transform=window_transform(window, src.transform)):
                    area = _pixel_area(geometry, src.transform)
                    feature = dict(type='Feature', geometry=geometry,
                                   properties=dict(area_px=area, strip=index))
                    f.write((',\n' if count else '') + json.dumps(feature))
                    count += 1
            f.write('\n]}\n')
        os.replace(tmp, out_path)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)
    return count


def _pixel_area(geometry: dict, transform) -> int:
    """Pixel count of a polygon (outer ring minus holes) from the shoelace formula."""
    def ring_area(ring):
        return abs(sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:]))) / 2
    rings = geometry['coordinates']
    area = ring_area(rings[0]) - sum(ring_area(r) for r in rings[1:])
    return int(round(area / abs(transform.a * transform.e - transform.b * transform.d)))

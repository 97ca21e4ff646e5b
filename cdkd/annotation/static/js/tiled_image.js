// A pair image shown from its server-side downscaled preview, plus full-resolution tiles
// fetched only for the visible area once the preview is too coarse for the zoom.
const MAX_TILES = 256;

export class TiledImage {
  constructor(urlBase, meta, onUpdate) {
    this.urlBase = urlBase; this.meta = meta; this.onUpdate = onUpdate;
    this.previewScale = meta.preview_width / meta.width;
    this.tiles = new Map();  // "col,row" -> Image, most recently used last
    this.preview = new Image();
    this.preview.onload = onUpdate;
    this.preview.src = `${urlBase}/preview.png`;
  }

  get ready() { return this.preview.complete && this.preview.naturalWidth > 0; }

  draw(ctx, view, screenWidth, screenHeight, devicePixels) {
    const { width, height, tile_size: size } = this.meta;
    if (this.ready) ctx.drawImage(this.preview, 0, 0, width, height);
    if (this.previewScale >= 1 || view.scale * devicePixels <= this.previewScale * 1.05) return;
    const [x0, y0] = view.toImage(0, 0);
    const [x1, y1] = view.toImage(screenWidth, screenHeight);
    const c0 = Math.max(0, Math.floor(x0 / size)), r0 = Math.max(0, Math.floor(y0 / size));
    const c1 = Math.min(Math.ceil(width / size) - 1, Math.floor(x1 / size));
    const r1 = Math.min(Math.ceil(height / size) - 1, Math.floor(y1 / size));
    for (let r = r0; r <= r1; r++) {
      for (let c = c0; c <= c1; c++) {
        const tile = this.tile(c, r);
        if (tile.complete && tile.naturalWidth > 0) {
          ctx.drawImage(tile, c * size, r * size, tile.naturalWidth, tile.naturalHeight);
        }
      }
    }
  }

  tile(col, row) {
    const key = `${col},${row}`;
    let tile = this.tiles.get(key);
    if (tile) {
      this.tiles.delete(key);
    } else {
      tile = new Image();
      tile.onload = this.onUpdate;
      tile.src = `${this.urlBase}/tiles/${col}/${row}.png`;
    }
    this.tiles.set(key, tile);
    if (this.tiles.size > MAX_TILES) this.tiles.delete(this.tiles.keys().next().value);
    return tile;
  }
}

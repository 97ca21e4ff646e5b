// The one view transform shared by both panels: screen = image * scale + (tx, ty), CSS pixels.
export class Viewport {
  constructor() {
    this.scale = 1; this.tx = 0; this.ty = 0; this.minScale = 0.01;
    this.listeners = [];
  }

  onChange(fn) { this.listeners.push(fn); }

  changed() { for (const fn of this.listeners) fn(this); }

  fit(imageWidth, imageHeight, boxWidth, boxHeight) {
    this.scale = 0.98 * Math.min(boxWidth / imageWidth, boxHeight / imageHeight);
    this.minScale = this.scale / 4;
    this.tx = (boxWidth - imageWidth * this.scale) / 2;
    this.ty = (boxHeight - imageHeight * this.scale) / 2;
    this.changed();
  }

  zoomAt(sx, sy, factor) {
    const scale = Math.min(64, Math.max(this.minScale, this.scale * factor));
    const k = scale / this.scale;
    this.tx = sx - (sx - this.tx) * k;
    this.ty = sy - (sy - this.ty) * k;
    this.scale = scale;
    this.changed();
  }

  panBy(dx, dy) { this.tx += dx; this.ty += dy; this.changed(); }

  toImage(sx, sy) { return [(sx - this.tx) / this.scale, (sy - this.ty) / this.scale]; }

  toScreen(ix, iy) { return [ix * this.scale + this.tx, iy * this.scale + this.ty]; }
}

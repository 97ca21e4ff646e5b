// The editable change mask at full image resolution: opaque colour = change, transparent = none.
// Every edit is re-binarized (alpha >= 128) so anti-aliased edges never leave grey pixels.
export const MASK_RGB = [255, 0, 220];  // magenta: rarely confused with roofs or soil
const HISTORY_BYTES = 256e6;

export class MaskLayer {
  constructor(width, height) {
    this.width = width; this.height = height;
    this.canvas = document.createElement('canvas');
    this.canvas.width = width; this.canvas.height = height;
    this.ctx = this.canvas.getContext('2d', { willReadFrequently: true });
    this.ctx.fillStyle = this.ctx.strokeStyle = `rgb(${MASK_RGB.join(',')})`;
    this.undoStack = []; this.redoStack = [];
    this.maxHistory = Math.max(5, Math.min(100, Math.floor(HISTORY_BYTES / (width * height))));
    this.dirty = false;
  }

  // Change as one byte (0/1) per pixel.
  binary() {
    const rgba = this.ctx.getImageData(0, 0, this.width, this.height).data;
    const out = new Uint8Array(this.width * this.height);
    for (let i = 0; i < out.length; i++) out[i] = rgba[4 * i + 3] >= 128 ? 1 : 0;
    return out;
  }

  setBinary(values) {
    const image = this.ctx.createImageData(this.width, this.height);
    const rgba = image.data;
    for (let i = 0; i < values.length; i++) {
      if (!values[i]) continue;
      rgba[4 * i] = MASK_RGB[0]; rgba[4 * i + 1] = MASK_RGB[1]; rgba[4 * i + 2] = MASK_RGB[2];
      rgba[4 * i + 3] = 255;
    }
    this.ctx.putImageData(image, 0, 0);
  }

  // Load a 0/255 grey PNG (as served by the app); any nonzero red value is change.
  loadImage(image) {
    const scratch = document.createElement('canvas');
    scratch.width = this.width; scratch.height = this.height;
    const sctx = scratch.getContext('2d', { willReadFrequently: true });
    sctx.drawImage(image, 0, 0);
    const rgba = sctx.getImageData(0, 0, this.width, this.height).data;
    const values = new Uint8Array(this.width * this.height);
    for (let i = 0; i < values.length; i++) values[i] = rgba[4 * i] > 0 ? 1 : 0;
    this.setBinary(values);
  }

  // Call before each edit: remembers the mask for undo.
  begin() {
    this.undoStack.push(this.binary());
    if (this.undoStack.length > this.maxHistory) this.undoStack.shift();
    this.redoStack = [];
    this.dirty = true;
  }

  undo() { return this.swap(this.undoStack, this.redoStack); }

  redo() { return this.swap(this.redoStack, this.undoStack); }

  swap(from, to) {
    if (!from.length) return false;
    to.push(this.binary());
    this.setBinary(from.pop());
    this.dirty = true;
    return true;
  }

  stroke(x0, y0, x1, y1, radius, erase) {
    const ctx = this.ctx;
    ctx.save();
    ctx.globalCompositeOperation = erase ? 'destination-out' : 'source-over';
    ctx.lineWidth = 2 * radius; ctx.lineCap = 'round';
    ctx.beginPath(); ctx.moveTo(x0, y0); ctx.lineTo(x1, y1);
    if (x0 === x1 && y0 === y1) { ctx.arc(x0, y0, radius, 0, 2 * Math.PI); ctx.fill(); } else ctx.stroke();
    ctx.restore();
    this.binarize(Math.min(x0, x1) - radius, Math.min(y0, y1) - radius,
                  Math.max(x0, x1) + radius, Math.max(y0, y1) + radius);
  }

  polygon(points, erase) {
    const ctx = this.ctx;
    ctx.save();
    ctx.globalCompositeOperation = erase ? 'destination-out' : 'source-over';
    ctx.beginPath();
    points.forEach(([x, y], i) => (i ? ctx.lineTo(x, y) : ctx.moveTo(x, y)));
    ctx.closePath(); ctx.fill();
    ctx.restore();
    const xs = points.map(p => p[0]), ys = points.map(p => p[1]);
    this.binarize(Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys));
  }

  contains(x, y) { return x >= 0 && y >= 0 && x < this.width && y < this.height; }

  // Flood fill (4-connected) of the region of pixel (x, y) with the opposite value.
  fill(x, y) {
    x = Math.floor(x); y = Math.floor(y);
    const { width } = this;
    const values = this.binary();
    const target = values[y * width + x], stack = [y * width + x];
    values[y * width + x] = 1 - target;
    while (stack.length) {
      const i = stack.pop(), px = i % width;
      const neighbours = [px > 0 ? i - 1 : -1, px < width - 1 ? i + 1 : -1, i - width, i + width];
      for (const n of neighbours) {
        if (n >= 0 && n < values.length && values[n] === target) { values[n] = 1 - target; stack.push(n); }
      }
    }
    this.setBinary(values);
  }

  binarize(x0, y0, x1, y1) {
    x0 = Math.max(0, Math.floor(x0) - 1); y0 = Math.max(0, Math.floor(y0) - 1);
    x1 = Math.min(this.width, Math.ceil(x1) + 1); y1 = Math.min(this.height, Math.ceil(y1) + 1);
    if (x1 <= x0 || y1 <= y0) return;
    const image = this.ctx.getImageData(x0, y0, x1 - x0, y1 - y0), rgba = image.data;
    for (let i = 0; i < rgba.length; i += 4) {
      const on = rgba[i + 3] >= 128;
      rgba[i] = on ? MASK_RGB[0] : 0; rgba[i + 1] = on ? MASK_RGB[1] : 0;
      rgba[i + 2] = on ? MASK_RGB[2] : 0; rgba[i + 3] = on ? 255 : 0;
    }
    this.ctx.putImageData(image, x0, y0);
  }

  toBlob() { return new Promise(resolve => this.canvas.toBlob(resolve, 'image/png')); }
}

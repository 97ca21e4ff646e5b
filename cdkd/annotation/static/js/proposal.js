// The AI proposal: the probability map (0..255 grey PNG) fetched once per pair, thresholded
// here whenever the slider moves; shown in its own colour until accepted.
const PROPOSAL_RGB = [40, 200, 255];

export class Proposal {
  constructor(width, height) {
    this.width = width; this.height = height; this.probability = null;
    this.canvas = document.createElement('canvas');
    this.canvas.width = width; this.canvas.height = height;
    this.ctx = this.canvas.getContext('2d', { willReadFrequently: true });
  }

  async load(url) {
    const response = await fetch(url);
    if (!response.ok) throw new Error((await response.json()).error || response.statusText);
    const bitmap = await createImageBitmap(await response.blob(), { colorSpaceConversion: 'none' });
    this.ctx.drawImage(bitmap, 0, 0);
    const rgba = this.ctx.getImageData(0, 0, this.width, this.height).data;
    this.probability = new Uint8Array(this.width * this.height);
    for (let i = 0; i < this.probability.length; i++) this.probability[i] = rgba[4 * i];
  }

  // Change where the served value (round(p * 255)) >= round(threshold * 255), halves up.
  binary(threshold) {
    const cut = Math.round(threshold * 255), out = new Uint8Array(this.probability.length);
    for (let i = 0; i < out.length; i++) out[i] = this.probability[i] >= cut ? 1 : 0;
    return out;
  }

  apply(threshold) {
    const values = this.binary(threshold);
    const image = this.ctx.createImageData(this.width, this.height), rgba = image.data;
    for (let i = 0; i < values.length; i++) {
      if (!values[i]) continue;
      rgba[4 * i] = PROPOSAL_RGB[0]; rgba[4 * i + 1] = PROPOSAL_RGB[1];
      rgba[4 * i + 2] = PROPOSAL_RGB[2]; rgba[4 * i + 3] = 255;
    }
    this.ctx.putImageData(image, 0, 0);
  }
}

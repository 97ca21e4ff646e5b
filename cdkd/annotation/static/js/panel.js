// One view panel: draws its image (or, in swipe / blink mode, both) with the shared viewport,
// the mask and proposal overlays, and the polygon being drawn.
export class Panel {
  constructor(element, index) {
    this.element = element; this.index = index;
    this.canvas = element.querySelector('canvas');
    this.ctx = this.canvas.getContext('2d');
    this.transform = null;  // [a, b, c, d, e, f] of the image transform of the last render
  }

  get cssWidth() { return this.canvas.clientWidth; }

  get cssHeight() { return this.canvas.clientHeight; }

  resize() {
    const dpr = window.devicePixelRatio || 1;
    this.canvas.width = Math.max(1, Math.round(this.cssWidth * dpr));
    this.canvas.height = Math.max(1, Math.round(this.cssHeight * dpr));
  }

  // Which image this panel shows in each mode: side = its own, blink = the current one.
  render(scene) {
    const { ctx, canvas } = this, dpr = window.devicePixelRatio || 1, view = scene.view;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    if (!scene.images) return;
    ctx.setTransform(dpr * view.scale, 0, 0, dpr * view.scale, dpr * view.tx, dpr * view.ty);
    const m = ctx.getTransform();
    this.transform = [m.a, m.b, m.c, m.d, m.e, m.f];
    ctx.imageSmoothingEnabled = view.scale * dpr < 2;
    const draw = image => image.draw(ctx, view, this.cssWidth, this.cssHeight, dpr);
    if (scene.mode === 'side') {
      draw(scene.images[this.index]);
    } else if (scene.mode === 'blink') {
      draw(scene.images[scene.blinkIndex]);
    } else {
      draw(scene.images[0]);
      const [splitX] = view.toImage(scene.swipe * this.cssWidth, 0);
      ctx.save();
      ctx.beginPath(); ctx.rect(splitX, -1e7, 2e7, 2e7); ctx.clip();
      draw(scene.images[1]);
      ctx.restore();
    }
    ctx.imageSmoothingEnabled = false;
    if (scene.proposal) {
      ctx.globalAlpha = Math.max(scene.opacity, 0.3);
      ctx.drawImage(scene.proposal.canvas, 0, 0);
    }
    if (scene.showMask && scene.mask) {
      ctx.globalAlpha = scene.opacity;
      ctx.drawImage(scene.mask.canvas, 0, 0);
    }
    ctx.globalAlpha = 1;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    this.drawOverlays(scene);
  }

  drawOverlays(scene) {
    const ctx = this.ctx, view = scene.view;
    if (scene.mode === 'swipe') {
      const x = scene.swipe * this.cssWidth;
      ctx.strokeStyle = '#fff'; ctx.lineWidth = 2;
      ctx.beginPath(); ctx.moveTo(x, 0); ctx.lineTo(x, this.cssHeight); ctx.stroke();
    }
    if (scene.polygon.length) {
      const points = scene.polygon.map(([x, y]) => view.toScreen(x, y));
      if (scene.pointer) points.push(view.toScreen(...scene.pointer));
      ctx.strokeStyle = '#ffe14d'; ctx.fillStyle = 'rgba(255, 225, 77, 0.25)'; ctx.lineWidth = 1.5;
      ctx.beginPath();
      points.forEach(([x, y], i) => (i ? ctx.lineTo(x, y) : ctx.moveTo(x, y)));
      ctx.fill(); ctx.stroke();
      ctx.fillStyle = '#ffe14d';
      for (const [x, y] of points.slice(0, scene.polygon.length)) ctx.fillRect(x - 3, y - 3, 6, 6);
    }
    if (scene.brushRadius && scene.pointer) {
      const [x, y] = view.toScreen(...scene.pointer);
      ctx.strokeStyle = '#fff'; ctx.lineWidth = 1;
      ctx.beginPath(); ctx.arc(x, y, scene.brushRadius * view.scale, 0, 2 * Math.PI); ctx.stroke();
    }
  }
}

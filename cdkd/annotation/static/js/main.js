// Controller of the annotation page: loads pairs, routes pointer and keyboard input to the
// tools, talks to the Flask API. Exposed as window.cdkdAnnotator (used by the browser tests).
import { MaskLayer } from './mask_layer.js';
import { Panel } from './panel.js';
import { Proposal } from './proposal.js';
import { TiledImage } from './tiled_image.js';
import { Viewport } from './viewport.js';

const $ = selector => document.querySelector(selector);
const VIEW_MODES = ['side', 'swipe', 'blink'];
const CLOSE_DISTANCE = 8;  // CSS px: a click this close to the first vertex closes the polygon

async function api(method, url, body, type = 'application/json') {
  const response = await fetch(url, {
    method, body: type === 'application/json' && body !== undefined ? JSON.stringify(body) : body,
    headers: body === undefined ? {} : { 'Content-Type': type },
  });
  if (!response.ok) {
    let message = response.statusText;
    try { message = (await response.json()).error || message; } catch (e) { /* not JSON */ }
    throw new Error(`${response.status}: ${message}`);
  }
  return response.headers.get('Content-Type')?.includes('json') ? response.json() : response;
}

function loadImage(url) {
  return new Promise((resolve, reject) => {
    const image = new Image();
    image.onload = () => resolve(image);
    image.onerror = () => reject(new Error(`cannot load ${url}`));
    image.src = url;
  });
}

class Annotator {
  constructor() {
    this.view = new Viewport();
    this.panels = [new Panel($('#panel-t1'), 0), new Panel($('#panel-t2'), 1)];
    this.names = []; this.index = 0; this.meta = null; this.images = null;
    this.mask = null; this.proposal = null;
    this.tool = 'polygon'; this.brushRadius = 8; this.polygon = []; this.pointer = null;
    this.mode = 'side'; this.swipe = 0.5; this.blinkIndex = 0; this.blinkTimer = null;
    this.showMask = true; this.opacity = 0.45; this.threshold = 0.5;
    this.drag = null; this.spaceDown = false; this.frame = 0;
    this.view.onChange(() => this.requestRender());
  }

  async start() {
    this.bindControls();
    for (const panel of this.panels) this.bindPanel(panel);
    new ResizeObserver(() => this.resize()).observe($('#views'));
    document.addEventListener('keydown', e => this.onKey(e));
    window.addEventListener('keyup', e => { if (e.code === 'Space') this.spaceDown = false; });
    window.addEventListener('beforeunload', e => { if (this.mask?.dirty) e.preventDefault(); });
    try {
      const info = await api('GET', '/api/pairs');
      this.names = info.names;
      $('#propose').disabled = $('#accept').disabled = !info.preannotation;
      this.preannotation = info.preannotation;
      await this.open(info.last_index);
    } catch (e) { this.status(e.message, 'error'); }
  }

  // ---- pairs ----
  get name() { return this.names[this.index]; }

  async open(index) {
    try {
      await this.load(Math.max(0, Math.min(this.names.length - 1, index)));
    } catch (e) { this.status(`cannot open ${this.name}: ${e.message}`, 'error'); }
  }

  async load(index) {
    this.index = index;
    const name = this.name, base = `/api/pairs/${encodeURIComponent(name)}`;
    this.status(`loading ${name}…`, 'loading');
    this.meta = null; this.images = null; this.mask = null; this.proposal = null; this.polygon = [];
    $('#pair-name').textContent = name;
    $('#pair-count').textContent = `${this.index + 1} / ${this.names.length}`;
    const meta = await api('GET', `${base}/meta`);
    if (name !== this.name) return;  // a newer navigation won
    const update = () => this.requestRender();
    const mask = new MaskLayer(meta.width, meta.height);
    if (meta.has_mask) mask.loadImage(await loadImage(`${base}/mask.png?t=${Date.now()}`));
    if (name !== this.name) return;
    this.meta = meta; this.mask = mask;
    this.images = [new TiledImage(`${base}/A`, meta, update), new TiledImage(`${base}/B`, meta, update)];
    this.showImageLabel(meta.image_label);
    this.fit();
    api('PUT', '/api/state', { last_pair: name }).catch(e => this.status(e.message, 'error'));
    this.status(`${name}: ${meta.width} x ${meta.height}${meta.has_mask ? ', mask loaded' : ', no mask yet'}`, 'ready');
  }

  async go(step) {
    if (this.mask?.dirty && !(await this.save())) return;
    await this.open(this.index + step);
  }

  async save() {
    if (!this.mask) return false;
    this.status('saving…', 'saving');
    try {
      const result = await api('PUT', `/api/pairs/${encodeURIComponent(this.name)}/mask.png`,
                               await this.mask.toBlob(), 'image/png');
      this.mask.dirty = false;
      this.status(`saved ${result.saved} (${result.changed_pixels} changed pixels)` +
                  (result.previous ? `; previous kept as ${result.previous}` : ''), 'saved');
      return true;
    } catch (e) { this.status(`save failed: ${e.message}`, 'error'); return false; }
  }

  async setImageLabel(label) {
    if (!this.meta) return;
    const current = this.meta.image_label === label ? null : label;  // clicking again clears
    try {
      await api('PUT', `/api/pairs/${encodeURIComponent(this.name)}/label`, { label: current });
      this.meta.image_label = current;
      this.showImageLabel(current);
      this.status(`pair label of ${this.name}: ${current ?? 'none'}`, 'ready');
    } catch (e) { this.status(e.message, 'error'); }
  }

  showImageLabel(label) {
    for (const b of document.querySelectorAll('#image-label button')) b.classList.toggle('active', b.dataset.label === label);
  }

  // ---- AI pre-annotation ----
  async propose() {
    if (!this.preannotation || !this.meta) return;
    const name = this.name, proposal = new Proposal(this.meta.width, this.meta.height);
    this.status(`predicting ${name}…`, 'loading');
    try {
      await proposal.load(`/api/pairs/${encodeURIComponent(name)}/probability.png`);
    } catch (e) { this.status(`AI proposal failed: ${e.message}`, 'error'); return; }
    if (name !== this.name) return;
    this.proposal = proposal;
    this.applyThreshold();
    this.status('AI proposal shown in blue: adjust the threshold, then Accept (U) or Esc', 'ready');
  }

  applyThreshold() {
    $('#threshold-value').textContent = this.threshold.toFixed(2);
    if (this.proposal) { this.proposal.apply(this.threshold); this.requestRender(); }
  }

  acceptProposal() {
    if (!this.proposal) return;
    this.mask.begin();
    this.mask.setBinary(this.proposal.binary(this.threshold));
    this.proposal = null;
    this.markDirty();
  }

  // ---- view ----
  fit() {
    const panel = this.panels[0];
    if (this.meta) this.view.fit(this.meta.width, this.meta.height, panel.cssWidth, panel.cssHeight);
  }

  resize() { for (const p of this.panels) p.resize(); this.requestRender(); }

  setMode(mode) {
    this.mode = mode;
    $('#view-mode').value = mode;
    const widthBefore = this.panels[0].cssWidth;
    $('#panel-t2').classList.toggle('hidden', mode !== 'side');
    $('#swipe-label').classList.toggle('hidden', mode !== 'swipe');
    this.view.tx += (this.panels[0].cssWidth - widthBefore) / 2;  // keep the centre in place
    clearInterval(this.blinkTimer);
    if (mode === 'blink') {
      this.blinkTimer = setInterval(() => {
        this.blinkIndex = 1 - this.blinkIndex;
        this.caption();
        this.requestRender();
      }, 600);
    }
    this.caption();
    this.resize();
  }

  caption() {
    const names = ['t1 (A)', 't2 (B)'];
    const texts = { side: names[0], swipe: `${names[0]} | ${names[1]}`, blink: `blink: ${names[this.blinkIndex]}` };
    $('#panel-t1 .caption').textContent = texts[this.mode];
  }

  requestRender() {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      const scene = {
        view: this.view, images: this.images, mask: this.mask, proposal: this.proposal,
        showMask: this.showMask, opacity: this.opacity, mode: this.mode, swipe: this.swipe,
        blinkIndex: this.blinkIndex, polygon: this.polygon, pointer: this.pointer,
        brushRadius: ['brush', 'eraser'].includes(this.tool) ? this.brushRadius : 0,
      };
      for (const panel of this.panels) if (panel.element.offsetParent !== null) panel.render(scene);
    });
  }

  // Client (viewport) coordinates of image point (x, y) in a panel; used by tests.
  imageToClient(panelIndex, x, y) {
    const rect = this.panels[panelIndex].canvas.getBoundingClientRect();
    const [sx, sy] = this.view.toScreen(x, y);
    return { x: rect.left + sx, y: rect.top + sy };
  }

  // ---- tools ----
  setTool(tool) {
    if (tool !== 'polygon') this.polygon = [];
    this.tool = tool;
    for (const b of document.querySelectorAll('#tools [data-tool]')) b.classList.toggle('active', b.dataset.tool === tool);
    this.requestRender();
  }

  setBrushRadius(radius) {
    this.brushRadius = Math.max(1, Math.min(100, radius));
    $('#brush-size').value = this.brushRadius;
    this.requestRender();
  }

  closePolygon() {
    if (this.polygon.length >= 3) {
      this.mask.begin();
      this.mask.polygon(this.polygon, false);
      this.markDirty();
    }
    this.polygon = [];
    this.requestRender();
  }

  markDirty() {
    this.mask.dirty = true;
    this.status(`${this.name}: unsaved changes (Ctrl+S saves)`, 'dirty');
    this.requestRender();
  }

  history(step) {
    if (this.mask && (step < 0 ? this.mask.undo() : this.mask.redo())) this.markDirty();
  }

  eventPoint(panel, e) {
    const rect = panel.canvas.getBoundingClientRect();
    const sx = e.clientX - rect.left, sy = e.clientY - rect.top;
    return { sx, sy, image: this.view.toImage(sx, sy) };
  }

  bindPanel(panel) {
    const canvas = panel.canvas;
    canvas.addEventListener('contextmenu', e => e.preventDefault());
    canvas.addEventListener('wheel', e => {
      e.preventDefault();
      const { sx, sy } = this.eventPoint(panel, e);
      this.view.zoomAt(sx, sy, Math.exp(-e.deltaY * 0.0015));
    }, { passive: false });
    canvas.addEventListener('pointerdown', e => {
      if (!this.mask) return;
      canvas.setPointerCapture(e.pointerId);
      const { sx, sy, image } = this.eventPoint(panel, e);
      if (e.button === 1 || e.button === 2 || this.spaceDown) {
        this.drag = { kind: 'pan', sx, sy };
      } else if (e.button === 0) {
        this.toolDown(image, sx, sy);
      }
    });
    canvas.addEventListener('pointermove', e => {
      const { sx, sy, image } = this.eventPoint(panel, e);
      this.pointer = image;
      if (this.drag?.kind === 'pan') {
        this.view.panBy(sx - this.drag.sx, sy - this.drag.sy);
        Object.assign(this.drag, { sx, sy });
      } else if (this.drag?.kind === 'stroke') {
        const [x0, y0] = this.drag.last;
        this.mask.stroke(x0, y0, image[0], image[1], this.brushRadius, this.tool === 'eraser');
        this.drag.last = image;
      }
      this.requestRender();
    });
    const end = () => { if (this.drag?.kind === 'stroke') this.markDirty(); this.drag = null; };
    canvas.addEventListener('pointerup', end);
    canvas.addEventListener('pointercancel', end);
    canvas.addEventListener('pointerleave', () => { this.pointer = null; this.requestRender(); });
    canvas.addEventListener('dblclick', () => { if (this.tool === 'polygon') this.closePolygon(); });
  }

  toolDown(image, sx, sy) {
    const [x, y] = image;
    if (this.tool === 'polygon') {
      if (this.polygon.length >= 3) {
        const [fx, fy] = this.view.toScreen(...this.polygon[0]);
        if (Math.hypot(fx - sx, fy - sy) < CLOSE_DISTANCE) { this.closePolygon(); return; }
      }
      this.polygon.push([x, y]);
    } else if (this.tool === 'fill') {
      if (!this.mask.contains(x, y)) return;
      this.mask.begin();
      this.mask.fill(x, y);
      this.markDirty();
    } else {
      this.mask.begin();
      this.mask.stroke(x, y, x, y, this.brushRadius, this.tool === 'eraser');
      this.drag = { kind: 'stroke', last: image };
    }
    this.requestRender();
  }

  // ---- controls and keys ----
  bindControls() {
    $('#prev').onclick = () => this.go(-1);
    $('#next').onclick = () => this.go(1);
    $('#save').onclick = () => this.save();
    $('#undo').onclick = () => this.history(-1);
    $('#redo').onclick = () => this.history(1);
    $('#fit').onclick = () => this.fit();
    $('#propose').onclick = () => this.propose();
    $('#accept').onclick = () => this.acceptProposal();
    $('#help-button').onclick = () => $('#help').showModal();
    for (const b of document.querySelectorAll('#tools [data-tool]')) b.onclick = () => this.setTool(b.dataset.tool);
    for (const b of document.querySelectorAll('#image-label button')) b.onclick = () => this.setImageLabel(b.dataset.label);
    $('#brush-size').oninput = e => this.setBrushRadius(Number(e.target.value));
    $('#view-mode').onchange = e => this.setMode(e.target.value);
    $('#swipe').oninput = e => { this.swipe = Number(e.target.value) / 100; this.requestRender(); };
    $('#opacity').oninput = e => { this.opacity = Number(e.target.value) / 100; this.requestRender(); };
    $('#threshold').oninput = e => { this.threshold = Number(e.target.value) / 100; this.applyThreshold(); };
    // Buttons must not keep the focus, or Space / Enter would press them again.
    for (const el of document.querySelectorAll('button, select, input')) el.addEventListener('change', () => el.blur());
    for (const el of document.querySelectorAll('button')) el.addEventListener('click', () => el.blur());
    this.setTool('polygon');
    this.setMode('side');
  }

  onKey(e) {
    const inSlider = e.target.tagName === 'INPUT' && e.key.startsWith('Arrow');
    if (e.target.tagName === 'SELECT' || inSlider || $('#help').open) return;
    const key = e.key.toLowerCase(), ctrl = e.ctrlKey || e.metaKey;
    const actions = {
      p: () => this.setTool('polygon'), b: () => this.setTool('brush'),
      e: () => this.setTool('eraser'), f: () => this.setTool('fill'),
      '[': () => this.setBrushRadius(this.brushRadius - Math.max(1, Math.round(this.brushRadius / 5))),
      ']': () => this.setBrushRadius(this.brushRadius + Math.max(1, Math.round(this.brushRadius / 5))),
      enter: () => this.closePolygon(),
      backspace: () => { this.polygon.pop(); this.requestRender(); },
      escape: () => { this.polygon = []; this.proposal = null; this.requestRender(); },
      arrowleft: () => this.go(-1), arrowright: () => this.go(1),
      1: () => this.setImageLabel('change'), 0: () => this.setImageLabel('no_change'),
      v: () => this.setMode(VIEW_MODES[(VIEW_MODES.indexOf(this.mode) + 1) % VIEW_MODES.length]),
      m: () => { this.showMask = !this.showMask; this.requestRender(); },
      i: () => this.propose(), u: () => this.acceptProposal(), r: () => this.fit(),
      '?': () => $('#help').showModal(),
    };
    const ctrlActions = { z: () => this.history(e.shiftKey ? 1 : -1), y: () => this.history(1), s: () => this.save() };
    if (e.code === 'Space') { this.spaceDown = true; e.preventDefault(); return; }
    const action = ctrl ? ctrlActions[key] : (e.altKey ? undefined : actions[key]);
    if (action) { e.preventDefault(); action(); }
  }

  status(text, state) {
    const el = $('#status');
    el.textContent = text;
    el.dataset.state = state;
  }
}

window.cdkdAnnotator = new Annotator();
window.cdkdAnnotator.start();

/**
 * The timeline page's own script (inlined, no network): draws the axes,
 * zooms every plot's time axis together (drag across a plot; double-click
 * or the button resets), and tells what is under the pointer from the
 * embedded data. Plain browser JavaScript, checked by the browser test.
 */
export const PAGE_SCRIPT = String.raw`
'use strict';
(() => {
  const data = JSON.parse(document.getElementById('timeline-data').textContent);
  const marks = JSON.parse(document.getElementById('timeline-marks').textContent);
  const plots = [...document.querySelectorAll('svg.plot')];
  const tip = document.getElementById('tip');
  const band = document.getElementById('band');
  const zoomLabel = document.getElementById('zoom');
  const SVG = 'http://www.w3.org/2000/svg';
  const view = { t0: 0, t1: Math.max(1, data.durationMs) };

  const step = (span, count) => {
    const raw = span / count;
    const power = 10 ** Math.floor(Math.log10(raw));
    return [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) || raw;
  };
  const el = (name, attrs, text) => {
    const node = document.createElementNS(SVG, name);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
    if (text !== undefined) node.textContent = text;
    return node;
  };
  const seconds = (ms, digits) => (ms / 1000).toFixed(digits) + ' s';

  function drawTimeAxes() {
    const span = view.t1 - view.t0;
    const every = step(span, 8);
    const digits = Math.max(0, Math.min(4, Math.ceil(-Math.log10(every / 1000))));
    for (const plot of plots) {
      const axis = plot.parentNode.querySelector('g.t-axis');
      const x0 = Number(plot.getAttribute('x'));
      const width = Number(plot.getAttribute('width'));
      axis.replaceChildren();
      for (let t = Math.ceil(view.t0 / every) * every; t <= view.t1; t += every) {
        const x = x0 + ((t - view.t0) / span) * width;
        axis.append(el('line', { x1: x, x2: x, y1: 0, y2: 4, class: 'tick' }));
        axis.append(el('text', { x, y: 16, class: 'tick-label', 'text-anchor': 'middle' }, seconds(t, digits)));
      }
    }
    zoomLabel.textContent = seconds(view.t0, 3) + ' – ' + seconds(view.t1, 3);
  }

  function drawSeqAxes() {
    for (const plot of plots) {
      const top = Number(plot.dataset.top);
      if (!(top > 0)) continue;
      const axis = plot.parentNode.querySelector('g.y-axis');
      const height = Number(axis.dataset.height);
      const x0 = Number(plot.getAttribute('x'));
      const every = Math.max(1, step(top, 5));
      for (let v = 0; v <= top; v += every) {
        const y = height - 8 - (v / top) * (height - 16);
        axis.append(el('line', { x1: x0 - 4, x2: x0, y1: y, y2: y, class: 'tick' }));
        axis.append(el('text', { x: x0 - 6, y: y + 4, class: 'tick-label', 'text-anchor': 'end' }, String(v)));
      }
      axis.append(el('text', { x: 12, y: height / 2, class: 'axis-name', transform: 'rotate(-90 12 ' + height / 2 + ')' }, 'seq'));
    }
  }

  function setView(t0, t1) {
    const end = Math.max(1, data.durationMs);
    view.t0 = Math.max(0, Math.min(t0, t1));
    view.t1 = Math.min(end, Math.max(t0, t1));
    if (view.t1 - view.t0 < 0.5) view.t1 = Math.min(end, view.t0 + 0.5);
    for (const plot of plots) {
      const height = plot.getAttribute('height');
      plot.setAttribute('viewBox', view.t0 + ' 0 ' + (view.t1 - view.t0) + ' ' + height);
    }
    drawTimeAxes();
  }

  const timeAt = (plot, clientX) => {
    const box = plot.getBoundingClientRect();
    return view.t0 + ((clientX - box.left) / box.width) * (view.t1 - view.t0);
  };

  function describeFrame(f) {
    const conn = data.connections.find((c) => c.id === f.conn);
    const role = conn ? conn.role : 'unknown';
    const who = f.dir === 'up' ? role + ' sent' : 'rendezvous → ' + role;
    const parts = [seconds(f.t, 4), who, f.kind];
    if (f.seq !== undefined) parts.push('seq ' + f.seq + (f.segment ? ' (segment ' + f.segment + ')' : ''));
    if (f.tx > 1) parts.push('retransmission #' + (f.tx - 1));
    if (f.nextSeq !== undefined) parts.push('next_seq ' + f.nextSeq);
    if (f.reason !== undefined) parts.push('reason ' + f.reason);
    if (f.ack !== undefined) parts.push('ack ' + f.ack + ' bits 0x' + (f.ackBits >>> 0).toString(16));
    parts.push(f.faults ? 'proxy: ' + f.faults.join(', ') : 'passed');
    const stream = data.streams[f.stream];
    return parts.join(' · ') + (stream ? '\nstream ' + f.stream + ' ' + stream : '');
  }

  function describeEvent(e) {
    const at = seconds(e.t, 4) + ' · ';
    if (e.kind === 'kill') return at + 'kill (' + e.mode + ') of socket #' + e.conn;
    if (e.kind === 'blackhole') return at + 'blackhole for ' + e.ms + ' ms' + (e.role ? ' on ' + e.role + ' sockets' : '');
    if (e.kind === 'deploy') return at + 'deploy: Durable Object evicted, sockets dropped' + (e.refused ? ' (eviction refused)' : '');
    return at + 'recovery: output flowed again ' + e.afterMs + ' ms after the fault';
  }

  function describeConnection(c) {
    const at = (t) => (t === undefined ? '–' : seconds(t, 4));
    return c.role + ' socket #' + c.id + ' · opened ' + at(c.opened) + (c.halfOpen !== undefined ? ' · half-open ' + at(c.halfOpen) : '') + ' · closed ' + at(c.closed);
  }

  function nearest(plot, event) {
    const list = marks[Number(plot.dataset.plot)] || [];
    const box = plot.getBoundingClientRect();
    const perPx = (view.t1 - view.t0) / box.width;
    const t = timeAt(plot, event.clientX);
    const y = (event.clientY - box.top) * (Number(plot.getAttribute('height')) / box.height);
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid][0] < t - 8 * perPx) lo = mid + 1;
      else hi = mid;
    }
    let best;
    let bestDistance = 8;
    for (let i = lo; i < list.length && list[i][0] <= t + 8 * perPx; i++) {
      const m = list[i];
      const dx = (m[0] - t) / perPx;
      const dy = m[1] < 0 ? 3 : m[1] - y;
      const distance = Math.hypot(dx, dy);
      if (distance <= bestDistance) {
        best = m;
        bestDistance = distance;
      }
    }
    return best;
  }

  function showTip(event) {
    const plot = event.target.closest && event.target.closest('svg.plot');
    const mark = plot && nearest(plot, event);
    if (!mark) {
      tip.hidden = true;
      return;
    }
    const [, , type, index] = mark;
    tip.textContent = type === 'f' ? describeFrame(data.frames[index]) : type === 'e' ? describeEvent(data.events[index]) : describeConnection(data.connections[index]);
    tip.style.left = event.pageX + 14 + 'px';
    tip.style.top = event.pageY + 14 + 'px';
    tip.hidden = false;
  }

  let drag;
  document.addEventListener('mousedown', (event) => {
    const plot = event.target.closest && event.target.closest('svg.plot');
    if (!plot || event.button !== 0) return;
    event.preventDefault();
    const box = plot.getBoundingClientRect();
    drag = { plot, x: event.clientX, top: box.top + window.scrollY, height: box.height };
  });
  document.addEventListener('mousemove', (event) => {
    if (!drag) return showTip(event);
    const left = Math.min(drag.x, event.clientX);
    Object.assign(band.style, { left: left + window.scrollX + 'px', top: drag.top + 'px', width: Math.abs(event.clientX - drag.x) + 'px', height: drag.height + 'px' });
    band.hidden = false;
  });
  document.addEventListener('mouseup', (event) => {
    if (!drag) return;
    const { plot, x } = drag;
    drag = undefined;
    band.hidden = true;
    if (Math.abs(event.clientX - x) > 4) setView(timeAt(plot, x), timeAt(plot, event.clientX));
  });
  document.addEventListener('dblclick', () => setView(0, data.durationMs));
  document.getElementById('reset-zoom').addEventListener('click', () => setView(0, data.durationMs));

  drawSeqAxes();
  setView(0, data.durationMs);
  document.body.dataset.ready = 'true';
})();
`;

/* Cordon map page: draws the project's layers, lets staff draw and edit zones, and reports to Python.
 *
 * The page is a view: Python owns the data. Layers arrive as packed payloads (a JSON header and typed
 * arrays, see data/map_payload.py), fetched from the cordon: scheme or embedded in an exported page.
 * Python calls the small API on `window.cordon`; the page reports through the Qt WebChannel bridge
 * (absent in exported pages). Every string from the data is escaped before it reaches HTML.
 */
(function () {
  'use strict';

  const ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };
  const esc = (value) => String(value === null || value === undefined ? '' : value).replace(/[&<>"'`]/g, (c) => ESCAPES[c]);

  const PANES = ['grids', 'admin_units', 'control_zones', 'isolation_sites', 'facilities', 'key_persons', 'cases', 'labels', 'selection'];
  const BIG_POINT_BIN_PX = 44; // screen bin for aggregating points when many are in view
  const AGGREGATE_ABOVE = 4000; // more visible points than this are drawn as counted bins
  const LEGEND_OPEN_WIDTH = 1000; // px of map width below which the legend starts folded
  const DETAIL_ZOOM = 12; // below it, sampling sites are hidden (dozens per county would cover the map)

  let map = null;
  let config = null;
  let bridge = null;
  const state = {
    layers: {}, // name -> {header, group | canvas layer, count}
    tiers: {},
    datum: 'wgs84',
    mode: null, // null | 'draw' | 'lasso' | 'select' | 'delete' | 'edit'
    selectLayer: null,
    selection: new Set(),
    basemap: null,
    tileErrors: 0,
  };

  // ---------------------------------------------------------------- payloads

  function decode(buffer) {
    const size = new DataView(buffer).getUint32(0, true);
    const header = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 4, size)));
    const start = Math.ceil((4 + size) / 8) * 8;
    const arrays = {};
    for (const b of header.buffers) arrays[b.name] = new window[b.dtype + 'Array'](buffer, start + b.offset, b.length);
    return { header, arrays };
  }

  async function fetchLayer(name) {
    if (config.inlineData) {
      const bytes = Uint8Array.from(atob(config.inlineData[name] || ''), (c) => c.charCodeAt(0));
      return decode(bytes.buffer);
    }
    const response = await fetch(`${config.dataUrl}${name}?datum=${state.datum}&t=${Date.now()}`);
    if (!response.ok) throw new Error(`${name}: HTTP ${response.status}`);
    return decode(await response.arrayBuffer());
  }

  function polygonLatLngs(arrays, feature) {
    const { x, y, rings, polygons, multis } = arrays;
    const parts = [];
    for (let p = multis[feature]; p < multis[feature + 1]; p++) {
      const ringList = [];
      for (let r = polygons[p]; r < polygons[p + 1]; r++) {
        const ring = [];
        for (let c = rings[r]; c < rings[r + 1]; c++) ring.push([y[c], x[c]]);
        ringList.push(ring);
      }
      parts.push(ringList);
    }
    return parts;
  }

  // ---------------------------------------------------------------- styles

  function unitStyle(props, i) {
    const style = config.symbology.units[props.level[i]] || config.symbology.units.village;
    return { color: style.colour, weight: style.width, fill: true, fillOpacity: 0, opacity: 0.9 };
  }

  function gridStyle(props, i) {
    const count = props.cases ? props.cases[i] : 0;
    let fill = '#ffffff00';
    for (const [upper, colour] of config.symbology.gridClasses) {
      if (count <= upper) { fill = colour; break; }
    }
    const g = config.symbology.grid;
    return { color: g.colour, weight: g.width, fillColor: fill.slice(0, 7), fillOpacity: fill.length > 7 ? 0 : 0.75 };
  }

  function zoneStyle(props, i) {
    const tier = state.tiers[props.tier[i]] || { colour: '#888888' };
    return { color: tier.colour, weight: 2, fillColor: tier.colour, fillOpacity: config.symbology.zoneFillOpacity };
  }

  function siteRadius(rooms) { return 5 + Math.sqrt(Math.max(0, rooms || 0)) * 0.9; }

  // ---------------------------------------------------------------- popups (escaped)

  function table(rows) {
    return '<table class="cordon-popup">' + rows.filter((r) => r[1] !== null && r[1] !== undefined && r[1] !== '')
      .map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('') + '</table>';
  }

  function label(key) { return (config.labels && config.labels[key]) || key; }

  function popupFor(name, props, i) {
    const p = (field) => (props[field] ? props[field][i] : null);
    if (name === 'isolation_sites') {
      const free = (p('rooms') || 0) - (p('occupied') || 0);
      return `<h4>${esc(p('name'))}</h4>` + table([
        [label('status'), label('site.' + p('status'))], [label('rooms'), p('rooms')], [label('occupied'), p('occupied')],
        [label('free'), free], [label('address'), p('address')], [label('contact'), p('contact')]]);
    }
    if (name === 'facilities') {
      return `<h4>${esc(p('name'))}</h4>` + table([[label('kind'), label('facility.' + p('kind'))], [label('capacity'), p('capacity')], [label('address'), p('address')]]);
    }
    if (name === 'control_zones') {
      const tier = state.tiers[p('tier')];
      return `<h4>${esc(p('name') || (tier ? tier.label : p('tier')))}</h4>` + table([
        [label('tier'), tier ? tier.label : p('tier')], [label('radius_m'), p('radius_m') ? Math.round(p('radius_m')) : null],
        [label('started_at'), p('started_at')]]);
    }
    if (name === 'grids') {
      return `<h4>${esc(p('name'))}</h4>` + table([[label('code'), p('code')], [label('population'), p('population')],
        [label('cases'), p('cases')], [label('worker'), p('worker')], [label('phone'), p('phone')]]);
    }
    return `<h4>${esc(p('name'))}</h4>` + table([[label('code'), p('code')], [label('population'), p('population')], [label('households'), p('households')]]);
  }

  // ---------------------------------------------------------------- vector layers

  function buildPolygons(name, decoded) {
    const { header, arrays } = decoded;
    const props = header.props;
    const renderer = L.canvas({ pane: name, padding: 0.3 });
    const group = L.featureGroup();
    const styleOf = { admin_units: unitStyle, grids: gridStyle, control_zones: zoneStyle }[name];
    for (let i = 0; i < header.count; i++) {
      const layer = L.polygon(polygonLatLngs(arrays, i), {
        ...styleOf(props, i), renderer, pane: name,
        pmIgnore: name === 'grids', snapIgnore: name !== 'admin_units',
        interactive: name !== 'admin_units' || props.level[i] === 'village' || props.level[i] === 'community',
      });
      layer.cordon = { layer: name, fid: header.fids[i], index: i };
      layer.on('click', (e) => onFeatureClick(e, layer, props));
      group.addLayer(layer);
    }
    return group;
  }

  function buildPoints(name, decoded) {
    const { header, arrays } = decoded;
    const props = header.props;
    const group = L.featureGroup();
    const sym = config.symbology;
    for (let i = 0; i < header.count; i++) {
      const latlng = [arrays.y[i], arrays.x[i]];
      let marker;
      if (name === 'isolation_sites') {
        const colour = sym.sites[props.status[i]] || '#666';
        marker = L.circleMarker(latlng, { pane: name, radius: siteRadius(props.rooms[i]), color: '#fff', weight: 1.5, fillColor: colour, fillOpacity: 0.95, pmIgnore: true });
      } else {
        const style = sym.facilities[props.kind[i]] || { colour: '#555', glyph: '?' };
        const icon = L.divIcon({ className: `cordon-facility cordon-facility-${esc(props.kind[i])}`, html: `<span style="background:${esc(style.colour)}">${esc(style.glyph)}</span>`, iconSize: [18, 18] });
        marker = L.marker(latlng, { pane: name, icon, pmIgnore: true, keyboard: false });
      }
      marker.cordon = { layer: name, fid: header.fids[i], index: i };
      marker.on('click', (e) => onFeatureClick(e, marker, props));
      group.addLayer(marker);
    }
    return group;
  }

  // Big point layers (cases): drawn straight from typed arrays on one canvas; aggregated into counted
  // bins when many are in view, single dots when few.
  const PointCanvas = L.Layer.extend({
    initialize(name, decoded, palette) {
      this._name = name;
      this._data = decoded;
      this._palette = palette;
      const { x, y } = decoded.arrays;
      const n = x.length;
      this._mx = new Float64Array(n);
      this._my = new Float64Array(n);
      for (let i = 0; i < n; i++) { // Web Mercator in world units [0, 1)
        const s = Math.sin((y[i] * Math.PI) / 180);
        this._mx[i] = (x[i] + 180) / 360;
        this._my[i] = 0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI);
      }
    },
    onAdd(m) {
      this._canvas = L.DomUtil.create('canvas', 'cordon-point-canvas');
      m.getPane(this._name).appendChild(this._canvas);
      m.on('moveend zoomend resize viewreset', this._redraw, this);
      m.on('zoomstart', this._hide, this);
      this._redraw();
    },
    onRemove(m) {
      L.DomUtil.remove(this._canvas);
      m.off('moveend zoomend resize viewreset', this._redraw, this);
      m.off('zoomstart', this._hide, this);
    },
    _hide() { this._canvas.style.visibility = 'hidden'; },
    _redraw() {
      const m = this._map;
      if (!m) return;
      const size = m.getSize();
      const ratio = window.devicePixelRatio || 1;
      const canvas = this._canvas;
      canvas.width = size.x * ratio; canvas.height = size.y * ratio;
      canvas.style.width = size.x + 'px'; canvas.style.height = size.y + 'px';
      L.DomUtil.setPosition(canvas, m.containerPointToLayerPoint([0, 0]));
      canvas.style.visibility = 'visible';
      const ctx = canvas.getContext('2d');
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      const world = 256 * Math.pow(2, m.getZoom());
      const origin = m.getPixelBounds().min;
      const { category } = this._data.arrays;
      const mx = this._mx, my = this._my, n = mx.length;
      const px = new Float32Array(n), py = new Float32Array(n);
      let visible = 0;
      for (let i = 0; i < n; i++) {
        const sx = mx[i] * world - origin.x, sy = my[i] * world - origin.y;
        px[i] = sx; py[i] = sy;
        if (sx >= -8 && sy >= -8 && sx <= size.x + 8 && sy <= size.y + 8) visible++;
      }
      this._px = px; this._py = py;
      this._aggregated = visible > AGGREGATE_ABOVE;
      if (this._aggregated) this._drawBins(ctx, size, category); else this._drawDots(ctx, size, category);
      this.drawnCount = n;
    },
    _drawDots(ctx, size, category) {
      const px = this._px, py = this._py, n = px.length;
      for (let c = this._palette.length - 1; c >= 0; c--) { // contacts below infections
        ctx.fillStyle = this._palette[c]; ctx.strokeStyle = '#ffffff'; ctx.lineWidth = 1;
        ctx.beginPath();
        for (let i = 0; i < n; i++) {
          if (category[i] !== c || px[i] < -8 || py[i] < -8 || px[i] > size.x + 8 || py[i] > size.y + 8) continue;
          ctx.moveTo(px[i] + 4, py[i]); ctx.arc(px[i], py[i], 4, 0, 2 * Math.PI);
        }
        ctx.fill(); ctx.stroke();
      }
    },
    _drawBins(ctx, size, category) {
      const cols = Math.ceil(size.x / BIG_POINT_BIN_PX) + 1, rows = Math.ceil(size.y / BIG_POINT_BIN_PX) + 1;
      const counts = new Uint32Array(cols * rows), top = new Uint8Array(cols * rows).fill(255);
      const px = this._px, py = this._py, n = px.length;
      for (let i = 0; i < n; i++) {
        if (px[i] < 0 || py[i] < 0 || px[i] >= size.x || py[i] >= size.y) continue;
        const b = Math.floor(py[i] / BIG_POINT_BIN_PX) * cols + Math.floor(px[i] / BIG_POINT_BIN_PX);
        counts[b]++;
        if (category[i] < top[b]) top[b] = category[i];
      }
      ctx.font = 'bold 11px sans-serif'; ctx.textAlign = 'center'; ctx.textBaseline = 'middle';
      for (let b = 0; b < counts.length; b++) {
        if (!counts[b]) continue;
        const cx = (b % cols + 0.5) * BIG_POINT_BIN_PX, cy = (Math.floor(b / cols) + 0.5) * BIG_POINT_BIN_PX;
        const r = Math.min(20, 7 + Math.log2(counts[b]) * 1.6);
        ctx.globalAlpha = 0.85; ctx.fillStyle = this._palette[top[b]] || '#555';
        ctx.beginPath(); ctx.arc(cx, cy, r, 0, 2 * Math.PI); ctx.fill();
        ctx.globalAlpha = 1; ctx.fillStyle = '#fff'; ctx.fillText(String(counts[b]), cx, cy);
      }
    },
    nearest(containerPoint, maxPx) {
      if (!this._px || this._aggregated) return -1;
      let best = -1, bestD = maxPx * maxPx;
      for (let i = 0; i < this._px.length; i++) {
        const dx = this._px[i] - containerPoint.x, dy = this._py[i] - containerPoint.y, d = dx * dx + dy * dy;
        if (d < bestD) { bestD = d; best = i; }
      }
      return best;
    },
  });

  // Labels of towns (zoomed out) and villages/communities (zoomed in), drawn as canvas text: no HTML.
  const LabelCanvas = L.Layer.extend({
    initialize(decoded) { this._data = decoded; this.enabled = true; },
    onAdd(m) {
      this._canvas = L.DomUtil.create('canvas', 'cordon-label-canvas');
      m.getPane('labels').appendChild(this._canvas);
      m.on('moveend zoomend resize viewreset', this._redraw, this);
      this._redraw();
    },
    onRemove(m) { L.DomUtil.remove(this._canvas); m.off('moveend zoomend resize viewreset', this._redraw, this); },
    _redraw() {
      const m = this._map;
      if (!m) return;
      const size = m.getSize(), ratio = window.devicePixelRatio || 1, canvas = this._canvas;
      canvas.width = size.x * ratio; canvas.height = size.y * ratio;
      canvas.style.width = size.x + 'px'; canvas.style.height = size.y + 'px';
      L.DomUtil.setPosition(canvas, m.containerPointToLayerPoint([0, 0]));
      const ctx = canvas.getContext('2d');
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      if (!this.enabled) return;
      const zoom = m.getZoom();
      const { header, arrays } = this._data;
      const levels = zoom >= 13 ? ['town', 'village', 'community'] : zoom >= 9 ? ['town'] : ['county'];
      const boxes = [];
      ctx.textAlign = 'center'; ctx.textBaseline = 'middle'; ctx.lineJoin = 'round';
      for (const level of levels) {
        ctx.font = level === 'town' ? 'bold 14px sans-serif' : '12px sans-serif';
        for (let i = 0; i < header.count; i++) {
          if (header.props.level[i] !== level) continue;
          const p = m.latLngToContainerPoint([arrays.labelY[i], arrays.labelX[i]]);
          if (p.x < 0 || p.y < 0 || p.x > size.x || p.y > size.y) continue;
          const text = String(header.props.name[i] || '');
          const w = ctx.measureText(text).width / 2 + 3, h = 9;
          if (boxes.some((b) => Math.abs(b[0] - p.x) < b[2] + w && Math.abs(b[1] - p.y) < h * 2)) continue;
          boxes.push([p.x, p.y, w]);
          ctx.strokeStyle = 'rgba(255,255,255,0.9)'; ctx.lineWidth = 3; ctx.strokeText(text, p.x, p.y);
          ctx.fillStyle = level === 'town' ? '#222' : '#444'; ctx.fillText(text, p.x, p.y);
        }
      }
      this.drawnCount = boxes.length;
    },
  });

  // ---------------------------------------------------------------- loading

  async function loadLayer(name) {
    const decoded = await fetchLayer(name);
    const old = state.layers[name];
    if (old && old.view) map.removeLayer(old.view);
    if (name === 'admin_units') {
      if (state.labels) map.removeLayer(state.labels);
      const enabled = state.labels ? state.labels.enabled : true;
      state.labels = new LabelCanvas(decoded);
      state.labels.enabled = enabled;
      state.labels.addTo(map);
    }
    let view;
    if (decoded.header.kind === 'polygons') view = buildPolygons(name, decoded);
    else if (decoded.header.kind === 'points') view = buildPoints(name, decoded);
    else {
      const palette = decoded.header.categories.map((c) => (name === 'cases' ? config.symbology.cases[c] : config.symbology.keyPersons[c]) || '#555');
      view = new PointCanvas(name, decoded, palette);
    }
    view.addTo(map);
    state.layers[name] = { header: decoded.header, arrays: decoded.arrays, view, count: decoded.header.count };
    if (name === state.selectLayer) highlightSelection();
  }

  async function reloadLayers(names) {
    const started = performance.now();
    const results = await Promise.allSettled(names.map(loadLayer));
    const failed = results.map((r, i) => (r.status === 'rejected' ? `${names[i]}: ${r.reason}` : null)).filter(Boolean);
    await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
    const report = { counts: featureCounts(), ms: performance.now() - started, failed };
    send('layersDrawn', report);
    return report;
  }

  function featureCounts() {
    const counts = {};
    for (const [name, entry] of Object.entries(state.layers)) {
      counts[name] = entry.view.getLayers ? entry.view.getLayers().length : entry.view.drawnCount || 0;
    }
    return counts;
  }

  // ---------------------------------------------------------------- interaction

  function send(signal, payload) {
    if (bridge) bridge.report(signal, JSON.stringify(payload));
  }

  function onFeatureClick(e, layer, props) {
    const info = layer.cordon;
    if (state.mode === 'select' && info.layer === state.selectLayer) {
      L.DomEvent.stop(e);
      toggleSelection(info.fid);
      return;
    }
    if (state.mode === 'delete' && info.layer === 'control_zones') {
      L.DomEvent.stop(e);
      send('shapeRemoved', { layer: info.layer, fid: info.fid });
      return;
    }
    if (state.mode) return;
    L.popup({ maxWidth: 320 }).setLatLng(e.latlng).setContent(popupFor(info.layer, props, info.index)).openOn(map);
    send('featureClicked', { layer: info.layer, fid: info.fid });
  }

  function onMapClick(e) {
    if (state.mode) return;
    for (const name of ['cases', 'key_persons']) {
      const entry = state.layers[name];
      if (!entry || !map.hasLayer(entry.view) || !entry.view.nearest) continue;
      const i = entry.view.nearest(e.containerPoint, 7);
      if (i >= 0) {
        send('featureClicked', { layer: name, fid: entry.arrays.fid[i] });
        return;
      }
    }
  }

  function toggleSelection(fid) {
    if (state.selection.has(fid)) state.selection.delete(fid); else state.selection.add(fid);
    highlightSelection();
    send('selectionChanged', { layer: state.selectLayer, fids: [...state.selection] });
  }

  function highlightSelection() {
    if (state.selectionView) map.removeLayer(state.selectionView);
    const entry = state.layers[state.selectLayer];
    if (!entry || !state.selection.size) return;
    const renderer = L.canvas({ pane: 'selection' });
    state.selectionView = L.featureGroup(entry.view.getLayers().filter((l) => state.selection.has(l.cordon.fid))
      .map((l) => L.polygon(l.getLatLngs(), { renderer, pane: 'selection', color: '#00a6ed', weight: 3, fillColor: '#00a6ed', fillOpacity: 0.25, interactive: false, pmIgnore: true })))
      .addTo(map);
  }

  function onCreate(e) {
    const layer = e.layer;
    map.removeLayer(layer);
    const mode = state.mode;
    api.stopDraw();
    if (mode === 'lasso') {
      send('lassoDrawn', { layer: state.selectLayer, geometry: layer.toGeoJSON().geometry, datum: state.datum });
    } else if (e.shape === 'Circle') {
      const c = layer.getLatLng();
      send('shapeDrawn', { shape: 'circle', center: [c.lng, c.lat], radius_m: layer.getRadius(), datum: state.datum });
    } else {
      send('shapeDrawn', { shape: e.shape.toLowerCase(), geometry: layer.toGeoJSON().geometry, datum: state.datum });
    }
  }

  function watchCircleRadius(e) {
    if (e.shape !== 'Circle') return;
    let centre = null;
    const tip = L.tooltip({ permanent: true, direction: 'right', className: 'cordon-radius-tip', offset: [12, 0] });
    const move = (ev) => {
      if (!centre) return;
      const metres = map.distance(centre, ev.latlng);
      tip.setLatLng(ev.latlng).setContent(`${label('radius')} ${Math.round(metres)} ${label('metres')}`);
      if (!map.hasLayer(tip)) tip.addTo(map);
    };
    e.workingLayer.on('pm:centerplaced', (ev) => { centre = ev.latlng; });
    map.on('mousemove', move);
    map.once('pm:drawend', () => { map.off('mousemove', move); map.removeLayer(tip); });
  }

  // ---------------------------------------------------------------- basemaps

  function setBasemap(spec) {
    if (state.basemap) { map.removeLayer(state.basemap); state.basemap = null; }
    for (const extra of state.basemapExtras || []) map.removeLayer(extra);
    state.basemapExtras = [];
    state.tileErrors = 0;
    notice(null);
    if (!spec || spec.kind === 'offline') return;
    const options = { subdomains: spec.subdomains || 'abc', maxZoom: spec.maxZoom || 18, attribution: esc(spec.attribution || '') };
    if (spec.keys) options.tk = (tile) => spec.keys[Math.abs(tile.x + tile.y) % spec.keys.length]; // spread load over keys
    const layers = spec.urls.map((url) => L.tileLayer(url, options));
    for (const layer of layers) {
      layer.on('tileerror', () => {
        state.tileErrors++;
        if (state.tileErrors === 3) notice(label('basemapOffline'));
      });
      layer.addTo(map);
    }
    state.basemap = layers[0];
    state.basemapExtras = layers.slice(1);
  }

  function notice(text) {
    let box = document.getElementById('cordon-notice');
    if (!text) { if (box) box.remove(); return; }
    if (!box) {
      box = document.createElement('div');
      box.id = 'cordon-notice';
      document.body.appendChild(box);
    }
    box.textContent = text;
  }

  // ---------------------------------------------------------------- API for Python

  const api = {
    ready: false,
    reloadLayers: (names) => reloadLayers(names),
    featureCounts,
    setTiers(tiers) {
      state.tiers = {};
      for (const t of tiers) state.tiers[t.key] = t;
      const box = document.getElementById('cordon-legend');
      if (box) box.innerHTML = legendHtml();
      if (state.layers.control_zones) state.layers.control_zones.view.eachLayer((l) => l.setStyle(zoneStyle(state.layers.control_zones.header.props, l.cordon.index)));
    },
    setLayerVisible(name, visible) { map.getPane(name).style.display = visible ? '' : 'none'; },
    setLayerOpacity(name, opacity) { map.getPane(name).style.opacity = String(opacity); },
    setLayerOrder(namesBottomUp) { namesBottomUp.forEach((n, i) => { map.getPane(n).style.zIndex = String(400 + i * 5); }); },
    setLabels(visible) { if (state.labels) { state.labels.enabled = visible; state.labels._redraw(); } },
    setBasemap,
    setDatum(datum) { state.datum = datum; return reloadLayers(Object.keys(state.layers)); },
    fitBounds(b) { map.fitBounds([[b[1], b[0]], [b[3], b[2]]]); },
    view() {
      const c = map.getCenter(), b = map.getBounds();
      return { center: [c.lng, c.lat], zoom: map.getZoom(), bounds: [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()], metresPerPixel: metresPerPixel() };
    },
    startDraw(shape) {
      api.stopDraw();
      state.mode = shape === 'Lasso' ? 'lasso' : 'draw';
      map.pm.enableDraw(shape === 'Lasso' ? 'Polygon' : shape, { snappable: shape !== 'Lasso', snapDistance: 15, allowSelfIntersection: false, continueDrawing: false });
    },
    stopDraw() {
      map.pm.disableDraw();
      api.setEditMode(false);
      state.mode = null;
      document.body.classList.remove('cordon-picking');
    },
    setSelectMode(layerName) {
      api.stopDraw();
      state.selectLayer = layerName;
      state.selection.clear();
      highlightSelection();
      state.mode = layerName ? 'select' : null;
      document.body.classList.toggle('cordon-picking', !!layerName);
    },
    setSelection(layerName, fids) {
      state.selectLayer = layerName;
      state.selection = new Set(fids);
      highlightSelection();
      send('selectionChanged', { layer: layerName, fids: [...state.selection] });
    },
    selection: () => ({ layer: state.selectLayer, fids: [...state.selection] }),
    setDeleteMode(on) { api.stopDraw(); state.mode = on ? 'delete' : null; document.body.classList.toggle('cordon-picking', on); },
    setEditMode(on) {
      const entry = state.layers.control_zones;
      if (on) { state.mode = 'edit'; }
      if (!entry) return;
      entry.view.eachLayer((l) => {
        if (on) {
          l.pm.enable({ allowSelfIntersection: false, snappable: true, snapDistance: 15 });
          l.off('pm:edit').on('pm:edit', () => send('shapeEdited', { layer: 'control_zones', fid: l.cordon.fid, geometry: l.toGeoJSON().geometry, datum: state.datum }));
        } else if (l.pm.enabled()) {
          l.pm.disable();
        }
      });
    },
    startFixedCircle(radius) { // one click places a circle of the typed radius
      api.stopDraw();
      state.mode = 'draw';
      document.body.classList.add('cordon-picking');
      map.once('click', (e) => {
        api.stopDraw();
        send('shapeDrawn', { shape: 'circle', center: [e.latlng.lng, e.latlng.lat], radius_m: radius, datum: state.datum });
      });
    },
    drawCircle(lng, lat, radius) { // scripted drawing: exactly what a user's circle reports
      send('shapeDrawn', { shape: 'circle', center: [lng, lat], radius_m: radius, datum: state.datum });
    },
    setOverlay(key, collection, options) { // a temporary layer: a proposal, a change map, the effective tiers
      api.clearOverlay(key);
      const opts = options || {};
      state.overlays = state.overlays || {};
      state.overlays[key] = L.geoJSON(collection, {
        pane: 'selection', pmIgnore: true,
        style: (f) => {
          const tier = state.tiers[f.properties.tier] || { colour: f.properties.colour || '#0064c8' };
          return { color: tier.colour, weight: opts.weight || 3, dashArray: opts.dash || '6 4', fillColor: tier.colour, fillOpacity: opts.fillOpacity === undefined ? 0.25 : opts.fillOpacity };
        },
        onEachFeature: (f, layer) => { if (f.properties.label) layer.bindTooltip(esc(f.properties.label), { sticky: true }); },
      }).addTo(map);
      if (opts.fit && collection.features.length) map.fitBounds(state.overlays[key].getBounds(), { padding: [30, 30] });
      return collection.features.length;
    },
    clearOverlay(key) {
      if (state.overlays && state.overlays[key]) { map.removeLayer(state.overlays[key]); delete state.overlays[key]; }
    },
    openPopup(name, fid) {
      const entry = state.layers[name];
      const layer = entry && entry.view.getLayers ? entry.view.getLayers().find((l) => l.cordon.fid === fid) : null;
      if (!layer) return false;
      const at = layer.getLatLng ? layer.getLatLng() : layer.getBounds().getCenter();
      L.popup().setLatLng(at).setContent(popupFor(name, entry.header.props, layer.cordon.index)).openOn(map);
      return true;
    },
  };

  function metresPerPixel() {
    const c = map.getCenter();
    return (40075016.686 * Math.cos((c.lat * Math.PI) / 180)) / (256 * Math.pow(2, map.getZoom()));
  }

  // ---------------------------------------------------------------- legend and marks

  function legendHtml() {
    const sym = config.symbology;
    const row = (colour, text, dot) => `<div><i class="${dot ? 'dot' : ''}" style="background:${esc(colour)}"></i>${esc(text)}</div>`;
    let html = `<h5>${esc(label('zones'))}</h5>`;
    html += Object.values(state.tiers).map((t) => row(t.colour, t.label)).join('');
    html += `<h5>${esc(label('caseLegend'))}</h5>`;
    html += Object.entries(sym.cases).map(([k, c]) => row(c, label('case.' + k), true)).join('');
    html += `<h5>${esc(label('siteLegend'))}</h5>`;
    html += Object.entries(sym.sites).map(([k, c]) => row(c, label('site.' + k), true)).join('');
    html += `<h5>${esc(label('facilityLegend'))}</h5>`;
    html += Object.entries(sym.facilities).map(([k, f]) => `<div><i style="background:${esc(f.colour)};border-radius:3px"></i>${esc(f.glyph)} ${esc(label('facility.' + k))}</div>`).join('');
    html += `<h5>${esc(label('gridLegend'))}</h5>`;
    let lower = 0;
    for (const [upper, colour] of sym.gridClasses) {
      if (upper === 0) { lower = 1; continue; }
      const text = upper > 1e8 ? `≥ ${lower}` : (lower === upper ? `${upper}` : `${lower}–${upper}`);
      html += row(colour.slice(0, 7), text);
      lower = upper + 1;
    }
    return html;
  }

  function addMapMarks() {
    const legend = L.control({ position: 'bottomright' });
    legend.onAdd = () => {
      const box = L.DomUtil.create('div', 'cordon-legend');
      const title = L.DomUtil.create('div', 'cordon-legend-title', box);
      title.textContent = label('legend');
      const body = L.DomUtil.create('div', '', box);
      body.id = 'cordon-legend';
      body.innerHTML = legendHtml();
      const collapse = (closed) => box.classList.toggle('collapsed', closed);
      title.addEventListener('click', () => collapse(!box.classList.contains('collapsed')));
      collapse(map.getSize().x < LEGEND_OPEN_WIDTH); // a narrow map keeps the legend folded away
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      return box;
    };
    legend.addTo(map);
    state.legend = legend;
    L.control.scale({ imperial: false, maxWidth: 160 }).addTo(map);
    if (config.sample) {
      const badge = L.control({ position: 'topright' });
      badge.onAdd = () => { const d = L.DomUtil.create('div', 'cordon-sample-badge'); d.textContent = label('sample'); return d; };
      badge.addTo(map);
    }
    map.attributionControl.setPrefix(false);
    if (config.attribution) map.attributionControl.addAttribution(esc(config.attribution.split('\n')[0]));
  }

  // ---------------------------------------------------------------- start

  function init(leafletMap, pageConfig) {
    map = leafletMap;
    config = pageConfig;
    map.options.zoomSnap = 0.25; // fit a county snugly
    map.options.zoomDelta = 0.5;
    window.cordon = api;
    PANES.forEach((name, i) => { map.createPane(name).style.zIndex = String(400 + i * 5); });
    map.getPane('labels').style.pointerEvents = 'none';
    map.getPane('selection').style.pointerEvents = 'none';
    api.setTiers(config.tiers || []);
    addMapMarks();
    document.body.style.background = config.symbology.background;
    map.getContainer().style.background = config.symbology.background;
    if (map.pm) {
      map.pm.setLang(config.lang === 'zh' ? 'zh' : 'en');
      map.pm.setGlobalOptions({ pathOptions: { color: '#0064c8', weight: 2, fillOpacity: 0.15 } });
      map.on('pm:create', onCreate);
      map.on('pm:drawstart', watchCircleRadius);
    }
    map.on('click', onMapClick);
    map.on('mousemove', L.Util.throttle((e) => { if (bridge) bridge.moveCursor(e.latlng.lng, e.latlng.lat, state.datum); }, 50));
    map.on('moveend zoomend', () => send('viewChanged', api.view()));
    const markZoom = () => map.getContainer().classList.toggle('cordon-zoomed-out', map.getZoom() < DETAIL_ZOOM);
    map.on('zoomend', markZoom);
    markZoom();
    if (config.bounds) api.fitBounds(config.bounds);
    setBasemap(config.basemap || null);
    const start = () => {
      api.ready = true;
      send('pageReady', { layers: config.layers });
      if (config.inlineData || config.autoload) {
        reloadLayers(config.layers).then(() => { // the window may have been resized while loading
          map.invalidateSize();
          if (config.bounds) api.fitBounds(config.bounds);
        });
      }
    };
    if (window.qt && window.qt.webChannelTransport && window.QWebChannel) {
      new QWebChannel(window.qt.webChannelTransport, (channel) => { bridge = channel.objects.bridge; start(); });
    } else {
      start();
    }
  }

  window.CordonMap = { init, esc, decode };
})();

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
  const FIT_MAX_ZOOM = 16; // fitting a few close features zooms in no further than this
  const DETAIL_ZOOM = 12; // below it, sampling sites are hidden (dozens per county would cover the map)

  let map = null;
  let config = null;
  let bridge = null;
  const state = {
    layers: {}, // name -> {header, group | canvas layer, count}
    loading: {}, // name -> the promise of its whole-layer fetch under way
    tiers: {},
    datum: 'wgs84',
    mode: null, // null (browse) | 'draw' | 'fixed' | 'lasso' | 'select' | 'zone' | 'delete' | 'edit'
    selectLayer: null,
    selection: new Set(),
    basemap: null,
    tileErrors: 0,
    project: 0, // counts the projects shown in this page: work begun for one is dropped once another is shown
  };

  // ---------------------------------------------------------------- payloads

  function decode(buffer) {
    const { header, start } = payloadHeader(buffer);
    return { header, arrays: payloadArrays(buffer, header, start) };
  }

  function payloadHeader(buffer) { // the header and where the buffers start
    const size = new DataView(buffer).getUint32(0, true);
    return { header: JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 4, size))), start: Math.ceil((4 + size) / 8) * 8 };
  }

  function payloadArrays(buffer, header, start) { // as sent: x/y in degrees, or in world steps (header.worldScale)
    const arrays = {};
    for (const b of header.buffers) arrays[b.name] = new globalThis[b.dtype + 'Array'](buffer, start + b.offset, b.length);
    if (arrays.dx) { // outlines sent as steps from vertex to vertex, -32768: the next whole vertex (map_payload._steps)
      const { dx, dy, farX, farY } = arrays, n = dx.length, x = new Int32Array(n), y = new Int32Array(n);
      for (let i = 0, k = 0, px = 0, py = 0; i < n; i++) {
        if (dx[i] === -32768) { px = farX[k]; py = farY[k++]; } else { px += dx[i]; py += dy[i]; }
        x[i] = px; y[i] = py;
      }
      for (const name of ['dx', 'dy', 'farX', 'farY']) delete arrays[name];
      Object.assign(arrays, { x, y });
    }
    return arrays;
  }

  function decodeBase64(text) { return decode(Uint8Array.from(atob(text || ''), (c) => c.charCodeAt(0)).buffer); }

  // Whole layers are fetched on a worker thread, which also projects their coordinates (decoded.world: Web Mercator
  // of x/y and labelX/labelY), so that the page's thread, busy preparing and drawing the layers that came first,
  // neither holds up the transfer of the others nor spends time projecting. Where workers cannot run (or fetch
  // there), the page fetches and projects itself. Layers the page does not edit (grids, units, big points) come projected
  // already, as whole steps of 1/worldScale world units (data/map_payload.py): those are only scaled.
  function layerWorkerMain(maxIndexLevel) { // runs in the worker, with the functions WORKER_FUNCTIONS beside it
    onmessage = async ({ data: { id, url } }) => {
      try {
        const response = await fetch(url);
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        const buffer = await response.arrayBuffer();
        const { header, start } = payloadHeader(buffer), arrays = payloadArrays(buffer, header, start), world = {};
        for (const [x, y] of [['x', 'y'], ['labelX', 'labelY']]) {
          if (arrays[x] && arrays[y]) [world[x], world[y]] = worldOf(header, x, arrays[x], arrays[y]);
        }
        const moved = new Set([buffer, arrays.x && arrays.x.buffer, arrays.y && arrays.y.buffer, ...Object.values(world).map((a) => a.buffer)]);
        if (header.kind === 'polygons' && arrays.multis) {
          world.bbox = polygonBoxes(world.x, world.y, arrays.rings, arrays.polygons, arrays.multis);
          moved.add(world.bbox.buffer);
        } else if (header.kind === 'bigpoints') {
          world.index = pointIndex(world.x, world.y, arrays.category, header.categories.length + 1, maxIndexLevel);
          [world.index.order, world.index.start, ...world.index.levels].forEach((a) => moved.add(a.buffer));
        }
        moved.delete(undefined);
        postMessage({ id, header, arrays, world }, [...moved]);
      } catch (error) {
        postMessage({ id, error: String(error && error.message ? error.message : error), unreached: error instanceof TypeError });
      }
    };
  }

  const WORKER_FUNCTIONS = [payloadHeader, payloadArrays, worldOf, mercator, polygonBoxes, pointIndex]; // self-contained
  // Each layer has its worker, the same at every fetch (so the code it runs there is compiled for it after the first
  // open, not again in the next worker each time): its place in config.layers, modulo LAYER_WORKERS, so that the big
  // three (grids, units and cases: places 0, 1 and 6 in map_payload.MAP_LAYERS) never share one.
  const LAYER_WORKERS = 4;
  const layerWorker = { workers: undefined, jobs: new Map(), next: 0 }; // workers: undefined untried, null unusable
  function startWorkers() { // once; layerWorker.workers null where they cannot run
    if (layerWorker.workers === undefined) {
      try {
        const source = [...WORKER_FUNCTIONS, layerWorkerMain].map(String).join('\n') + `\nlayerWorkerMain(${MAX_INDEX_LEVEL});`;
        const script = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
        layerWorker.workers = Array.from({ length: LAYER_WORKERS }, () => {
          const worker = new Worker(script);
          worker.onmessage = ({ data }) => {
            const job = layerWorker.jobs.get(data.id);
            layerWorker.jobs.delete(data.id);
            if (data.error !== undefined) job.reject(Object.assign(new Error(data.error), { unreached: data.unreached }));
            else job.resolve({ header: data.header, arrays: data.arrays, world: data.world });
          };
          worker.onerror = (event) => { // a worker broke: what it held fails (reported), later fetches run here
            layerWorker.jobs.forEach((job) => job.reject(new Error(event.message || 'worker failed')));
            layerWorker.jobs.clear();
            layerWorker.workers = null;
          };
          return worker;
        });
      } catch (error) {
        layerWorker.workers = null;
      }
    }
  }

  function workerFetch(url, slot) { // {header, arrays, world} of a payload fetched by worker ``slot``, or null without workers
    startWorkers();
    if (!layerWorker.workers) return null;
    const id = ++layerWorker.next;
    return new Promise((resolve, reject) => {
      layerWorker.jobs.set(id, { resolve, reject });
      layerWorker.workers[slot % LAYER_WORKERS].postMessage({ id, url });
    });
  }

  async function fetchLayer(name) {
    if (config.inlineData) return decodeBase64(config.inlineData[name]);
    const url = `${config.dataUrl}${name}?datum=${state.datum}&t=${Date.now()}`;
    const fetched = workerFetch(url, Math.max(0, config.layers.indexOf(name)));
    if (fetched) {
      try { return await fetched; } catch (error) { if (!error.unreached) throw new Error(`${name}: ${error.message}`); }
    } // (a worker that could not reach the data at all: the page tries itself, and keeps fetching itself if it can)
    const response = await fetch(url);
    if (!response.ok) throw new Error(`${name}: HTTP ${response.status}`);
    if (fetched) layerWorker.workers = null;
    return decode(await response.arrayBuffer());
  }

  function projected(decoded, x, y) { // Web Mercator of two coordinate arrays: the worker's, else made now
    const world = decoded.world;
    return world && world[x] ? [world[x], world[y]] : worldOf(decoded.header, x, decoded.arrays[x], decoded.arrays[y]);
  }

  function worldOf(header, key, x, y) { // world units of a payload's x/y (key 'x') or labelX/labelY (key 'labelX')
    if (key !== 'x' || !header.worldScale) return mercator(x, y);
    const n = x.length, mx = new Float64Array(n), my = new Float64Array(n), step = 1 / header.worldScale;
    for (let i = 0; i < n; i++) { mx[i] = x[i] * step; my[i] = y[i] * step; }
    return [mx, my];
  }

  function polygonLatLngs(arrays, feature, worldScale) { // worldScale: x/y in world steps (header.worldScale)
    const { x, y, rings, polygons, multis } = arrays;
    const latLng = worldScale ? (c) => [latitude(y[c] / worldScale) * 180 / Math.PI, (x[c] / worldScale) * 360 - 180] : (c) => [y[c], x[c]];
    const parts = [];
    for (let p = multis[feature]; p < multis[feature + 1]; p++) {
      const ringList = [];
      for (let r = polygons[p]; r < polygons[p + 1]; r++) {
        const ring = [];
        for (let c = rings[r]; c < rings[r + 1]; c++) ring.push(latLng(c));
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
    const fill = gridFill(props, i), g = config.symbology.grid;
    return { color: g.colour, weight: g.width, fillColor: fill.slice(0, 7), fillOpacity: fill.length > 7 ? 0 : 0.75 };
  }

  function gridFill(props, i) { // the colour of the grid's class of infections (#rrggbbaa: none)
    const count = props.infections ? props.infections[i] : 0; // infections only: see data.stats_store.grid_infections
    for (const [upper, colour] of config.symbology.gridClasses) if (count <= upper) return colour;
    return '#ffffff00';
  }

  // Zones are hatched in their tier's colour over a faint tint (cross-hatched for the top tier, sparser below) and
  // outlined in it, so they never read as the grid shading (a purple fill ramp). The hatch is a canvas pattern
  // (zones are drawn by a canvas renderer); the same tile is the zone's swatch in the legend.
  function zoneStyle(props, i) {
    const tier = state.tiers[props.tier[i]] || { colour: '#888888', rank: 99 };
    return { color: tier.colour, weight: config.symbology.zoneOutlineWidth, fillColor: zoneHatch(tier).pattern, fillOpacity: 1 };
  }

  function zoneHatch(tier) { // {pattern, url} of a tier's hatch tile, made once per colour and rank
    const cache = state.hatches || (state.hatches = {});
    const key = `${tier.colour}/${tier.rank}`;
    if (cache[key]) return cache[key];
    const sym = config.symbology, hatch = sym.zoneHatches[Math.min(tier.rank, sym.zoneHatches.length - 1)];
    const size = hatch.spacing, tile = document.createElement('canvas');
    tile.width = size; tile.height = size;
    const ctx = tile.getContext('2d');
    ctx.globalAlpha = sym.zoneFillOpacity; ctx.fillStyle = tier.colour; ctx.fillRect(0, 0, size, size);
    ctx.globalAlpha = 0.8; ctx.strokeStyle = tier.colour; ctx.lineWidth = sym.zoneHatchWidth;
    ctx.beginPath();
    for (const angle of hatch.angles) { // 45: "/", 135: "\"; the corner pieces join the lines across tiles
      const lines = angle === 45 ? [[-1, size + 1, size + 1, -1], [-1, 1, 1, -1], [size - 1, size + 1, size + 1, size - 1]]
        : [[-1, -1, size + 1, size + 1], [size - 1, -1, size + 1, 1], [-1, size - 1, 1, size + 1]];
      for (const [x0, y0, x1, y1] of lines) { ctx.moveTo(x0, y0); ctx.lineTo(x1, y1); }
    }
    ctx.stroke();
    cache[key] = { pattern: ctx.createPattern(tile, 'repeat'), url: tile.toDataURL() };
    return cache[key];
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
        [label('infections'), p('infections')], [label('worker'), p('worker')], [label('phone'), p('phone')]]);
    }
    return `<h4>${esc(p('name'))}</h4>` + table([[label('code'), p('code')], [label('population'), p('population')], [label('households'), p('households')]]);
  }

  // ---------------------------------------------------------------- vector layers

  // Units and grids are thousands of polygons with hundreds of thousands of vertices, cases up to millions of
  // points: they are drawn straight from their typed arrays onto one viewport-sized canvas per layer pane (so
  // pane visibility, opacity and order still apply per layer), Web Mercator projected once on arrival, features
  // outside the view skipped and vertices closer than SIMPLIFY_PX dropped. Clicks are hit-tested on the arrays.
  // Control zones (few, edited with Geoman), sites and facilities stay Leaflet layers.
  const SIMPLIFY_PX = 1.5; // screen distance below which consecutive vertices are merged while drawing
  const STRAIGHT_PX = 0.3; // vertices closer than this to the line drawn past them are left out ...
  const STRAIGHT_RUN = 16; // ... at most this many in a row (boundaries are often densified straight edges)
  const LOD_ABOVE = 2000; // a polygon layer with more features than this thins its outlines when zoomed out
  const VILLAGE_OUTLINE_ZOOM = 12; // ... village/community outlines from this zoom
  const GRID_OUTLINE_ZOOM = 12; // ... grid outlines from this zoom (their fills always show)
  const FILL_CACHE_PX = 4096; // widest image of a layer's fills kept for zoomed-out views
  const FILL_CACHE_MAX_ZOOM = 13; // ... and the deepest zoom it is made at
  const SNAP_MAX_UNITS = 1500; // more units in view than this: only town/county outlines are offered for snapping

  function mercator(x, y) { // Web Mercator in world units [0, 1)
    const n = x.length, mx = new Float64Array(n), my = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const s = Math.sin((y[i] * Math.PI) / 180);
      mx[i] = (x[i] + 180) / 360;
      my[i] = 0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI);
    }
    return [mx, my];
  }
  function latitude(wy) { return Math.atan(Math.sinh(Math.PI * (1 - 2 * wy))); } // of a world y, in radians (mercator's inverse)

  function viewOf(m) { // what a draw needs to know of the map view
    const size = m.getSize(), zoom = m.getZoom(), origin = m.getPixelBounds().min, world = 256 * Math.pow(2, zoom);
    return { m, zoom, world, ox: origin.x, oy: origin.y, w: size.x, h: size.y,
      x0: origin.x / world, y0: origin.y / world, x1: (origin.x + size.x) / world, y1: (origin.y + size.y) / world };
  }

  function toWorld(m, containerPoint) { // container pixel -> Web Mercator world units
    const world = 256 * Math.pow(2, m.getZoom()), origin = m.getPixelBounds().min;
    return [(containerPoint.x + origin.x) / world, (containerPoint.y + origin.y) / world];
  }

  // Units rank by level: county 0, town 1, everything finer or unknown (NULL, misspelt) 2, drawn like villages.
  const UNIT_RANKS = { county: 0, town: 1 };
  const FINE_RANK = 2;
  function unitRank(level) { return UNIT_RANKS[level] === undefined ? FINE_RANK : UNIT_RANKS[level]; }
  function unitRanks(props, n) { // per-unit ranks and the coarsest rank present
    const ranks = new Uint8Array(n);
    let coarsest = FINE_RANK;
    for (let i = 0; i < n; i++) { ranks[i] = unitRank(props.level[i]); if (ranks[i] < coarsest) coarsest = ranks[i]; }
    return { ranks, coarsest };
  }

  function isSelectable(name, props, i) {
    return name !== 'admin_units' || props.level[i] === 'village' || props.level[i] === 'community';
  }

  // Polygons: projected vertices, a bounding box per feature, features grouped by style (one canvas state
  // change per style, not per feature).
  function preparePolygons(name, decoded) {
    const { header, arrays } = decoded;
    const { rings, polygons, multis } = arrays;
    const n = header.count, props = header.props;
    const [mx, my] = projected(decoded, 'x', 'y');
    const bbox = (decoded.world && decoded.world.bbox) || polygonBoxes(mx, my, rings, polygons, multis), classes = new Map();
    const styleOf = name === 'grids' ? gridStyle : unitStyle;
    const thin = n > LOD_ABOVE;
    // Fine units wait for VILLAGE_OUTLINE_ZOOM only when coarser units outline the zoomed-out view.
    const units = name === 'admin_units' ? unitRanks(props, n) : null;
    const fineWait = thin && units && units.coarsest < FINE_RANK;
    const classOf = name === 'grids' ? gridFill : (p, f) => p.level[f]; // what a feature's style follows
    for (let f = 0; f < n; f++) {
      const key = classOf(props, f);
      let group = classes.get(key);
      if (!group) {
        const style = styleOf(props, f);
        if (fineWait && units.ranks[f] === FINE_RANK) style.minZoom = VILLAGE_OUTLINE_ZOOM;
        if (thin && name === 'grids') style.strokeMinZoom = GRID_OUTLINE_ZOOM;
        classes.set(key, group = { style, features: [] });
      }
      group.features.push(f);
    }
    return {
      name, mx, my, rings, polygons, multis, bbox, count: n, cacheFills: thin, fillCache: undefined, fillBuild: null,
      classes: [...classes.values()].map((c) => ({ style: c.style, features: Int32Array.from(c.features) })),
    };
  }

  function polygonBoxes(mx, my, rings, polygons, multis) { // x0, y0, x1, y1 of each feature (made by the worker, or here)
    const n = multis.length - 1, bbox = new Float64Array(4 * Math.max(0, n));
    for (let f = 0; f < n; f++) {
      let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
      const c0 = rings[polygons[multis[f]]], c1 = rings[polygons[multis[f + 1]]];
      for (let c = c0; c < c1; c++) {
        const a = mx[c], b = my[c];
        if (a < x0) x0 = a; if (a > x1) x1 = a; if (b < y0) y0 = b; if (b > y1) y1 = b;
      }
      bbox[4 * f] = x0; bbox[4 * f + 1] = y0; bbox[4 * f + 2] = x1; bbox[4 * f + 3] = y1;
    }
    return bbox;
  }

  // Outlines reaching far out of the view (a town's or the county's, zoomed in) leave out their vertices beyond it: a
  // vertex is dropped when it, the vertex before it (as traced) and the one after it all lie beyond the same edge of
  // the view widened by CULL_PAD_PX. What is traced instead runs beyond that edge too (the three points lie in its
  // half-plane), so the strokes and even-odd fills in view are as before; the software canvas no longer strokes
  // thousands of vertices nobody sees.
  const CULL_PAD_PX = 16;
  function outcode(x, y, right, bottom) { // which edges of [-pad, right] × [-pad, bottom] a point lies beyond (bits)
    return (x < -CULL_PAD_PX ? 1 : x > right ? 2 : 0) | (y < -CULL_PAD_PX ? 4 : y > bottom ? 8 : 0);
  }

  const run = new Float64Array(2 * STRAIGHT_RUN); // tracePolygon's vertices passed over
  function tracePolygon(ctx, P, f, v) {
    const { mx, my, rings, polygons, multis, bbox } = P, { world, ox, oy } = v;
    const right = v.w + CULL_PAD_PX, bottom = v.h + CULL_PAD_PX; // (a whole image of the layer has no w, h: no culling)
    const cull = v.w !== undefined && outcode(bbox[4 * f] * world - ox, bbox[4 * f + 1] * world - oy, right, bottom) |
      outcode(bbox[4 * f + 2] * world - ox, bbox[4 * f + 3] * world - oy, right, bottom);
    for (let p = multis[f]; p < multis[f + 1]; p++) {
      for (let r = polygons[p]; r < polygons[p + 1]; r++) {
        const c0 = rings[r], c1 = rings[r + 1];
        if (c1 - c0 < 3) continue;
        let lx = mx[c0] * world - ox, ly = my[c0] * world - oy, n = 0; // n: vertices passed over since (lx, ly)
        let traced = cull ? outcode(lx, ly, right, bottom) : 0; // where the vertex traced last lies
        ctx.moveTo(lx, ly);
        for (let c = c0 + 1; c < c1 - 1; c++) { // the closing vertex repeats the first: closePath draws it
          const sx = mx[c] * world - ox, sy = my[c] * world - oy;
          if (cull) {
            const here = outcode(sx, sy, right, bottom);
            if (traced & here & outcode(mx[c + 1] * world - ox, my[c + 1] * world - oy, right, bottom)) continue;
            traced = here;
          }
          const qx = n ? run[2 * n - 2] : lx, qy = n ? run[2 * n - 1] : ly; // the vertex kept last
          if (Math.abs(sx - qx) < SIMPLIFY_PX && Math.abs(sy - qy) < SIMPLIFY_PX) continue;
          let straight = n < STRAIGHT_RUN; // every vertex passed over near the line from (lx, ly) to this one?
          const dx = sx - lx, dy = sy - ly, tolerance = STRAIGHT_PX * Math.hypot(dx, dy);
          for (let k = 0; straight && k < n; k++) straight = Math.abs((run[2 * k] - lx) * dy - (run[2 * k + 1] - ly) * dx) <= tolerance;
          if (!straight) { lx = run[2 * n - 2]; ly = run[2 * n - 1]; ctx.lineTo(lx, ly); n = 0; }
          run[2 * n] = sx; run[2 * n + 1] = sy; n++;
        }
        if (n) ctx.lineTo(run[2 * n - 2], run[2 * n - 1]);
        ctx.closePath();
      }
    }
  }

  // Fills of a big layer (grid shading by case count) are rasterised once into an image of the whole layer at
  // a zoom where it is at most FILL_CACHE_PX wide; views at or below that zoom draw a scaled part of it (one
  // drawImage instead of thousands of small fills). Built once the layers are drawn, so opening is not slowed, a
  // band of FILL_CACHE_BAND_PX rows per task (the whole image in one task held the page ~200 ms after each open).
  const FILL_CACHE_BAND_PX = 512;
  function rasteriseNow(ctx) { ctx.getImageData(0, 0, 1, 1); } // a cached image drawn now, not in the frame that first shows it
  function hasFills(P) { return P.classes.some((c) => c.style.fillColor && c.style.fillOpacity > 0); }
  function layerExtent(P) { // [x0, y0, x1, y1] of all its features, world units
    const bbox = P.bbox;
    let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    for (let f = 0; f < P.count; f++) {
      if (bbox[4 * f] < x0) x0 = bbox[4 * f]; if (bbox[4 * f + 1] < y0) y0 = bbox[4 * f + 1];
      if (bbox[4 * f + 2] > x1) x1 = bbox[4 * f + 2]; if (bbox[4 * f + 3] > y1) y1 = bbox[4 * f + 3];
    }
    return [x0, y0, x1, y1];
  }

  function startFillCache(P) { // the image to fill band by band (fillCacheBand), or null for a layer without fills
    if (!hasFills(P)) return null; // (outlines only, such as units): nothing to blit
    const [x0, y0, x1, y1] = layerExtent(P), span = Math.max(x1 - x0, y1 - y0);
    if (!(span > 0)) return null;
    const zoom = Math.min(FILL_CACHE_MAX_ZOOM, Math.floor(Math.log2(FILL_CACHE_PX / (span * 256))));
    const world = 256 * Math.pow(2, zoom);
    const canvas = document.createElement('canvas');
    canvas.width = Math.ceil((x1 - x0) * world) + 2; canvas.height = Math.ceil((y1 - y0) * world) + 2;
    return { canvas, zoom, world, ox: x0 * world - 1, oy: y0 * world - 1, rowsDone: 0 };
  }

  function fillCacheBand(P, cache) { // rasterises the next band of rows; true once the whole image is made
    const { canvas, world, ox, oy } = cache, top = cache.rowsDone, bottom = Math.min(canvas.height, top + FILL_CACHE_BAND_PX);
    const ctx = canvas.getContext('2d');
    ctx.save();
    ctx.beginPath(); ctx.rect(0, top, canvas.width, bottom - top); ctx.clip(); // a grid across two bands: half in each
    drawPolygons(ctx, P, { zoom: cache.zoom, world, ox, oy, w: canvas.width, h: canvas.height,
      x0: -Infinity, y0: (oy + top - 1) / world, x1: Infinity, y1: (oy + bottom + 1) / world }, 'fill');
    ctx.restore();
    rasteriseNow(ctx);
    cache.rowsDone = bottom;
    return bottom >= canvas.height;
  }

  // The cached fills at a coarser zoom: each level half the one above, smoothed down from it once (scaling a big
  // image with smoothing on every frame costs the software canvas tens of milliseconds). Made one level per task
  // after the cache (see unbuiltFillLevel), so a first zoom out to a level draws it, not makes it.
  function tooSmallToHalve(level) { return level.canvas.width < 64 || level.canvas.height < 64; } // the coarsest level

  function fillCacheLevel(cache, zoom) {
    if (zoom >= cache.zoom) return cache;
    const levels = cache.levels || (cache.levels = {});
    if (levels[zoom]) return levels[zoom];
    const above = fillCacheLevel(cache, zoom + 1);
    if (tooSmallToHalve(above)) return above;
    const canvas = document.createElement('canvas');
    canvas.width = Math.ceil(above.canvas.width / 2); canvas.height = Math.ceil(above.canvas.height / 2);
    const ctx = canvas.getContext('2d');
    ctx.imageSmoothingQuality = 'high';
    ctx.drawImage(above.canvas, 0, 0, above.canvas.width / 2, above.canvas.height / 2);
    rasteriseNow(ctx);
    levels[zoom] = { canvas, zoom, world: above.world / 2, ox: above.ox / 2, oy: above.oy / 2 };
    return levels[zoom];
  }

  function unbuiltFillLevel(cache) { // the zoom of the next coarser level fillCacheLevel would make, or undefined
    let level = cache;
    for (let zoom = cache.zoom - 1; !tooSmallToHalve(level); zoom--) {
      if (!(cache.levels && cache.levels[zoom])) return zoom;
      level = cache.levels[zoom];
    }
    return undefined;
  }

  // The outlines of an outline-only layer (towns and the county zoomed out to a district: a score of wide outlines
  // of thousands of vertices, ~10 ms a frame to stroke in software) are kept as one image of the whole layer at the
  // view's exact zoom, when it is at most STROKE_CACHE_PX wide and high; a frame at that zoom draws it at a whole
  // pixel offset (the same pixels). The images of the view's zoom and one step in and out are made while the page is
  // idle, after a frame; images of other zooms are dropped.
  const STROKE_CACHE_PX = 4096;
  const STROKE_CACHE_AREA = 8e6; // ... and at most this many pixels (32 MB)
  const STROKE_CACHE_IDLE_MS = 30; // an image is made only in an idle period with this much time left
  function strokeCacheAt(P, v) { // {canvas, ox, oy} of the layer's outlines at the view's zoom, or null
    if (v.w === undefined || !Number.isInteger(v.ox) || !Number.isInteger(v.oy) || (window.devicePixelRatio || 1) !== 1 ||
      hasFills(P) || !window.requestIdleCallback) return null;
    const caches = P.strokeCaches || (P.strokeCaches = new Map());
    for (const zoom of caches.keys()) if (Math.abs(zoom - v.zoom) > 1) caches.delete(zoom);
    P.strokeZoom = v.zoom;
    scheduleStrokeCache(P);
    return caches.get(v.zoom) || null;
  }

  function scheduleStrokeCache(P) { // one image per idle period: the view's zoom, then one step in, then out
    if (P.strokeTask || !P.strokeCaches) return;
    const caches = P.strokeCaches;
    P.strokeTask = requestIdleCallback((deadline) => {
      P.strokeTask = null;
      if (Object.keys(state.loading).length) { scheduleStrokeCache(P); return; } // not while layers arrive
      const zoom = [P.strokeZoom, P.strokeZoom + 1, P.strokeZoom - 1].find((z) => !caches.has(z));
      const shown = state.layers[P.name] && state.layers[P.name].view.data === P; // (not a layer loaded anew since)
      if (!shown || zoom === undefined) return;
      if (deadline.timeRemaining() >= STROKE_CACHE_IDLE_MS) caches.set(zoom, buildStrokeCache(P, zoom));
      scheduleStrokeCache(P);
    });
  }

  function buildStrokeCache(P, zoom) { // null where the layer is too big at that zoom
    const [x0, y0, x1, y1] = layerExtent(P), world = 256 * Math.pow(2, zoom), pad = 16;
    const ox = Math.floor(x0 * world) - pad, oy = Math.floor(y0 * world) - pad;
    const w = Math.ceil(x1 * world) + pad - ox, h = Math.ceil(y1 * world) + pad - oy;
    if (!(w > 0 && h > 0) || w > STROKE_CACHE_PX || h > STROKE_CACHE_PX || w * h > STROKE_CACHE_AREA) return null;
    const canvas = document.createElement('canvas');
    canvas.width = w; canvas.height = h;
    const ctx = canvas.getContext('2d');
    drawPolygons(ctx, P, { zoom, world, ox, oy, w, h, x0: -Infinity, y0: -Infinity, x1: Infinity, y1: Infinity }, 'stroke');
    rasteriseNow(ctx);
    return { canvas, ox, oy };
  }

  function drawPolygons(ctx, P, v, only) { // returns how many features it drew
    const bbox = P.bbox;
    let drawn = 0;
    ctx.lineJoin = 'round';
    let cached = false;
    if (!only && P.cacheFills) {
      const cache = P.fillCache;
      if (cache && v.zoom <= cache.zoom) { // one unsmoothed blit (cheap) from a level at most twice the view's scale
        const level = fillCacheLevel(cache, Math.ceil(v.zoom - 1e-9)), s = v.world / level.world;
        const left = Math.round(level.ox * s - v.ox), top = Math.round(level.oy * s - v.oy);
        ctx.imageSmoothingEnabled = false;
        ctx.drawImage(level.canvas, left, top, Math.round(level.canvas.width * s), Math.round(level.canvas.height * s));
        ctx.imageSmoothingEnabled = true;
        cached = true;
      }
    }
    const strokes = only ? null : strokeCacheAt(P, v); // (an outline-only layer: nothing but strokes to draw)
    if (strokes) ctx.drawImage(strokes.canvas, strokes.ox - v.ox, strokes.oy - v.oy);
    for (const cls of P.classes) {
      const st = cls.style, fs = cls.features;
      if (st.minZoom && v.zoom < st.minZoom) continue;
      const doFill = st.fillColor && st.fillOpacity > 0 && !cached && only !== 'stroke';
      const doStroke = st.weight > 0 && !(st.strokeMinZoom && v.zoom < st.strokeMinZoom) && only !== 'fill';
      if (!doFill && !doStroke) continue;
      ctx.fillStyle = st.fillColor || '#000'; ctx.strokeStyle = st.color; ctx.lineWidth = st.weight;
      for (let k = 0; k < fs.length; k++) {
        const f = fs[k];
        if (bbox[4 * f + 2] < v.x0 || bbox[4 * f] > v.x1 || bbox[4 * f + 3] < v.y0 || bbox[4 * f + 1] > v.y1) continue;
        if (strokes) { drawn++; continue; } // (counted as drawn: it is in the image)
        ctx.beginPath(); // one path per feature: much faster to rasterise in software than one big path
        tracePolygon(ctx, P, f, v);
        if (doFill) { ctx.globalAlpha = st.fillOpacity; ctx.fill('evenodd'); }
        if (doStroke) { ctx.globalAlpha = st.opacity === undefined ? 1 : st.opacity; ctx.stroke(); }
        drawn++;
      }
    }
    ctx.globalAlpha = 1;
    return drawn;
  }

  // The feature of a polygon layer under a world point (even-odd over all its rings), or -1.
  function polygonAt(P, wx, wy, accept) {
    const { mx, my, rings, polygons, multis, bbox } = P;
    for (let f = P.count - 1; f >= 0; f--) { // last drawn is on top
      if (wx < bbox[4 * f] || wx > bbox[4 * f + 2] || wy < bbox[4 * f + 1] || wy > bbox[4 * f + 3]) continue;
      if (accept && !accept(f)) continue;
      let inside = false;
      for (let r = polygons[multis[f]]; r < polygons[multis[f + 1]]; r++) {
        for (let c = rings[r], e = rings[r + 1], j = e - 1; c < e; j = c++) {
          if ((my[c] > wy) !== (my[j] > wy) && wx < ((mx[j] - mx[c]) * (wy - my[c])) / (my[j] - my[c]) + mx[c]) inside = !inside;
        }
      }
      if (inside) return f;
    }
    return -1;
  }

  // Big point layers (cases, up to millions): projected once on arrival and indexed, so that a frame touches only
  // what is in view. The index sorts the points into a grid of side × side cells over the layer's extent; per-category
  // counts are summed up a pyramid of coarser grids (each cell four of the finer one). With few points in view
  // (AGGREGATE_ABOVE) each is a dot, as always; with more, the view is shaded in square cells of 12 to 24 px (cells
  // of the pyramid, so they stay put while panning) by how many people each holds (see densityHtml for the legend
  // and densityTip for the counts on hover), on a canvas in the layer's density pane, below zones and outlines.
  const DENSITY_CELL_PX = 12; // density cells are 12 to 24 px wide
  const DENSITY_OPACITY = 0.8;
  const MAX_INDEX_LEVEL = 8; // at most 256 × 256 index cells (finer ones cost more to build than they save)

  function preparePoints(name, decoded, palette) {
    const [mx, my] = projected(decoded, 'x', 'y');
    const category = decoded.arrays.category, n = mx.length, cats = decoded.header.categories.length + 1; // + any other
    const index = (decoded.world && decoded.world.index) || pointIndex(mx, my, category, cats, MAX_INDEX_LEVEL), levels = index.levels;
    const present = new Set(); // category codes present
    for (let q = 0; q < cats; q++) if (levels[0][q]) present.add(q < cats - 1 ? q : 255);
    const header = decoded.header, names = header.categories;
    const groups = ((config.symbology.densityGroups || {})[name] || []).map((g) => ({
      key: g.key, ramp: g.ramp, codes: g.categories.map((c) => names.indexOf(c)).filter((q) => q >= 0),
    }));
    return { name, mx, my, category, palette, n, cats, ...index, present, groups, aggregated: false, cells: null };
  }

  // The index of a big point layer: {x0, y0, span, level, side, order, start, levels} (see above); made by the
  // worker that fetched the layer, or here.
  function pointIndex(mx, my, category, cats, maxLevel) {
    const n = mx.length;
    let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    for (let i = 0; i < n; i++) {
      const a = mx[i], b = my[i];
      if (a < x0) x0 = a; if (a > x1) x1 = a; if (b < y0) y0 = b; if (b > y1) y1 = b;
    }
    if (!n) { x0 = y0 = 0; x1 = y1 = 1; }
    const level = Math.max(2, Math.min(maxLevel, Math.ceil(Math.log2(Math.sqrt(n) + 1)) - 2)); // ~4-16 points a cell
    const side = 1 << level, span = Math.max(x1 - x0, y1 - y0, 1e-12) * (1 + 1e-9), scale = side / span;
    const cellOf = new Uint32Array(n), start = new Uint32Array(side * side + 1), fine = new Uint32Array(side * side * cats);
    for (let i = 0; i < n; i++) {
      const cx = Math.min(side - 1, ((mx[i] - x0) * scale) | 0), cy = Math.min(side - 1, ((my[i] - y0) * scale) | 0);
      const c = cy * side + cx;
      cellOf[i] = c; start[c + 1]++;
      fine[c * cats + Math.min(category[i], cats - 1)]++;
    }
    for (let c = 0; c < side * side; c++) start[c + 1] += start[c];
    const order = new Uint32Array(n), fill = start.slice(0, side * side);
    for (let i = 0; i < n; i++) order[fill[cellOf[i]]++] = i;
    const levels = [];
    levels[level] = fine;
    for (let k = level - 1; k >= 0; k--) { // each cell: the sum of its four children
      const s = 1 << k, below = levels[k + 1], here = new Uint32Array(s * s * cats);
      for (let cy = 0; cy < 2 * s; cy++) {
        for (let cx = 0; cx < 2 * s; cx++) {
          const from = (cy * 2 * s + cx) * cats, to = ((cy >> 1) * s + (cx >> 1)) * cats;
          for (let q = 0; q < cats; q++) here[to + q] += below[from + q];
        }
      }
      levels[k] = here;
    }
    return { x0, y0, span, level, side, order, start, levels };
  }

  // Calls fn(first, last, inside) for the index cells overlapping a world rectangle: ``order[first..last)`` are
  // their points, all within the rectangle when ``inside``. Stops when fn returns true.
  function eachIndexCell(P, wx0, wy0, wx1, wy1, fn) {
    const { side, span, x0, y0, start } = P, s = side / span;
    const ca = Math.max(0, Math.floor((wx0 - x0) * s)), cb = Math.min(side - 1, Math.floor((wx1 - x0) * s));
    const ra = Math.max(0, Math.floor((wy0 - y0) * s)), rb = Math.min(side - 1, Math.floor((wy1 - y0) * s));
    for (let r = ra; r <= rb; r++) {
      const rowInside = y0 + r / s >= wy0 && y0 + (r + 1) / s <= wy1;
      for (let c = ca; c <= cb; c++) {
        const cell = r * side + c, first = start[cell], last = start[cell + 1];
        if (first === last) continue;
        const inside = rowInside && x0 + c / s >= wx0 && x0 + (c + 1) / s <= wx1;
        if (fn(first, last, inside)) return;
      }
    }
  }

  // How many points lie in a world rectangle, counted up to ``enough``: down the pyramid from its one top cell, a
  // cell wholly inside counted at once, one partly inside split into its four (the points of an index cell tested).
  function countIn(P, wx0, wy0, wx1, wy1, enough) {
    const { mx, my, order, start, levels, cats, level: deepest } = P;
    let count = 0;
    const visit = (k, cx, cy) => {
      const size = P.span / (1 << k), x0 = P.x0 + cx * size, y0 = P.y0 + cy * size;
      if (x0 >= wx1 || y0 >= wy1 || x0 + size <= wx0 || y0 + size <= wy0) return;
      if (x0 >= wx0 && y0 >= wy0 && x0 + size <= wx1 && y0 + size <= wy1) {
        const at = (cy * (1 << k) + cx) * cats;
        for (let q = 0; q < cats; q++) count += levels[k][at + q];
      } else if (k === deepest) {
        const cell = cy * P.side + cx;
        for (let j = start[cell]; j < start[cell + 1]; j++) {
          const a = mx[order[j]], b = my[order[j]];
          if (a >= wx0 && a < wx1 && b >= wy0 && b < wy1) count++;
        }
      } else {
        for (let q = 0; q < 4 && count <= enough; q++) visit(k + 1, 2 * cx + (q & 1), 2 * cy + (q >> 1));
      }
    };
    visit(0, 0, 0);
    return count;
  }

  // A big point layer's cells (drawn in its density pane, the second) where more than AGGREGATE_ABOVE of its points
  // are in view, else its dots (its own pane, the first).
  function pointsPane(P, v) { return P.n && countIn(P, v.x0, v.y0, v.x1, v.y1, AGGREGATE_ABOVE) > AGGREGATE_ABOVE ? 1 : 0; }

  function drawPoints(canvas, P, v, pane = pointsPane(P, v)) { // (pane: as the painter chose it for this view)
    if (!P.n) return undefined;
    const was = P.aggregated, cellsWere = P.cells && P.cells.k;
    P.aggregated = pane === 1;
    if (P.aggregated) drawDensity(canvas(1), P, v); else { P.cells = null; drawDots(canvas(0), P, v); }
    const drawn = state.layers[P.name] && state.layers[P.name].view.data === P; // (not while it is being added)
    if (drawn && was !== P.aggregated) refreshLegend();
    else if (drawn && P.cells && P.cells.k !== cellsWere) { // only the cells' size changed: its one line
      const note = document.querySelector(`.cordon-density-note[data-layer="${P.name}"]`);
      if (note) note.textContent = densityNote(P, v); else refreshLegend();
    }
    return undefined;
  }

  function drawDots(ctx, P, v) {
    const { mx, my, category, palette, order } = P, { world, ox, oy } = v;
    const pad = 8 / world; // dots straddling the edge
    const wx0 = v.x0 - pad, wy0 = v.y0 - pad, wx1 = v.x1 + pad, wy1 = v.y1 + pad, inView = [];
    eachIndexCell(P, wx0, wy0, wx1, wy1, (first, last) => {
      for (let k = first; k < last; k++) {
        const i = order[k], a = mx[i], b = my[i];
        if (a >= wx0 && a <= wx1 && b >= wy0 && b <= wy1) inView.push(i);
      }
    });
    inView.sort((a, b) => a - b); // the layer's order, as drawn before the index
    for (let c = palette.length - 1; c >= 0; c--) { // contacts below infections
      ctx.fillStyle = palette[c]; ctx.strokeStyle = '#ffffff'; ctx.lineWidth = 1;
      ctx.beginPath();
      for (const i of inView) {
        if (category[i] !== c) continue;
        const sx = mx[i] * world - ox, sy = my[i] * world - oy;
        ctx.moveTo(sx + 4, sy); ctx.arc(sx, sy, 4, 0, 2 * Math.PI);
      }
      ctx.fill(); ctx.stroke();
    }
  }

  // The counts per category of the density cells in view, at the pyramid level k whose cells are 12-24 px wide:
  // read from the pyramid, or (zoomed in further than the index goes) summed from the points of the index cells
  // in view. Kept (P.cells) for the legend and the counts on hover.
  function densityCells(P, v) {
    const k = Math.max(0, Math.floor(Math.log2((P.span * v.world) / DENSITY_CELL_PX)));
    const s = Math.pow(2, k) / P.span, cats = P.cats;
    const ca = Math.max(0, Math.floor((v.x0 - P.x0) * s)), cb = Math.min(Math.pow(2, k) - 1, Math.floor((v.x1 - P.x0) * s));
    const ra = Math.max(0, Math.floor((v.y0 - P.y0) * s)), rb = Math.min(Math.pow(2, k) - 1, Math.floor((v.y1 - P.y0) * s));
    const cols = Math.max(0, cb - ca + 1), rows = Math.max(0, rb - ra + 1), counts = new Uint32Array(cols * rows * cats);
    if (k <= P.level) {
      const side = 1 << k, source = P.levels[k];
      for (let r = 0; r < rows; r++) counts.set(source.subarray(((ra + r) * side + ca) * cats, ((ra + r) * side + ca + cols) * cats), r * cols * cats);
    } else if (cols && rows) {
      const { mx, my, order, category } = P, left = P.x0 + ca / s, top = P.y0 + ra / s, last = cats - 1;
      eachIndexCell(P, left, top, P.x0 + (cb + 1) / s, P.y0 + (rb + 1) / s, (first, end) => {
        for (let j = first; j < end; j++) {
          const i = order[j], fc = (mx[i] - left) * s, fr = (my[i] - top) * s, q = category[i];
          if (fc >= 0 && fc < cols && fr >= 0 && fr < rows) counts[((fr | 0) * cols + (fc | 0)) * cats + (q < last ? q : last)]++;
        }
      });
    }
    return { k, s, ca, ra, cols, rows, counts };
  }

  // The group a cell is shaded by (the first it holds; -1: only other values) and its count there.
  function cellGroup(P, counts, at) {
    for (let g = 0; g < P.groups.length; g++) {
      let total = 0;
      for (const q of P.groups[g].codes) total += counts[at + q];
      if (total) return [g, total];
    }
    let total = 0;
    for (let q = 0; q < P.cats; q++) total += counts[at + q];
    return [-1, total];
  }

  function densityClass(count) {
    const classes = config.symbology.densityClasses;
    let c = 0;
    while (c < classes.length - 1 && count > classes[c]) c++;
    return c;
  }

  // One pixel per cell in a small image, scaled up onto the view without smoothing: a single blit, however many
  // cells (thousands of filled rectangles cost the software canvas tens of milliseconds).
  function drawDensity(ctx, P, v) {
    const cells = (P.cells = densityCells(P, v)), { s, ca, ra, cols, rows, counts } = cells, cats = P.cats;
    if (!cols || !rows) return;
    const image = new ImageData(cols, rows), px = image.data, alpha = Math.round(255 * DENSITY_OPACITY);
    const rgb = state.densityRgb || (state.densityRgb = new Map());
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        const at = (r * cols + c) * cats, [g, total] = cellGroup(P, counts, at);
        if (!total) continue;
        const colour = g < 0 ? '#8a8a8a' : P.groups[g].ramp[densityClass(total)];
        if (!rgb.has(colour)) rgb.set(colour, [1, 3, 5].map((i) => parseInt(colour.slice(i, i + 2), 16)));
        const [red, green, blue] = rgb.get(colour), o = 4 * (r * cols + c);
        px[o] = red; px[o + 1] = green; px[o + 2] = blue; px[o + 3] = alpha;
      }
    }
    // The small image only grows: a canvas resized is made anew, and making one costs milliseconds a frame.
    const tile = state.densityCanvas || (state.densityCanvas = document.createElement('canvas'));
    if (tile.width < cols || tile.height < rows) { tile.width = Math.max(tile.width, cols); tile.height = Math.max(tile.height, rows); }
    tile.getContext('2d').putImageData(image, 0, 0);
    const left = (P.x0 + ca / s) * v.world - v.ox, top = (P.y0 + ra / s) * v.world - v.oy, size = v.world / s;
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(tile, 0, 0, cols, rows, Math.round(left), Math.round(top), Math.round(left + cols * size) - Math.round(left), Math.round(top + rows * size) - Math.round(top));
  }

  // The counts of the density cell under a world point, as popup rows (group totals, then their categories), or
  // null where no cell is drawn.
  function densityRows(P, wx, wy) {
    const cells = P.aggregated && P.cells;
    if (!cells) return null;
    const c = Math.floor((wx - P.x0) * cells.s) - cells.ca, r = Math.floor((wy - P.y0) * cells.s) - cells.ra;
    if (c < 0 || r < 0 || c >= cells.cols || r >= cells.rows) return null;
    const at = (r * cells.cols + c) * P.cats, counts = cells.counts, names = state.layers[P.name].header.categories;
    const prefix = P.name === 'cases' ? 'case.' : 'person.', rows = [];
    for (const g of P.groups) {
      const codes = g.codes.filter((q) => counts[at + q]);
      if (!codes.length) continue;
      rows.push([label('group.' + g.key), codes.reduce((sum, q) => sum + counts[at + q], 0)]);
      if (g.codes.length > 1) for (const q of codes) rows.push(['\u3000' + label(prefix + names[q]), counts[at + q]]);
    }
    return rows.length ? rows : null;
  }

  // The legend of the density cells: a ramp per group present, under the class breaks, and the cells' size.
  function densityHtml(P, v) {
    const classes = config.symbology.densityClasses, groups = P.groups.filter((g) => g.codes.some((q) => P.present.has(q)));
    const breaks = classes.map((upper, c) => { const lower = c ? classes[c - 1] + 1 : 1; return c === classes.length - 1 ? `≥${lower}` : `${lower}–${upper}`; });
    const head = breaks.map((b) => `<th>${esc(b)}</th>`).join('');
    const body = groups.map((g) => `<tr><td>${esc(label('group.' + g.key))}</td>` +
      g.ramp.map((colour) => `<td><i style="background:${esc(colour)};opacity:${DENSITY_OPACITY}"></i></td>`).join('') + '</tr>').join('');
    return `<div>${esc(label('densityLegend'))}</div><table class="cordon-density"><tr><td></td>${head}</tr>${body}</table>` +
      `<div class="cordon-legend-note cordon-density-note" data-layer="${esc(P.name)}">${esc(densityNote(P, v))}</div>`;
  }

  function densityNote(P, v) { // how wide the cells are on the ground, and that zooming in shows each point
    const lat = latitude((v.y0 + v.y1) / 2), metres = (P.span / Math.pow(2, P.cells.k)) * 40075016.686 * Math.cos(lat);
    const size = metres >= 1000 ? `${(metres / 1000).toPrecision(2)} ${label('km')}` : `${Math.round(metres / 10) * 10} ${label('metres')}`;
    return label('densityNote').replace('{size}', size);
  }

  // The point nearest a container point within maxPx, or -1 (none while the layer is shown as density cells).
  function nearestPoint(P, m, containerPoint, maxPx) {
    if (P.aggregated || !P.n) return -1;
    const world = 256 * Math.pow(2, m.getZoom()), r = maxPx / world;
    const [wx, wy] = toWorld(m, containerPoint);
    const { mx, my, order } = P;
    let best = -1, bestD = r * r;
    eachIndexCell(P, wx - r, wy - r, wx + r, wy + r, (first, last) => {
      for (let k = first; k < last; k++) {
        const i = order[k], dx = mx[i] - wx, dy = my[i] - wy, d = dx * dx + dy * dy;
        if (d < bestD || (d === bestD && i < best)) { bestD = d; best = i; }
      }
    });
    return best;
  }

  // Big point layers draw their density cells in a pane of their own, below zones, sites and outlines (and below
  // the layer itself, wherever the layer panel puts it); it is shown, hidden and faded with the layer.
  const POINT_LAYERS = ['cases', 'key_persons'];
  function densityPane(name) { return name + '_density'; }
  function panesOf(name) { return POINT_LAYERS.includes(name) ? [map.getPane(name), map.getPane(densityPane(name))] : [map.getPane(name)]; }
  function placeDensityPanes() {
    POINT_LAYERS.forEach((name, i) => {
      const below = Math.min(paneZ(name), paneZ('admin_units'), paneZ('control_zones'));
      map.getPane(densityPane(name)).style.zIndex = String(below - 2 + i);
    });
  }

  // The counts of the density cell under the pointer, as a tooltip (``e`` null: none).
  function densityTip(e) {
    let rows = null;
    for (const name of POINT_LAYERS) {
      const entry = state.layers[name];
      if (rows || !e || state.mode || !entry || !entry.view.data || !paneShown(name)) continue;
      const [wx, wy] = toWorld(map, e.containerPoint);
      rows = densityRows(entry.view.data, wx, wy);
    }
    if (!rows) { if (state.densityTip) map.closeTooltip(state.densityTip); return; }
    state.densityTip = state.densityTip || L.tooltip({ direction: 'top', offset: [0, -10], className: 'cordon-density-tip' });
    map.openTooltip(state.densityTip.setLatLng(e.latlng).setContent(table(rows)));
  }

  // Labels by rank, drawn as canvas text (no HTML): the county zoomed out, towns from zoom 9, villages,
  // communities and units of unknown level from zoom 13. The coarsest rank present labels from zoom 0 (a project
  // of villages only is named at county zoom); the county hands over to the next rank present at zoom 9.
  const LABEL_ZOOMS = [0, 9, 13]; // by rank
  function prepareLabels(decoded) {
    const [mx, my] = projected(decoded, 'labelX', 'labelY');
    const { ranks } = unitRanks(decoded.header.props, decoded.header.count);
    const present = [...new Set(ranks)].sort((a, b) => a - b);
    const spans = present.map((rank, k) => {
      const from = k === 0 ? 0 : (k === 1 && present[0] === 0 ? LABEL_ZOOMS[1] : LABEL_ZOOMS[rank]);
      return { rank, from, to: Infinity };
    });
    if (present[0] === 0 && spans.length > 1) spans[0].to = spans[1].from;
    return { props: decoded.header.props, count: decoded.header.count, mx, my, ranks, spans };
  }

  // Labels in the page's font (cordon_map.css names Chinese families first): with a bare 'sans-serif' each Chinese
  // character not drawn before was looked up among all the system's fonts, ~1 ms each (600 new characters: ~550 ms,
  // against ~35 ms with the families named), a cost paid again by every label a zoom or pan shows first.
  let labelFamily = null;
  function drawLabels(ctx, P, v) {
    const boxes = [];
    labelFamily = labelFamily || getComputedStyle(document.body).fontFamily;
    if (!P.halfWidths) P.halfWidths = new Float64Array(P.count).fill(-1); // half of each label's width (+ 3 px), -1 unmeasured
    ctx.textAlign = 'center'; ctx.textBaseline = 'middle'; ctx.lineJoin = 'round';
    for (const span of P.spans) {
      if (v.zoom < span.from || v.zoom >= span.to) continue;
      const rank = span.rank;
      ctx.font = rank === 1 ? `bold 14px ${labelFamily}` : `12px ${labelFamily}`;
      for (let i = 0; i < P.count; i++) {
        if (P.ranks[i] !== rank) continue;
        const px = P.mx[i] * v.world - v.ox, py = P.my[i] * v.world - v.oy;
        if (!(px >= 0 && py >= 0 && px <= v.w && py <= v.h)) continue;
        const text = String(P.props.name[i] || '');
        if (P.halfWidths[i] < 0) P.halfWidths[i] = ctx.measureText(text).width / 2 + 3; // measured once: a label keeps its rank's font
        const w = P.halfWidths[i], h = 9;
        if (boxes.some((b) => Math.abs(b[0] - px) < b[2] + w && Math.abs(b[1] - py) < h * 2)) continue;
        boxes.push([px, py, w]);
        ctx.strokeStyle = config.symbology.labelHalo; ctx.lineWidth = 3.5; ctx.strokeText(text, px, py);
        ctx.fillStyle = config.symbology.labelInk; ctx.fillText(text, px, py);
      }
    }
    return boxes.length;
  }

  // Where a canvas sits in its pane: a plain 2D translation (and scale), where Leaflet's L.DomUtil would write a 3D one.
  // A 3D transform makes each canvas a compositing layer of its own, which software compositing (no GPU) rasterises
  // into tiles and composites anew on every frame it changes: ~10 ms a frame for each full-view canvas. Flat, the
  // canvases of neighbouring panes are painted into one layer, as they look (panes keep their order and opacity).
  function placeFlat(el, at, scale) {
    el._leaflet_pos = at;
    el.style.transform = `translate(${at.x}px, ${at.y}px)` + (scale && scale !== 1 ? ` scale(${scale})` : '');
  }

  // Layers drawn from arrays (grids, units, labels, big point layers): ``draw(canvas, data, view, i)`` draws one from
  // its arrays into ``canvas(i)``, the context of the i-th of its panes (``choose(data, view)`` says which one it draws
  // in at that view; the first when not given). A hidden or switched-off layer is not drawn; it is drawn again when shown.
  const ArrayCanvas = L.Layer.extend({
    initialize(name, panes, data, draw, count, choose) {
      this._name = name; this._panes = [].concat(panes);
      this.data = data; this._draw = draw; this._choose = choose; this.drawnCount = count; this.enabled = true;
      this._version = 0; // raised by every change to what it draws (see painter)
    },
    onAdd() { painter.add(this); },
    onRemove() { painter.remove(this); },
    _redraw() { this._version++; painter.paint(); },
  });

  // The array layers' canvases: viewport-sized, painted again from the arrays after every move. Layers whose panes are
  // next to each other in the stacking order, shown and not faded, share one canvas, painted bottom up (at the county
  // view: the grids, the cases' density and the units in one, the labels in another, where each had its own): each
  // canvas costs the software compositor all its pixels every frame, and fresh buffers in the first frames after a
  // pause (the first zooms of a page were the slowest frames). A faded pane, or a pane of other content (zones, sites,
  // facilities, the selection) between two layers, parts their canvases. Canvases stay in their panes for the next
  // layers drawn there: a new viewport-sized canvas costs its allocation and first clearing again.
  // While layers load (an open), a canvas waits for the layers still to come under any of its own and above the other
  // content under it (drawn first, they would make it paint everything again), and a layer that comes on top of what
  // a canvas shows is drawn onto it alone:
  // every layer of an open is drawn once, where the units, coming last, had the grids and cases drawn again with them.
  const painter = {
    views: new Set(), // ArrayCanvas layers on the map
    canvases: new Map(), // pane name -> its canvas (made at first use)
    runs: [], // the last paint's [{canvas, draws: [{view, index, pane}], signature}]

    add(view) { this.views.add(view); this.paint(); },
    remove(view) { // painted without it once the current task is done (a layer put back at once is painted once)
      this.views.delete(view);
      if (!this.removal) this.removal = Promise.resolve().then(() => { this.removal = null; this.paint(); });
    },
    hide() { for (const canvas of this.canvases.values()) canvas.style.visibility = 'hidden'; }, // while a zoom animates

    // Paints every canvas whose layers, view or versions changed since it was painted; one setZoom fires zoomend,
    // moveend and viewreset, and the view is painted once, not three times.
    paint() {
      if (!map || !map._loaded) return;
      const v = viewOf(map), key = paintKey(map), runs = this.plan(v), coming = this.comingZ();
      const targets = new Set(runs.map((run) => run.canvas));
      for (const canvas of this.canvases.values()) if (!targets.has(canvas)) canvas.style.display = 'none';
      for (const run of runs) {
        const canvas = run.canvas, shows = canvas.key === key ? canvas.shows : null; // what it shows of this view
        run.shows = run.draws.map((d) => `${L.stamp(d.view)}.${d.view._version}.${d.index}`);
        run.signature = key + '|' + run.shows.join();
        if (coming.some((z) => z > run.floor && z < run.draws[run.draws.length - 1].z)) { // one to come under its own
          if (!shows || !shows.every((shown) => run.shows.includes(shown))) canvas.style.display = 'none';
          continue;
        }
        canvas.style.visibility = 'visible'; canvas.style.display = '';
        if (canvas.signature === run.signature) continue;
        const kept = shows && shows.every((shown, i) => shown === run.shows[i]) ? shows.length : 0; // drawn already, bottom up
        const ctx = canvas.getContext('2d'), ratio = window.devicePixelRatio || 1;
        if (kept) ctx.setTransform(ratio, 0, 0, ratio, 0, 0); else clearForView(canvas, map);
        Object.assign(canvas, { key, shows: run.shows, signature: run.signature });
        for (const d of run.draws.slice(kept)) {
          const drawn = d.view._draw(() => ctx, d.view.data, v, d.index);
          d.view.drawnInView = typeof drawn === 'number' ? drawn : undefined;
          if (d.view._name === 'labels') d.view.drawnCount = drawn;
        }
      }
      this.runs = runs;
    },

    comingZ() { // the stacking order of the shown panes of array layers being loaded and not on the map yet
      const on = new Set([...this.views].map((view) => view._name));
      return Object.keys(state.loading).filter((name) => !on.has(name))
        .flatMap((name) => (name === 'admin_units' ? ['admin_units', 'labels'] : POINT_LAYERS.includes(name) ? [name, densityPane(name)] : [name]))
        .filter((pane) => ARRAY_PANES.has(pane) && map.getPane(pane).style.display !== 'none').map(paneZ);
    },

    plan(v) { // the layers to draw at view v, bottom up, in runs that share a canvas
      const draws = [];
      for (const view of this.views) {
        if (!view.enabled) continue;
        const index = view._choose ? view._choose(view.data, v) : 0, pane = view._panes[index];
        if (map.getPane(pane).style.display !== 'none') draws.push({ view, index, pane, z: paneZ(pane) });
      }
      draws.sort((a, b) => a.z - b.z);
      const between = Object.entries(map.getPanes()) // other content's panes: nothing of theirs may sit between two layers of one canvas
        .filter(([name, pane]) => PANES.includes(name) && !ARRAY_PANES.has(name) && pane.style.display !== 'none')
        .map(([name]) => paneZ(name));
      const faded = (d) => !['', '1'].includes(map.getPane(d.pane).style.opacity);
      const runs = [];
      for (const d of draws) {
        const run = runs[runs.length - 1], last = run && run.draws[run.draws.length - 1];
        if (run && !faded(d) && !faded(last) && !between.some((z) => z > last.z && z < d.z)) run.draws.push(d);
        else runs.push({ canvas: this.canvas(d.pane), draws: [d], floor: Math.max(-Infinity, ...between.filter((z) => z < d.z)) });
      }
      return runs;
    },

    canvas(pane) {
      if (!this.canvases.has(pane)) {
        const canvas = L.DomUtil.create('canvas', 'cordon-array-canvas', map.getPane(pane));
        canvas.style.display = 'none';
        this.canvases.set(pane, canvas);
      }
      return this.canvases.get(pane);
    },

    alone(view) { // the canvas the layer alone is painted on at the current view, or null
      const run = this.runs.find((r) => r.draws.some((d) => d.view === view));
      const current = run && run.draws.length === 1 && run.canvas.signature === run.signature && run.signature.startsWith(paintKey(map) + '|');
      return current ? run.canvas : null;
    },
  };
  const ARRAY_POLYGONS = ['admin_units', 'grids'];
  const ARRAY_PANES = new Set([...ARRAY_POLYGONS, 'labels', ...POINT_LAYERS, ...POINT_LAYERS.map(densityPane)]);

  function paintKey(m) { // the view a canvas is painted for
    const size = m.getSize(), origin = m.getPixelBounds().min, at = m.containerPointToLayerPoint([0, 0]);
    return [m.getZoom(), origin.x, origin.y, size.x, size.y, at.x, at.y, window.devicePixelRatio || 1].join();
  }

  function clearForView(canvas, m) { // sized to the view (as few reallocations as may be), placed over it, cleared
    const size = m.getSize(), ratio = window.devicePixelRatio || 1, ctx = canvas.getContext('2d');
    if (canvas.width !== size.x * ratio || canvas.height !== size.y * ratio) {
      canvas.width = size.x * ratio; canvas.height = size.y * ratio;
      canvas.style.width = size.x + 'px'; canvas.style.height = size.y + 'px';
    }
    placeFlat(canvas, m.containerPointToLayerPoint([0, 0]));
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, size.x, size.y);
  }

  // Leaflet's canvas renderer reallocates its (padded, larger than the view) canvas on every moveend and
  // viewreset, twice per zoom; this one keeps the canvas when its size did not change (it is cleared before
  // each full redraw anyway). Its canvas covers only the part of the padded view its features reach (a few zones or
  // sites seldom fill a street-level view, and every pixel of a canvas is rasterised and composited each frame in
  // software; features out of view do not count); a feature drawn or moved beyond that part makes it cover the padded
  // view again at once. Where one zoom in (twice the reach each way) would make them reach all of it, it covers all of
  // it already: zones and sites spread over a county fitted to the view reached the whole padded view at the first zoom
  // in, and the larger canvas made then cost that frame fresh memory and its first clearing.
  const area = (bounds) => { const size = bounds.getSize(); return size.x * size.y; };
  const StableCanvas = L.Canvas.extend({
    _update() {
      if (this._map._animatingZoom && this._bounds) return;
      L.Renderer.prototype._update.call(this);
      const padded = this._bounds, reach = this._contentBounds(padded), m = L.Browser.retina ? 2 : 1, container = this._container;
      const content = 4 * area(reach) >= area(padded) ? padded : reach;
      // A canvas larger than needed is kept, not reallocated (a new canvas costs milliseconds a frame, and zooming in
      // and out changes the reach of sites spread over the county at every step); its spare part costs far less. A
      // renderer left with no features (the project going, the next one's not there yet) keeps its canvas for them.
      const need = content.getSize(), kept = L.point(container.width / m, container.height / m);
      const none = !Object.keys(this._layers).length;
      const keep = need.x <= kept.x && need.y <= kept.y && (kept.x * kept.y <= 4 * need.x * need.y || none);
      this._bounds = keep ? L.bounds(content.min, content.min.add(kept)) : content;
      this._offset = this._bounds.min.subtract(padded.min); // where the canvas sits in the padded view
      const b = this._bounds, size = b.getSize();
      placeFlat(container, b.min);
      if (container.width !== m * size.x || container.height !== m * size.y) {
        container.width = m * size.x; container.height = m * size.y;
        container.style.width = size.x + 'px'; container.style.height = size.y + 'px';
      }
      this._ctx.setTransform(m, 0, 0, m, 0, 0);
      this._ctx.translate(-b.min.x, -b.min.y);
      this.fire('update');
    },
    _contentBounds(view) { // ``view`` (layer pixels) cut to its features' reach, whole pixels; at least 1 × 1
      const m = this._map;
      let box = null;
      for (const id in this._layers) {
        const layer = this._layers[id], pad = (layer.options.weight || 0) + 2;
        let a, b;
        if (layer.getBounds) {
          const ll = layer.getBounds();
          if (!ll.isValid()) continue;
          a = m.latLngToLayerPoint(ll.getNorthWest()); b = m.latLngToLayerPoint(ll.getSouthEast());
        } else {
          a = b = m.latLngToLayerPoint(layer.getLatLng());
        }
        const r = pad + (layer._radius || 0), min = a.subtract([r, r]), max = b.add([r, r]);
        if (max.x < view.min.x || max.y < view.min.y || min.x > view.max.x || min.y > view.max.y) continue; // out of view
        if (!box) box = L.bounds(min, max);
        else { box.extend(min); box.extend(max); }
      }
      if (!box || !box.intersects(view)) return L.bounds(view.min, view.min.add([1, 1]));
      const min = L.point(Math.max(view.min.x, Math.floor(box.min.x)), Math.max(view.min.y, Math.floor(box.min.y)));
      const max = L.point(Math.min(view.max.x, Math.ceil(box.max.x)), Math.min(view.max.y, Math.ceil(box.max.y)));
      return L.bounds(min, L.point(Math.max(max.x, min.x + 1), Math.max(max.y, min.y + 1)));
    },
    // A feature reaching beyond the canvas (a new zone, a dragged vertex) makes the canvas grow, once, when the
    // redraw it asks for comes: a layer of many features added at once does not grow (and reallocate) it for each.
    _requestRedraw(layer) {
      if (this._map && this._bounds && layer._pxBounds && this._layers[L.stamp(layer)] && !this._bounds.contains(layer._pxBounds)) this._outgrown = true;
      L.Canvas.prototype._requestRedraw.call(this, layer);
    },
    _redraw() {
      if (this._outgrown && this._map) {
        this._outgrown = false;
        const m = this._map, p = this.options.padding, size = m.getSize(), at = m.containerPointToLayerPoint(size.multiplyBy(-p)).round();
        const grown = this._contentBounds(L.bounds(at, at.add(size.multiplyBy(1 + p * 2)).round()));
        if (!grown.min.equals(this._bounds.min) || !grown.max.equals(this._bounds.max)) {
          this._redrawRequest = null;
          this._update(); // which draws every feature again
          return;
        }
      }
      L.Canvas.prototype._redraw.call(this);
    },
    _updateTransform(center, zoom) { // Leaflet's placement of the padded view, moved to where the canvas sits in it
      const m = this._map, scale = m.getZoomScale(zoom, this._zoom), half = m.getSize().multiplyBy(0.5 + this.options.padding);
      const at = half.multiplyBy(-scale).add(m.project(this._center, zoom)).subtract(m._getNewPixelOrigin(center, zoom));
      placeFlat(this._container, at.add((this._offset || L.point(0, 0)).multiplyBy(scale)), scale);
    },
  });
  function paneRenderer(name, padding) { // one canvas renderer per pane, reused across reloads
    const renderers = state.renderers || (state.renderers = {});
    return renderers[name] || (renderers[name] = new StableCanvas({ pane: name, padding }));
  }

  function buildPolygons(name, decoded) { // Leaflet polygons (control zones): one renderer per pane, reused
    const group = L.featureGroup();
    for (let i = 0; i < decoded.header.count; i++) group.addLayer(leafletPolygon(name, decoded, i));
    return group;
  }

  function leafletPolygon(name, decoded, i) { // feature i of a decoded polygon layer (a zone with its label)
    const { header, arrays } = decoded;
    const props = header.props;
    const styleOf = { admin_units: unitStyle, grids: gridStyle, control_zones: zoneStyle }[name];
    const layer = L.polygon(polygonLatLngs(arrays, i), {
      ...styleOf(props, i), renderer: paneRenderer(name, 0.1), pane: name,
      pmIgnore: name === 'grids', snapIgnore: name !== 'admin_units',
      interactive: isSelectable(name, props, i),
    });
    layer.cordon = { layer: name, fid: header.fids[i], index: i };
    layer.on('click', (e) => onFeatureClick(e, layer));
    if (name === 'control_zones') {
      layer.cordon.labelAt = arrays.labelX ? L.latLng(arrays.labelY[i], arrays.labelX[i]) : undefined;
      layer.bindTooltip(new ZoneLabel({ permanent: true, direction: 'center', className: 'cordon-zone-label', interactive: false }).setContent(esc(zoneLabel(props, i))));
    }
    return layer;
  }

  // A zone's label: a tooltip centred on its point that measures itself once per text, not on every move (Leaflet's
  // reads its size each time, and each read after another label moved lays the page out again: tens of milliseconds
  // a frame with a few zones in view).
  const ZoneLabel = L.Tooltip.extend({
    _setPosition(pos) {
      const container = this._container;
      if (!this._size || !this._size.x || this._sized !== this._content) {
        this._size = L.point(container.offsetWidth, container.offsetHeight); this._sized = this._content;
        L.DomUtil.addClass(container, 'leaflet-tooltip-center');
      }
      L.DomUtil.setPosition(container, pos.subtract(L.point(this._size.x / 2, this._size.y / 2, true)).add(L.point(this.options.offset)).add(this._getAnchor()));
    },
  });

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
        marker = L.circleMarker(latlng, { pane: name, renderer: paneRenderer(name, 0.1), radius: siteRadius(props.rooms[i]), color: '#fff', weight: 1.5, fillColor: colour, fillOpacity: 0.95, pmIgnore: true });
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

  // ---------------------------------------------------------------- loading

  async function loadLayer(name) { // the whole layer, fetched; a patch for it waits until it is drawn
    const loading = firstFetch(name).then((decoded) => {
      if (state.loading[name] === loading) showLayer(name, decoded); // else a later fetch of the layer replaces it
    });
    state.loading[name] = loading;
    try { await loading; } finally {
      if (state.loading[name] === loading) delete state.loading[name];
      painter.paint(); // the canvases that waited for it (it failed, or came under theirs)
    }
  }

  // The page's first load of every layer is fetched and decoded from init on, while the bridge to Python is set up;
  // its reloadLayers takes them from there (in the datum they were fetched in).
  function startFirstFetches() {
    const layers = {};
    for (const name of config.layers) (layers[name] = fetchLayer(name)).catch(() => {}); // failures are reported by the load
    state.firstFetches = { datum: state.datum, layers };
  }

  function firstFetch(name) {
    const first = state.firstFetches, fetching = first && first.datum === state.datum ? first.layers[name] : undefined;
    if (first) delete first.layers[name];
    return fetching || fetchLayer(name);
  }

  function showLayer(name, decoded) {
    const old = state.layers[name];
    if (old && old.view) map.removeLayer(old.view);
    if (name === 'admin_units') {
      if (state.labels) map.removeLayer(state.labels);
      const enabled = state.labels ? state.labels.enabled : true;
      state.labels = new ArrayCanvas('labels', 'labels', prepareLabels(decoded), (canvas, P, v) => (P.count ? drawLabels(canvas(0), P, v) : 0), 0);
      state.labels.enabled = enabled;
      state.labels.addTo(map);
    }
    const kind = decoded.header.kind;
    let view;
    if (kind === 'polygons' && ARRAY_POLYGONS.includes(name)) {
      view = new ArrayCanvas(name, name, preparePolygons(name, decoded), (canvas, P, v) => (P.count ? drawPolygons(canvas(0), P, v) : 0), decoded.header.count);
    } else if (kind === 'polygons') view = buildPolygons(name, decoded);
    else if (kind === 'points') view = buildPoints(name, decoded);
    else {
      const palette = decoded.header.categories.map((c) => (name === 'cases' ? config.symbology.cases[c] : config.symbology.keyPersons[c]) || '#555');
      view = new ArrayCanvas(name, [name, densityPane(name)], preparePoints(name, decoded, palette), drawPoints, decoded.header.count, pointsPane);
    }
    view.addTo(map);
    state.layers[name] = { header: decoded.header, arrays: decoded.arrays, view, count: decoded.header.count };
    if (name === state.selectLayer) highlightSelection();
    if (name === 'control_zones') {
      updateZoneLabels();
      if (state.mode === 'edit' && state.editFid !== undefined) editZone(state.editFid); // editing goes on
    }
    if (name === 'admin_units' && state.snapLayers) addSnapLayers(); // drawing goes on: snap to the new outlines
  }

  // Fetches ``names`` whole and applies ``patches`` ([name, payload in base64 or null, removed fids], see
  // patchLayer), then reports once, when all of them are on screen.
  async function reloadLayers(names, patches) {
    const started = performance.now(), project = state.project;
    patches = patches || [];
    const jobs = names.map(loadLayer).concat(patches.map(([name, payload, removed]) => patchLayer(name, payload, removed)));
    const labels = names.concat(patches.map((p) => p[0]));
    const results = await Promise.allSettled(jobs);
    const failed = results.map((r, i) => (r.status === 'rejected' ? `${labels[i]}: ${r.reason}` : null)).filter(Boolean);
    await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
    const report = { counts: featureCounts(), ms: performance.now() - started, failed, patched: patches.map((p) => p[0]) };
    if (project !== state.project) return report; // another project is shown now: its own load reports
    refreshLegend();
    send('layersDrawn', report);
    setTimeout(buildFillCaches, 0);
    return report;
  }

  function buildFillCaches() { // one band or level per task: a click, a key or a frame between two is not kept waiting
    const entry = Object.values(state.layers).find((e) => e.view.data && e.view.data.cacheFills && e.view.data.fillCache === undefined);
    if (!entry) { // then their coarser levels, one per task
      const cache = Object.values(state.layers).map((e) => e.view.data && e.view.data.fillCache)
        .find((c) => c && unbuiltFillLevel(c) !== undefined);
      if (cache) { fillCacheLevel(cache, unbuiltFillLevel(cache)); setTimeout(buildFillCaches, 0); }
      return;
    }
    const P = entry.view.data, cache = P.fillBuild || (P.fillBuild = startFillCache(P));
    if (!cache || fillCacheBand(P, cache)) {
      P.fillCache = cache; P.fillBuild = null;
      if (entry.view._map) entry.view._redraw();
    }
    setTimeout(buildFillCaches, 0);
  }

  // ---------------------------------------------------------------- patches

  // A few features changed one by one (a desk's edit): the payload of just those (data/map_payload.py
  // layer_payload with fids, same layout) replaces the features of the same fid or is appended, the ``removed``
  // fids are dropped, and the layer is drawn again from its arrays rebuilt from old + patch. A layer not drawn
  // yet is fetched whole; one being fetched is patched once it is drawn (a patch applies twice harmlessly).
  async function patchLayer(name, payload, removed) {
    const project = state.project;
    if (state.loading[name]) await state.loading[name].catch(() => {});
    if (project !== state.project) return undefined; // a change to the project shown before
    const entry = state.layers[name];
    if (!entry) return loadLayer(name);
    const patch = payload ? decodeBase64(payload) : null;
    if (patch && !(removed || []).length && patchInPlace(name, entry, patch)) return undefined;
    if (entry.view.getLayers && entry.header.kind === 'polygons') return patchPolygons(name, entry, patch, removed || []);
    return showLayer(name, mergeFeatures(entry, patch, removed || []));
  }

  // Zones are Leaflet polygons, each with its label: a patch takes off and puts on the map only the zones it names
  // (the others stay as drawn: putting every zone and label on the map again costs tens of milliseconds), in the
  // order a whole redraw gives them.
  function patchPolygons(name, entry, patch, removed) {
    const merged = mergeFeatures(entry, patch, removed), group = entry.view, kept = new Map();
    const gone = new Set(removed.concat(patch ? featureFids(patch) : []));
    for (const layer of group.getLayers()) {
      if (gone.has(layer.cordon.fid)) group.removeLayer(layer); else kept.set(layer.cordon.fid, layer);
    }
    let added = false;
    merged.header.fids.forEach((fid, i) => {
      const layer = kept.get(fid);
      if (!layer) { group.addLayer(leafletPolygon(name, merged, i)); added = true; return; }
      layer.cordon.index = i;
      if (added) layer.bringToFront(); // above a zone put back before it, as drawn whole
    });
    Object.assign(entry, { header: merged.header, arrays: merged.arrays, count: merged.header.count, fidIndex: undefined });
    if (name === state.selectLayer) highlightSelection();
    if (name === 'control_zones') {
      updateZoneLabels();
      if (state.mode === 'edit' && state.editFid !== undefined) editZone(state.editFid); // editing goes on
    }
  }

  function featureFids(decoded) { return decoded.header.fids || Array.from(decoded.arrays.fid); }

  // A patch of features already drawn that leaves them where they are (a case's category, a grid's infection count)
  // is written into the layer's arrays and drawing data in place (cases: the counts of the index pyramid of
  // preparePoints; grids: the style classes of preparePolygons and the cached fills), and the layer is drawn again
  // from them: nothing of the other 100,000 features is copied or projected again. False, with nothing changed,
  // for anything else (new features, moved points or outlines, other layers): the patch is then merged.
  function patchInPlace(name, entry, patch) {
    const at = featureFids(patch).map((fid) => indexOfFid(entry, fid)), P = entry.view.data;
    if (!P || at.some((i) => i < 0)) return false;
    if (entry.header.kind === 'bigpoints') return recategorise(entry, P, patch, at);
    return name === 'grids' && entry.header.kind === 'polygons' && restyleGrids(entry, P, patch, at);
  }

  function recategorise(entry, P, patch, at) { // big points: new categories, same places
    const { x, y, category } = entry.arrays, to = patch.arrays.category;
    if (!P.levels || P.category !== category || at.some((i, k) => x[i] !== patch.arrays.x[k] || y[i] !== patch.arrays.y[k])) return false;
    const scale = P.side / P.span, last = P.cats - 1;
    at.forEach((i, k) => {
      if (category[i] === to[k]) return;
      const cx = Math.min(P.side - 1, ((P.mx[i] - P.x0) * scale) | 0), cy = Math.min(P.side - 1, ((P.my[i] - P.y0) * scale) | 0);
      for (let level = P.level; level >= 0; level--) { // the point's cell at every level of the pyramid
        const shift = P.level - level, cell = ((cy >> shift) * (1 << level) + (cx >> shift)) * P.cats;
        P.levels[level][cell + Math.min(category[i], last)]--;
        P.levels[level][cell + Math.min(to[k], last)]++;
      }
      category[i] = to[k];
    });
    P.present = new Set();
    for (let q = 0; q < P.cats; q++) if (P.levels[0][q]) P.present.add(q < last ? q : 255);
    entry.view._redraw();
    return true;
  }

  function restyleGrids(entry, P, patch, at) { // grids: new properties (infection counts), same outlines
    const a = entry.arrays, b = patch.arrays, props = entry.header.props;
    const ringsOf = (d, f) => { const r = []; for (let p = d.multis[f]; p < d.multis[f + 1]; p++) r.push(d.polygons[p + 1] - d.polygons[p]); return r.join(); };
    for (let k = 0; k < at.length; k++) {
      const i = at[k], c0 = a.rings[a.polygons[a.multis[i]]], c1 = a.rings[a.polygons[a.multis[i + 1]]];
      const d0 = b.rings[b.polygons[b.multis[k]]], d1 = b.rings[b.polygons[b.multis[k + 1]]];
      if (c1 - c0 !== d1 - d0 || ringsOf(a, i) !== ringsOf(b, k)) return false;
      for (let j = 0; j < c1 - c0; j++) if (a.x[c0 + j] !== b.x[d0 + j] || a.y[c0 + j] !== b.y[d0 + j]) return false;
    }
    const restyled = [];
    at.forEach((i, k) => {
      for (const field of Object.keys(props)) props[field][i] = patch.header.props[field] ? patch.header.props[field][k] : null;
      const style = gridStyle(props, i);
      if (P.count > LOD_ABOVE) style.strokeMinZoom = GRID_OUTLINE_ZOOM; // as preparePolygons styles grids
      const key = JSON.stringify(style), was = P.classes.find((c) => c.features.includes(i));
      if (was && JSON.stringify(was.style) === key) return;
      if (was) was.features = was.features.filter((f) => f !== i);
      let cls = P.classes.find((c) => JSON.stringify(c.style) === key);
      if (!cls) P.classes.push((cls = { style, features: new Int32Array(0) }));
      cls.features = Int32Array.from([...cls.features, i]).sort();
      restyled.push([i, style]);
    });
    if (!restyled.length) return true;
    const box = [Infinity, Infinity, -Infinity, -Infinity]; // world rectangle of the restyled grids
    for (const [f] of restyled) {
      for (let c = 0; c < 4; c++) box[c] = (c < 2 ? Math.min : Math.max)(box[c], P.bbox[4 * f + c]);
    }
    P.fillBuild = null; // an image being made shows the old styles in its bands made so far: begun again
    const cache = P.fillCache;
    if (cache) { // fill the restyled grids again in the cached image of all fills
      const ctx = cache.canvas.getContext('2d'), w = cache.world;
      for (const [f, st] of restyled) {
        ctx.save();
        ctx.beginPath();
        tracePolygon(ctx, P, f, cache);
        ctx.clip('evenodd');
        const bx = P.bbox[4 * f] * w - cache.ox, by = P.bbox[4 * f + 1] * w - cache.oy;
        ctx.clearRect(bx - 1, by - 1, (P.bbox[4 * f + 2] - P.bbox[4 * f]) * w + 2, (P.bbox[4 * f + 3] - P.bbox[4 * f + 1]) * w + 2);
        if (st.fillColor && st.fillOpacity > 0) { ctx.globalAlpha = st.fillOpacity; ctx.fillStyle = st.fillColor; ctx.fill('evenodd'); }
        ctx.restore();
      }
      resmoothFillLevels(cache, box);
    }
    redrawWithin(entry.view, box);
    return true;
  }

  // The coarser levels of the cached fills made so far (fillCacheLevel), smoothed down again from the level above
  // within a world rectangle only: a few grids restyled do not cost the whole image scaled down again.
  function resmoothFillLevels(cache, box) {
    let above = cache;
    for (const zoom of Object.keys(cache.levels || {}).map(Number).sort((a, b) => b - a)) {
      const level = cache.levels[zoom], { canvas } = level;
      const left = Math.max(0, Math.floor(box[0] * level.world - level.ox) - 2), top = Math.max(0, Math.floor(box[1] * level.world - level.oy) - 2);
      const right = Math.min(canvas.width, Math.ceil(box[2] * level.world - level.ox) + 2), bottom = Math.min(canvas.height, Math.ceil(box[3] * level.world - level.oy) + 2);
      if (right > left && bottom > top) {
        const ctx = canvas.getContext('2d');
        ctx.clearRect(left, top, right - left, bottom - top);
        ctx.imageSmoothingQuality = 'high';
        ctx.drawImage(above.canvas, 2 * left, 2 * top, 2 * (right - left), 2 * (bottom - top), left, top, right - left, bottom - top);
      }
      above = level;
    }
  }

  // Draws an array layer again within a world rectangle [x0, y0, x1, y1] only (a few grids restyled), over the rest
  // of its canvas as drawn: a frame then composites a few grids, not a view of ten thousand. A layer not drawn at the
  // current view is drawn whole.
  function redrawWithin(view, box) {
    const m = view._map, canvas = m && view.enabled ? painter.alone(view) : null;
    if (!canvas) { // (a layer sharing its canvas: all of it is painted again)
      view._redraw();
      return;
    }
    const v = viewOf(m), ctx = canvas.getContext('2d'), ratio = window.devicePixelRatio || 1;
    const left = Math.max(0, Math.floor(box[0] * v.world - v.ox) - 2), top = Math.max(0, Math.floor(box[1] * v.world - v.oy) - 2);
    const right = Math.min(v.w, Math.ceil(box[2] * v.world - v.ox) + 2), bottom = Math.min(v.h, Math.ceil(box[3] * v.world - v.oy) + 2);
    if (right <= left || bottom <= top) return;
    ctx.save();
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.beginPath();
    ctx.rect(left, top, right - left, bottom - top);
    ctx.clip();
    ctx.clearRect(left, top, right - left, bottom - top);
    view._draw(() => ctx, view.data, { ...v, x0: (left + v.ox) / v.world, y0: (top + v.oy) / v.world,
      x1: (right + v.ox) / v.world, y1: (bottom + v.oy) / v.world });
    ctx.restore();
  }

  function mergeFeatures(old, patch, removed) { // {header, arrays} of the merged layer, old order kept
    const drop = new Set(removed), fresh = new Map(), picks = []; // picks: [decoded, feature index]
    if (patch) featureFids(patch).forEach((fid, i) => fresh.set(fid, i));
    featureFids(old).forEach((fid, i) => {
      if (fresh.has(fid)) { picks.push([patch, fresh.get(fid)]); fresh.delete(fid); } else if (!drop.has(fid)) picks.push([old, i]);
    });
    for (const i of fresh.values()) picks.push([patch, i]);
    return takeFeatures(old, picks);
  }

  const RAGGED = ['x', 'y', 'rings', 'polygons', 'multis']; // a polygon layer's coordinates and offsets

  function takeFeatures(template, picks) { // a payload of the picked features, laid out as ``template``
    const header = { ...template.header, count: picks.length };
    if (header.fids) header.fids = picks.map(([d, i]) => d.header.fids[i]);
    if (header.props) {
      header.props = {};
      for (const field of Object.keys(template.header.props)) {
        header.props[field] = picks.map(([d, i]) => (d.header.props[field] ? d.header.props[field][i] : null));
      }
    }
    const ragged = 'multis' in template.arrays, arrays = {};
    for (const [key, array] of Object.entries(template.arrays)) {
      if (!(ragged && RAGGED.includes(key))) arrays[key] = array.constructor.from(picks, ([d, i]) => d.arrays[key][i]);
    }
    if (!ragged) return { header, arrays };
    const x = [], y = [], rings = [0], polygons = [0], multis = [0];
    for (const [d, f] of picks) {
      const a = d.arrays;
      for (let p = a.multis[f]; p < a.multis[f + 1]; p++) {
        for (let r = a.polygons[p]; r < a.polygons[p + 1]; r++) {
          for (let c = a.rings[r]; c < a.rings[r + 1]; c++) { x.push(a.x[c]); y.push(a.y[c]); }
          rings.push(x.length);
        }
        polygons.push(rings.length - 1);
      }
      multis.push(polygons.length - 1);
    }
    const t = template.arrays;
    Object.assign(arrays, { x: t.x.constructor.from(x), y: t.y.constructor.from(y), rings: t.rings.constructor.from(rings),
      polygons: t.polygons.constructor.from(polygons), multis: t.multis.constructor.from(multis) });
    return { header, arrays };
  }

  function featureProps(name, fid) { // what the page holds of one feature (its category for big point layers)
    const entry = state.layers[name];
    const i = entry ? indexOfFid(entry, fid) : -1;
    if (i < 0) return null;
    const props = { fid };
    if (entry.header.categories) props.category = entry.header.categories[entry.arrays.category[i]];
    for (const [field, values] of Object.entries(entry.header.props || {})) props[field] = values[i];
    return props;
  }

  function featureCounts() {
    const counts = {};
    for (const [name, entry] of Object.entries(state.layers)) {
      counts[name] = entry.view.getLayers ? entry.view.getLayers().length : entry.view.drawnCount || 0;
    }
    return counts;
  }

  function indexOfFid(entry, fid) {
    if (!entry.fidIndex) {
      entry.fidIndex = new Map();
      const fids = entry.header.fids || entry.arrays.fid;
      for (let i = 0; i < fids.length; i++) entry.fidIndex.set(fids[i], i);
    }
    const i = entry.fidIndex.get(fid);
    return i === undefined ? -1 : i;
  }

  // ---------------------------------------------------------------- snapping

  // Geoman snaps to Leaflet polylines on the map: while a draw or edit mode runs, the outlines of the units in
  // view are put there as invisible, snap-only polylines, and taken away when it ends.
  function addSnapLayers() {
    removeSnapLayers();
    const entry = state.layers.admin_units;
    state.snapLayers = [];
    if (!entry || !entry.view.data) return;
    const P = entry.view.data, v = viewOf(map), props = entry.header.props, bbox = P.bbox;
    let inView = [];
    for (let f = 0; f < P.count; f++) {
      if (bbox[4 * f + 2] < v.x0 || bbox[4 * f] > v.x1 || bbox[4 * f + 3] < v.y0 || bbox[4 * f + 1] > v.y1) continue;
      inView.push(f);
    }
    if (inView.length > SNAP_MAX_UNITS) inView = inView.filter((f) => !isSelectable('admin_units', props, f));
    const renderer = state.snapRenderer || (state.snapRenderer = L.canvas({ pane: 'selection' }));
    for (const f of inView) {
      const line = L.polyline(polygonLatLngs(entry.arrays, f, entry.header.worldScale).flat(), {
        renderer, pane: 'selection', stroke: false, fill: false, interactive: false, pmIgnore: true, snapIgnore: false,
      });
      line.addTo(map);
      state.snapLayers.push(line);
    }
  }

  function removeSnapLayers() {
    for (const line of state.snapLayers || []) map.removeLayer(line);
    state.snapLayers = null;
  }

  // ---------------------------------------------------------------- interaction

  function send(signal, payload) {
    if (bridge) bridge.report(signal, JSON.stringify(payload));
  }

  // What a click hits depends on the tool. Browse (no tool): the topmost feature under the pointer, by the
  // panes' drawing order. The zone tools (pick, edit, delete): the zone under the pointer, whatever is drawn
  // above it. Every click comes here, whether Leaflet found a feature (onFeatureClick) or not (onMapClick):
  // panes drawn above the zones take the DOM events, so the zones' own click handlers seldom run.
  const ZONE_TOOLS = ['zone', 'edit', 'delete'];

  function onFeatureClick(e, layer) {
    if (state.mode === 'draw' || state.mode === 'lasso') return; // Geoman places the vertex on the map click
    L.DomEvent.stop(e);
    handleClick(e.latlng, e.containerPoint, layer.cordon);
  }

  function onMapClick(e) { handleClick(e.latlng, e.containerPoint, null); }

  function handleClick(latlng, containerPoint, top) {
    if (state.mode === 'fixed') { placeFixedCircle(latlng); return; }
    if (state.mode === 'select') { selectClick(containerPoint, top); return; }
    if (ZONE_TOOLS.includes(state.mode)) { zoneToolClick(latlng); return; }
    if (state.mode) return;
    const hit = topmostAt(latlng, containerPoint, top);
    if (!hit) return;
    if (hit.layer === 'control_zones') { openZonePopup(hit.fid, latlng); return; }
    if (hit.layer === 'cases' || hit.layer === 'key_persons') { send('featureClicked', { layer: hit.layer, fid: hit.fid }); return; }
    openFeaturePopup(hit.layer, hit.index, latlng);
    send('featureClicked', { layer: hit.layer, fid: hit.fid });
  }

  // A feature's popup. Units and grids of the app's page hold only what they are drawn with (the header is brief): the
  // page asks Python for the rest (detailsWanted), and showFeatureDetails fills the popup in if it is still open.
  function openFeaturePopup(name, i, latlng) {
    const entry = state.layers[name], fid = entry.header.fids[i];
    const popup = L.popup({ maxWidth: 320 }).setLatLng(latlng).setContent(popupFor(name, entry.header.props, i)).openOn(map);
    if (entry.header.brief) {
      state.awaited = { name, fid, popup };
      send('detailsWanted', { layer: name, fid });
    }
  }

  // The popup Python's answer fills in (state.awaited: a zone's or a brief unit's or grid's), if it is still open.
  function awaitedPopup(name, fid) {
    const open = state.awaited;
    return open && open.name === name && open.fid === fid && map.hasLayer(open.popup) ? open.popup : null;
  }

  function paneZ(name) { return Number(map.getPane(name).style.zIndex) || 0; }

  // The feature drawn on top at a point: {layer, fid, index} or null. ``top`` is what Leaflet found, if anything.
  function topmostAt(latlng, containerPoint, top) {
    const hits = top ? [top] : [];
    for (const name of ['cases', 'key_persons']) {
      const entry = state.layers[name];
      if (!entry || !map.hasLayer(entry.view) || !paneShown(name)) continue;
      const i = nearestPoint(entry.view.data, map, containerPoint, 7);
      if (i >= 0) hits.push({ layer: name, fid: entry.arrays.fid[i], index: i });
    }
    for (const name of ARRAY_POLYGONS) {
      const i = polygonHit(name, containerPoint);
      if (i >= 0) hits.push({ layer: name, fid: state.layers[name].header.fids[i], index: i });
    }
    const zone = zoneAt(latlng);
    if (zone) hits.push(zone);
    hits.sort((a, b) => paneZ(b.layer) - paneZ(a.layer));
    return hits[0] || null;
  }

  // The zone under a point: the smallest active zone holding it (a circle inside a wider zone is what was
  // meant), or null. Zones in a hidden layer are not hit.
  function zoneAt(latlng) {
    const entry = state.layers.control_zones;
    if (!entry || !paneShown('control_zones')) return null;
    const { x, y, rings, polygons, multis } = entry.arrays;
    let best = null, bestArea = Infinity;
    for (let f = 0; f < entry.header.count; f++) {
      let inside = false, area = 0;
      for (let p = multis[f]; p < multis[f + 1]; p++) {
        for (let r = polygons[p]; r < polygons[p + 1]; r++) {
          for (let c = rings[r], e = rings[r + 1], j = e - 1; c < e; j = c++) {
            area += (x[j] - x[c]) * (y[j] + y[c]);
            if ((y[c] > latlng.lat) !== (y[j] > latlng.lat) && latlng.lng < ((x[j] - x[c]) * (latlng.lat - y[c])) / (y[j] - y[c]) + x[c]) inside = !inside;
          }
        }
      }
      area = Math.abs(area);
      if (inside && area < bestArea) { best = f; bestArea = area; }
    }
    return best === null ? null : { layer: 'control_zones', fid: entry.header.fids[best], index: best };
  }

  function zoneToolClick(latlng) {
    const zone = zoneAt(latlng);
    if (!zone) {
      const shown = state.layers.control_zones && paneShown('control_zones');
      send('toolMissed', { tool: state.mode, reason: shown ? 'noZone' : 'zonesHidden' });
      return;
    }
    send('zoneChosen', { fid: zone.fid, tool: state.mode });
    if (state.mode === 'delete') { send('zoneDeleteRequested', { fid: zone.fid }); return; }
    if (state.mode === 'edit') editZone(zone.fid);
    openZonePopup(zone.fid, latlng);
  }

  // A zone's popup: at once from what the page holds, then with its countdown and people from Python.
  function openZonePopup(fid, latlng) {
    const entry = state.layers.control_zones;
    const i = indexOfFid(entry, fid);
    if (i < 0) return;
    state.awaited = { name: 'control_zones', fid, popup: L.popup({ maxWidth: 360 }).setLatLng(latlng).setContent(popupFor('control_zones', entry.header.props, i)).openOn(map) };
    send('zoneClicked', { fid });
    send('featureClicked', { layer: 'control_zones', fid });
  }

  function selectClick(containerPoint, top) {
    if (top && top.layer === state.selectLayer && !ARRAY_POLYGONS.includes(top.layer)) { toggleSelection(top.fid); return; }
    if (ARRAY_POLYGONS.includes(state.selectLayer)) selectAt(containerPoint);
  }

  function paneShown(name) { return map.getPane(name).style.display !== 'none'; }

  // The feature of an array-drawn polygon layer under a container point, or -1.
  function polygonHit(name, containerPoint) {
    const entry = state.layers[name];
    if (!entry || !entry.view.data || !map.hasLayer(entry.view) || !paneShown(name)) return -1;
    const [wx, wy] = toWorld(map, containerPoint);
    const props = entry.header.props;
    return polygonAt(entry.view.data, wx, wy, (f) => isSelectable(name, props, f));
  }

  function selectAt(containerPoint) {
    const i = polygonHit(state.selectLayer, containerPoint);
    if (i >= 0) toggleSelection(state.layers[state.selectLayer].header.fids[i]);
  }

  // Vertex editing of one zone at a time: the zone picked with the edit tool (or chosen in the zone panel).
  function editZone(fid) {
    state.editFid = fid;
    const entry = state.layers.control_zones;
    if (!entry) return;
    entry.view.eachLayer((l) => {
      if (l.cordon.fid === fid) {
        if (!l.pm.enabled()) l.pm.enable({ allowSelfIntersection: false, snappable: true, snapDistance: 15 });
        l.off('pm:edit').on('pm:edit', () => send('shapeEdited', { layer: 'control_zones', fid, geometry: l.toGeoJSON().geometry, datum: state.datum }));
      } else if (l.pm.enabled()) {
        l.pm.disable();
      }
    });
  }

  function placeFixedCircle(latlng) {
    const radius = state.fixedRadius;
    api.stopDraw();
    send('shapeDrawn', { shape: 'circle', center: [latlng.lng, latlng.lat], radius_m: Math.round(radius), datum: state.datum });
  }

  function toggleSelection(fid) {
    if (state.selection.has(fid)) state.selection.delete(fid); else state.selection.add(fid);
    highlightSelection();
    send('selectionChanged', { layer: state.selectLayer, fids: [...state.selection] });
  }

  function highlightSelection() {
    if (state.selectionView) { map.removeLayer(state.selectionView); state.selectionView = null; }
    const entry = state.layers[state.selectLayer];
    if (!entry || !state.selection.size) return;
    const renderer = state.selectionRenderer || (state.selectionRenderer = L.canvas({ pane: 'selection' }));
    const style = { renderer, pane: 'selection', color: '#00a6ed', weight: 3, fillColor: '#00a6ed', fillOpacity: 0.25, interactive: false, pmIgnore: true };
    let shapes;
    if (entry.view.getLayers) {
      shapes = entry.view.getLayers().filter((l) => state.selection.has(l.cordon.fid)).map((l) => L.polygon(l.getLatLngs(), style));
    } else {
      shapes = [...state.selection].map((fid) => indexOfFid(entry, fid)).filter((i) => i >= 0)
        .map((i) => L.polygon(polygonLatLngs(entry.arrays, i, entry.header.worldScale), style));
    }
    state.selectionView = L.featureGroup(shapes).addTo(map);
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
      send('shapeDrawn', { shape: 'circle', center: [c.lng, c.lat], radius_m: Math.round(layer.getRadius()), datum: state.datum });
    } else {
      send('shapeDrawn', { shape: e.shape.toLowerCase(), geometry: layer.toGeoJSON().geometry, datum: state.datum });
    }
  }

  // While a circle is drawn, its radius is shown beside the cursor: the radius of the circle as drawn, after
  // Geoman snapped its edge to a vertex nearby, rounded to the metre as it is then stored (see onCreate).
  function watchCircleRadius(e) {
    if (e.shape !== 'Circle') return;
    const circle = e.workingLayer, draw = map.pm.Draw.Circle;
    const tip = L.tooltip({ permanent: true, direction: 'right', className: 'cordon-radius-tip', offset: [12, 0] });
    const show = () => {
      const at = draw._hintMarker.getLatLng();
      tip.setLatLng(at).setContent(`${label('radius')} ${Math.round(circle.getRadius())} ${label('metres')}`);
      if (!map.hasLayer(tip)) tip.addTo(map);
    };
    // Geoman moves its hint marker to the pointer, snaps it, then sets the radius: read after it.
    circle.on('pm:centerplaced', () => draw._hintMarker.on('move', show));
    map.once('pm:drawend', () => { draw._hintMarker.off('move', show); map.removeLayer(tip); });
  }

  // A zone's label on the map: its name, and a circle's radius unless the name already says it.
  function zoneLabel(props, i) {
    const name = String(props.name[i] || '');
    const radius = props.radius_m && props.radius_m[i] ? Math.round(props.radius_m[i]) : null;
    if (props.kind[i] !== 'circle' || !radius || name.replace(/\s/g, '').includes(`${radius}${label('metres')}`)) return name;
    return `${name} ${radius} ${label('metres')}`;
  }

  // Labels only on zones wide enough on screen to carry them.
  const ZONE_LABEL_MIN_PX = 56;
  function updateZoneLabels() {
    const entry = state.layers.control_zones;
    if (!entry || !entry.view.getLayers) return;
    entry.view.eachLayer((l) => {
      const b = l.getBounds(), w = map.latLngToContainerPoint(b.getNorthEast()).x - map.latLngToContainerPoint(b.getSouthWest()).x;
      const at = l.cordon.labelAt, open = l.isTooltipOpen(); // an open label follows the map: opened again only if moved
      if (w >= ZONE_LABEL_MIN_PX) { if (!open || (at && !l.getTooltip().getLatLng().equals(at))) l.openTooltip(at); } else if (open) l.closeTooltip();
    });
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
    openProject,
    reloadLayers: (names, patches) => reloadLayers(names, patches),
    patchLayer: (name, payload, removedFids) => reloadLayers([], [[name, payload, removedFids]]),
    featureCounts,
    featureProps,
    drawnInView() { // features (labels) each array-drawn layer put on screen in its last frame
      const counts = {};
      for (const [name, entry] of Object.entries(state.layers)) if (entry.view.drawnInView !== undefined) counts[name] = entry.view.drawnInView;
      if (state.labels) counts.labels = state.labels.drawnInView || 0;
      return counts;
    },
    setTiers(tiers) {
      state.tiers = {};
      tiers.forEach((t, rank) => { state.tiers[t.key] = { ...t, rank }; }); // rank 0: the top tier
      refreshLegend();
      if (state.layers.control_zones) state.layers.control_zones.view.eachLayer((l) => l.setStyle(zoneStyle(state.layers.control_zones.header.props, l.cordon.index)));
    },
    setLayerVisible(name, visible) {
      for (const pane of panesOf(name)) pane.style.display = visible ? '' : 'none';
      refreshLegend();
      painter.paint(); // (a layer shown is drawn; one hidden leaves the canvas it shared)
    },
    setLayerOpacity(name, opacity) { for (const pane of panesOf(name)) pane.style.opacity = String(opacity); painter.paint(); },
    setLayerOrder(namesBottomUp) {
      namesBottomUp.forEach((n, i) => { map.getPane(n).style.zIndex = String(400 + i * 5); });
      placeDensityPanes();
      painter.paint();
    },
    setLabels(visible) { if (state.labels) { state.labels.enabled = visible; state.labels._redraw(); } },
    setBasemap,
    setDatum(datum) { // the page opened in that datum already (a basemap chosen before the project): nothing to load again
      if (datum === state.datum) return null;
      state.datum = datum;
      return reloadLayers(Object.keys(state.layers));
    },
    fitBounds(b, padding) { // padding in pixels keeps markers at the edge whole; one point shows its street
      map.fitBounds([[b[1], b[0]], [b[3], b[2]]], { maxZoom: FIT_MAX_ZOOM, padding: [padding || 0, padding || 0] });
    },
    view() {
      const c = map.getCenter(), b = map.getBounds();
      return { center: [c.lng, c.lat], zoom: map.getZoom(), bounds: [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()], metresPerPixel: metresPerPixel() };
    },
    startDraw(shape) {
      api.stopDraw();
      state.mode = shape === 'Lasso' ? 'lasso' : 'draw';
      if (shape !== 'Lasso') addSnapLayers();
      map.pm.enableDraw(shape === 'Lasso' ? 'Polygon' : shape, { snappable: shape !== 'Lasso', snapDistance: 15, allowSelfIntersection: false, continueDrawing: false });
    },
    stopDraw() {
      map.pm.disableDraw();
      api.setEditMode(false);
      removeSnapLayers();
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
    setZoneTool(tool) { // 'zone' (pick), 'delete' or null: clicks hit zones first
      api.stopDraw();
      state.mode = tool || null;
      document.body.classList.toggle('cordon-picking', !!tool);
    },
    setEditMode(on, fid) { // vertex editing of one zone: ``fid``, or the zone clicked next
      const entry = state.layers.control_zones;
      if (on) {
        api.stopDraw();
        state.mode = 'edit';
        document.body.classList.add('cordon-picking');
        addSnapLayers();
        if (fid !== undefined && fid !== null) editZone(fid);
        return;
      }
      if (state.mode === 'edit' || !map.pm.globalDrawModeEnabled()) removeSnapLayers();
      state.editFid = undefined;
      if (entry) entry.view.eachLayer((l) => { if (l.pm.enabled()) l.pm.disable(); });
    },
    editedZone: () => (state.mode === 'edit' && state.editFid !== undefined ? state.editFid : null),
    startFixedCircle(radius) { // one click places a circle of the typed radius
      api.stopDraw();
      state.mode = 'fixed';
      state.fixedRadius = radius;
      document.body.classList.add('cordon-picking');
    },
    showFeatureDetails(name, fid, details) { // every field of a unit or grid whose popup is still open, from Python
      const popup = awaitedPopup(name, fid), entry = state.layers[name], i = entry ? indexOfFid(entry, fid) : -1;
      if (!popup || i < 0) return false;
      const props = {};
      for (const [field, values] of Object.entries(entry.header.props)) props[field] = [values[i]];
      for (const [field, value] of Object.entries(details)) props[field] = [value];
      popup.setContent(popupFor(name, props, 0));
      return true;
    },
    showZonePopup(fid, title, rows) { // the zone's details from Python, if its popup is still open
      const popup = awaitedPopup('control_zones', fid);
      if (!popup) return false;
      popup.setContent(`<h4>${esc(title)}</h4>` + table(rows));
      return true;
    },
    pointOf(lng, lat) { // the container pixel of a coordinate (for scripted mouse clicks)
      const p = map.latLngToContainerPoint([lat, lng]);
      return [p.x, p.y];
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
      if (entry && ARRAY_POLYGONS.includes(name) && !entry.view.getLayers) { // drawn from arrays: at its label point
        const i = indexOfFid(entry, fid);
        if (i < 0) return false;
        openFeaturePopup(name, i, [entry.arrays.labelY[i], entry.arrays.labelX[i]]);
        return true;
      }
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

  // The legend shows what is drawn: a section per visible layer with features, an entry per symbol its features
  // use (tiers, grid classes, categories, statuses, kinds, outline levels present), in the symbols drawn.
  function legendHtml() {
    const sym = config.symbology;
    const swatch = (style, text, cls) => `<div><i class="${cls || ''}" style="${style}"></i>${esc(text)}</div>`;
    const fill = (colour) => `background:${esc(colour)}`;
    const shown = (name) => { const e = state.layers[name]; return e && e.count > 0 && paneShown(name); };
    const present = (name, field) => new Set(state.layers[name].header.props[field]);
    const categories = (name) => { const e = state.layers[name]; return new Set(Array.from(e.view.data.present, (c) => e.header.categories[c])); };
    const density = (name) => { const P = state.layers[name].view.data; return P.aggregated && P.cells ? [densityHtml(P, viewOf(map))] : null; };
    const section = (title, rows) => (rows.length ? `<h5>${esc(label(title))}</h5>` + rows.join('') : '');
    let html = '';
    if (shown('control_zones')) {
      const tiers = present('control_zones', 'tier');
      html += section('zones', Object.values(state.tiers).filter((t) => tiers.has(t.key)).map((t) =>
        swatch(`background-image:url(${zoneHatch(t).url});border:2px solid ${esc(t.colour)}`, t.label, 'zone')));
    }
    if (shown('grids')) {
      const counts = state.layers.grids.header.props.infections || [];
      const rows = [];
      let lower = 0;
      for (const [upper, colour] of sym.gridClasses) {
        if (upper > 0 && counts.some((n) => n >= lower && n <= upper)) {
          rows.push(swatch(fill(colour.slice(0, 7)), upper > 1e8 ? `≥ ${lower}` : (lower === upper ? `${upper}` : `${lower}–${upper}`)));
        }
        lower = upper + 1;
      }
      if (rows.length) rows.push(`<div class="cordon-legend-note">${esc(label('gridLegendNote'))}</div>`);
      html += section('gridLegend', rows);
    }
    if (shown('cases')) {
      const here = categories('cases');
      html += section('caseLegend', density('cases') || Object.entries(sym.cases).filter(([k]) => here.has(k)).map(([k, c]) => swatch(fill(c), label('case.' + k), 'dot')));
    }
    if (shown('key_persons')) {
      const here = categories('key_persons');
      html += section('keyPersonLegend', density('key_persons') || Object.entries(sym.keyPersons).filter(([k]) => here.has(k)).map(([k, c]) => swatch(fill(c), label('person.' + k), 'dot')));
    }
    if (shown('isolation_sites')) {
      const here = present('isolation_sites', 'status');
      html += section('siteLegend', Object.entries(sym.sites).filter(([k]) => here.has(k)).map(([k, c]) => swatch(fill(c), label('site.' + k), 'dot')));
    }
    if (shown('facilities')) {
      const here = present('facilities', 'kind');
      html += section('facilityLegend', Object.entries(sym.facilities).filter(([k]) => here.has(k)).map(([k, f]) =>
        `<div><i class="glyph" style="${fill(f.colour)}">${esc(f.glyph)}</i>${esc(label('facility.' + k))}</div>`));
    }
    if (shown('admin_units')) {
      const ranks = new Set(Array.from(present('admin_units', 'level'), unitRank));
      html += section('unitLegend', ['county', 'town', 'village'].filter((level) => ranks.has(unitRank(level))).map((level) =>
        swatch(`border-top:${Math.max(1, sym.units[level].width)}px solid ${esc(sym.units[level].colour)}`, label('unit.' + level), 'line')));
    }
    return html;
  }

  function refreshLegend() {
    const box = document.getElementById('cordon-legend');
    if (box) box.innerHTML = legendHtml();
    if (state.legend) state.legend.getContainer().style.display = box && box.innerHTML ? '' : 'none';
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
    map.attributionControl.setPrefix(false);
    addProjectMarks();
  }

  function addProjectMarks() { // the sample badge and the data's attribution, taken off again by openProject
    const marks = { badge: null, attribution: config.attribution ? esc(config.attribution.split('\n')[0]) : '' };
    if (config.sample) {
      marks.badge = L.control({ position: 'topright' });
      marks.badge.onAdd = () => { const d = L.DomUtil.create('div', 'cordon-sample-badge'); d.textContent = label('sample'); return d; };
      marks.badge.addTo(map);
    }
    if (marks.attribution) map.attributionControl.addAttribution(marks.attribution);
    state.projectMarks = marks;
  }

  function removeProjectMarks() {
    const marks = state.projectMarks;
    if (marks.badge) marks.badge.remove();
    if (marks.attribution) map.attributionControl.removeAttribution(marks.attribution);
  }

  // ---------------------------------------------------------------- start

  function init(leafletMap, pageConfig) {
    map = leafletMap;
    config = pageConfig;
    state.datum = (config.basemap && config.basemap.datum) || 'wgs84'; // layers load in the basemap's datum
    if (config.autoload && !config.inlineData) startFirstFetches();
    map.options.zoomSnap = 0.25; // fit a county snugly
    map.options.zoomDelta = 0.5;
    window.cordon = api;
    PANES.forEach((name) => map.createPane(name));
    POINT_LAYERS.forEach((name) => { map.createPane(densityPane(name)).style.pointerEvents = 'none'; });
    resetPanes();
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
      map.on('pm:drawend', () => { if (state.mode !== 'edit' && !map.pm.globalDrawModeEnabled()) removeSnapLayers(); }); // cancelled too
    }
    map.on('moveend zoomend resize viewreset', () => painter.paint());
    map.on('zoomstart', () => painter.hide());
    map.on('click', onMapClick);
    map.on('mousemove', L.Util.throttle((e) => { if (bridge) bridge.moveCursor(e.latlng.lng, e.latlng.lat, state.datum); }, 50));
    map.on('mousemove', L.Util.throttle(densityTip, 50));
    map.on('mouseout zoomstart movestart', () => densityTip(null));
    map.on('moveend zoomend', () => send('viewChanged', api.view()));
    const markZoom = () => map.getContainer().classList.toggle('cordon-zoomed-out', map.getZoom() < DETAIL_ZOOM);
    map.on('zoomend', markZoom);
    map.on('zoomend', updateZoneLabels);
    markZoom();
    if (config.bounds) api.fitBounds(config.bounds);
    setBasemap(config.basemap || null);
    if (window.qt && window.qt.webChannelTransport && window.QWebChannel) {
      new QWebChannel(window.qt.webChannelTransport, (channel) => { bridge = channel.objects.bridge; loadProject(); });
    } else {
      loadProject();
    }
  }

  function resetPanes() { // the panes' order, visibility and opacity as a new page has them
    PANES.forEach((name, i) => {
      const pane = map.getPane(name);
      pane.style.zIndex = String(400 + i * 5);
      for (const each of panesOf(name)) { each.style.display = ''; each.style.opacity = ''; }
    });
    placeDensityPanes();
  }

  function loadProject() { // tells Python the page is ready, then draws the project's layers
    const project = ++state.project;
    api.ready = true;
    send('pageReady', { layers: config.layers });
    if (config.inlineData || config.autoload) {
      reloadLayers(config.layers).then(() => { // the window may have been resized while loading
        if (project !== state.project) return;
        map.invalidateSize();
        if (config.bounds) api.fitBounds(config.bounds);
      });
    }
  }

  // Another project in the same page (the app's window opens one after another without loading its page again):
  // what the last one left on the map goes (layers, labels, selection, drawing, popups, overlays, marks, pane
  // settings), then the new one loads as a new page would load it. The basemap and its datum stay: they are the
  // user's choice, which the window keeps across projects.
  function openProject(pageConfig) {
    config = pageConfig;
    if (config.autoload) startFirstFetches(); // on their way while the page clears up
    api.setSelectMode(null); // also ends drawing and editing
    map.closePopup();
    densityTip(null);
    Object.keys(state.overlays || {}).forEach(api.clearOverlay);
    for (const entry of Object.values(state.layers)) if (entry.view) map.removeLayer(entry.view);
    if (state.labels) map.removeLayer(state.labels);
    state.layers = {};
    state.loading = {};
    state.labels = null;
    state.awaited = null;
    removeProjectMarks();
    document.title = config.title || '';
    resetPanes();
    api.setTiers(config.tiers || []);
    addProjectMarks();
    if (config.bounds) api.fitBounds(config.bounds);
    loadProject();
  }

  window.CordonMap = { init, esc, decode };
  // The app's page (this file fetched, not inlined in an exported page): its workers start while the map is set up.
  if (document.currentScript && document.currentScript.src.startsWith('cordon:')) startWorkers();
})();

"""Layer data for the map page, packed for speed: a JSON header followed by typed-array buffers.

Layout of a payload: ``uint32 header length`` | ``header (UTF-8 JSON)`` | padding to 8 bytes | buffers.
The header names each buffer (``name``, ``dtype`` as in JavaScript typed arrays, ``offset`` from the start of
the buffers — see :func:`data_start` — and ``length`` in elements) and carries small per-feature properties as JSON arrays. Coordinates
are longitude/latitude, shifted to GCJ-02 when the page shows an AutoNavi basemap (``datum="gcj02"``). The layers
the page does not edit (grids, units, cases, key persons) send ``x``/``y`` already projected, as whole multiples
of 1/``worldScale`` Web Mercator world units (Int32, under 1 cm on the ground: half the bytes of Float64 to move
into the page, no projection there, the same integers in a whole layer and in a patch of it; outlines as Int16 steps
from vertex to vertex, half that again: :func:`_steps`); :func:`unpack` turns them back into degrees. Drawing snaps
to the units' outlines within that centimetre (the zones made from whole units take their outlines from the project,
not from the page). Zones, whose vertices the page edits, keep Float64 degrees, and so do label points.
Personal fields (name, ID number, phone) are never included. The app's page holds of units and grids only what it
draws with (:data:`BRIEF_FIELDS`, grids also their infection count; the header says ``"brief": true``) and asks for
the rest of a feature when its popup opens (:func:`feature_details`); an exported page, with no window to ask, holds
every field (``details=True``).

>>> header, _ = unpack(pack({"layer": "x"}, {"v": np.arange(3, dtype="<f8")}))
>>> header["buffers"][0]["name"], header["buffers"][0]["length"]
('v', 3)
"""

from __future__ import annotations

import json
import struct

import numpy as np
import pandas as pd
import shapely

from data.project import Project
from data.schema import LAYERS, LayerSpec, layer_spec
from data.stats_store import grid_infections
from gis import offsets

DATUMS = ("wgs84", "gcj02")
MAP_LAYERS = ("grids", "admin_units", "control_zones", "isolation_sites", "facilities", "key_persons", "cases")
"""Layers the page draws, bottom to top."""
_BIG_POINT_LAYERS = {"cases", "key_persons"}  # drawn from typed arrays; details are asked for on click
WORLD_SCALE = 2**31
"""Coordinates of the layers in :data:`_PROJECTED` are sent as round(Web Mercator world units × WORLD_SCALE): the
world, [0, 1) both ways as the page's ``mercator`` makes it, in steps of 1.9 cm × cos(latitude)."""
_WORLD_SPAN = 1 << 18  # points projected at a time by _world
_PROJECTED = {"grids", "admin_units", "cases", "key_persons"}
FAR = -(2**15)
"""The step that says a vertex is given whole (see :func:`_steps`)."""
BRIEF_FIELDS = {"admin_units": ("name", "level"), "grids": ("name",)}
"""The fields of units and grids the app's page draws and labels with."""
_JS_TYPES = {"<f8": "Float64", "<f4": "Float32", "<i4": "Int32", "<i2": "Int16", "<u4": "Uint32", "|u1": "Uint8"}


def pack(header: dict, buffers: dict[str, np.ndarray]) -> bytes:
    """Pack a header dict and named numpy arrays into one payload (see the module docstring)."""
    entries, blobs, offset = [], [], 0
    for name, array in buffers.items():
        array = np.ascontiguousarray(array)
        entries.append({"name": name, "dtype": _JS_TYPES[array.dtype.str], "offset": offset, "length": len(array)})
        blobs += [memoryview(array).cast("B"), b"\0" * (-array.nbytes % 8)]  # copied once, by the join below
        offset += array.nbytes + len(blobs[-1])
    text = json.dumps({**header, "buffers": entries}, ensure_ascii=False, separators=(",", ":")).encode()
    head = struct.pack("<I", len(text)) + text
    return b"".join([head, b"\0" * (-len(head) % 8), *blobs])


def data_start(header_length: int) -> int:
    """Where the buffers begin: after the length word and header, aligned to 8 bytes."""
    return (4 + header_length + 7) // 8 * 8


def unpack(payload: bytes) -> tuple[dict, dict[str, np.ndarray]]:
    """The inverse of :func:`pack` (used by tests and tools)."""
    (size,) = struct.unpack_from("<I", payload)
    header = json.loads(payload[4 : 4 + size])
    start = data_start(size)
    reverse = {v: k for k, v in _JS_TYPES.items()}
    arrays = {b["name"]: np.frombuffer(payload, dtype=reverse[b["dtype"]], count=b["length"], offset=start + b["offset"])
              for b in header["buffers"]}
    if "dx" in arrays:  # the outlines' vertices whole again
        arrays["x"], arrays["y"] = _vertices(arrays.pop("dx"), arrays.pop("dy"), arrays.pop("farX"), arrays.pop("farY"))
    if "worldScale" in header:  # degrees again
        arrays["x"], arrays["y"] = _degrees(arrays["x"] / header["worldScale"], arrays["y"] / header["worldScale"])
    return header, arrays


def layer_payload(project: Project, name: str, datum: str = "wgs84", states: dict[int, dict] | None = None,
                  infections: pd.Series | None = None, *, details: bool = False,
                  read: tuple[list[int], dict[str, list], np.ndarray, tuple | None] | None = None) -> bytes:
    """The packed payload of one map layer (see the module docstring). With ``states`` ({fid: every field and
    ``geometry``}, as a changeset's changes leave the rows), of only those features (a lifted zone is left out),
    in the same layout: a patch for the page's copy of the layer; grids' states carry their ``infections``.
    ``infections`` (grids, whole): the counts made already (:attr:`data.grid_shading.GridShading.counts`).
    ``details``: every field of units and grids too, for a page with no window to ask (an exported map).
    ``read`` (whole): the layer read already, as :meth:`Project.read_outlines` gives it (the grids read for their
    shading too), used when it holds every field sent."""
    if name not in MAP_LAYERS or datum not in DATUMS:
        raise KeyError(name)
    spec = layer_spec(name)
    if name in _BIG_POINT_LAYERS:
        return _big_points(project, name, datum, states)
    brief = name in BRIEF_FIELDS and not details
    fids, props, geoms, ragged = _features(project, spec, states, infections, BRIEF_FIELDS[name] if brief else None,
                                           read)
    header = {"layer": name, "kind": "polygons" if spec.geometry == "MULTIPOLYGON" else "points",
              "count": len(fids), "fids": fids, "props": props}
    if brief:
        header["brief"] = True
    if spec.geometry == "POINT":
        x, y = _shift(shapely.get_x(geoms), shapely.get_y(geoms), datum)
        return pack(header, {"x": x, "y": y})
    if ragged is None:  # (a patch, or a store that leaves its outlines to shapely)
        ragged = shapely.to_ragged_array(geoms)[1:] if len(geoms) else (np.zeros((0, 2)), (np.zeros(1, "<i4"),) * 3)
    coords, (rings, polygons, multis) = ragged
    x, y = _shift(coords[:, 0], coords[:, 1], datum)
    coordinates = {"x": x, "y": y}
    if name in _PROJECTED:
        header["worldScale"] = WORLD_SCALE
        coordinates = _steps(*_world(x, y))
    label = shapely.point_on_surface(geoms)
    label[shapely.is_empty(label)] = None  # an empty outline (another program may leave one) has no label point
    lx, ly = _shift(shapely.get_x(label), shapely.get_y(label), datum)
    return pack(header, {**coordinates, "rings": rings.astype("<i4"), "polygons": polygons.astype("<i4"),
                         "multis": multis.astype("<i4"), "labelX": lx, "labelY": ly})


def payload_fids(payload: bytes) -> list[int]:
    """The fids of the features a payload holds, in its order."""
    header, arrays = unpack(payload)
    return header["fids"] if "fids" in header else arrays["fid"].tolist()


def _features(project: Project, spec: LayerSpec, states: dict[int, dict] | None, infections: pd.Series | None,
              fields: tuple[str, ...] | None, read: tuple | None = None
              ) -> tuple[list[int], dict[str, list], np.ndarray, tuple | None]:
    """The fids, non-personal properties (plain values, None where missing; only ``fields`` when given; grids with
    their ``infections``), geometries and (polygons read whole, where the store reads them so) outline arrays
    (:meth:`Project.read_outlines`) of the features of a polygon or point layer to draw (not lifted zones): the
    layer read whole (or as ``read`` holds it, when it has every field shown), or the rows ``states`` as they are (a
    patch of a few rows). No frame is made either way. An empty point (as another program may leave one) is given
    as none: it has no coordinates to send."""
    shown, ragged = list(fields) if fields else [f.name for f in spec.fields if not f.personal], None
    if states is None:
        zones = spec.name == "control_zones"
        if read is not None and set(shown) <= set(read[1]):
            fids, props, geoms, ragged = read[0], {field: read[1][field] for field in shown}, read[2], read[3]
        else:
            where, params = ("coalesce(status, 'active') <> ?", ("lifted",)) if zones else ("", ())
            if spec.geometry == "MULTIPOLYGON":
                fids, props, geoms, ragged = project.read_outlines(spec.name, shown, where=where, params=params)
            else:
                fids, props, geoms = project.read_values(spec.name, shown, where=where, params=params)
        for field in spec.fields:
            if field.kind == "REAL" and field.name in props:  # a database's NaN is missing, as in JSON
                props[field.name] = [None if value != value else value for value in props[field.name]]
        if spec.name == "grids":
            counts = grid_infections(project) if infections is None else infections
            props["infections"] = counts.reindex(fids, fill_value=0).astype(int).tolist()
    else:
        if spec.name == "control_zones":
            states = {fid: state for fid, state in states.items() if state.get("status") != "lifted"}
        fids = list(states)
        props = {field: _plain([state.get(field) for state in states.values()]) for field in shown}
        if spec.name == "grids":
            props["infections"] = [int(state["infections"]) for state in states.values()]
        geoms = np.array([state.get("geometry") for state in states.values()], dtype=object)
    if spec.geometry == "POINT":
        geoms[shapely.is_empty(geoms)] = None
    return fids, props, geoms, ragged


def _big_points(project: Project, name: str, datum: str, states: dict[int, dict] | None) -> bytes:
    spec = LAYERS[name]
    choices = spec.field("category").choices
    if states is None:
        fids, x, y, category = project.read_point_codes(name, "category", list(choices.values()))  # coded in SQL
    else:  # a few features: coded here as read_point_codes codes them (255: any other value)
        codes = {value: code for code, value in enumerate(choices.values())}
        geoms = np.array([state["geometry"] for state in states.values()], dtype=object)
        geoms[shapely.is_empty(geoms)] = None  # no coordinates (NaN), as a whole layer reads an empty point
        fids, x, y = np.array(list(states), dtype=np.int64), shapely.get_x(geoms), shapely.get_y(geoms)
        category = np.array([codes.get(state.get("category"), 255) for state in states.values()], dtype=np.uint8)
    x, y = _shift(x, y, datum)
    header = {"layer": name, "kind": "bigpoints", "count": len(fids), "categories": choices.values(),
              "worldScale": WORLD_SCALE}
    x, y = _world(x, y)
    return pack(header, {"x": x, "y": y, "category": category, "fid": fids.astype("<u4")})


def _shift(x: np.ndarray, y: np.ndarray, datum: str) -> tuple[np.ndarray, np.ndarray]:
    x, y = np.asarray(x, dtype="<f8"), np.asarray(y, dtype="<f8")
    if datum == "gcj02":
        x, y = offsets.wgs84_to_gcj02(x, y)
    return np.asarray(x, dtype="<f8"), np.asarray(y, dtype="<f8")


def _world(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Longitudes and latitudes as whole steps of Web Mercator world units (see :data:`WORLD_SCALE`), worked out
    a span at a time (a million points' temporaries would hold ~50 MB at once)."""
    x, y = np.empty(len(lon), "<i4"), np.empty(len(lat), "<i4")
    for start in range(0, len(lon), _WORLD_SPAN):
        part = slice(start, start + _WORLD_SPAN)
        s = np.sin(lat[part] * (np.pi / 180))
        with np.errstate(divide="ignore", invalid="ignore"):  # the poles: clipped below, as everything beyond Int32
            north = 0.5 - np.log((1 + s) / (1 - s)) / (4 * np.pi)
        for out, v in ((x, (lon[part] + 180) / 360), (y, north)):
            steps = np.clip(np.round(v * WORLD_SCALE), -2**31, 2**31 - 1)
            steps[np.isnan(steps)] = -2**31  # no point (NaN): off the world
            out[part] = steps
    return x, y


def _steps(x: np.ndarray, y: np.ndarray) -> dict[str, np.ndarray]:
    """Outline vertices in world steps as the steps from one vertex to the next (``dx``, ``dy``: Int16, half the
    bytes of Int32 again: neighbouring vertices lie within a few hundred metres); a vertex no step reaches (a
    layer's first, a long straight edge, the next ring far away) is marked :data:`FAR` in ``dx`` and given whole in
    ``farX``, ``farY``. :func:`_vertices` and the page's ``payloadArrays`` walk them back."""
    x, y = np.asarray(x, np.int64), np.asarray(y, np.int64)
    dx, dy = np.diff(x, prepend=0), np.diff(y, prepend=0)
    far = (np.abs(dx) >= -FAR) | (np.abs(dy) >= -FAR)
    return {"dx": np.where(far, FAR, dx).astype("<i2"), "dy": np.where(far, 0, dy).astype("<i2"),
            "farX": x[far].astype("<i4"), "farY": y[far].astype("<i4")}


def _vertices(dx: np.ndarray, dy: np.ndarray, far_x: np.ndarray, far_y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The vertices (Int32) that :func:`_steps` gave as steps."""
    far = dx == FAR
    last_far = np.maximum.accumulate(np.where(far, np.arange(len(dx)), 0))  # the walk restarts at each
    out = []
    for step, whole in ((dx, far_x), (dy, far_y)):
        walked = np.cumsum(np.where(far, 0, step.astype(np.int64)))
        start = np.zeros(len(step), np.int64)
        start[far] = whole - walked[far]
        out.append((walked + start[last_far]).astype("<i4"))
    return out[0], out[1]


def _degrees(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Web Mercator world units as longitudes and latitudes (the inverse of the projection in :func:`_world`)."""
    return x * 360 - 180, np.degrees(np.arctan(np.sinh(np.pi * (1 - 2 * y))))


def _plain(values: list) -> list:
    """Values as JSON takes them: plain Python, None for missing."""
    return [None if pd.isna(v) else (v.item() if hasattr(v, "item") else v) for v in values]


def feature_details(project: Project, name: str, fid: int) -> dict:
    """The non-personal attributes of one feature, for a popup ({} when there is no such feature)."""
    spec = layer_spec(name)
    frame = project.read_layer(name, where="fid = ?", params=(int(fid),))
    if frame.empty:
        return {}
    row = frame.iloc[0]
    shown = [f.name for f in spec.fields if not f.personal]
    return dict(zip(shown, _plain([row[name] for name in shown]), strict=True))

"""Importing a file into a project layer: read, map fields, check values, repair geometries,
convert to the storage CRS, check the place, and write everything in one transaction.

A failed import raises :class:`gis.errors.UserError` and changes nothing; a successful one returns an
:class:`ImportReport` saying what was imported, repaired and rejected (with row numbers and reasons).
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from data.importers.base import RowProblem, SourceTable
from data.importers.duplicates import ON_DUPLICATE, DuplicatesFound, ExistingFeatures, Matches, update_matched
from data.importers.fields import ValueMap, convert_values, guess_mapping, merge_value_maps, unmatched_values
from data.importers.units import complete_import, lock_codes
from data.project import Project
from data.schema import LayerSpec, layer_spec
from gis.crs import STORAGE_CRS, SourceCRS, geometries_to_storage, metric_crs_for, parse_crs, to_storage_xy
from gis.errors import UserError

TABLE_SUFFIXES = {".csv", ".xlsx", ".xlsm"}
VECTOR_SUFFIXES = {".shp", ".zip", ".geojson", ".json", ".gpkg", ".kml", ".kmz"}
OUTSIDE_TOLERANCE_M = 5_000.0
"""Features farther than this from the county outline are rejected as misplaced."""

BULK_ROWS = 100_000
"""Imports expected to bring this many rows or more (and more than the layer holds) are written as a bulk load."""

PAYLOAD_WAIT_S = 120.0
"""How long an import waits at most for the map payloads it keeps to be written
(:func:`data.payload_cache.keep_payloads_of`)."""

Progress = Callable[[int, str], None]


class ImportCancelled(UserError):
    """The user cancelled; nothing was written."""

    def __init__(self):
        super().__init__("已取消导入，项目未作任何修改。", "Import cancelled; the project was not changed.")


@dataclass
class ImportReport:
    """What an import did."""

    layer: str
    source: str
    imported: int = 0
    updated: int = 0
    skipped: int = 0
    repaired: int = 0
    rejected: list[RowProblem] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)
    mapping: dict[str, str] = field(default_factory=dict)

    def lines(self, lang: str = "zh") -> list[str]:
        """The report as readable lines: the summary first, then notes, then each rejected row."""
        spec = layer_spec(self.layer)
        if lang == "zh":
            existing = (f"更新已有 {self.updated} 个，" if self.updated else "") + (
                f"跳过已有 {self.skipped} 个，" if self.skipped else "")
            head = (f"导入到“{spec.zh}”：成功 {self.imported} 个，{existing}修复几何 {self.repaired} 个，"
                    f"拒绝 {len(self.rejected)} 个（{Path(self.source).name}）")
        else:
            existing = (f"{self.updated} updated, " if self.updated else "") + (
                f"{self.skipped} skipped, " if self.skipped else "")
            head = (f"Imported into '{spec.en}': {self.imported} imported, {existing}{self.repaired} repaired, "
                    f"{len(self.rejected)} rejected ({Path(self.source).name})")
        notes = [zh if lang == "zh" else en for zh, en in self.notes]
        return [head] + notes + [p.message(lang) for p in self.rejected]


def read_source(path, *, crs: str | None = None, encoding: str | None = None, lon_col: str | None = None,
                lat_col: str | None = None, layer: str | None = None) -> SourceTable:
    """Read any supported file into a :class:`SourceTable`; an explicit ``crs`` overrides the file's own."""
    path = Path(path)
    if path.suffix.lower() in TABLE_SUFFIXES:
        from data.importers.tables import read_table

        _check_path(path)
        return read_table(path, crs=parse_crs(crs) if crs else None, lon_col=lon_col, lat_col=lat_col)
    return next(iter_source(path, crs=crs, encoding=encoding, lon_col=lon_col, lat_col=lat_col, layer=layer))


def iter_source(path, *, crs: str | None = None, encoding: str | None = None, lon_col: str | None = None,
                lat_col: str | None = None, layer: str | None = None, prefer: str | None = None) -> Iterator[SourceTable]:
    """:func:`read_source` in chunks read as they are needed: CSV and Excel tables in chunks of rows,
    other files as one table (a GeoPackage's layer named ``prefer`` when there is one)."""
    path = Path(path)
    _check_path(path)
    suffix = path.suffix.lower()
    chosen = parse_crs(crs) if crs else None
    if suffix in TABLE_SUFFIXES:
        from data.importers.tables import iter_table

        yield from iter_table(path, crs=chosen, lon_col=lon_col, lat_col=lat_col)
        return
    from data.importers.vectors import read_vector

    table = read_vector(path, encoding=encoding, layer=layer, prefer=prefer)
    if chosen is not None:
        if table.crs is not None and table.crs != chosen:
            table.notes.append((f"文件自带坐标系 {table.crs.describe()}，按指定的 {chosen.describe()} 处理。",
                                f"The file says {table.crs.describe()}; using {chosen.describe()} as given."))
        table.crs = chosen
    yield table


def _check_path(path: Path) -> None:
    if not path.is_file():
        raise UserError(f"找不到文件：{path}", f"File not found: {path}")
    if path.suffix.lower() not in TABLE_SUFFIXES | VECTOR_SUFFIXES:
        kinds = ", ".join(sorted(TABLE_SUFFIXES | VECTOR_SUFFIXES))
        raise UserError(f"不支持的文件类型“{path.suffix.lower()}”。支持：{kinds}",
                        f"Unsupported file type '{path.suffix.lower()}'. Supported: {kinds}")


def import_file(project: Project, layer: str, path, *, crs: str | None = None, encoding: str | None = None,
                lon_col: str | None = None, lat_col: str | None = None, mapping: dict[str, str] | None = None,
                value_map: ValueMap | None = None, strict: bool = False, on_duplicate: str | None = None,
                progress: Progress | None = None, cancelled: Callable[[], bool] = lambda: False,
                keep_payloads: bool = False) -> ImportReport:
    """Import ``path`` into ``layer`` of ``project``; see the module docstring.

    ``mapping`` is ``{source column: field}``; by default it is guessed from the headers. ``value_map`` maps
    values of coded fields (see :mod:`data.importers.fields`); it is remembered in the project (metadata
    ``value_maps``) and applied with the remembered ones on later imports into the layer. An import that would
    store nothing, or with ``strict`` reject any row, raises UserError and changes nothing. Tables are read,
    checked and written chunk by chunk inside the one transaction, so memory does not grow with the file.

    Villages and grids already in the project (:mod:`data.importers.duplicates`) are updated in place
    (``on_duplicate="update"``: the mapped fields and the outline, fid and code kept) or left as they are
    (``"skip"``); without a choice the import raises :class:`DuplicatesFound` and changes nothing.

    ``keep_payloads``: once committed, also keep the map's payloads of the layers it changed in the project
    (:func:`data.payload_cache.keep_payloads_of`), so that the next open draws them from there (a command line import: a window
    showing the project keeps them itself as it redraws them).
    """
    spec = layer_spec(layer)
    if not spec.geometry:
        raise UserError(f"不能向“{layer}”导入要素。", f"Features cannot be imported into '{layer}'.")
    if on_duplicate not in (None, *ON_DUPLICATE):
        raise UserError(f"--on-duplicate 只能是 {' 或 '.join(ON_DUPLICATE)}，不能是“{on_duplicate}”。",
                        f"--on-duplicate must be {' or '.join(ON_DUPLICATE)}, not '{on_duplicate}'.")
    steps = _Steps(progress, cancelled)
    steps("read", 5, "读取文件")
    chunks = iter_source(path, crs=crs, encoding=encoding, lon_col=lon_col, lat_col=lat_col, prefer=layer)
    first = next(chunks)
    if first.crs is None:
        raise UserError(f"{Path(path).name} 没有说明坐标系。请指定：wgs84、gcj02（高德）、bd09（百度）、cgcs2000 或 EPSG:编号。",
                        f"{Path(path).name} does not say its coordinate system. Give one: wgs84, gcj02 (AutoNavi), "
                        "bd09 (Baidu), cgcs2000 or EPSG:n.")
    report = ImportReport(layer, str(path))
    report.mapping = dict(mapping) if mapping is not None else guess_mapping([str(c) for c in first.frame.columns
                                                                              if c != "geometry"], spec)
    mapping_note = []
    if report.mapping:
        pairs = "，".join(f"{c}→{f}" for c, f in report.mapping.items())
        mapping_note.append((f"字段对应：{pairs}",
                             f"Field mapping: {', '.join(f'{c}->{f}' for c, f in report.mapping.items())}"))
    value_maps = project.metadata.get("value_maps", {})
    remembered = merge_value_maps(value_maps.get(layer), value_map)
    unmatched: dict[str, dict[str, int]] = {}
    imported, span = 0, []  # a count and the first/last fid: a list of every fid would grow with the file
    found = Matches()
    before = 0.0
    with project.transaction() as edit:
        lock_codes(edit, layer)
        existing = ExistingFeatures.read(project, layer)  # the features before this import: what "already in" means

        def write(source: SourceTable, start: float) -> list[int]:
            """Check and write one chunk; the fids it added."""
            steps("values", _percent(start, source.done, 0.25), "检查属性值")
            rows = _prepared(project, spec, source, report, remembered, unmatched,
                             lambda share, label: steps("", _percent(start, source.done, share), label))
            if not len(rows):
                return []
            rows, towns, matched = complete_import(project, layer, rows, source.frame, report, existing)
            found.add(rows, matched)
            if found.fids and on_duplicate is None:
                return []  # refused below: read on only to count them
            if on_duplicate == "update":
                update_matched(edit, layer, rows, matched, report.mapping.values())
            edit.insert("admin_units", towns, action="import")  # towns dissolved from the imported villages
            return edit.insert(layer, rows.drop(index=list(matched)), action="import", log_each=False)

        bulk = _is_bulk(project, layer, first)
        chunks, first = itertools.chain([first], chunks), None
        with edit.indexes_deferred(layer) if bulk else contextlib.nullcontext():
            for number, source in enumerate(chunks):
                if number:
                    steps("read", _percent(before, source.done, 0), "读取文件")
                report.rejected += source.rejected
                report.notes += source.notes + (mapping_note if not number else [])
                new = write(source, before) if len(source.frame) else []
                before, source = source.done, None  # the chunk is let go before the next one is read
                if new:
                    imported, span = imported + len(new), [span[0] if span else new[0], new[-1]]
        if found.fids and on_duplicate is None:
            raise DuplicatesFound(path, len(found.fids), found.names)
        if found.fids:
            report.notes.append(found.note(on_duplicate))
        hints = _unmatched_notes({f: dict(sorted(c.items(), key=lambda kv: -kv[1])) for f, c in unmatched.items()}, spec)
        report.notes += hints
        report.rejected.sort(key=lambda p: p.row)
        _check_outcome(report, imported + len(found.fids), strict, hints[:1])
        steps("write", 85, "写入项目")
        if remembered != value_maps.get(layer, {}):
            edit.set_metadata(value_maps={**value_maps, layer: remembered})
        updated = len(found.fids) if on_duplicate == "update" else 0
        edit.log("import", layer, after={"file": Path(path).name, "imported": imported, "updated": updated,
                                         "skipped": len(found.fids) - updated, "repaired": report.repaired,
                                         "rejected": len(report.rejected), "fids": span})
    report.imported, report.updated, report.skipped = imported, updated, len(found.fids) - updated
    if keep_payloads:
        from data.payload_cache import keep_payloads_of  # (the map's modules: only for an import that keeps them)

        keep_payloads_of(project, edit.changed, timeout=PAYLOAD_WAIT_S)
    if progress:
        progress(100, "完成")  # committed: too late to cancel
    return report


def _is_bulk(project: Project, layer: str, first: SourceTable) -> bool:
    """Whether the file, judged by its first chunk, brings at least :data:`BULK_ROWS` rows and more than the layer
    holds: then the layer's indexes are built once at the end (:meth:`data.project.Edit.indexes_deferred`)."""
    expected = len(first.frame) / max(first.done, 1e-6)
    return expected >= max(BULK_ROWS, project.count(layer))


def _percent(before: float, done: float, share: float) -> int:
    """Progress while reading and checking: 5 % to 85 %, by the share of the file read."""
    return int(5 + 80 * (before + (done - before) * share))


def _prepared(project: Project, spec: LayerSpec, source: SourceTable, report: ImportReport, remembered: ValueMap,
              unmatched: dict[str, dict[str, int]], step: Callable[[float, str], None]) -> gpd.GeoDataFrame:
    """One chunk's rows ready to write: values converted, geometries repaired and in the storage CRS, rows
    outside the county rejected; problems go into ``report``, unmatched coded values are counted in ``unmatched``."""
    converted = convert_values(source.frame, spec, report.mapping, remembered)
    for field_name, counts in unmatched_values(source.frame, spec, report.mapping, remembered).items():
        total = unmatched.setdefault(field_name, {})
        for value, n in counts.items():
            total[value] = total.get(value, 0) + n
    report.rejected += converted.rejected
    frame = source.frame.loc[converted.frame.index] if len(converted.frame) < len(source.frame) else source.frame

    step(0.5, "检查并修复几何")
    geoms, repaired, bad = _fit_geometries(frame.geometry.values, spec, frame.index.to_numpy(), report)
    report.repaired += repaired
    report.rejected += bad
    fitted = ~shapely.is_missing(geoms)
    keep, geoms = frame.index.to_numpy()[fitted], geoms[fitted]

    step(0.75, "转换坐标")
    geoms = _to_storage(geoms, source.crs)
    outside = _off_the_earth(geoms, keep) or _outside_county(project, geoms, keep, source.crs)
    report.rejected += outside
    mask = ~np.isin(keep, [p.row for p in outside])
    rows = converted.frame.iloc[np.flatnonzero(fitted)[mask]]  # the same rows as ``frame``, in its order
    return gpd.GeoDataFrame(rows, geometry=geoms[mask], crs=STORAGE_CRS)


def _unmatched_notes(unmatched: dict[str, dict[str, int]], spec: LayerSpec) -> list[tuple[str, str]]:
    """A note per coded field with values matching no term, with counts and how to map them."""
    notes = []
    for field_name, counts in unmatched.items():
        field = spec.field(field_name)
        first = next(iter(counts))
        zh = "、".join(f"“{raw}” {n} 行" for raw, n in counts.items())
        en = ", ".join(f"'{raw}' ({n} rows)" for raw, n in counts.items())
        notes.append((f"{field.zh}有未识别的取值：{zh}。可在导入向导中指定对应，或用 --map-value {field.zh}:{first}=代码。",
                      f"Unrecognised values of {field.name}: {en}. Map them in the import wizard or with "
                      f"--map-value {field.name}:{first}=CODE."))
    return notes


def _check_outcome(report: ImportReport, kept: int, strict: bool, hints: list[tuple[str, str]]) -> None:
    """Refuse an import that would store nothing, or (``strict``) one that rejects any row, in one line
    naming the first rejected rows (or, when nothing is left and ``hints`` has one, the values to map)."""
    name = Path(report.source).name
    rejected = report.rejected
    first, first_en = (rejected[0].message("zh"), rejected[0].message("en")) if rejected else ("", "")
    if len(rejected) > 1:
        rows = [str(p.row) for p in rejected[1:6]]
        more = len(rejected) > 6
        first += f"；另有第 {'、'.join(rows)}{' 等' if more else ' '}行"
        first_en += f"; also row{'s' if len(rows) > 1 else ''} {', '.join(rows)}{' and more' if more else ''}"
    if kept == 0 and not rejected:
        raise UserError(f"{name} 中没有可导入的要素，项目未作修改。", f"{name} contains no features to import; the project was not changed.")
    if kept == 0:
        cause, cause_en = hints[0] if hints else (first, first_en)
        raise UserError(f"{name} 的 {len(rejected)} 行全部被拒绝，项目未作修改。{cause}",
                        f"All {len(rejected)} rows of {name} were rejected; the project was not changed. {cause_en}")
    if strict and rejected:
        raise UserError(f"严格模式：{name} 有 {len(rejected)} 行被拒绝，未导入任何要素。{first}",
                        f"Strict mode: {len(rejected)} rows of {name} were rejected, so nothing was imported. {first_en}")


class _Steps:
    def __init__(self, progress: Progress | None, cancelled: Callable[[], bool]):
        self.progress, self.cancelled = progress, cancelled

    def __call__(self, _name: str, percent: int, label: str) -> None:
        if self.cancelled():
            raise ImportCancelled()
        if self.progress:
            self.progress(percent, label)


def _fit_geometries(geoms, spec: LayerSpec, rows: np.ndarray, report: ImportReport):
    """Make geometries fit the layer: repair invalid polygons, take an inner point of polygons for point
    layers, reject what cannot fit. Returns (geometries or None, repaired count, problems)."""
    geoms = np.array(geoms, dtype=object)
    kinds = shapely.get_type_id(geoms)
    empty = (kinds < 0) | shapely.is_empty(geoms)
    problems = [RowProblem(int(row), "几何为空", "empty geometry") for row in rows[empty]]
    geoms[empty] = None
    if spec.geometry == "POINT":
        single = ~empty & (kinds == shapely.GeometryType.MULTIPOINT) & (shapely.get_num_geometries(geoms) == 1)
        geoms[single] = shapely.get_geometry(geoms[single], 0)
        others = ~empty & ~single & (kinds != shapely.GeometryType.POINT)
        geoms[others] = shapely.point_on_surface(shapely.make_valid(geoms[others]))
        if others.any():
            to_points = int(others.sum())
            report.notes.append((f"{to_points} 个非点要素取其内部点导入。",
                                 f"{to_points} non-point features imported as an inner point."))
        return geoms, 0, problems
    repaired = 0
    polygonal = np.isin(kinds, (shapely.GeometryType.POLYGON, shapely.GeometryType.MULTIPOLYGON))
    for i in np.flatnonzero(~empty & ~(polygonal & shapely.is_valid(geoms))):  # the few to look at one by one
        row, geom = rows[i], geoms[i]
        polygon = _polygonal_part(geom)
        if polygon is None:
            problems.append(RowProblem(int(row), f"几何类型为 {geom.geom_type}，本图层需要面",
                                       f"geometry is a {geom.geom_type}; this layer needs polygons"))
            geoms[i] = None
            continue
        if not polygon.is_valid:
            polygon = _polygonal_part(shapely.make_valid(polygon))
            if polygon is None or polygon.is_empty:
                problems.append(RowProblem(int(row), "几何无效且无法修复（自相交或退化）",
                                           "invalid geometry that cannot be repaired (self-intersecting or degenerate)"))
                geoms[i] = None
                continue
            repaired += 1
        geoms[i] = polygon
    return geoms, repaired, problems


def _polygonal_part(geom):
    """The polygons of ``geom`` as one (Multi)Polygon, or None if it has none."""
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    if geom.geom_type == "GeometryCollection":
        parts = [g for g in shapely.get_parts(geom) if g.geom_type in ("Polygon", "MultiPolygon") and not g.is_empty]
        return shapely.union_all(parts) if parts else None
    return None


def _to_storage(geoms: np.ndarray, crs: SourceCRS) -> np.ndarray:
    """:func:`gis.crs.geometries_to_storage`; plain 2-D points go as coordinate arrays, made into points again
    only when the conversion moved them (not from WGS 84 or CGCS2000, whose longitudes and latitudes agree)."""
    if len(geoms) and (shapely.get_type_id(geoms) == shapely.GeometryType.POINT).all() and not shapely.has_z(geoms).any():
        x, y = shapely.get_x(geoms), shapely.get_y(geoms)
        lon, lat = to_storage_xy(x, y, crs)
        return geoms if np.array_equal(lon, x) and np.array_equal(lat, y) else shapely.points(lon, lat)
    return geometries_to_storage(geoms, crs)


def _off_the_earth(geoms: np.ndarray, rows: np.ndarray) -> list[RowProblem]:
    """Rows whose coordinates, once converted, are not finite longitudes and latitudes (NaN, Infinity, 1e308,
    or values no coordinate system maps onto the earth)."""
    if not len(geoms):
        return []
    xy, index = shapely.get_coordinates(geoms, return_index=True)
    with np.errstate(invalid="ignore"):
        wrong = ~(np.isfinite(xy).all(axis=1) & (np.abs(xy[:, 0]) <= 180) & (np.abs(xy[:, 1]) <= 90))
    return [RowProblem(int(rows[i]), "坐标不是有效的经纬度（空值、无穷大或超出范围），请核对",
                       "coordinates are not valid longitudes and latitudes (NaN, infinite or out of range); check them")
            for i in np.unique(index[wrong])]


def _outside_county(project: Project, geoms: np.ndarray, rows: np.ndarray, crs: SourceCRS) -> list[RowProblem]:
    """Rows lying farther than OUTSIDE_TOLERANCE_M from the county; all of them -> a likely wrong CRS.
    Features on the county (most of them) are found with the outline prepared; only the others are measured."""
    county = project.county_outline()
    if county is None or not len(geoms):
        return []
    shapely.prepare(county)
    on_county = shapely.intersects(county, geoms)
    distances = np.zeros(len(geoms))
    away = np.flatnonzero(~on_county)
    if len(away):
        metric = metric_crs_for(county)
        series = gpd.GeoSeries(geoms[away], crs=STORAGE_CRS).to_crs(metric)
        outline = gpd.GeoSeries([county], crs=STORAGE_CRS).to_crs(metric).iloc[0]
        distances[away] = series.distance(outline).to_numpy()
    far = distances > OUTSIDE_TOLERANCE_M
    if far.all():
        km = np.nanmin(distances) / 1000.0
        raise UserError(
            f"全部 {len(geoms)} 个要素都在县域之外（最近的也相距 {km:.0f} 公里）。坐标系可能选错了"
            f"（当前按 {crs.describe()} 处理），请检查后用正确的坐标系重新导入。",
            f"All {len(geoms)} features lie outside the county (the nearest is {km:.0f} km away). The coordinate "
            f"system is probably wrong (read as {crs.describe()}); check it and import again with the right one.")
    return [RowProblem(int(rows[i]), f"位于县域之外约 {distances[i] / 1000:.1f} 公里，请核对坐标",
                       f"lies about {distances[i] / 1000:.1f} km outside the county; check its coordinates")
            for i in np.flatnonzero(far)]

"""Completing imported administrative units and grids before they are written: each unit's level, parent and
code, towns built from the villages' town-name column, grids linked to the village they lie in.

Called by :func:`data.importers.pipeline.import_file` once values are converted and geometries are in the
storage CRS, so everything it adds is written in the import's one transaction. Rows already in the project
(:mod:`data.importers.duplicates`) keep the code of the feature they match and are returned apart. What it
decided for the other rows goes into the import report: a note per kind of decision, and a numbered line for
every row whose code was replaced.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from data.importers.base import RowProblem
from data.importers.duplicates import ExistingFeatures
from data.importers.duplicates import text_or_none as _text
from data.importers.fields import _normalise
from data.project import Project
from gis.crs import STORAGE_CRS
from gis.glossary import UnitLevel
from gis.unit_hierarchy import (
    CodeGenerator,
    clean_code,
    level_from_code,
    level_from_name,
    looks_like_code,
    parent_code_from_code,
)

if TYPE_CHECKING:
    from data.importers.pipeline import ImportReport

TOWN_NAME_HEADERS = ("乡镇", "街道", "所属乡镇", "所属街道", "乡镇街道", "所属乡镇街道", "乡镇名称", "乡镇名",
                     "街道名称", "镇街", "所属镇街", "镇", "乡")
"""Headers of a column holding the name of each village's town (compared after normalising)."""

GAP_HOLE_SHARE = 0.005
"""Holes in a dissolved town smaller than this share of its area are gaps between villages, and are filled."""

_LOWER = (UnitLevel.VILLAGE.value, UnitLevel.COMMUNITY.value)
_PARENT_LEVEL = {UnitLevel.TOWN.value: UnitLevel.COUNTY.value,
                 **{level: UnitLevel.TOWN.value for level in _LOWER}}
_HOW_LEVEL = {"code": ("按区划代码", "from the division code"), "name": ("按名称", "from the name"),
              "column": ("按级别列", "from the level column")}
_HOW_PARENT = {"column": ("按上级代码列", "from the parent code column"), "code": ("按区划代码", "from the division code"),
               "within": ("按空间包含", "by the unit containing it"), "town name": ("按乡镇名称", "by the town name"),
               "dissolved": ("归入合并生成的乡镇", "into towns built from the villages")}


def lock_codes(edit, layer: str) -> None:
    """Serialise the imports that generate codes (admin units, grids) across desks: call first in the import's
    transaction, before the project's codes and features are read, so two imports at once never hand out the
    same code or miss each other's units (:meth:`data.project.Edit.lock`)."""
    if layer in ("admin_units", "grids"):
        edit.lock("codes")


def complete_import(project: Project, layer: str, rows: gpd.GeoDataFrame, source: pd.DataFrame,
                    report: ImportReport, existing: ExistingFeatures | None = None
                    ) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, dict]:
    """Complete ``rows`` (converted fields, storage CRS, indexed by source row) for ``layer``.

    Returns the completed rows, the admin units to write before them (towns dissolved from villages;
    empty for other layers) and the rows already in the project, ``{row: fid}``, looked up in ``existing``
    (the layer's features when the import started; read now when not given). ``source`` is the file's own
    table, read for a town-name column.
    """
    towns = gpd.GeoDataFrame({"code": pd.Series(dtype=object)}, geometry=[], crs=STORAGE_CRS)
    if layer not in ("admin_units", "grids"):
        return rows, towns, {}
    existing = existing or ExistingFeatures.read(project, layer)
    if layer == "admin_units":
        return _UnitImport(project, rows, source, report, existing).complete()
    rows, matched = _complete_grids(project, rows, report, existing)
    return rows, towns, matched


class _UnitImport:
    """The decisions for one admin-units import, taken top-down: counties, towns, then villages."""

    def __init__(self, project: Project, rows: gpd.GeoDataFrame, source: pd.DataFrame, report: ImportReport,
                 existing: ExistingFeatures):
        self.rows, self.report, self.existing = rows.copy(), report, existing
        self.order = list(rows.index)
        self.mapped = set(report.mapping.values())
        self.names = {r: _text(v) for r, v in _values(rows, "name").items()}
        self.given = {r: clean_code(v) for r, v in _values(rows, "code").items()}
        units = project.read_layer("admin_units")
        units = units[units.geometry.notna() & units["code"].notna()]
        self.project_codes = {clean_code(c) for c in units["code"]} - {None}
        known = self.project_codes | {c for c in self.given.values() if c}
        self.codes = CodeGenerator(project.metadata.get("county_code"), taken=known)
        self.geoms = dict(zip(self.order, rows.geometry.values, strict=True))
        self.inner = dict(zip(self.order, shapely.point_on_surface(rows.geometry.values), strict=True))
        # units a row may lie in, by level: (code, name, geometry); imported rows join once their code is final
        self.containers: dict[str, list[tuple[str, str | None, object]]] = {level.value: [] for level in UnitLevel}
        for code, name, level, geom in zip(units["code"], units["name"], units["level"], units.geometry,
                                           strict=True):
            if level in self.containers:
                self.containers[level].append((clean_code(code), _text(name), geom))
        self.levels, self.level_how = self._levels()
        self.parents, self.parent_how, self.town_names = self._given_parents(source, known)
        self.final, self.replaced, self.matched = _own_codes(self.order, self.given, self.project_codes, self.existing)
        self.dissolved: list[dict] = []

    def complete(self) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, dict]:
        for level in (UnitLevel.COUNTY.value, UnitLevel.TOWN.value):
            rows = self._of_level(level)
            self._find_parents(rows)
            self._give_codes(rows)
        lower = self._of_level(*_LOWER)
        self._find_parents(lower)
        towns = self._dissolve_towns([r for r in lower if r not in self.parents])
        self._give_codes(lower)
        self._give_codes(self._of_level(None))
        rows = self.rows
        rows["level"] = [self.levels[r] for r in self.order]
        rows["parent_code"] = [self.parents.get(r) for r in self.order]
        rows["code"] = [self.final[r] for r in self.order]
        rows["code_generated"] = [int(self.given[r] != self.final[r]) for r in self.order]
        self._report()
        return rows, towns, self.matched

    # -- levels and parents -------------------------------------------------------------------------

    def _levels(self) -> tuple[dict, dict]:
        """Level of each row: from its division code, else its name, else the level column the user mapped."""
        levels, how = {}, {}
        column = _values(self.rows, "level") if "level" in self.mapped else {}
        for r in self.order:
            for source, level in (("code", level_from_code(self.given[r], self.names[r])),
                                  ("name", level_from_name(self.names[r])), ("column", _text(column.get(r)))):
                if level:
                    levels[r], how[r] = level, source
                    break
            else:
                levels[r] = None
        return levels, how

    def _given_parents(self, source: pd.DataFrame, known: set[str]) -> tuple[dict, dict, dict]:
        """Parents the file states (a parent-code column holding codes, else the row's division code) and
        the town name of each row (a town-name column, or a parent column holding names)."""
        parents, how, towns = {}, {}, {}
        column = _town_name_column(source, self.report.mapping)
        if column is not None:
            towns = {r: _text(source.at[r, column]) for r in self.order if _text(source.at[r, column])}
        stated = _values(self.rows, "parent_code") if "parent_code" in self.mapped else {}
        for r in self.order:
            value = _text(stated.get(r))
            if value and looks_like_code(value):
                parents[r], how[r] = clean_code(value), "column"
            elif value:
                towns.setdefault(r, value)
            if r not in parents and (parent := parent_code_from_code(self.given[r], known)):
                parents[r], how[r] = parent, "code"
        return parents, how, towns

    def _find_parents(self, rows: list) -> None:
        """Give rows without a parent the smallest unit of the level above that contains their inner point."""
        for level in set(_PARENT_LEVEL.get(self.levels[r]) for r in rows) - {None}:
            lacking = [r for r in rows if r not in self.parents and _PARENT_LEVEL.get(self.levels[r]) == level]
            found = _within([self.inner[r] for r in lacking], self.containers[level])
            for r, code in zip(lacking, found, strict=True):
                if code:
                    self.parents[r], self.parent_how[r] = code, "within"

    def _give_codes(self, rows: list) -> None:
        """Give rows without a code the code of the unit they already are (same name, level and parent, or
        without a name the same outline), else a generated one, in file order; the rows then contain the
        levels below."""
        for r in rows:
            if r not in self.final:
                fid = (self.existing.by_key(self.names[r], self.levels[r], self.parents.get(r)) if self.names[r]
                       else self.existing.by_outline(self.geoms[r]))
                if fid is not None:
                    self.final[r], self.matched[r] = self.existing.code_of(fid), fid
                else:
                    self.final[r] = self.codes.next(self.parents.get(r))
            if self.levels[r] in self.containers:
                self.containers[self.levels[r]].append((self.final[r], self.names[r], self.geoms[r]))

    def _dissolve_towns(self, rows: list) -> gpd.GeoDataFrame:
        """Parents for villages by their town name: a known town of that name, else a town built by dissolving
        the villages that name it (in order of first appearance)."""
        by_name = {name: code for code, name, _ in self.containers[UnitLevel.TOWN.value] if name}
        members: dict[str, list] = {}
        for r in rows:
            name = self.town_names.get(r)
            if name in by_name:
                self.parents[r], self.parent_how[r] = by_name[name], "town name"
            elif name:
                members.setdefault(name, []).append(r)
        records = []
        for name, group in members.items():
            outline = _dissolve([self.geoms[r] for r in group])
            parent = _within([shapely.point_on_surface(outline)], self.containers[UnitLevel.COUNTY.value])[0]
            code = self.codes.next(parent)
            for r in group:
                self.parents[r], self.parent_how[r] = code, "dissolved"
            self.containers[UnitLevel.TOWN.value].append((code, name, outline))
            records.append({"code": code, "name": name, "level": UnitLevel.TOWN.value, "parent_code": parent,
                            "population": _sum(self.rows, "population", group),
                            "households": _sum(self.rows, "households", group), "code_generated": 1,
                            "geometry": outline, "villages": len(group)})
        self.dissolved = records
        frame = pd.DataFrame(records, columns=["code", "name", "level", "parent_code", "population", "households",
                                               "code_generated", "geometry"])
        return gpd.GeoDataFrame(frame, geometry="geometry", crs=STORAGE_CRS)

    def _of_level(self, *levels) -> list:
        return [r for r in self.order if self.levels[r] in levels]

    # -- report ---------------------------------------------------------------------------------------

    def _report(self) -> None:
        """Notes on the rows to be added; rows already in the project are reported by the pipeline."""
        notes = self.report.notes
        added = [r for r in self.order if r not in self.matched]
        unknown = sum(1 for r in added if self.levels[r] is None)
        zh, en = _counted(Counter(self.level_how[r] for r in added if r in self.level_how), _HOW_LEVEL)
        if zh or unknown:
            notes.append((f"级别：{zh or '无'}" + (f"；{unknown} 个无法判断（名称不以村/社区/镇/乡/街道结尾，也无区划代码），"
                                                  "可在字段对应中指定级别列" if unknown else ""),
                          f"Levels: {en or 'none'}" + (f"; {unknown} undetermined (no division code, name without a "
                                                        "village/community/town ending): map a level column" if unknown
                                                        else "")))
        zh, en = _counted(Counter(self.parent_how[r] for r in added if r in self.parent_how), _HOW_PARENT)
        if zh:
            notes.append((f"上级：{zh}", f"Parents: {en}"))
        if self.dissolved:
            dissolved = len(self.dissolved)
            towns = "、".join(f"{t['name']}（{t['code']}，{t['villages']} 个村/社区）" for t in self.dissolved)
            towns_en = ", ".join(f"{t['name']} ({t['code']}, {t['villages']} villages)" for t in self.dissolved)
            notes.append((f"文件中没有这些乡镇的边界，已按乡镇名称合并村界生成 {dissolved} 个乡镇（代码为生成）：{towns}",
                          f"No outline for these towns in the project or file: built {dissolved} towns by dissolving "
                          f"their villages (generated codes): {towns_en}"))
        fresh = [r for r in added if self.given[r] is None]
        if fresh and "code" not in self.mapped:
            example = self.final[fresh[0]]
            notes.append((f"文件没有代码列：已为 {len(fresh)} 个单元生成代码（如 {example}），并标记为“代码为生成”。",
                          f"The file has no code column: generated codes for {len(fresh)} units (e.g. {example}), "
                          "marked as generated."))
        replaced = {r: why for r, why in self.replaced.items() if r not in self.matched}
        notes.extend(_replaced_lines(replaced, self.final, empty_too="code" in self.mapped))


# -- grids ----------------------------------------------------------------------------------------------


def _complete_grids(project: Project, rows: gpd.GeoDataFrame, report: ImportReport,
                    existing: ExistingFeatures) -> tuple[gpd.GeoDataFrame, dict]:
    """Link grids without a unit code to the village or community containing their inner point; find the
    grids already in the project (same code; else same name and village; else same outline), replace
    duplicate codes in the file by generated ones. Returns the rows and ``{row: fid}`` of those found."""
    rows = rows.copy()
    order = list(rows.index)
    units = project.read_layer("admin_units", where="level IN (?, ?) AND code IS NOT NULL", params=_LOWER)
    containers = [(clean_code(c), None, g) for c, g in zip(units["code"], units.geometry, strict=True) if g is not None]
    unit_codes = {r: clean_code(v) for r, v in _values(rows, "unit_code").items()}
    lacking = [r for r in order if not unit_codes[r]]
    points = shapely.point_on_surface(rows.loc[lacking].geometry.values)
    linked = dict(zip(lacking, _within(list(points), containers), strict=True))
    unit_codes.update((r, code) for r, code in linked.items() if code)
    given = {r: clean_code(v) for r, v in _values(rows, "code").items()}
    taken = {clean_code(c) for c in project.value_counts("grids", "code")} - {None}
    final, replaced, matched = _own_codes(order, given, taken, existing)
    names = {r: _text(v) for r, v in _values(rows, "name").items()}
    codes = CodeGenerator(project.metadata.get("county_code"), taken=taken | {c for c in given.values() if c})
    for r in order:
        if r in final:
            continue
        fid = existing.by_key(names[r], unit_codes[r]) if names[r] else existing.by_outline(rows.geometry.loc[r])
        if fid is not None:
            final[r], matched[r] = existing.code_of(fid), fid
        else:
            final[r] = codes.next(unit_codes[r])
    rows["unit_code"] = [unit_codes[r] for r in order]
    rows["code"] = [final[r] for r in order]
    rows["code_generated"] = [int(given[r] != final[r]) for r in order]
    lacking = [r for r in lacking if r not in matched]
    if lacking:
        found = sum(1 for r in lacking if linked[r])
        zh = f"{len(lacking)} 个网格未填所属村社区代码：{found} 个按所在村（社区）填入"
        en = f"{len(lacking)} grids had no unit code: {found} linked to the village or community they lie in"
        if found < len(lacking):
            zh += f"，{len(lacking) - found} 个不在任何村（社区）内，仍为空"
            en += f", {len(lacking) - found} lie in none and stay empty"
        report.notes.append((zh + "。", en + "."))
    report.notes.extend(_replaced_lines({r: why for r, why in replaced.items() if r not in matched}, final,
                                        empty_too=True))
    return rows, matched


# -- shared helpers -------------------------------------------------------------------------------------


def _own_codes(order: list, given: dict, taken: set[str], existing: ExistingFeatures) -> tuple[dict, dict, dict]:
    """The codes rows keep (``{row: code}``), why the others need one (``{row: ("empty"|"duplicate"|"taken",
    code, first row)}``; "taken" by a feature this import added from an earlier chunk) and the rows whose
    code a feature already in the project holds (``{row: fid}``; they keep it)."""
    keep, replaced, first, matched = {}, {}, {}, {}
    for r in order:
        code = given[r]
        if code is None:
            replaced[r] = ("empty", None, None)
        elif code in first:
            replaced[r] = ("duplicate", code, first[code])
        elif (fid := existing.by_code(code)) is not None:
            keep[r], first[code], matched[r] = code, r, fid
        elif code in taken:
            replaced[r] = ("taken", code, None)
        else:
            keep[r], first[code] = code, r
    return keep, replaced, matched


def _replaced_lines(replaced: dict, final: dict, *, empty_too: bool) -> list[tuple[str, str]]:
    """One numbered report line per row whose code was replaced; empty codes only with ``empty_too`` (a file
    without a code column is reported once, not row by row)."""
    lines = []
    for r, (why, code, first) in replaced.items():
        if why == "empty" and not empty_too:
            continue
        new = final[r]
        zh, en = {
            "empty": (f"代码为空，已生成代码 {new}", f"code is empty; generated {new}"),
            "duplicate": (f"代码 {code} 与第 {first} 行重复，已改为生成代码 {new}",
                          f"code {code} repeats row {first}; replaced by generated code {new}"),
            "taken": (f"代码 {code} 与文件前面的行重复，已改为生成代码 {new}",
                      f"code {code} repeats an earlier row of the file; replaced by generated code {new}"),
        }[why]
        problem = RowProblem(r, zh, en)
        lines.append((problem.message("zh"), problem.message("en")))
    return lines


def _dissolve(geoms: list):
    """One outline for ``geoms``, without the small holes left where neighbouring outlines do not quite meet."""
    polygons = []
    for part in shapely.get_parts(shapely.union_all(geoms)):
        if part.geom_type != "Polygon":
            continue
        holes = [ring for ring in part.interiors if shapely.Polygon(ring).area >= GAP_HOLE_SHARE * part.area]
        polygons.append(shapely.Polygon(part.exterior, holes))
    return polygons[0] if len(polygons) == 1 else shapely.MultiPolygon(polygons)


def _within(points: list, containers: list[tuple[str, str | None, object]]) -> list[str | None]:
    """For each point, the code of the smallest container holding it, or None."""
    if not points or not containers:
        return [None] * len(points)
    geoms = np.array([g for _, _, g in containers], dtype=object)
    areas = shapely.area(geoms)
    best: list[int | None] = [None] * len(points)
    pairs = shapely.STRtree(geoms).query(np.array(points, dtype=object), predicate="within")
    for i, j in zip(*pairs, strict=True):
        if best[i] is None or areas[j] < areas[best[i]]:
            best[i] = j
    return [None if j is None else containers[j][0] for j in best]


def _town_name_column(source: pd.DataFrame, mapping: dict[str, str]) -> str | None:
    """The file's unmapped column naming each row's town, if it has one."""
    headers = {_normalise(h) for h in TOWN_NAME_HEADERS}
    return next((c for c in source.columns if c != "geometry" and c not in mapping and _normalise(c) in headers), None)


def _values(frame: pd.DataFrame, column: str) -> dict:
    return frame[column].to_dict() if column in frame else dict.fromkeys(frame.index)


def _sum(frame: pd.DataFrame, column: str, rows: list) -> int | None:
    if column not in frame:
        return None
    values = pd.to_numeric(frame.loc[rows, column], errors="coerce").dropna()
    return int(values.sum()) if len(values) else None


def _counted(counts: Counter, words: dict[str, tuple[str, str]]) -> tuple[str, str]:
    """"按区划代码 3 个，按名称 5 个" from {"code": 3, "name": 5}, in the order of ``words``."""
    present = [(words[k], counts[k]) for k in words if counts.get(k)]
    return ("，".join(f"{zh} {n} 个" for (zh, _), n in present), ", ".join(f"{en} {n}" for (_, en), n in present))

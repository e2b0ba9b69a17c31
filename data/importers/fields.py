"""Mapping a file's columns onto a layer's fields, and checking every value on the way in.

>>> from data.schema import ADMIN_UNITS
>>> guess_mapping(["村名", "常住人口", "户数", "备注"], ADMIN_UNITS)
{'村名': 'name', '常住人口': 'population', '户数': 'households'}

Coded fields (category, status, kind, level) take a glossary term by its code, label or alias; the words
a file uses beyond those are mapped with a value map, ``{field: {value as written: code}}``:

>>> from data.schema import CASES
>>> parse_value_maps(["类别:阳性待复核=confirmed", "状态:方舱=集中隔离"], CASES)
{'category': {'阳性待复核': 'confirmed'}, 'status': {'方舱': 'isolated'}}
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import unicodedata
from dataclasses import dataclass

import numpy as np
import pandas as pd

from data.importers.base import RowProblem, stripped
from data.schema import Field, LayerSpec
from gis.errors import UserError
from gis.glossary import term_key

YEARS = (1900, 2100)
"""Dates outside these years are mistakes (a typo, a placeholder such as 2999-12-31) and are rejected."""
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?$")

ValueMap = dict[str, dict[str, str]]
"""``{field name: {value as written in the file: stored code}}`` for coded fields."""

# Header words users write for each field, most specific first. A header matches a field when it equals
# one of these words (after normalising) or, failing that, contains one.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "name": ("名称", "名字", "村名", "社区名", "村社区", "村（社区）", "村(社区)", "单位名称", "场所名称",
             "隔离点", "网格名称", "网格名", "设施名称", "title"),
    "code": ("行政区划代码", "区划代码", "网格编码", "网格代码", "代码", "编码", "编号", "id"),
    "level": ("级别", "层级", "行政级别"),
    "parent_code": ("上级代码", "上级编码", "所属乡镇代码", "所属乡镇", "parent"),
    "unit_code": ("所属村社区代码", "村社区代码", "所属村社区", "所属单元", "村代码"),
    "population": ("常住人口", "户籍人口", "总人口", "人口数", "人口", "人数", "pop"),
    "households": ("总户数", "户数", "户"),
    "worker": ("网格员", "网格长", "负责人"),
    "phone": ("联系电话", "电话", "手机", "tel"),
    "address": ("详细地址", "地址", "住址", "现住址", "addr"),
    "rooms": ("房间数", "客房数", "房间", "间数"),
    "occupied": ("已用房间", "已使用", "在住", "入住", "已用"),
    "status": ("状态", "运行状态"),
    "beds": ("床位数", "床位"),
    "reserved": ("预留房间", "预留"),
    "contact": ("联系人", "负责人"),
    "kind": ("设施类型", "类型", "种类", "类别"),
    "capacity": ("容量", "接待能力", "日采样能力", "能力"),
    "case_no": ("病例编号", "编号", "序号", "no"),
    "category": ("人员类别", "病例类别", "类别", "分类", "类型"),
    "reported_at": ("报告时间", "报告日期", "发现时间", "reported"),
    "onset_at": ("发病日期", "发病时间", "onset"),
    "grid_code": ("所属网格编码", "网格编码", "所属网格", "网格"),
    "person_name": ("姓名",),
    "id_number": ("身份证号码", "身份证号", "身份证", "证件号码"),
    "tier": ("管控等级", "风险等级", "等级", "级别"),
    "radius_m": ("半径（米）", "半径", "radius"),
}


def _normalise(header: str) -> str:
    text = unicodedata.normalize("NFKC", str(header)).strip().lower()
    text = re.sub(r"[\(（\[【].*?[\)）\]】]", "", text) or text
    return re.sub(r"[\s_\-:：]", "", text)


def guess_mapping(columns: list[str], spec: LayerSpec) -> dict[str, str]:
    """Guess which source column fills which field: ``{source column: field name}``.

    A header that is a field's own name (as Cordon exports it) is that field; then exact names (the Chinese
    label, a synonym) win over headers that merely contain a synonym; each column and field is used at most once.
    """
    targets = {f.name: {f.name, _normalise(f.zh)} | {_normalise(s) for s in SYNONYMS.get(f.name, ())}
               for f in spec.fields}
    own = {f.name for f in spec.fields}
    mapping = {column: column.strip().lower() for column in columns if column.strip().lower() in own}  # Cordon's own
    used: set[str] = set(mapping.values())
    for exact in (True, False):
        for column in columns:
            key = _normalise(column)
            if column in mapping or not key:
                continue
            for field_name, words in targets.items():
                if field_name in used:
                    continue
                hit = key in words if exact else any(len(w) > 1 and w in key for w in words)
                if hit:
                    mapping[column] = field_name
                    used.add(field_name)
                    break
    return mapping


@dataclass
class ConvertedRows:
    """Values converted to the layer's fields: ``frame`` (indexed by source row) and rejected rows."""

    frame: pd.DataFrame
    rejected: list[RowProblem]


def parse_mapping(items: list[str]) -> dict[str, str]:
    """``["列名=字段", ...]`` as ``{column: field}``; an item without "=" is a UserError."""
    mapping = {}
    for item in items:
        column, sep, field_name = item.partition("=")
        if not sep or not column.strip() or not field_name.strip():
            raise UserError(f"字段对应“{item}”的格式不对，应为 列名=字段（如 村名=name）。",
                            f"Field mapping '{item}' is malformed; write COLUMN=FIELD (e.g. 村名=name).")
        mapping[column.strip()] = field_name.strip()
    return mapping


def parse_value_maps(items: list[str], spec: LayerSpec) -> ValueMap:
    """``["字段:取值=代码", ...]`` as a :data:`ValueMap`. The field is named by its name or Chinese label, the
    target by its code, label or alias; anything else is a UserError saying what is expected."""
    coded = {term_key(key): f for f in spec.fields if f.choices is not None for key in (f.name, f.zh)}
    value_map: ValueMap = {}
    for item in items:
        field_text, *rest = re.split("[:：]", item, maxsplit=1)
        raw, equals, target = "".join(rest).rpartition("=")
        if not rest or not equals or not raw.strip() or not target.strip():
            raise UserError(f"取值对应“{item}”的格式不对，应为 字段:取值=代码（如 类别:阳性=confirmed）。",
                            f"Value mapping '{item}' is malformed; write FIELD:VALUE=CODE (e.g. 类别:阳性=confirmed).")
        field = coded.get(term_key(field_text))
        if field is None:
            names = "、".join(f"{f.zh}（{f.name}）" for f in spec.fields if f.choices is not None)
            raise UserError(f"取值对应“{item}”：“{field_text}”不是“{spec.zh}”的代码字段（可用：{names}）。",
                            f"Value mapping '{item}': '{field_text}' is not a coded field of '{spec.en}' "
                            f"(use one of: {', '.join(f.name for f in spec.fields if f.choices is not None)}).")
        try:
            code = field.choices.from_label(target).value
        except ValueError:
            raise UserError(f"取值对应“{item}”：“{target}”不是{field.zh}的取值（可用：{_allowed_zh(field)}）。",
                            f"Value mapping '{item}': '{target}' is not a value of {field.name} "
                            f"(use one of: {', '.join(field.choices.values())}).") from None
        value_map.setdefault(field.name, {})[raw.strip()] = code
    return value_map


def merge_value_maps(*maps: ValueMap | None) -> ValueMap:
    """One value map from several, later ones winning for the same field and value."""
    merged: ValueMap = {}
    for value_map in maps:
        for field_name, values in (value_map or {}).items():
            merged.setdefault(field_name, {}).update(values)
    return merged


def unmatched_values(source: pd.DataFrame, spec: LayerSpec, mapping: dict[str, str],
                     value_map: ValueMap | None = None) -> dict[str, dict[str, int]]:
    """Values of coded fields that match no term and no entry of ``value_map``:
    ``{field name: {value as written: number of rows}}``, most frequent first, only fields that have some.

    >>> from data.schema import CASES
    >>> frame = pd.DataFrame({"类别": ["确诊", "待定", "密接", "待定"], "状态": ["住院", None, "集中隔离", "方舱"]})
    >>> unmatched_values(frame, CASES, {"类别": "category", "状态": "status"})
    {'category': {'待定': 2}, 'status': {'方舱': 1}}
    """
    found: dict[str, dict[str, int]] = {}
    for column, field_name in mapping.items():
        field = spec.field(field_name) if field_name in spec.field_names else None
        if field is None or field.choices is None or column not in source.columns:
            continue
        mapped = _mapped_keys(value_map, field_name)
        codes, distinct = pd.factorize(source[column].dropna().astype(str).to_numpy(dtype=object))
        written = pd.Series(stripped(distinct)[codes], dtype=object).value_counts()  # each distinct value checked once
        counts = {text: int(n) for text, n in written.items()
                  if text and term_key(text) not in mapped and not _matches(text, field)}
        if counts:
            found[field_name] = counts
    return found


def convert_values(source: pd.DataFrame, spec: LayerSpec, mapping: dict[str, str],
                   value_map: ValueMap | None = None) -> ConvertedRows:
    """Convert mapped columns to the layer's field types, rejecting rows with unusable values.

    Coded fields also accept the values ``value_map`` maps. Every problem names the row, the field and the
    value, and says what is expected.
    """
    unknown = sorted(set(mapping.values()) - set(spec.field_names))
    if unknown:
        raise UserError(f"图层“{spec.name}”没有字段：{', '.join(unknown)}", f"Layer '{spec.name}' has no field(s): {', '.join(unknown)}")
    missing = sorted(set(mapping) - set(source.columns))
    if missing:
        raise UserError(f"文件中没有列：{', '.join(missing)}", f"The file has no column(s): {', '.join(missing)}")
    absent = [f for f in spec.fields if f.required and f.name not in mapping.values()]
    if absent:
        zh = "、".join(f"{f.zh}（{f.name}）" for f in absent)
        raise UserError(f"缺少必填字段：{zh}。文件中的列有：{'、'.join(map(str, source.columns))}。请在字段对应中指定。",
                        f"Required field(s) missing: {', '.join(f.name for f in absent)}. The file's columns are: "
                        f"{', '.join(map(str, source.columns))}. Map them in the field mapping.")
    out = pd.DataFrame(index=source.index)
    problems: dict[int, list[tuple[str, str]]] = {}
    rows = source.index.to_numpy()
    for column, field_name in mapping.items():
        field = spec.field(field_name)
        values, failed = _convert_column(source[column].to_numpy(dtype=object), field,
                                         _mapped_keys(value_map, field_name))
        for i, (zh, en) in failed.items():
            problems.setdefault(int(rows[i]), []).append((f"{field.zh}（{column}）{zh}", f"{field.name} ({column}) {en}"))
        out[field_name] = pd.Series(values, index=source.index, dtype=object)
    rejected = [RowProblem(row, "；".join(z for z, _ in items), "; ".join(e for _, e in items))
                for row, items in sorted(problems.items())]
    return ConvertedRows(out.drop(index=list(problems)), rejected)


def _convert_column(raw: np.ndarray, field: Field, mapped: dict[str, str]) -> tuple[np.ndarray, dict[int, tuple[str, str]]]:
    """One column converted (:func:`_convert`): the values (None where rejected) and each rejected cell's
    (zh, en) reason by position. A column of text is converted once per distinct value, free text all at once;
    a column of mixed values (Excel, GeoJSON) one cell at a time."""
    if pd.api.types.infer_dtype(raw, skipna=True) not in ("string", "empty"):
        return _convert_cells(raw, field, mapped)
    codes, distinct = pd.factorize(raw)  # missing cells get -1
    if field.numeric or field.choices is not None or field.kind in ("DATE", "DATETIME"):
        values, failed = _convert_cells(distinct, field, mapped)
    else:  # free text: stripped, all at once; white space alone is blank
        values, failed = stripped(distinct), {}
        codes = np.where(np.append(~values.astype(bool), False)[codes], -1, codes)
    blank_value, blank_failed = _convert_cells(np.array([None], dtype=object), field, mapped)
    codes = np.where(codes < 0, len(distinct), codes)
    values = np.append(values, blank_value)[codes]
    if blank_failed:
        failed[len(distinct)] = blank_failed[0]
    rejected = np.flatnonzero(np.isin(codes, list(failed)))
    return values, {int(i): failed[codes[i]] for i in rejected}


def _convert_cells(raw: np.ndarray, field: Field, mapped: dict[str, str]) -> tuple[np.ndarray, dict[int, tuple[str, str]]]:
    """Each cell converted by :func:`_convert`: the values and each rejected cell's (zh, en) by position."""
    values = np.full(len(raw), None, dtype=object)
    failed = {}
    for i, value in enumerate(raw):
        try:
            values[i] = _convert(value, field, mapped)
        except ValueError as exc:
            failed[i] = exc.args
    return values, failed


def _is_blank(raw) -> bool:
    return raw is None or (isinstance(raw, float) and pd.isna(raw)) or raw is pd.NA or raw is pd.NaT or str(raw).strip() == ""


def convert_value(raw, field: Field):
    """Convert one user-entered value for ``field``; raises UserError saying what is wrong and what is expected."""
    try:
        return _convert(raw, field)
    except ValueError as exc:
        zh, en = exc.args
        raise UserError(f"{field.zh}：{zh}", f"{field.name}: {en}") from None


def _mapped_keys(value_map: ValueMap | None, field_name: str) -> dict[str, str]:
    """{term_key of a mapped value: code} for one field."""
    return {term_key(raw): code for raw, code in (value_map or {}).get(field_name, {}).items()}


def _matches(raw, field: Field) -> bool:
    try:
        field.choices.from_label(raw)
    except ValueError:
        return False
    return True


def _allowed_zh(field: Field) -> str:
    return "、".join(f"{m.zh}/{m.value}" for m in field.choices)


def _convert(raw, field: Field, mapped: dict[str, str] | None = None):
    if _is_blank(raw):
        if field.required:
            raise ValueError("为空（必填）", "is empty (required)")
        return None
    if field.numeric:
        return _number(raw, field)
    if field.choices is not None:
        try:
            return field.choices.from_label((mapped or {}).get(term_key(raw), raw)).value
        except ValueError:
            raise ValueError(f"“{raw}”不是可用的取值（可用：{_allowed_zh(field)}）",
                             f"'{raw}' is not allowed (use one of: {', '.join(field.choices.values())})") from None
    if field.kind in ("DATE", "DATETIME"):
        return _timestamp(raw, field)
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))  # codes read from Excel as numbers
    if isinstance(raw, (list, dict, np.ndarray)):
        return json.dumps(raw.tolist() if isinstance(raw, np.ndarray) else raw, ensure_ascii=False)  # a JSON field (test rounds, unit codes) read back as JSON
    return str(raw).strip()


def _number(raw, field: Field):
    text = unicodedata.normalize("NFKC", str(raw)).strip().replace(",", "")
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"“{raw}”不是数字，请填写阿拉伯数字（如 10）", f"'{raw}' is not a number; write digits (e.g. 10)") from None
    if not math.isfinite(value):
        raise ValueError(f"“{raw}”不是有限的数字，请填写阿拉伯数字（如 10）", f"'{raw}' is not a finite number; write digits (e.g. 10)")
    if field.kind == "INTEGER" and not value.is_integer():
        raise ValueError(f"“{raw}”应为整数", f"'{raw}' must be a whole number")
    if field.minimum is not None and value < field.minimum:
        raise ValueError(f"不能小于 {field.minimum:g}（现为 {raw}）", f"must not be below {field.minimum:g} (got {raw})")
    if field.maximum is not None and value > field.maximum:
        raise ValueError(f"不能大于 {field.maximum:g}（现为 {raw}），请核对", f"must not be above {field.maximum:g} (got {raw}); check it")
    return int(value) if field.kind == "INTEGER" else value


def _timestamp(raw, field: Field) -> str:
    stamp = _iso_stamp(raw)
    if stamp is None:
        text = unicodedata.normalize("NFKC", str(raw)).strip()
        text = re.sub(r"(\d+)年(\d+)月(\d+)日?", r"\1-\2-\3", text)
        stamp = pd.to_datetime(raw if isinstance(raw, pd.Timestamp) else text, errors="coerce")
    if pd.isna(stamp):
        raise ValueError(f"“{raw}”不是日期（如 2026-11-05）", f"'{raw}' is not a date (e.g. 2026-11-05)")
    if not YEARS[0] <= stamp.year <= YEARS[1]:
        raise ValueError(f"“{raw}”不在 {YEARS[0]}–{YEARS[1]} 年之间，请核对", f"'{raw}' is not between {YEARS[0]} and {YEARS[1]}; check it")
    return stamp.strftime("%Y-%m-%d") if field.kind == "DATE" else stamp.strftime("%Y-%m-%dT%H:%M:%S")


def _iso_stamp(raw) -> dt.datetime | None:
    """``raw`` read quickly when it is ISO text (2026-11-05, 2026-11-05 08:30, ...) or already a datetime."""
    if isinstance(raw, dt.datetime):
        return raw
    if isinstance(raw, str) and _ISO.match(raw.strip()):
        try:
            return dt.datetime.fromisoformat(raw.strip())
        except ValueError:
            return None
    return None

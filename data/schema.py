"""The project file's published contract: layer names, geometry types and fields.

Fields may be added in later schema versions; none is ever renamed. Every spatial layer stores its
geometry in CGCS2000 geographic coordinates (EPSG:4490, x = longitude, y = latitude); polygons are
always stored as MultiPolygon.
"""

from __future__ import annotations

from dataclasses import dataclass

from gis.glossary import (
    CaseCategory,
    CaseStatus,
    FacilityKind,
    KeyPersonCategory,
    SiteStatus,
    TeamRole,
    Term,
    UnitLevel,
    ZoneKind,
    ZoneStatus,
)

SCHEMA_VERSION = 4
# 1: the contract layers. 2: zone countdown fields, site checklist and team, case deadlines and
#    allocation, key_persons, occupancy_snapshots. 3: code_generated on admin_units and grids.
#    4: the row version column (VERSION_COLUMN) on every versioned layer.

VERSION_COLUMN = "version"
"""A column the store keeps on every layer but the audit log: 1 for a new row, one more on every update.
It is not a contract field (never imported, exported or edited by hand); an update or delete that expected
another version is refused (:class:`data.project.ConflictError`)."""


@dataclass(frozen=True)
class Field:
    """One attribute column. ``kind`` is a GeoPackage column type: TEXT, INTEGER, REAL, DATE or DATETIME."""

    name: str
    kind: str = "TEXT"
    zh: str = ""
    choices: type[Term] | None = None  # stored values must be members of this glossary enum
    minimum: float | None = None  # numbers below this are rejected
    maximum: float | None = None  # numbers above this are rejected (no sane value is larger)
    personal: bool = False  # personal data: never printed, never required
    required: bool = False  # an import must fill it for every row

    @property
    def numeric(self) -> bool:
        return self.kind in ("INTEGER", "REAL")


@dataclass(frozen=True)
class LayerSpec:
    """A layer of the project file. ``geometry`` is MULTIPOLYGON, POINT or None (a plain table)."""

    name: str
    geometry: str | None
    fields: tuple[Field, ...]
    zh: str
    en: str
    primary_key: str = "fid"  # the table's integer key column (audit_log has a field named fid)
    indexed: tuple[str | tuple[str, ...], ...] = ()  # fields (or tuples of them) looked up or grouped by often

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]


MAX_COUNT = 100_000_000
"""No count (people, households, rooms, beds, capacity) of one feature is larger."""
MAX_RADIUS_M = 1_000_000.0
"""No control circle is wider than 1,000 km."""


def _count(name: str, zh: str) -> Field:
    return Field(name, "INTEGER", zh, minimum=0, maximum=MAX_COUNT)


def _flag(name: str, zh: str) -> Field:
    """A yes/no field stored as 0/1."""
    return Field(name, "INTEGER", zh, minimum=0, maximum=1)


ADMIN_UNITS = LayerSpec("admin_units", "MULTIPOLYGON", (
    Field("code", zh="代码"), Field("name", zh="名称", required=True),
    Field("level", zh="级别", choices=UnitLevel), Field("parent_code", zh="上级代码"),
    _count("population", "人口"), _count("households", "户数"), _flag("code_generated", "代码为生成"),
), "行政区划", "administrative units", indexed=("code", "level"))

GRIDS = LayerSpec("grids", "MULTIPOLYGON", (
    Field("code", zh="网格编码"), Field("name", zh="网格名称"), Field("unit_code", zh="所属村社区代码"),
    _count("population", "人口"), _count("households", "户数"),
    Field("worker", zh="网格员"), Field("phone", zh="联系电话"), _flag("code_generated", "代码为生成"),
), "网格", "grids", indexed=("code", "unit_code"))

ISOLATION_SITES = LayerSpec("isolation_sites", "POINT", (
    Field("name", zh="名称", required=True), Field("address", zh="地址"),
    _count("rooms", "房间数"), _count("occupied", "已用房间"),
    Field("status", zh="状态", choices=SiteStatus),
    _count("beds", "床位数"), _count("reserved", "预留房间"), Field("contact", zh="联系人"),
    Field("phone", zh="联系电话"), Field("town_code", zh="所属乡镇代码"),
    _flag("independent_water", "独立给排水"), _flag("independent_ac", "独立空调"), _flag("one_per_room", "单人单间"),
    *(Field(f"team_{role.value}", zh=role.zh) for role in TeamRole),
), "集中隔离场所", "isolation sites")

FACILITIES = LayerSpec("facilities", "POINT", (
    Field("name", zh="名称", required=True), Field("kind", zh="类型", choices=FacilityKind, required=True),
    _count("capacity", "容量"), Field("address", zh="地址"),
), "防疫设施", "facilities")

CASES = LayerSpec("cases", "POINT", (
    Field("case_no", zh="编号"), Field("category", zh="类别", choices=CaseCategory, required=True),
    Field("reported_at", "DATETIME", "报告时间"), Field("onset_at", "DATE", "发病日期"),
    Field("address", zh="地址"), Field("grid_code", zh="网格编码"),
    Field("status", zh="状态", choices=CaseStatus),
    Field("person_name", zh="姓名", personal=True), Field("id_number", zh="身份证号", personal=True),
    Field("phone", zh="电话", personal=True),
    Field("discovered_at", "DATETIME", "发现时间"), Field("reported_online_at", "DATETIME", "网络直报时间"),
    Field("lab_result_at", "DATETIME", "检测结果时间"), Field("investigated_at", "DATETIME", "流调完成时间"),
    Field("site_name", zh="隔离场所"),
), "病例与密接", "cases and contacts", indexed=("grid_code", "category", ("reported_at", "category", "onset_at")))

CONTROL_ZONES = LayerSpec("control_zones", "MULTIPOLYGON", (
    Field("name", zh="名称"), Field("tier", zh="等级", required=True), Field("kind", zh="类型", choices=ZoneKind),
    Field("radius_m", "REAL", "半径（米）", minimum=0, maximum=MAX_RADIUS_M), Field("created_at", "DATETIME", "创建时间"),
    Field("updated_at", "DATETIME", "更新时间"),
    Field("started_at", "DATETIME", "开始时间"), Field("last_case_at", "DATETIME", "最近病例时间"),
    Field("status", zh="状态", choices=ZoneStatus), Field("lifted_at", "DATETIME", "解除时间"),
    Field("test_rounds", zh="核酸检测轮次"),  # JSON list of {"date": "YYYY-MM-DD", "result": "negative"|"positive"}
    Field("unit_codes", zh="包含单元"),  # JSON list of admin unit / grid codes for unit zones
    Field("note", zh="备注"),
), "管控区域", "control zones", indexed=("status",))

KEY_PERSONS = LayerSpec("key_persons", "POINT", (
    Field("person_no", zh="编号"), Field("category", zh="类别", choices=KeyPersonCategory, required=True),
    Field("arrival_at", "DATE", "抵达日期"), Field("origin", zh="来源地"), Field("grid_code", zh="网格编码"),
    Field("schedule", zh="管理方案"), Field("status", zh="状态"), Field("address", zh="地址"),
    Field("person_name", zh="姓名", personal=True), Field("id_number", zh="身份证号", personal=True),
    Field("phone", zh="电话", personal=True),
), "重点人员", "key persons")

OCCUPANCY_SNAPSHOTS = LayerSpec("occupancy_snapshots", None, (
    Field("date", "DATE", "日期"), Field("site_name", zh="隔离场所"),
    _count("rooms", "房间数"), _count("occupied", "已用房间"),
), "隔离房间日报", "daily occupancy")

AUDIT_LOG = LayerSpec("audit_log", None, (
    Field("at", "DATETIME", "时间"), Field("user", zh="用户"), Field("action", zh="操作"),
    Field("layer", zh="图层"), Field("fid", "INTEGER", "要素号"),
    Field("before", zh="修改前"), Field("after", zh="修改后"),
), "操作日志", "audit log", primary_key="log_id", indexed=("layer",))

LAYERS: dict[str, LayerSpec] = {
    spec.name: spec
    for spec in (ADMIN_UNITS, GRIDS, ISOLATION_SITES, FACILITIES, CASES, CONTROL_ZONES, KEY_PERSONS,
                 OCCUPANCY_SNAPSHOTS, AUDIT_LOG)
}
SPATIAL_LAYERS = [name for name, spec in LAYERS.items() if spec.geometry]


def versioned(spec: LayerSpec) -> bool:
    """Whether the layer's rows carry a :data:`VERSION_COLUMN` (every layer but the audit log)."""
    return spec.name != "audit_log"


def layer_spec(name: str) -> LayerSpec:
    """The spec of layer ``name``; a clear error listing the layers if there is none."""
    from gis.errors import UserError

    if name not in LAYERS:
        names = ", ".join(SPATIAL_LAYERS)
        raise UserError(f"没有名为“{name}”的图层。可用图层：{names}", f"No layer named '{name}'. Layers: {names}")
    return LAYERS[name]

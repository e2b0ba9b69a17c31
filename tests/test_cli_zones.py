"""``main.py zones``: propose (GeoJSON in WGS84, --apply), list and changes, in Chinese by default."""

import datetime as dt
import json

import pytest

from gis.zoning.schemes import PRESETS
from main import main

DATE = "2026-11-20"
JIYUAN_BOUNDS = (111.9, 34.8, 112.9, 35.4)  # lon/lat box around the sample county


def run(capsys, *args):
    code = main(["zones", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def path(sample_project):
    return sample_project.path


def test_propose_json_is_wgs84_geojson_ordered_from_the_top_tier_down(capsys, path, sample_project):
    code, out, _ = run(capsys, path, "propose", "--date", DATE, "--json")
    assert code == 0
    collection = json.loads(out)
    assert collection["type"] == "FeatureCollection" and collection["as_of"] == DATE and collection["days"] == 7
    features = collection["features"]
    tiers = [f["properties"]["tier"] for f in features]
    assert tiers == sorted(tiers, key=PRESETS["2022_9th"].rank) and set(tiers) == {"sealed", "controlled",
                                                                                   "precaution"}
    assert all(f["properties"]["kind"] == "unit" and f["properties"]["population"] > 0 for f in features)
    assert features[-1]["properties"]["name"] == "其余地区"
    lons = [x for f in features for ring in f["geometry"]["coordinates"] for part in ring for x, _ in part]
    lats = [y for f in features for ring in f["geometry"]["coordinates"] for part in ring for _, y in part]
    assert JIYUAN_BOUNDS[0] < min(lons) and max(lons) < JIYUAN_BOUNDS[2]
    assert JIYUAN_BOUNDS[1] < min(lats) and max(lats) < JIYUAN_BOUNDS[3]
    assert sample_project.count("control_zones") == 0


def test_propose_in_chinese_says_nothing_is_stored_until_apply(capsys, path, sample_project):
    code, out, _ = run(capsys, path, "propose", "--date", DATE, "--small", 300, "--large", 800)
    assert code == 0 and "封控区" in out and "800米大管控圈" in out and "--apply" in out
    assert sample_project.count("control_zones") == 0
    code, out, _ = run(capsys, path, "propose", "--date", DATE, "--apply")
    assert code == 0 and "已保存为管控区域" in out
    assert sample_project.count("control_zones") > 0
    actions = sample_project.read_layer("audit_log")["action"]
    assert list(actions).count("apply_proposal") == 1


def test_list_shows_countdowns_and_json_rows(capsys, path):
    run(capsys, path, "propose", "--date", DATE, "--apply")
    code, out, _ = run(capsys, path, "list", "--date", "2026-11-21")
    assert code == 0 and "预计降级日期" in out and "封控区" in out
    code, out, _ = run(capsys, path, "list", "--date", "2026-11-21", "--json")
    rows = json.loads(out)
    sealed = [r for r in rows if r["tier"] == "sealed"]
    assert sealed and all(r["ready"] is False and r["next_tier"] == "controlled" for r in sealed)
    first = sealed[0]
    last_case = dt.date.fromisoformat(first["last_case_at"][:10])
    assert first["projected_downgrade"] == (last_case + dt.timedelta(days=7)).isoformat()
    assert first["days_since_last_case"] == (dt.date(2026, 11, 21) - last_case).days


def test_changes_since_today_lists_the_applied_zones_as_added(capsys, path):
    run(capsys, path, "propose", "--date", DATE, "--apply")
    today = dt.date.today().isoformat()
    code, out, _ = run(capsys, path, "changes", "--since", today, "--json")
    features = json.loads(out)["features"]
    assert code == 0 and features and {f["properties"]["change"] for f in features} == {"added"}
    code, out, _ = run(capsys, path, "changes", "--since", today)
    assert "新增" in out
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    assert "没有变化" in run(capsys, path, "changes", "--since", tomorrow)[1]


def test_bad_input_is_one_line_on_stderr_and_exit_code_2(capsys, path):
    code, out, err = run(capsys, path, "changes", "--since", "2026-13-01")
    assert code == 2 and out == "" and err.strip() == "错误：日期“2026-13-01”无效，应为 YYYY-MM-DD。"
    code, _, err = run(capsys, path, "propose", "--date", DATE, "--small", 2000, "--large", 1000)
    assert code == 2 and "小圈" in err and len(err.strip().splitlines()) == 1

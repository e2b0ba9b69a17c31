"""The ``stats`` and ``capacity`` subcommands of main.py on the sample county."""

import json

import pytest
from openpyxl import load_workbook

from gis.glossary import CaseCategory
from main import main

CATEGORIES = CaseCategory.values()


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_stats_json_is_one_row_per_unit(sample_project, capsys):
    code, out, _ = run(capsys, "stats", sample_project.path, "--by", "town", "--json")
    rows = json.loads(out)
    assert code == 0 and len(rows) == 16
    assert all(list(row) == ["code", "name", *CATEGORIES, "infections", "contacts", "total"] for row in rows)
    assert all(row["total"] == sum(row[c] for c in CATEGORIES) for row in rows)
    assert sum(row["total"] for row in rows) == sample_project.count("cases")


def test_stats_date_window_is_inclusive(sample_project, capsys):
    cases = sample_project.read_layer("cases")
    expected = cases.reported_at.str[:10].between("2026-11-10", "2026-11-12").sum()
    _, out, _ = run(capsys, "stats", sample_project.path, "--by", "grid", "--from", "2026-11-10", "--to", "2026-11-12",
                    "--json")
    rows = json.loads(out)
    assert len(rows) == sample_project.count("grids")
    assert sum(row["total"] for row in rows) == expected


def test_stats_table_in_chinese(sample_project, capsys):
    code, out, _ = run(capsys, "stats", sample_project.path, "--by", "village")
    assert code == 0
    assert "按村（社区）统计感染者、密接、次密接" in out and "确诊病例" in out and "全部记录" in out
    assert "无记录" in out


def test_stats_to_excel(sample_project, capsys, tmp_path):
    target = tmp_path / "按乡镇.xlsx"
    code, out, _ = run(capsys, "stats", sample_project.path, "--by", "town", "--xlsx", target)
    assert code == 0 and str(target) in out
    sheet = load_workbook(target).active
    assert [c.value for c in sheet[1]] == ["代码", "名称", *(c.zh for c in CaseCategory), "感染者", "密接及次密接", "全部记录"]
    assert sheet.freeze_panes == "A2" and sheet.max_row == 17
    assert sheet.column_dimensions["B"].width >= 8


@pytest.mark.parametrize("argv, message", [
    (["--by", "town", "--from", "2026/11/01"], "无法识别"),
    (["--by", "town", "--from", "2026-11-10", "--to", "2026-11-01"], "晚于"),
    (["--by", "town", "--xlsx", "out.csv"], ".xlsx"),
])
def test_stats_user_errors(sample_project, capsys, argv, message):
    code, _, err = run(capsys, "stats", sample_project.path, *argv)
    assert code == 2 and err.startswith("错误：") and message in err


def test_stats_json_and_xlsx_are_exclusive(sample_project, capsys):
    with pytest.raises(SystemExit):
        main(["stats", str(sample_project.path), "--by", "town", "--json", "--xlsx", "a.xlsx"])


def test_capacity_json_per_site_and_town(sample_project, capsys):
    code, out, _ = run(capsys, "capacity", sample_project.path, "--json")
    report = json.loads(out)
    assert code == 0 and report["standard"] == 20
    sites = {site["name"]: site for site in report["sites"]}
    assert set(sites) == set(sample_project.read_layer("isolation_sites").name)
    for site in sites.values():
        assert {"status", "rooms", "occupied", "free", "standby_rooms", "days_until_full"} <= set(site)
    town_keys = {"code", "name", "rooms", "occupied", "free", "standby_rooms", "rooms_per_10k", "demand", "shortfall",
                 "days_until_full"}
    assert len(report["towns"]) == 16 and all(town_keys <= set(town) for town in report["towns"])
    assert any(town["shortfall"] for town in report["towns"])  # the sample has towns without sites
    county = report["county"]
    assert town_keys <= set(county) and {"waiting", "runs_out_on"} <= set(county)
    assert county["free"] == sum(site["free"] for site in sites.values())


def test_capacity_report_in_chinese(sample_project, capsys):
    code, out, _ = run(capsys, "capacity", sample_project.path)
    assert code == 0
    assert "每万人" in out and "标准 20 间" in out and "待隔离" in out
    assert "乡镇（街道）" in out and "低于标准" in out


def test_capacity_report_in_english(sample_project, capsys, monkeypatch):
    monkeypatch.setenv("CORDON_LANG", "en")
    code, out, _ = run(capsys, "capacity", sample_project.path)
    assert code == 0 and "per 10,000" in out and "below standard" in out


def test_missing_project_is_a_user_error(tmp_path, capsys):
    code, _, err = run(capsys, "capacity", tmp_path / "none.gpkg")
    assert code == 2 and "找不到项目文件" in err

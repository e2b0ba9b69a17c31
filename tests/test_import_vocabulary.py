"""Values as people write them: category and status words from epidemiological-investigation sheets,
values that match nothing listed with their counts, and mappings given once and remembered."""

import pandas as pd
import pytest

from data.importers.fields import parse_value_maps, unmatched_values
from data.importers.pipeline import read_source
from data.project import Project
from data.schema import CASES
from gis import glossary
from gis.glossary import CaseCategory, CaseStatus, FacilityKind, SiteStatus, UnitLevel
from main import main

HEADER = "姓名,类别,报告日期,经度,纬度,状态"
# 叶县 (Pingdingshan), not the sample county; the table gives WGS84 positions.
ROWS = [
    ("张伟", "确诊", "2026-11-03", 113.352, 33.621, "住院"),
    ("王芳", "无症状", "2026-11-03", 113.361, 33.608, "集中隔离"),
    ("李娜", "密接", "2026-11-04", 113.374, 33.596, "集中隔离"),
    ("刘洋", "次密接", "2026-11-04", 113.388, 33.587, "居家观察"),
    ("陈静", "阳性", "2026-11-05", 113.402, 33.615, "住院治疗"),
    ("杨磊", "无症状感染者", "2026-11-05", 113.415, 33.632, "治愈出院"),
    ("赵敏", "ｃｏｎｆｉｒｍｅｄ", "2026年11月6日", 113.427, 33.641, ""),
]
EXPECTED = {
    "张伟": ("confirmed", "hospitalized"), "王芳": ("asymptomatic", "isolated"), "李娜": ("close_contact", "isolated"),
    "刘洋": ("secondary_contact", "home_monitoring"), "陈静": ("confirmed", "hospitalized"),
    "杨磊": ("asymptomatic", "discharged"), "赵敏": ("confirmed", None),
}


def _write_csv(path, rows):
    lines = [HEADER] + [",".join(map(str, row)) for row in rows]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("gbk"))  # as Excel saves "CSV" on a Chinese Windows
    return path


def _import(project_path, csv_path, *extra):
    return main(["import", str(project_path), str(csv_path), "--layer", "cases", "--crs", "wgs84", *map(str, extra)])


@pytest.fixture
def county(tmp_path):
    project = Project.create(tmp_path / "叶县.gpkg", name="叶县", county_code="410422")
    yield project
    project.close()


@pytest.mark.parametrize(("term", "written"), [
    (CaseCategory.CONFIRMED, ["确诊", "确诊病例", "阳性", "阳性病例", "confirmed", " Confirmed ", "ＣＯＮＦＩＲＭＥＤ"]),
    (CaseCategory.ASYMPTOMATIC, ["无症状", "无症状感染者", "asymptomatic"]),
    (CaseCategory.SUSPECTED, ["疑似", "疑似病例", "suspected"]),
    (CaseCategory.CLOSE_CONTACT, ["密接", "密切接触者", "close contact", "close_contact", "密 接"]),
    (CaseCategory.SECONDARY_CONTACT, ["次密接", "密接的密接", "次密切接触者", "secondary contact"]),
    (CaseStatus.HOSPITALIZED, ["住院", "住院治疗", "hospitalized"]),
    (CaseStatus.ISOLATED, ["集中隔离", "isolated"]),
    (CaseStatus.HOME_MONITORING, ["居家隔离", "居家观察"]),
    (CaseStatus.DISCHARGED, ["出院", "治愈出院"]),
    (CaseStatus.RELEASED, ["解除隔离"]),
    (CaseStatus.DIED, ["死亡"]),
    (SiteStatus.ACTIVE, ["启用", "在用", "使用中"]),
    (SiteStatus.STANDBY, ["备用"]),
    (SiteStatus.CLOSED, ["关闭", "停用"]),
    (FacilityKind.DESIGNATED_HOSPITAL, ["定点医院"]),
    (FacilityKind.FEVER_CLINIC, ["发热门诊", "发热诊室"]),
    (FacilityKind.SAMPLING_SITE, ["核酸采样点", "采样点", "采样亭"]),
    (FacilityKind.CHECKPOINT, ["检查站", "卡口", "防疫检查站"]),
    (UnitLevel.TOWN, ["镇", "乡", "街道"]),
    (UnitLevel.VILLAGE, ["村"]),
    (UnitLevel.COMMUNITY, ["社区", "居委会"]),
    (UnitLevel.COUNTY, ["县", "区", "市"]),
])
def test_field_words_find_their_term(term, written):
    for text in written:
        assert type(term).from_label(text) is term, text


def test_no_word_means_two_terms_of_one_vocabulary():
    vocabularies = [v for v in vars(glossary).values()
                    if isinstance(v, type) and issubclass(v, glossary.Term) and v is not glossary.Term]
    assert CaseStatus in vocabularies
    for vocabulary in vocabularies:
        owners = {}
        for member in vocabulary:
            for word in {glossary.term_key(w) for w in (member.value, member.zh, member.en, *member.aliases)}:
                assert word not in owners, f"{vocabulary.__name__}: '{word}' means {owners.get(word)} and {member}"
                owners[word] = member
    with pytest.raises(ValueError):
        CaseCategory.from_label("待定")


def test_gbk_case_sheet_with_field_words_imports_every_row_with_codes(county, tmp_path, capsys):
    path = _write_csv(tmp_path / "病例.csv", ROWS)

    assert _import(county.path, path) == 0

    out = capsys.readouterr().out
    assert f"成功 {len(ROWS)} 个" in out and "拒绝 0 个" in out
    cases = county.read_layer("cases")
    stored = {row.person_name: (row.category, None if pd.isna(row.status) else row.status) for row in cases.itertuples()}
    assert stored == EXPECTED
    zhao = cases[cases.person_name == "赵敏"].iloc[0]
    assert zhao.reported_at.startswith("2026-11-06")
    assert zhao.geometry.x == pytest.approx(113.427, abs=1e-6) and zhao.geometry.y == pytest.approx(33.641, abs=1e-6)


def test_unknown_value_is_listed_refused_then_mapped_and_remembered(county, tmp_path, capsys):
    rows = ROWS[:3] + [("周强", "待定", "2026-11-06", 113.43, 33.65, "集中隔离"),
                       ("吴刚", "待定", "2026-11-06", 113.44, 33.66, "方舱")]
    path = _write_csv(tmp_path / "流调.csv", rows)
    source = read_source(path, crs="wgs84")
    mapping = {"姓名": "person_name", "类别": "category", "状态": "status"}
    assert unmatched_values(source.frame, CASES, mapping) == {"category": {"待定": 2}, "status": {"方舱": 1}}

    assert _import(county.path, path) == 0  # without a mapping the two rows are refused, the others imported
    out = capsys.readouterr().out
    assert "成功 3 个" in out and "拒绝 2 个" in out
    assert "“待定” 2 行" in out and "--map-value 类别:待定=" in out
    assert county.count("cases") == 3

    assert _import(county.path, path, "--map-value", "类别:待定=suspected", "--map-value", "status:方舱=集中隔离") == 0
    assert "成功 5 个" in capsys.readouterr().out
    added = county.read_layer("cases", where="fid > 3")
    assert dict(zip(added.person_name, added.category, strict=True))["周强"] == "suspected"
    assert dict(zip(added.person_name, added.status, strict=True))["吴刚"] == "isolated"
    assert county.metadata["value_maps"] == {"cases": {"category": {"待定": "suspected"}, "status": {"方舱": "isolated"}}}

    later = _write_csv(tmp_path / "第二批.csv", [("郑华", "待定", "2026-11-07", 113.45, 33.61, "方舱")])
    assert _import(county.path, later) == 0  # the remembered mapping applies without being given again
    assert "成功 1 个" in capsys.readouterr().out
    zheng = county.read_layer("cases", where="person_name = ?", params=("郑华",)).iloc[0]
    assert (zheng.category, zheng.status) == ("suspected", "isolated")


def test_value_mapping_takes_field_by_name_or_label_and_value_by_code_or_label():
    assert parse_value_maps(["类别:阳性待复核=确诊病例", "category:待查=疑似", "状态：方舱=isolated"], CASES) == {
        "category": {"阳性待复核": "confirmed", "待查": "suspected"}, "status": {"方舱": "isolated"}}


@pytest.mark.parametrize(("item", "said"), [
    ("类别=阳性", "格式不对"),
    ("姓名:张三=confirmed", "不是“病例与密接”的代码字段"),
    ("类别:待定=maybe", "“maybe”不是类别的取值"),
])
def test_malformed_value_mapping_is_one_line_and_changes_nothing(county, tmp_path, capsys, item, said):
    path = _write_csv(tmp_path / "病例.csv", ROWS)
    audit = county.count("audit_log")

    assert _import(county.path, path, "--map-value", item) == 2

    captured = capsys.readouterr()
    assert said in captured.err and captured.err.count("\n") == 1 and not captured.out
    assert county.count("cases") == 0 and county.count("audit_log") == audit


def test_sample_case_statuses_are_terms(sample_master):
    statuses = sample_master.value_counts("cases", "status")
    assert statuses and set(statuses) <= set(CaseStatus.values())
    assert CaseStatus.from_label("集中隔离").value in statuses

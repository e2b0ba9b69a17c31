"""Infections and contacts, one vocabulary, without a display: 感染者 (confirmed + asymptomatic) and 密接/次密接
are never summed under one word; suspected cases are shown apart. ``stats`` (JSON, text, Excel), the grid
shading of the screen map and of the print, and the epidemic curve by report or onset date give the same
numbers under the same words.

The project is an outbreak in 汝州市 (Henan) built here: two towns, three villages, four grids, and 29 people
of every category, some with no grid code and one with a mistyped one.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter

import geopandas as gpd
import pandas as pd
import pytest
from matplotlib.figure import Figure
from openpyxl import load_workbook
from shapely.geometry import Point, box

from data.map_payload import layer_payload, unpack
from data.printing.content import load_content
from data.printing.layout import Page
from data.printing.mapframe import draw_map, frame_for
from data.project import Project
from data.stats_store import case_counts, epidemic_curve, grid_infections
from data.web_map import page_labels
from gis.glossary import CaseGroup, totals_sentence
from main import main

TODAY = dt.date.today()
GRIDS = {  # code: (name, village code, box)
    "410482001001-01": ("东关一网格", "410482001001", (112.70, 34.05, 112.775, 34.175)),
    "410482001001-02": ("东关二网格", "410482001001", (112.775, 34.05, 112.85, 34.175)),
    "410482001002-01": ("西关网格", "410482001002", (112.70, 34.175, 112.85, 34.30)),
    "410482100001-01": ("庙下网格", "410482100001", (112.85, 34.05, 113.00, 34.30)),
}
G1, G2, G3, G4 = GRIDS
# (grid the point lies in, category, days before today reported, days before today of onset or None,
#  grid code as recorded: "same", None or a wrong one, how many)
OUTBREAK = [
    (G1, "confirmed", 3, 5, "same", 1),
    (G1, "confirmed", 2, 4, "same", 1),
    (G1, "asymptomatic", 2, None, "same", 1),
    (G1, "close_contact", 2, None, "same", 4),
    (G1, "secondary_contact", 1, None, "same", 3),
    (G2, "confirmed", 1, 3, G1, 1),  # recorded in the wrong grid: counted where it lies
    (G2, "suspected", 1, 2, "same", 2),
    (G2, "close_contact", 1, None, None, 2),
    (G3, "asymptomatic", 4, None, None, 2),
    (G3, "close_contact", 3, None, None, 5),
    (G3, "secondary_contact", 2, None, None, 6),
    (G4, "close_contact", 1, None, "same", 1),
]
PER_GRID = {  # grid: (infections, suspected, close contacts, secondary contacts)
    G1: (3, 0, 4, 3), G2: (1, 2, 2, 0), G3: (2, 0, 5, 6), G4: (0, 0, 1, 0),
}
TOTALS = "感染者 6 例（确诊 3、无症状 3），密接 12 人、次密接 9 人；疑似 2 例"


def _insert(project: Project, layer: str, rows: list[dict], shapes: list) -> None:
    with project.transaction() as edit:
        edit.insert(layer, gpd.GeoDataFrame(rows, geometry=shapes, crs=4490))


def outbreak_rows() -> list[tuple[dict, Point]]:
    """The cases layer's rows with their points (spread over each grid)."""
    rows, placed = [], Counter()
    for grid, category, reported, onset, recorded, count in OUTBREAK:
        x0, y0, x1, y1 = GRIDS[grid][2]
        for _ in range(count):
            k = placed[grid]
            placed[grid] += 1
            point = Point(x0 + (x1 - x0) * (0.1 + 0.04 * (k % 20)), y0 + (y1 - y0) * (0.2 + 0.03 * (k // 20)))
            rows.append(({
                "case_no": f"RZ{len(rows) + 1:03d}", "category": category,
                "reported_at": f"{TODAY - dt.timedelta(days=reported)}T09:30:00",
                "onset_at": None if onset is None else (TODAY - dt.timedelta(days=onset)).isoformat(),
                "grid_code": grid if recorded == "same" else recorded, "address": f"汝州市测试路{k}号",
            }, point))
    return rows


def build_outbreak(path) -> Project:
    """The 汝州市 outbreak project (see the module notes)."""
    project = Project.create(path, name="汝州市疫情", county_code="410482")
    towns = [("410482001000", "煤山街道", "town", "410482", (112.70, 34.05, 112.85, 34.30)),
             ("410482100000", "庙下镇", "town", "410482", (112.85, 34.05, 113.00, 34.30))]
    villages = [("410482001001", "东关社区", "community", "410482001000", (112.70, 34.05, 112.85, 34.175)),
                ("410482001002", "西关村", "village", "410482001000", (112.70, 34.175, 112.85, 34.30)),
                ("410482100001", "庙下村", "village", "410482100000", (112.85, 34.05, 113.00, 34.30))]
    units = [("410482", "汝州市", "county", None, (112.70, 34.05, 113.00, 34.30)), *towns, *villages]
    _insert(project, "admin_units", [{"code": c, "name": n, "level": lv, "parent_code": p, "population": 4000}
                                     for c, n, lv, p, _ in units], [box(*b) for *_, b in units])
    _insert(project, "grids", [{"code": code, "name": name, "unit_code": village, "population": 900}
                               for code, (name, village, _) in GRIDS.items()],
            [box(*b) for _, _, b in GRIDS.values()])
    rows = outbreak_rows()
    _insert(project, "cases", [r for r, _ in rows], [p for _, p in rows])
    return project


@pytest.fixture(scope="module")
def outbreak_master(tmp_path_factory):
    return build_outbreak(tmp_path_factory.mktemp("outbreak") / "汝州.gpkg")


@pytest.fixture
def outbreak(outbreak_master, tmp_path):
    return outbreak_master.save_as(tmp_path / "汝州.gpkg")


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, _ = capsys.readouterr()
    assert code == 0
    return out


def test_stats_json_rows_carry_infections_and_contacts_apart(outbreak, capsys):
    rows = {row["code"]: row for row in json.loads(run(capsys, "stats", outbreak.path, "--by", "grid", "--json"))}
    for grid, (infections, suspected, close, secondary) in PER_GRID.items():
        row = rows[grid]
        assert row["infections"] == infections == row["confirmed"] + row["asymptomatic"], grid
        assert row["contacts"] == close + secondary, grid
        assert (row["suspected"], row["close_contact"], row["secondary_contact"]) == (suspected, close, secondary)
        assert row["total"] == infections + suspected + close + secondary  # all records, under its own name
    towns = json.loads(run(capsys, "stats", outbreak.path, "--by", "town", "--json"))
    assert [(t["name"], t["infections"], t["contacts"]) for t in towns] == [("煤山街道", 6, 20), ("庙下镇", 0, 1)]


def test_stats_text_and_excel_use_the_same_words_and_numbers(outbreak, capsys, tmp_path):
    text = run(capsys, "stats", outbreak.path, "--by", "village")
    assert TOTALS in text.splitlines()
    header = text.splitlines()[2].split()
    assert {"感染者", "密接及次密接", "全部记录"} <= set(header) and "合计" not in header
    east = next(line.split() for line in text.splitlines() if line.startswith("410482001001"))
    assert east[header.index("感染者")] == "4" and east[header.index("密接及次密接")] == "9"

    target = tmp_path / "按网格.xlsx"
    run(capsys, "stats", outbreak.path, "--by", "grid", "--xlsx", target)
    sheet = load_workbook(target).active
    headers = [c.value for c in sheet[1]]
    by_code = {row[0]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    for grid, (infections, _, close, secondary) in PER_GRID.items():
        assert by_code[grid][headers.index("感染者")] == infections
        assert by_code[grid][headers.index("密接及次密接")] == close + secondary


def test_the_totals_sentence_names_each_group_with_its_own_unit():
    counts = {"confirmed": 3, "asymptomatic": 3, "suspected": 2, "close_contact": 12,
              "secondary_contact": 9}
    assert totals_sentence(counts) == TOTALS
    assert totals_sentence({**counts, "suspected": 0}) == TOTALS.split("；")[0]  # no suspected, not named
    assert totals_sentence(counts, "en") == ("6 infections (3 confirmed, 3 asymptomatic), 12 close contacts, "
                                             "9 secondary contacts; 2 suspected")
    assert [g.zh for g in (CaseGroup.INFECTIONS, CaseGroup.CLOSE_CONTACTS, CaseGroup.SECONDARY_CONTACTS,
                           CaseGroup.SUSPECTED)] == ["感染者", "密接", "次密接", "疑似"]


def test_map_and_print_shade_grids_by_infections_with_the_same_legend_word(outbreak):
    expected = {grid: infections for grid, (infections, *_) in PER_GRID.items()}
    grids = outbreak.read_layer("grids")
    shading = grid_infections(outbreak)
    assert dict(zip(grids["code"], shading.reindex(grids.index), strict=True)) == expected
    by_grid = case_counts(outbreak, by="grid")
    assert dict(zip(by_grid["code"], by_grid["infections"], strict=True)) == expected  # = stats --by grid

    header, _ = unpack(layer_payload(outbreak, "grids"))  # what the screen map shades
    assert dict(zip(grids["code"].reindex(header["fids"]), header["props"]["infections"], strict=True)) == expected

    content = load_content(outbreak)
    assert dict(zip(content.grids["code"], content.grids["infections"], strict=True)) == expected
    axes = Figure().add_axes((0, 0, 1, 1))
    sections = draw_map(axes, content, frame_for(content.county.bounds, (200, 160)), Page("A4", landscape=True))
    grid_section = next(s for s in sections if "网格" in s.title)
    screen = page_labels("zh")
    assert grid_section.title == screen["gridLegend"] == "网格感染者数"
    assert "不含疑似、密接、次密接" in grid_section.note and grid_section.note.startswith(screen["gridLegendNote"])
    assert all(item.label.endswith("例") for item in grid_section.items)  # infections are counted in 例
    assert page_labels("en")["gridLegend"] == "Infections per grid"


def test_the_curve_by_onset_date_moves_infections_to_their_onset_day(outbreak):
    def confirmed_by_day(curve):
        return {(TODAY - day.date()).days: n for day, n in curve["confirmed"].items() if n}

    reported = epidemic_curve(outbreak, end=TODAY)
    onset = epidemic_curve(outbreak, end=TODAY, date="onset")
    assert confirmed_by_day(reported) == {3: 1, 2: 1, 1: 1}  # days before today
    assert confirmed_by_day(onset) == {5: 1, 4: 1, 3: 1}
    assert onset.index.min() == pd.Timestamp(TODAY - dt.timedelta(days=5))
    assert reported.index.min() == pd.Timestamp(TODAY - dt.timedelta(days=4))
    assert (onset.sum() == reported.sum()).all()  # the same people, on other days
    assert onset.attrs["without_onset"] == 24 and reported.attrs["without_onset"] == 0  # 29 less 3 confirmed, 2 suspected

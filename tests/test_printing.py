"""Printed maps and atlases, checked with independent tools: poppler's pdftotext/pdffonts/pdfinfo and PIL."""

import io
import math
import re
import sqlite3
import subprocess

import geopandas as gpd
import matplotlib
import numpy as np
import pytest
import shapely
from matplotlib.figure import Figure
from PIL import Image

from data.printing import fonts, print_atlas, print_map, render_preview
from data.printing.atlas import atlas_pages
from data.printing.basemap import TILE_PX, frame_basemap
from data.printing.content import load_content
from data.printing.layout import Page
from data.printing.mapframe import draw_map, frame_for, nice_scale
from data.printing.scalebar import bar_length, grid_trueness
from data.schema import LAYERS
from data.zone_store import save_scheme, zone_record
from gis.crs import STORAGE_CRS
from gis.errors import UserError
from gis.zoning.schemes import PRESETS, user_scheme
from gis.zoning.shapes import circle_polygon, unit_outline

PERSON = {"person_name": "欧阳测试", "id_number": "410881199001011234", "phone": "13800138000"}
MM_PER_PT = 25.4 / 72


def pdf_text(path) -> str:
    """The PDF's text as pdftotext reads it, runs of spaces (ideographic ones too) made one."""
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return re.sub(r"[ \u3000]+", " ", text)


def pdf_info(path) -> dict:
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return dict(line.split(":", 1) for line in out.splitlines() if ":" in line)


def page_size_mm(path) -> tuple[float, float]:
    width, _, height = pdf_info(path)["Page size"].split()[:3]
    return float(width) * MM_PER_PT, float(height) * MM_PER_PT


def add_zones(project) -> None:
    """A sealed unit zone (three communities of 北海街道), a controlled circle, and a person's details on a
    case (which must never be printed)."""
    units = project.read_layer("admin_units")
    communities = units[units["parent_code"] == "419001003000"].iloc[:3]
    centre = communities.geometry.iloc[0].representative_point()
    with project.transaction() as edit:
        edit.insert("control_zones", zone_record(unit_outline(communities.geometry), tier="sealed", kind="unit",
                                                 name="裕华苑封控区", unit_codes=list(communities["code"])))
        edit.insert("control_zones", zone_record(circle_polygon(centre.x, centre.y, 1500), tier="controlled",
                                                 kind="circle", name="北海管控圈"))
        edit.update("cases", 1, PERSON)


@pytest.fixture(scope="module")
def zoned(sample_master, tmp_path_factory):
    project = sample_master.save_as(tmp_path_factory.mktemp("print") / "county.gpkg")
    add_zones(project)
    return project


@pytest.fixture(scope="module")
def a3_pdf(zoned, tmp_path_factory):
    return print_map(zoned, tmp_path_factory.mktemp("out") / "county.pdf", paper="A3", landscape=True,
                     issuer="济源市疫情防控指挥部", privacy="exact")


def test_a3_landscape_pdf_has_title_legend_and_page_size(a3_pdf):
    width, height = page_size_mm(a3_pdf)
    assert width == pytest.approx(420, abs=0.5) and height == pytest.approx(297, abs=0.5)
    text = pdf_text(a3_pdf)
    for words in ("济源市疫情防控管控区域图", "内部资料 注意保密", "示例数据", "管控区域", "封控区", "管控区",
                  "集中隔离场所", "防疫设施", "行政区划", "比例尺 1:", "千米", "制图单位：济源市疫情防控指挥部",
                  "数据截至", "管控区域统计", "集中隔离场所容量"):
        assert words in text, words
    assert "（示例数据）" not in text  # the sample mark sits in a corner, not in the title


def test_pdf_embeds_a_truetype_cjk_font(a3_pdf):
    listing = subprocess.run(["pdffonts", str(a3_pdf)], capture_output=True, text=True, check=True).stdout
    rows = listing.splitlines()[2:]
    assert rows, listing
    family = fonts.cjk_font().family.replace(" ", "")
    assert any(family.split("CJK")[0] in row.replace(" ", "") for row in rows), listing
    for row in rows:
        assert "CID TrueType" in row and " yes yes yes " in row, row  # TrueType outlines, embedded, subset


def test_personal_data_never_printed_even_in_exact_mode(zoned, a3_pdf):
    text = pdf_text(a3_pdf)
    raw = a3_pdf.read_bytes()
    for value in PERSON.values():
        assert value not in text
        assert value.encode() not in raw
    content = load_content(zoned, "exact")
    personal = {f.name for spec in LAYERS.values() for f in spec.fields if f.personal}
    for frame in (content.units, content.grids, content.zones, content.sites, content.facilities, content.cases):
        assert not personal & set(frame.columns)
    assert len(content.cases) == zoned.count("cases")


def test_aggregated_mode_draws_no_case_points(zoned):
    content = load_content(zoned)
    assert content.privacy == "aggregated" and content.cases.empty
    cases, grids = zoned.read_layer("cases"), zoned.read_layer("grids")
    infected = cases[cases["category"].isin(["confirmed", "asymptomatic"])]
    assert content.grids["infections"].sum() == len(infected.sjoin(grids[["geometry"]], predicate="within"))
    assert content.grids["infections"].sum() < len(cases)  # contacts and suspected cases do not shade grids


def test_png_is_300_dpi_at_paper_size(zoned, tmp_path):
    path = print_map(zoned, tmp_path / "map.png", landscape=True, secrecy="")
    with Image.open(path) as image:
        assert image.size == (3508, 2480)
        assert image.info["dpi"] == pytest.approx((300, 300), abs=0.01)


def test_title_subtitle_issuer_and_removable_secrecy(zoned, tmp_path):
    path = print_map(zoned, tmp_path / "map.pdf", title="沁园街道疫情态势图", subtitle="2026年11月20日晨报",
                     secrecy="", extent="沁园街道")
    text = pdf_text(path)
    assert "沁园街道疫情态势图" in text and "2026年11月20日晨报" in text
    assert "注意保密" not in text
    assert "位置示意图" in text  # a unit's extent gets the county overview with the frame marked
    assert page_size_mm(path) == pytest.approx((210, 297), abs=0.5)


def test_unknown_extent_and_paper_are_user_errors(zoned, tmp_path):
    with pytest.raises(UserError, match="找不到"):
        print_map(zoned, tmp_path / "x.pdf", extent="不存在镇")
    with pytest.raises(UserError, match="A4 或 A3"):
        print_map(zoned, tmp_path / "x.pdf", paper="B5")
    with pytest.raises(UserError, match=r"\.pdf"):
        print_map(zoned, tmp_path / "x.jpg")
    assert not list(tmp_path.iterdir())


def test_frame_scale_is_round_and_fits_the_extent():
    assert nice_scale(231_000) == 250_000
    assert nice_scale(50_000) == 50_000
    frame = frame_for((0, 0, 30_000, 12_000), (200, 150))
    x0, y0, x1, y1 = frame.bounds
    assert (x1 - x0) / 0.200 == pytest.approx(frame.scale) and (y1 - y0) / 0.150 == pytest.approx(frame.scale)
    assert x0 < 0 and x1 > 30_000 and frame.scale == 200_000  # 159 000 needed: the next round scale


def test_scale_bar_is_exact_for_the_point_scale_and_north_turns_with_convergence(zoned):
    content = load_content(zoned)
    x0, y0, x1, y1 = content.county.bounds
    trueness = grid_trueness(content.crs, (x0 + x1) / 2, (y0 + y1) / 2)
    assert 1.0 < trueness.point_scale < 1.001  # 1-2 degrees east of the zone's central meridian
    assert 0.3 < trueness.convergence_deg < 1.5  # east of the meridian, grid north lies clockwise of true north
    ground, length = bar_length(250_000, trueness, 40)
    assert ground == 5000 and length == pytest.approx(5000 * trueness.point_scale / 250_000 * 1000)


def test_legend_lists_only_what_is_drawn(zoned, sample_project):
    page = Page("A4", landscape=True)

    def sections_for(project):
        content = load_content(project)
        ax = Figure().add_axes((0, 0, 1, 1))
        return {s.title: [i.label for i in s.items]
                for s in draw_map(ax, content, frame_for(content.county.bounds, (200, 160)), page)}

    assert "管控区域" not in sections_for(sample_project)
    drawn = sections_for(zoned)
    assert drawn["管控区域"] == ["封控区", "管控区"]
    assert "网格感染者数" in drawn and "病例及密接（精确点位）" not in drawn


def test_tier_colours_and_names_come_from_the_project_scheme(sample_project):
    scheme = user_scheme(PRESETS["2022_9th"], zh="本县方案", tiers={"sealed": {"colour": "#800080", "zh": "封闭区"}})
    save_scheme(sample_project, scheme)
    add_zones(sample_project)
    content = load_content(sample_project)
    assert content.tier_style("sealed").colour == "#800080"
    ax = Figure().add_axes((0, 0, 1, 1))
    sections = draw_map(ax, content, frame_for(content.county.bounds, (200, 160)), Page())
    zones = next(s for s in sections if s.title == "管控区域")
    assert [(i.label, i.symbol.colour) for i in zones.items][0] == ("封闭区", "#800080")


def test_preview_renders_png_bytes_quickly_from_loaded_content(zoned):
    content = load_content(zoned)
    data = render_preview(zoned, dpi=40, content=content, paper="A3", landscape=True)
    with Image.open(io.BytesIO(data)) as image:
        assert image.size == pytest.approx((420 / 25.4 * 40, 297 / 25.4 * 40), abs=1)


def test_no_chinese_font_is_a_clear_user_error(monkeypatch):
    monkeypatch.setattr(fonts, "_installed_faces", lambda: [])
    monkeypatch.setattr(fonts, "_register_fontconfig_fonts", lambda: None)
    fonts.cjk_font.cache_clear()
    try:
        with pytest.raises(UserError, match="fonts-noto-cjk"):
            fonts.cjk_font()
    finally:
        fonts.cjk_font.cache_clear()


def test_mbtiles_basemap_uses_tms_rows(zoned, tmp_path):
    """Only the tile under the frame's centre is blue (stored with its TMS row); a flipped row lookup
    would show red there."""
    content = load_content(zoned)
    frame = frame_for(content.units[content.units["name"] == "沁园街道"].total_bounds, (100, 80))
    lon, lat = 112.59, 35.09  # inside 沁园街道, near the frame's centre
    zoom = 12
    x, y = _xyz_tile(lon, lat, zoom)
    path = tmp_path / "basemap.mbtiles"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
        conn.executemany("INSERT INTO metadata VALUES (?, ?)",
                         [("format", "png"), ("minzoom", str(zoom)), ("maxzoom", str(zoom)), ("name", "test")])
        conn.execute("CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB)")
        for dx in range(-3, 4):
            for dy in range(-3, 4):
                colour = (0, 0, 255) if (dx, dy) == (0, 0) else (255, 0, 0)
                conn.execute("INSERT INTO tiles VALUES (?, ?, ?, ?)",
                             (zoom, x + dx, (1 << zoom) - 1 - (y + dy), _png(colour)))
    image = frame_basemap(path, frame, content.crs, (100, 80))
    centre = gpd.GeoSeries([shapely.Point(lon, lat)], crs=STORAGE_CRS).to_crs(content.crs).iloc[0]
    px = int((centre.x - frame.bounds[0]) / (frame.bounds[2] - frame.bounds[0]) * image.shape[1])
    py = int((frame.bounds[3] - centre.y) / (frame.bounds[3] - frame.bounds[1]) * image.shape[0])
    assert tuple(image[py, px]) == (0, 0, 255, 255)
    assert (image[..., 3] == 255).mean() > 0.5


def test_print_with_mbtiles_basemap(zoned, tmp_path):
    path = tmp_path / "grey.mbtiles"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
        conn.executemany("INSERT INTO metadata VALUES (?, ?)", [("format", "png"), ("maxzoom", "6")])
        conn.execute("CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB)")
        x, y = _xyz_tile(112.4, 35.1, 6)
        conn.execute("INSERT INTO tiles VALUES (6, ?, ?, ?)", (x, (1 << 6) - 1 - y, _png((40, 160, 40))))
    out = print_map(zoned, tmp_path / "map.png", mbtiles=path)
    with Image.open(out) as image:
        pixels = np.asarray(image.convert("RGB"))
    assert ((pixels == (40, 160, 40)).all(axis=2)).sum() > 10_000  # the basemap shows where nothing covers it


def test_atlas_has_a_cover_and_a_page_per_town(zoned, tmp_path):
    path = print_atlas(zoned, tmp_path / "atlas.pdf", by="town", landscape=True)
    towns = zoned.read_layer("admin_units", where="level = 'town'")
    assert int(pdf_info(path)["Pages"]) == len(towns) + 1 == 17
    text = pdf_text(path)
    assert "济源市疫情防控管控区域图集" in text and re.search(r"第\s*1\s*页\s*共\s*17\s*页", text)
    for name in towns["name"]:
        assert f"济源市{name}疫情防控管控区域图" in text
    assert text.count("图 例") == 17


def test_atlas_pages_by_zone_and_grid(zoned):
    content = load_content(zoned)
    zone_titles = [p.title for p in atlas_pages(content, "zone")]
    assert zone_titles == ["裕华苑封控区管控区域图", "北海管控圈（管控区）管控区域图"]
    grids = atlas_pages(content, "grid", town="沁园街道")
    assert grids and all(p.title.startswith("沁园街道") for p in grids)
    qinyuan = content.units[content.units["name"] == "沁园街道"].geometry.iloc[0]
    assert all(qinyuan.buffer(1).contains(p.subject.focus.representative_point()) for p in grids)
    with pytest.raises(UserError, match="乡镇"):
        atlas_pages(content, "grid")
    with pytest.raises(UserError):
        atlas_pages(content, "village")


def test_matplotlib_global_settings_untouched(zoned, tmp_path):
    before = dict(matplotlib.rcParams)
    print_map(zoned, tmp_path / "map.png")
    assert dict(matplotlib.rcParams) == before


def _xyz_tile(lon: float, lat: float, zoom: int) -> tuple[int, int]:
    n = 2**zoom
    phi = math.radians(lat)
    return int((lon + 180) / 360 * n), int((1 - math.log(math.tan(phi) + 1 / math.cos(phi)) / math.pi) / 2 * n)


def _png(colour) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (TILE_PX, TILE_PX), colour).save(buffer, format="PNG")
    return buffer.getvalue()


def test_an_atlas_reports_its_pages_and_a_cancel_leaves_no_file(sample_project, tmp_path):
    from data.printing.atlas import AtlasCancelled

    heard = []
    out = tmp_path / "prints" / "atlas.pdf"
    out.parent.mkdir()
    with pytest.raises(AtlasCancelled):
        print_atlas(sample_project, out, by="town", progress=lambda percent, label: heard.append(percent),
                    cancelled=lambda: bool(heard))
    assert heard and 0 < heard[0] < 100
    assert list(out.parent.iterdir()) == []

"""Reading point tables (CSV/XLSX) with coordinate columns, as county staff prepare them."""

import csv

import openpyxl
import pytest

from data.importers.tables import read_table
from gis.crs import parse_crs
from gis.errors import UserError


def write_csv(path, text, encoding="utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


def xy(table, row):
    point = table.frame.geometry.loc[row]
    return point.x, point.y


def all_notes(table):
    return " ".join(zh + " " + en for zh, en in table.notes)


def test_utf8_csv_with_chinese_headers(tmp_path):
    path = write_csv(tmp_path / "sites.csv", "名称,经度,纬度\n城关隔离点,112.6,35.1\n\n东关采样点, 112.65 ,35.12\n")
    table = read_table(path)
    assert list(table.frame.index) == [2, 4]  # blank row 3 skipped, row numbers kept
    assert list(table.frame["名称"]) == ["城关隔离点", "东关采样点"]
    assert xy(table, 2) == pytest.approx((112.6, 35.1), abs=1e-9)
    assert xy(table, 4) == pytest.approx((112.65, 35.12), abs=1e-9)
    assert table.frame.crs is None and table.crs is None and table.rejected == []
    assert "UTF-8" in all_notes(table) and "经度" in all_notes(table)


def test_utf8_bom_and_header_units(tmp_path):
    path = write_csv(tmp_path / "bom.csv", "名称, 经度(°) ,纬度（°）\n甲,１１２．６,35.1\n", "utf-8-sig")
    table = read_table(path)
    assert list(table.frame.columns[:3]) == ["名称", "经度(°)", "纬度（°）"]
    assert xy(table, 2) == pytest.approx((112.6, 35.1), abs=1e-9)


def test_gbk_csv_names_decode(tmp_path):
    path = write_csv(tmp_path / "gbk.csv", "名称,地址,经度,纬度\n城关镇卫生院,解放路12号,112.6,35.1\n", "gbk")
    table = read_table(path)
    assert table.frame.loc[2, "名称"] == "城关镇卫生院"
    assert table.frame.loc[2, "地址"] == "解放路12号"
    assert "GB18030" in all_notes(table)


def test_xlsx_gcj02_with_chinese_headers(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "隔离点"
    book.create_sheet("说明").append(["经度", "纬度"])
    for row in (["名称", "经度", "纬度", "人口"], ["城关隔离点", 112.612345, 35.098765, 1200], [None, None, None, None],
                ["东关隔离点", "112.65", "35.12", 800]):
        sheet.append(row)
    book.save(tmp_path / "sites.xlsx")

    gcj02 = parse_crs("gcj02")
    table = read_table(tmp_path / "sites.xlsx", crs=gcj02)
    assert table.crs is gcj02
    assert list(table.frame.index) == [2, 4]
    assert table.frame.loc[2, "名称"] == "城关隔离点"
    assert table.frame.loc[4, "人口"] == 800
    assert xy(table, 2) == pytest.approx((112.612345, 35.098765), abs=1e-9)
    assert xy(table, 4) == pytest.approx((112.65, 35.12), abs=1e-9)

    with pytest.raises(UserError, match="隔离点") as info:  # a missing sheet: the message lists the sheets
        read_table(tmp_path / "sites.xlsx", sheet="病例")
    assert "病例" in info.value.zh
    with pytest.raises(UserError, match="没有数据"):
        read_table(tmp_path / "sites.xlsx", sheet="说明")


@pytest.mark.parametrize(("lon", "lat", "expected"), [
    ("112°35'30.5\"", "35°5'N", (112 + 35 / 60 + 30.5 / 3600, 35 + 5 / 60)),
    ("112°35′30.5″E", "35°5′0″N", (112 + 35 / 60 + 30.5 / 3600, 35 + 5 / 60)),
    ("112度35分30.5秒", "北纬35度5分", (112 + 35 / 60 + 30.5 / 3600, 35 + 5 / 60)),
    ("112:35:30.5", "35 5 0", (112 + 35 / 60 + 30.5 / 3600, 35 + 5 / 60)),
    ("112 35 30.5", "N35.1", (112 + 35 / 60 + 30.5 / 3600, 35.1)),
    ("112.6E", "35.1S", (112.6, -35.1)),
    ("70°30'W", "35.1", (-70.5, 35.1)),
])
def test_degree_minute_second_and_hemispheres(tmp_path, lon, lat, expected):
    path = tmp_path / "dms.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([["名称", "经度", "纬度"], ["甲", lon, lat]])
    table = read_table(path)
    assert table.rejected == []
    assert xy(table, 2) == pytest.approx(expected, abs=1e-9)


def test_minutes_over_60_rejected(tmp_path):
    path = write_csv(tmp_path / "bad.csv", "名称,经度,纬度\n甲,112°75'0\",35.1\n乙,112.6,35.1\n")
    table = read_table(path)
    assert [p.row for p in table.rejected] == [2]
    assert "60" in table.rejected[0].zh and "经度" in table.rejected[0].zh
    assert list(table.frame.index) == [3]


def test_swapped_rows_are_fixed_with_note(tmp_path):
    path = write_csv(tmp_path / "swap.csv", "名称,lng,lat\n甲,112.6,35.1\n乙,35.2,112.7\n丙,35.3,112.8\n")
    table = read_table(path)
    assert xy(table, 3) == pytest.approx((112.7, 35.2), abs=1e-9)
    assert xy(table, 4) == pytest.approx((112.8, 35.3), abs=1e-9)
    swap_notes = [zh for zh, _ in table.notes if "对调" in zh]
    assert len(swap_notes) == 1 and "3、4" in swap_notes[0]


def test_swap_note_lists_at_most_20_rows(tmp_path):
    rows = "".join(f"点{i},35.1,112.6\n" for i in range(25))
    table = read_table(write_csv(tmp_path / "many.csv", "名称,经度,纬度\n" + rows))
    (zh, en), = [note for note in table.notes if "对调" in note[0]]
    assert "等 25 行" in zh and "and 5 more" in en and "26" not in zh


def test_swap_left_alone_for_projected_crs(tmp_path):
    path = write_csv(tmp_path / "m.csv", "名称,x,y\n甲,35.2,112.7\n")
    table = read_table(path, crs=parse_crs("EPSG:4547"))
    assert xy(table, 2) == pytest.approx((35.2, 112.7), abs=1e-9)
    assert "对调" not in all_notes(table)


def test_unreadable_and_missing_values_rejected_with_row_numbers(tmp_path):
    path = write_csv(tmp_path / "bad.csv", "名称,经度,纬度\n甲,abc,35.1\n乙,112.6,35.1\n丙,112.7,\n")
    table = read_table(path)
    assert list(table.frame.index) == [3]
    assert [p.row for p in table.rejected] == [2, 4]
    first = table.rejected[0]
    assert "经度" in first.zh and "abc" in first.zh and "度分秒" in first.zh
    assert "longitude" in first.en and "abc" in first.en
    assert first.message("zh").startswith("第 2 行")
    assert "纬度" in table.rejected[1].zh and "空" in table.rejected[1].zh


def test_projected_metres_with_zone_prefix_suggest_epsg(tmp_path):
    path = write_csv(tmp_path / "gk.csv", "名称,X,Y\n甲,38512345.6,3881234.5\n乙,38512400.1,3881300.2\n")
    with pytest.raises(UserError) as info:
        read_table(path)
    assert "EPSG:4526" in info.value.zh and "--crs" in info.value.zh and "投影" in info.value.zh
    assert "EPSG:4526" in info.value.en and "--crs" in info.value.en and "Gauss-Kr" in info.value.en


def test_projected_metres_without_prefix_suggest_range(tmp_path):
    path = write_csv(tmp_path / "gk.csv", "名称,经度,纬度\n甲,512345.6,3881234.5\n")
    with pytest.raises(UserError) as info:
        read_table(path, crs=parse_crs("wgs84"))
    assert "EPSG:4534" in info.value.en and "--crs" in info.value.en


def test_few_out_of_range_rows_rejected_individually(tmp_path):
    path = write_csv(tmp_path / "one.csv", "名称,经度,纬度\n甲,112.6,35.1\n乙,1126,35.1\n丙,112.7,35.2\n")
    table = read_table(path)
    assert [p.row for p in table.rejected] == [3]
    assert "1126" in table.rejected[0].zh and "范围" in table.rejected[0].zh
    assert list(table.frame.index) == [2, 4]


def test_explicit_lon_col_missing(tmp_path):
    path = write_csv(tmp_path / "a.csv", "名称,经度,纬度\n甲,112.6,35.1\n")
    with pytest.raises(UserError) as info:
        read_table(path, lon_col="东经度", lat_col="纬度")
    assert "东经度" in info.value.zh and "名称" in info.value.zh and "经度" in info.value.zh


def test_explicit_columns_used(tmp_path):
    path = write_csv(tmp_path / "a.csv", "名称,E坐标,N坐标\n甲,112.6,35.1\n")
    table = read_table(path, lon_col="E坐标", lat_col="N坐标")
    assert xy(table, 2) == pytest.approx((112.6, 35.1), abs=1e-9)


def test_no_coordinate_columns_tells_user_what_to_do(tmp_path):
    path = write_csv(tmp_path / "a.csv", "名称,地址\n甲,解放路\n")
    with pytest.raises(UserError) as info:
        read_table(path)
    assert "--lon-col" in info.value.zh and "地址" in info.value.zh


def test_combined_coordinate_column(tmp_path):
    path = write_csv(tmp_path / "c.csv", '名称,坐标\n甲,"112.6,35.1"\n乙,"112.7，35.2"\n丙,112.8\n')
    table = read_table(path)
    assert xy(table, 2) == pytest.approx((112.6, 35.1), abs=1e-9)
    assert xy(table, 3) == pytest.approx((112.7, 35.2), abs=1e-9)
    assert [p.row for p in table.rejected] == [4]
    assert "坐标" in all_notes(table)


@pytest.mark.parametrize("text", ["", "\n\n", "名称,经度,纬度\n", "名称,经度,纬度\n,,\n"])
def test_empty_file_or_no_data_rows(tmp_path, text):
    with pytest.raises(UserError) as info:
        read_table(write_csv(tmp_path / "empty.csv", text))
    assert "empty.csv" in info.value.zh and ("空" in info.value.zh or "没有数据" in info.value.zh)


def test_unsupported_extension(tmp_path):
    path = write_csv(tmp_path / "a.xls", "x")
    with pytest.raises(UserError, match=r"\.xlsx"):
        read_table(path)


def test_read_header_names_columns_as_the_reader_does(tmp_path):
    from data.importers.tables import read_header

    path = tmp_path / "gbk.csv"
    path.write_bytes("\n名称,经度,,纬度,名称\n甲,112.6,x,35.1,乙\n".encode("gbk"))
    header = read_header(path)
    assert header == ["名称", "经度", "列C", "纬度", "名称（E列）"]
    assert header == [c for c in read_table(path).frame.columns if c != "geometry"]

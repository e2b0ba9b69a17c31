"""Read point features from CSV and Excel tables that hold coordinate columns.

Coordinates may be plain numbers, numbers with a hemisphere (``112.6E``, ``北纬35.1``) or
degrees-minutes-seconds text (``112°35'30.5"``, ``112度35分30.5秒``, ``112:35:30.5``). A row whose
coordinates cannot be read becomes a :class:`RowProblem`; a problem with the whole file is a
:class:`UserError` saying what to do.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import math
import re
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
from openpyxl.utils import get_column_letter

from data.importers.archive_guard import check_archive
from data.importers.base import RowProblem, SourceTable, stripped
from gis.crs import SourceCRS, gauss_kruger_zone_from_x
from gis.errors import UserError

# Header names (after _key) recognised as coordinate columns, best first.
_LON_NAMES = (("经度", "东经", "lng", "lon", "long", "longitude"), ("x", "x坐标", "横坐标", "坐标x"))
_LAT_NAMES = (("纬度", "北纬", "lat", "latitude"), ("y", "y坐标", "纵坐标", "坐标y"))
_PAIR_NAMES = (("坐标", "经纬度", "location", "coordinates", "lnglat", "lonlat"),)

# Within China: longitude 73..136, latitude 3..54 (used to spot swapped columns).
_CHINA_LON = (73.0, 136.0)
_CHINA_LAT = (3.0, 54.0)
_LISTED_ROWS = 20

# Degree, minute and second marks as people type them, mapped to ° ' " (before NFKC, which
# would turn º into "o" and ″ into ′′).
_MARKS = (("°", "°"), ("º", "°"), ("˚", "°"), ("度", "°"),
          ("′′", '"'), ("''", '"'), ("″", '"'), ("”", '"'), ("“", '"'), ("秒", '"'),
          ("′", "'"), ("’", "'"), ("‘", "'"), ("分", "'"))
_HEMISPHERE = re.compile(r"(东经|西经|北纬|南纬|[NSEW])?\s*(.*?)\s*(东经|西经|北纬|南纬|[NSEW])?", re.I)
_NEGATIVE = ("S", "W", "西经", "南纬")
_DMS = re.compile(r"""(\d+(?:\.\d+)?)\s*[°:\s]\s*             # degrees
                      (?:(\d+(?:\.\d+)?)\s*[':\s]?\s*          # minutes
                      (?:(\d+(?:\.\d+)?)\s*"?)?)?              # seconds
                   """, re.X)


CHUNK_ROWS = 50_000
"""Records read, checked and written at a time, so memory does not grow with the file."""
_BLOCK = 1 << 20
_HEADER_ROWS = 100  # records read at a time while looking for the header


def read_table(path, *, crs: SourceCRS | None = None, lon_col: str | None = None,
               lat_col: str | None = None, sheet: str | None = None) -> SourceTable:
    """Read a .csv or .xlsx of point features with coordinate columns (see the module docstring).

    The frame's index is the spreadsheet row number; its geometry is in the source coordinates.
    ``lon_col``/``lat_col`` override column detection (give the same column twice for a combined
    "lon,lat" column); ``sheet`` picks an Excel sheet other than the first.
    """
    chunks = list(iter_table(path, crs=crs, lon_col=lon_col, lat_col=lat_col, sheet=sheet))
    frames = [c.frame for c in chunks if len(c.frame)] or [chunks[0].frame]
    frame = pd.concat(frames) if len(frames) > 1 else frames[0]
    return SourceTable(gpd.GeoDataFrame(frame, geometry="geometry"), crs,
                       sorted((p for c in chunks for p in c.rejected), key=lambda p: p.row),
                       [note for c in chunks for note in c.notes])


def iter_table(path, *, crs: SourceCRS | None = None, lon_col: str | None = None, lat_col: str | None = None,
               sheet: str | None = None, chunk_rows: int = CHUNK_ROWS) -> Iterator[SourceTable]:
    """:func:`read_table` in chunks of at most ``chunk_rows`` records, read as they are needed and checked a
    column at a time; each chunk's ``done`` is the share of the file read so far. Notes come with the first
    chunk (encoding, coordinate columns) and the last (rows whose coordinates were swapped back: a chunk without
    rows when there were any)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise UserError(f"不支持的表格格式“{suffix or path.name}”：请另存为 .csv 或 .xlsx 后再导入。",
                        f"Unsupported table format '{suffix or path.name}': save it as .csv or .xlsx and import again.")
    if not path.is_file():
        raise UserError(f"找不到文件：{path}", f"File not found: {path}")
    notes: list[tuple[str, str]] = []
    if suffix == ".csv":
        encoding = _csv_encoding(path)
        notes.append((f"文本编码：{encoding}", f"Text encoding: {encoding}"))
        blocks = _csv_blocks(path, encoding, chunk_rows)
    else:
        rows = _read_xlsx(path, sheet)
        blocks = ((start + 1, rows[start:start + chunk_rows], min((start + chunk_rows) / len(rows), 1.0))
                  for start in range(0, len(rows), chunk_rows))
    header: list | None = None
    columns: list[str] = []
    lon = lat = None
    swapped: list[int] = []
    read = False
    for first_number, block, done in blocks:
        cells, numbers = _cells(block, first_number)
        if header is None:
            if not len(cells):
                continue
            header = _trimmed(cells[0])
            cells, numbers = cells[1:], numbers[1:]
            columns = _column_names(list(header))
        if not len(cells):
            continue
        filled = np.flatnonzero(~pd.isna(cells).all(axis=0))
        width = max(len(columns), filled[-1] + 1 if len(filled) else 0)
        columns = _column_names(list(header) + [None] * (width - len(header)))
        padded = cells
        if width != cells.shape[1]:  # blank columns at the end left out, or the header wider than the rows
            padded = np.full((len(cells), width), None, dtype=object)
            padded[:, :min(width, cells.shape[1])] = cells[:, :width]
        frame = pd.DataFrame(padded, index=numbers, columns=columns)
        if lon is None:
            lon, lat = _coordinate_columns(columns, lon_col, lat_col)
            notes.append(_columns_note(lon, lat))
        yield _points(frame, lon, lat, crs, swapped, notes, done=done)
        notes, read = [], True
        del block, cells, padded, frame  # let go before the next block is read
    if not read:
        what_zh, what_en = ("只有表头，没有数据行", "has a header but no data rows") if header else ("是空的", "is empty")
        raise UserError(f"“{path.name}”{what_zh}：请检查文件后再导入。", f"'{path.name}' {what_en}: check the file and import again.")
    if swapped:  # known once the whole file is read: a last chunk without rows says it
        yield SourceTable(gpd.GeoDataFrame(geometry=[]), crs, notes=_swapped_note(swapped))


def _cells(block: list, first_number: int) -> tuple[np.ndarray, np.ndarray]:
    """A block of records as a 2-D array of cells, blank cells None, with their record numbers (the first is
    ``first_number``); fully blank records are left out, their numbers skipped."""
    lengths = np.fromiter(map(len, block), dtype=np.int64, count=len(block))
    width = int(lengths.max()) if len(block) else 0
    for i in np.flatnonzero(lengths < width):  # short records (blank lines, ragged rows) padded to one width
        block[i] = [*block[i], *[None] * (width - lengths[i])]
    cells = np.empty((len(block), width), dtype=object)
    if width:
        cells[:] = block
    blank = np.zeros(cells.shape, dtype=bool)
    for j in range(width):
        blank[:, j] = _blank_cells(cells[:, j])
    cells[blank] = None
    kept = ~blank.all(axis=1)
    if kept.all():
        return cells, first_number + np.arange(len(cells))
    return cells[kept], first_number + np.flatnonzero(kept)


def _blank_cells(column: np.ndarray) -> np.ndarray:
    """Which cells of one column are blank (missing, NaN or only white space), see :func:`_blank`."""
    if pd.api.types.infer_dtype(column, skipna=True) in ("string", "empty"):
        blank = pd.isna(column)
        blank[~blank] = ~stripped(column[~blank]).astype(bool)  # "" once stripped
        return blank
    return np.fromiter(map(_blank, column), dtype=bool, count=len(column))


def _columns_note(lon: str, lat: str) -> tuple[str, str]:
    if lon == lat:
        return f"坐标取自“{lon}”列（经度,纬度）", f"Coordinates read from column '{lon}' as 'longitude,latitude'"
    return f"坐标列：经度取“{lon}”，纬度取“{lat}”", f"Coordinate columns: longitude '{lon}', latitude '{lat}'"


def _points(frame: pd.DataFrame, lon: str, lat: str, crs: SourceCRS | None, swapped: list[int],
            notes: list[tuple[str, str]], done: float) -> SourceTable:
    """One chunk as point features; rows swapped back are added to ``swapped``."""
    x, y, readable, rejected = _read_coordinates(frame, lon, lat)
    rows = frame.index.to_numpy()
    if crs is None or crs.crs.is_geographic:
        swapped += _swap_back(x, y, readable, rows)
        rejected += _reject_outside_degrees(x, y, readable, rows, lon, lat)
    rejected.sort(key=lambda problem: problem.row)
    points = gpd.points_from_xy(x[readable], y[readable])
    return SourceTable(gpd.GeoDataFrame(frame if readable.all() else frame[readable], geometry=points), crs, rejected,
                       notes, done=done)


def read_header(path, *, sheet: str | None = None) -> list[str]:
    """The column names :func:`read_table` would give the file's columns (for choosing coordinate columns)."""
    path = Path(path)
    if path.suffix.lower() == ".csv":
        rows = (row for _, block, _ in _csv_blocks(path, _csv_encoding(path), _HEADER_ROWS) for row in block)
    else:
        rows = iter(_read_xlsx(path, sheet))
    first = next((row for row in map(_trimmed, rows) if row), ())
    return _column_names(list(first))


def _csv_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM) if the whole file decodes so, else GB18030/GBK; checked block by block."""
    for codec, name in (("utf-8-sig", "UTF-8"), ("gb18030", "GBK/GB18030")):
        decoder = codecs.getincrementaldecoder(codec)()
        try:
            with path.open("rb") as file:
                while block := file.read(_BLOCK):
                    decoder.decode(block)
                decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return name
    raise UserError(f"无法识别“{path.name}”的文本编码：请在 Excel 中另存为“CSV UTF-8”后再导入。",
                    f"Cannot tell the text encoding of '{path.name}': save it as 'CSV UTF-8' and import again.")


def _csv_blocks(path: Path, encoding: str, size: int) -> Iterator[tuple[int, list[list[str]], float]]:
    """(number of the first record, up to ``size`` records, share of the file read) for a CSV file, read as needed."""
    total = max(path.stat().st_size, 1)
    codec = "utf-8-sig" if encoding == "UTF-8" else "gb18030"
    with path.open("rb") as binary, io.TextIOWrapper(binary, encoding=codec, newline="") as text:
        reader = csv.reader(text)
        number = 1
        try:
            while block := list(itertools.islice(reader, size)):
                yield number, block, min(binary.tell() / total, 1.0)
                number, block = number + len(block), None  # let go before the next block is read
        except csv.Error as exc:
            raise UserError(f"“{path.name}”不是有效的 CSV 文件：{exc}", f"'{path.name}' is not a valid CSV file: {exc}") from exc


def _read_xlsx(path: Path, sheet: str | None) -> list[tuple]:
    """Cell values of one sheet (the first unless ``sheet``), row 1 first."""
    try:
        with zipfile.ZipFile(path) as archive:
            check_archive(path, archive)
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except UserError:
        raise
    except Exception as exc:  # noqa: BLE001 - openpyxl raises anything on a damaged or hostile workbook
        raise _damaged_xlsx(path, exc) from exc
    try:
        if sheet is not None and sheet not in book.sheetnames:
            names = "、".join(book.sheetnames)
            raise UserError(f"“{path.name}”中没有名为“{sheet}”的工作表。现有工作表：{names}",
                            f"'{path.name}' has no sheet named '{sheet}'. Sheets: {', '.join(book.sheetnames)}")
        if not book.worksheets:
            raise UserError(f"“{path.name}”中没有工作表。", f"'{path.name}' has no sheets.")
        return list((book[sheet] if sheet else book.worksheets[0]).iter_rows(values_only=True))
    except UserError:
        raise
    except Exception as exc:  # noqa: BLE001 - as above, for the sheet's own XML
        raise _damaged_xlsx(path, exc) from exc
    finally:
        book.close()


def _damaged_xlsx(path: Path, exc: Exception) -> UserError:
    """One line for a workbook that cannot be read: damaged, not .xlsx, or XML that declares entities."""
    why = type(exc).__name__ if isinstance(exc, (KeyError, zipfile.BadZipFile)) else f"{type(exc).__name__}: {exc}"
    why = " ".join(why.split())[:160]
    return UserError(f"无法打开 Excel 文件“{path.name}”：文件可能已损坏或不是 .xlsx 格式。请在 Excel 中另存为 .xlsx 后再导入。（详情：{why}）",
                     f"Cannot open Excel file '{path.name}': it may be damaged or not an .xlsx file. Save it as .xlsx in "
                     f"Excel and import again. (Details: {why})")


def _trimmed(row) -> tuple:
    """The row without trailing blank cells (empty for a fully blank row); blank cells become None."""
    cells = [None if _blank(value) else value for value in row]
    while cells and cells[-1] is None:
        cells.pop()
    return tuple(cells)


def _blank(value) -> bool:
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    return isinstance(value, str) and not value.strip()


def _column_names(header: list) -> list[str]:
    """Header texts stripped; unnamed columns become 列C, repeated names get their column letter."""
    names: list[str] = []
    for i, value in enumerate(header):
        letter = get_column_letter(i + 1)
        name = f"列{letter}" if value is None else str(value).strip()
        if name in names or name == "geometry":
            name = f"{name}（{letter}列）"
        names.append(name)
    return names


def _key(name: str) -> str:
    """A header reduced for matching: NFKC, lower case, without spaces and bracketed units."""
    text = unicodedata.normalize("NFKC", str(name)).lower()
    text = re.sub(r"\(.*?\)|\[.*?\]|【.*?】", "", text)
    return re.sub(r"[\s_\-]", "", text)


def _coordinate_columns(columns: list[str], lon_col: str | None, lat_col: str | None) -> tuple[str, str]:
    """(longitude column, latitude column); the same column twice for a combined "lon,lat" column."""
    lon = _given_column(columns, lon_col) if lon_col else _find_column(columns, _LON_NAMES)
    lat = _given_column(columns, lat_col) if lat_col else _find_column(columns, _LAT_NAMES)
    if lon and lat:
        return lon, lat
    pair = None if lon_col or lat_col else _find_column(columns, _PAIR_NAMES)
    if pair:
        return pair, pair
    listed = "、".join(columns)
    raise UserError(f"找不到经度、纬度列。表头为：{listed}。请用 --lon-col 和 --lat-col 指定坐标列。",
                    f"Cannot find longitude/latitude columns. Headers: {', '.join(columns)}. "
                    "Use --lon-col and --lat-col to name the coordinate columns.")


def _given_column(columns: list[str], name: str) -> str:
    """The column the user named, matched exactly or by :func:`_key`."""
    for column in columns:
        if column == name.strip() or _key(column) == _key(name):
            return column
    raise UserError(f"表中没有名为“{name}”的列。现有列：{'、'.join(columns)}",
                    f"No column named '{name}'. Columns: {', '.join(columns)}")


def _find_column(columns: list[str], groups: tuple[tuple[str, ...], ...]) -> str | None:
    for names in groups:
        for column in columns:
            if _key(column) in names:
                return column
    return None


@dataclass(frozen=True)
class _Axis:
    """Longitude or latitude read from column ``column``, named in messages."""

    zh: str
    en: str
    column: str

    def names(self) -> tuple[str, str]:
        if _key(self.column) in (self.zh, self.en):
            return self.zh, self.en
        return f"{self.zh}（列“{self.column}”）", f"{self.en} (column '{self.column}')"


class _Unreadable(Exception):
    """A cell that holds no usable coordinate, with the reason in Chinese and English."""

    def __init__(self, zh: str, en: str):
        super().__init__(en)
        self.zh, self.en = zh, en


def _read_coordinates(frame: pd.DataFrame, lon: str, lat: str
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[RowProblem]]:
    """x and y of every row, which rows could be read, and a problem for every other row."""
    rows = frame.index.to_numpy()
    if lon == lat:
        x, y = np.full(len(rows), np.nan), np.full(len(rows), np.nan)
        problems: dict[int, _Unreadable] = {}
        for i, value in enumerate(frame[lon].tolist()):  # a combined "lon,lat" cell: rare, read one by one
            try:
                x[i], y[i] = _pair(value, lon)
            except _Unreadable as exc:
                problems[i] = exc
    else:
        x, x_problems = _axis_values(frame[lon].to_numpy(dtype=object), _Axis("经度", "longitude", lon))
        y, problems = _axis_values(frame[lat].to_numpy(dtype=object), _Axis("纬度", "latitude", lat))
        problems.update(x_problems)  # a row with both unreadable names its longitude
    readable = np.ones(len(rows), dtype=bool)
    readable[list(problems)] = False
    rejected = [RowProblem(int(rows[i]), problems[i].zh, problems[i].en) for i in sorted(problems)]
    return x, y, readable, rejected


def _axis_values(cells: np.ndarray, axis: _Axis) -> tuple[np.ndarray, dict[int, _Unreadable]]:
    """One coordinate column read: plain numbers all at once, the other cells one by one (:func:`_coordinate`);
    the values, and the problem of each cell that holds no coordinate, by position."""
    numbers = _plain_numbers(cells)
    problems = {}
    for i in np.flatnonzero(np.isnan(numbers)):
        try:
            numbers[i] = _coordinate(cells[i], axis)
        except _Unreadable as exc:
            problems[int(i)] = exc
    return numbers, problems


def _plain_numbers(cells: np.ndarray) -> np.ndarray:
    """Cells holding a plain finite number (text as Python's ``float`` reads it, or a number), NaN for the rest."""
    numbers = np.full(len(cells), np.nan)
    if pd.api.types.infer_dtype(cells, skipna=True) not in ("string", "floating", "integer", "mixed-integer-float"):
        return numbers
    with np.errstate(invalid="ignore", over="ignore"):
        try:
            numbers = cells.astype(np.float64)  # every cell a number: the usual table
        except (ValueError, TypeError, OverflowError):
            plain = ~np.isnan(np.asarray(pd.to_numeric(cells, errors="coerce"), dtype=np.float64))
            try:
                numbers[plain] = cells[plain].astype(np.float64)
            except (ValueError, TypeError, OverflowError):
                return numbers
        numbers[~np.isfinite(numbers)] = np.nan
    return numbers


def _pair(value, column: str) -> tuple[float, float]:
    """(lon, lat) from a combined cell such as "112.6,35.1"."""
    if _blank(value):
        raise _Unreadable(f"坐标列“{column}”为空", f"coordinates (column '{column}') are empty")
    text = unicodedata.normalize("NFKC", str(value)).strip().strip("()[]")
    parts = re.split(r"\s*[,;]\s*", text)
    if len(parts) == 1:
        parts = text.split()
    if len(parts) != 2:
        raise _Unreadable(f"坐标“{value}”应为“经度,纬度”两个数", f"coordinates '{value}' should be two numbers 'longitude,latitude'")
    return (_coordinate(parts[0], _Axis("经度", "longitude", column)),
            _coordinate(parts[1], _Axis("纬度", "latitude", column)))


def _coordinate(value, axis: _Axis) -> float:
    """A coordinate from a cell: a number, a number with hemisphere, or degrees-minutes-seconds.

    >>> _coordinate("112°35'30\\"W", _Axis("经度", "longitude", "经度"))
    -112.59166666666667
    """
    zh, en = axis.names()
    if _blank(value):
        raise _Unreadable(f"{zh}为空", f"{en} is empty")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    raw = str(value).strip()
    try:  # the common case first: a plain number
        number = float(raw)
    except ValueError:
        pass
    else:
        if math.isfinite(number):
            return number
    text = raw
    for mark, canonical in _MARKS:
        text = text.replace(mark, canonical)
    before, body, after = _HEMISPHERE.fullmatch(unicodedata.normalize("NFKC", text).strip()).groups()
    sign = -1.0 if (before or after or "").upper() in _NEGATIVE else 1.0
    if body[:1] in ("+", "-"):
        sign, body = (-sign if body[0] == "-" else sign), body[1:].strip()
    try:
        number = float(body)
    except ValueError:
        match = _DMS.fullmatch(body)
        if not match:
            raise _Unreadable(f"{zh}“{raw}”无法识别为数字或度分秒",
                              f"{en} '{raw}' is not a number or degrees-minutes-seconds") from None
        degrees, minutes, seconds = (float(part or 0) for part in match.groups())
        if minutes >= 60 or seconds >= 60:
            raise _Unreadable(f"{zh}“{raw}”的分、秒应小于 60", f"{en} '{raw}': minutes and seconds must be below 60") from None
        number = degrees + minutes / 60 + seconds / 3600
    if not math.isfinite(number):
        raise _Unreadable(f"{zh}“{raw}”无法识别为数字或度分秒", f"{en} '{raw}' is not a number or degrees-minutes-seconds")
    return sign * number


def _swap_back(x: np.ndarray, y: np.ndarray, readable: np.ndarray, rows: np.ndarray) -> list[int]:
    """Swap back readable rows whose longitude looks like a Chinese latitude and vice versa; returns those rows."""
    with np.errstate(invalid="ignore"):
        swap = (readable & (_CHINA_LAT[0] <= x) & (x <= _CHINA_LAT[1]) & (_CHINA_LON[0] <= y) & (y <= _CHINA_LON[1]))
    x[swap], y[swap] = y[swap], x[swap]
    return rows[swap].tolist()


def _swapped_note(swapped: list[int]) -> list[tuple[str, str]]:
    """A note naming the rows whose coordinates were swapped back (none if there were none)."""
    if not swapped:
        return []
    shown_zh = "、".join(map(str, swapped[:_LISTED_ROWS]))
    shown_en = ", ".join(map(str, swapped[:_LISTED_ROWS]))
    more = len(swapped) - _LISTED_ROWS
    if more > 0:
        shown_zh += f" 等 {len(swapped)} 行"
        shown_en += f" and {more} more"
    return [(f"第 {shown_zh} 行的经度和纬度填反了，已自动对调。",
             f"Longitude and latitude were swapped in rows {shown_en}; they have been switched back.")]


def _reject_outside_degrees(x: np.ndarray, y: np.ndarray, readable: np.ndarray, rows: np.ndarray, lon: str,
                            lat: str) -> list[RowProblem]:
    """Take rows outside degree ranges out of ``readable`` and reject them; if most rows are, raise a UserError."""
    with np.errstate(invalid="ignore"):
        outside = np.flatnonzero(readable & ((np.abs(x) > 180) | (np.abs(y) > 90)))
    if len(outside) and 2 * len(outside) > readable.sum():
        first = outside[0]
        raise _projected_error(int(rows[first]), x[first], y[first], lon, lat)
    readable[outside] = False
    return [RowProblem(int(rows[i]), f"坐标（{x[i]:.12g}, {y[i]:.12g}）超出经纬度范围（经度 −180～180，纬度 −90～90），请核对",
                       f"coordinates ({x[i]:.12g}, {y[i]:.12g}) are outside degree ranges "
                       "(longitude -180..180, latitude -90..90); check them") for i in outside]


def _projected_error(row: int, x: float, y: float, lon: str, lat: str) -> UserError:
    """Explain that the values look like Gauss-Krüger metres and suggest the CRS to use."""
    found_zh = (f"坐标值远超经纬度范围（如第 {row} 行：{lon} = {x:.12g}，{lat} = {y:.12g}），"
                "看起来是以米为单位的投影坐标（高斯-克吕格）。")
    found_en = (f"Coordinates are far outside degree ranges (e.g. row {row}: {lon} = {x:.12g}, {lat} = {y:.12g}); "
                "they look like projected metres (Gauss-Krüger).")
    zone_x, zone_y = gauss_kruger_zone_from_x(x), gauss_kruger_zone_from_x(y)
    zone = zone_x or zone_y
    if zone is None:
        return UserError(found_zh + "请加 --crs 指定投影坐标系后重新导入，例如 EPSG:4534–4554（3 度带，中央经线 75°E–135°E，按本地中央经线选择）。",
                         found_en + " Re-run with --crs naming the projected CRS, e.g. EPSG:4534-4554 "
                         "(3-degree, CM 75E-135E; pick your local central meridian).")
    epsg = 4513 + zone - 25 if zone >= 25 else 4491 + zone - 13
    zh, en = f"请加 --crs EPSG:{epsg} 重新导入。", f" Re-run with --crs EPSG:{epsg}."
    if zone_x is None:  # surveyors' X is the northing: the columns are the other way round
        zh += f"两列似乎对调了（测量坐标 X 为北向），请同时加 --lon-col {lat} --lat-col {lon}。"
        en += f" The columns seem reversed (surveying X is northing): also pass --lon-col {lat} --lat-col {lon}."
    return UserError(found_zh + zh, found_en + en)

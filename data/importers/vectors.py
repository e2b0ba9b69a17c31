"""Read vector files (Shapefile, zipped Shapefile, GeoJSON, GeoPackage, KML, KMZ) into a SourceTable.

Reading is done by GDAL through pyogrio. This module only decides what to read (layer, KML folders,
the member of a zip), which text encoding a shapefile uses, and turns failures into UserErrors.
Features without geometry are moved to ``rejected``; invalid polygons are left for the pipeline.
"""

from __future__ import annotations

import html
import re
import struct
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyogrio.errors import DataLayerError, DataSourceError

from data.importers.archive_guard import check_archive, check_dbf, check_whole_file
from data.importers.base import RowProblem, SourceTable
from data.importers.dbf_encoding import (
    CHOSEN,
    HOW_ZH,
    detect_dbf_encoding,
    find_sidecar,
    gdal_encoding,
    normalise_encoding,
)
from gis.crs import WGS84, SourceCRS
from gis.errors import UserError

__all__ = ["read_vector", "detect_dbf_encoding"]

SUFFIXES = (".shp", ".zip", ".geojson", ".json", ".gpkg", ".kml", ".kmz")
_KML_STYLE = ["altitudeMode", "tessellate", "extrude", "visibility", "drawOrder", "icon"]
_KML_OPTIONAL = ["id", "timestamp", "begin", "end"]  # dropped when empty


def read_vector(path, *, encoding: str | None = None, layer: str | None = None, prefer: str | None = None) -> SourceTable:
    """Read a vector file. ``encoding`` overrides a shapefile's text encoding; ``layer`` picks a
    GeoPackage layer, a KML folder or a shapefile inside a zip (by name, without ".shp"); without it a
    GeoPackage layer named ``prefer`` (a project's own layer) is read if there is one."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"找不到文件：{path}", f"File not found: {path}")
    if encoding is not None:
        encoding = _check_encoding(encoding)
    suffix = path.suffix.lower()
    if suffix == ".shp":
        return _read_shapefile(path, path, encoding)
    if suffix == ".zip":
        return _read_zip(path, encoding, layer)
    if suffix in (".kml", ".kmz"):
        return _read_kml(path, layer)
    if suffix in SUFFIXES:
        return _read_layered(path, layer, prefer)
    raise UserError(
        f"不支持的文件类型：{path.name}。可导入：{'、'.join(SUFFIXES)}。",
        f"Unsupported file type: {path.name}. Supported: {', '.join(SUFFIXES)}.",
    )


def _check_encoding(encoding: str) -> str:
    name = normalise_encoding(encoding)
    if name is None:
        raise UserError(
            f"无法识别编码“{encoding}”。常用编码：GBK、UTF-8、GB18030、Big5。",
            f"Unknown encoding '{encoding}'. Common ones: GBK, UTF-8, GB18030, Big5.",
        )
    return name


def _read_shapefile(shp: Path, shown: Path, encoding: str | None) -> SourceTable:
    """Read ``shp``; ``shown`` is the file the user picked (the .shp itself or its zip)."""
    missing = [suffix for suffix in (".dbf", ".shx") if find_sidecar(shp, suffix) is None]
    if missing:
        raise UserError(
            f"{shown.name} 缺少 {'、'.join(shp.stem + s for s in missing)}。Shapefile 由同名的 .shp、.shx、.dbf（及 .prj）文件组成，"
            "请把它们放在同一文件夹，或一起打包成 zip 后导入。",
            f"{shown.name} is missing {', '.join(shp.stem + s for s in missing)}. A shapefile is several files "
            "with the same name (.shp, .shx, .dbf, .prj): keep them in one folder, or zip them together.",
        )
    _check_complete(shp, find_sidecar(shp, ".shx"), shown)
    dbf = find_sidecar(shp, ".dbf")
    for part in (shp, dbf):
        check_whole_file(part, shown)
    check_dbf(dbf, *_shown_names(shp, shown))
    how = CHOSEN
    if encoding is None:
        encoding, how = detect_dbf_encoding(shp)
    note = (f"文字编码：{encoding}（{HOW_ZH[how]}）", f"Text encoding: {encoding} ({how})")
    frame = _read(shp, shown, encoding=gdal_encoding(encoding))
    return _finish(frame, None, [note])


_SHAPE_FILE_CODE = 9994
_HEADER_BYTES = 100


def _check_complete(shp: Path, shx: Path, shown: Path) -> None:
    """Refuse a .shp shorter than its header says, or than its .shx's records reach (a copy or download
    cut short), before GDAL reads it and reports the missing features as empty geometries."""
    name, name_en = _shown_names(shp, shown)
    size = shp.stat().st_size
    with shp.open("rb") as file:
        header = file.read(_HEADER_BYTES)
    if len(header) < _HEADER_BYTES or struct.unpack(">i", header[:4])[0] != _SHAPE_FILE_CODE:
        raise _damaged(name, name_en, "文件头缺失或不是 Shapefile 格式", "its header is missing or not a shapefile header")
    stated = struct.unpack(">i", header[24:28])[0] * 2
    if size < stated:
        raise _damaged(name, name_en, f"文件头记录长度为 {stated} 字节，实际只有 {size} 字节",
                       f"its header says {stated} bytes but it has only {size}")
    index = shx.read_bytes()
    if len(index) < _HEADER_BYTES or struct.unpack(">i", index[24:28])[0] * 2 > len(index):
        raise _damaged(name, name_en, f"索引文件 {shx.name} 不完整", f"its index {shx.name} is cut short")
    index = index[_HEADER_BYTES:]
    records = np.frombuffer(index[:len(index) // 8 * 8], dtype=">i4").reshape(-1, 2).astype(np.int64)
    ends = (records[:, 0] + 4 + records[:, 1]) * 2  # 16-bit words: record header (4 words) and content
    bad = np.flatnonzero((records[:, 0] * 2 < _HEADER_BYTES) | (ends > size))
    if len(bad):
        number, end = int(bad[0]) + 1, int(ends[bad[0]])
        raise _damaged(name, name_en, f"索引（.shx）中第 {number} 个要素在 .shp 中缺失（需要 {end} 字节，实际 {size} 字节）",
                       f"feature {number} of its index (.shx) lies beyond the .shp (needs {end} bytes, has {size})")


def _shown_names(shp: Path, shown: Path) -> tuple[str, str]:
    """How messages name ``shp``: by itself, or as a member of the zip the user picked."""
    if shown.suffix.lower() == ".shp":
        return shp.name, shp.name
    return f"{shown.name} 中的 {shp.name}", f"{shp.name} in {shown.name}"


def _damaged(name: str, name_en: str, why: str, why_en: str) -> UserError:
    return UserError(
        f"{name} 不完整或已损坏：{why}。文件可能在复制或下载时中断，请重新复制或导出完整的文件后再导入。",
        f"{name_en} is incomplete or damaged: {why_en}. It was probably cut short while copying or downloading; "
        "copy or export the whole file again.",
    )


def _read_zip(path: Path, encoding: str | None, layer: str | None) -> SourceTable:
    with _open_zip(path) as archive:
        members = archive.namelist()
        shps = [m for m in members if m.lower().endswith(".shp") and not _is_mac_junk(m)]
        if not shps:
            raise UserError(
                f"压缩包 {path.name} 中没有 .shp 文件。请把 Shapefile 的全部文件（.shp、.shx、.dbf、.prj）打包后再导入。",
                f"The zip {path.name} contains no .shp file. Zip all the shapefile's files (.shp, .shx, .dbf, .prj).",
            )
        stems = {PurePosixPath(m).stem: m for m in shps}
        name, notes = _choose_layer(path, [(stem, True) for stem in stems], layer)
        base = PurePosixPath(stems[name]).with_suffix("")
        with tempfile.TemporaryDirectory() as tmp:
            for member in members:
                if PurePosixPath(member).with_suffix("") == base:
                    (Path(tmp) / PurePosixPath(member).name).write_bytes(archive.read(member))
            table = _read_shapefile(Path(tmp) / PurePosixPath(stems[name]).name, path, encoding)
    table.notes[:0] = notes
    return table


def _read_layered(path: Path, layer: str | None, prefer: str | None = None) -> SourceTable:
    check_whole_file(path)
    layers = [(name, kind is not None) for name, kind in _list_layers(path, path)]
    if layer is None and prefer in {name for name, spatial in layers if spatial}:
        layer = prefer
    name, notes = _choose_layer(path, layers, layer)
    frame = _read(path, path, layer=name)
    default = SourceCRS(WGS84) if path.suffix.lower() != ".gpkg" else None  # GeoJSON is WGS84 by definition
    return _finish(frame, default, notes)


def _read_kml(path: Path, layer: str | None) -> SourceTable:
    source = path
    if path.suffix.lower() == ".kmz":
        with _open_zip(path) as archive:
            kmls = sorted((m for m in archive.namelist() if m.lower().endswith(".kml")), key=lambda m: m != "doc.kml")
        if not kmls:
            raise UserError(
                f"{path.name} 中没有 .kml 文件，不是有效的 KMZ。请重新导出。",
                f"{path.name} contains no .kml file, so it is not a valid KMZ. Export it again.",
            )
        source = f"/vsizip/{path.as_posix()}/{kmls[0]}"
        with _open_zip(path) as archive:
            kml_text = archive.read(kmls[0])
    else:
        check_whole_file(path)
        kml_text = path.read_bytes()
    names = [name for name, _ in _list_layers(source, path)]
    if layer is not None:
        names = [_choose_layer(path, [(n, True) for n in names], layer)[0]]
    frames = []
    for name in names:
        frame = _read(source, path, layer=name)
        frame.insert(0, "folder", name)
        frames.append(frame)
    frames = [f for f in frames if len(f)] or frames[:1]
    if not frames:
        raise UserError(f"{path.name} 中没有任何地标。", f"{path.name} contains no placemarks.")
    frame = pd.concat(frames, ignore_index=True)
    frame = frame.rename(columns={"Name": "name", "Description": "description", **_kml_field_names(kml_text)})
    empty = [c for c in _KML_OPTIONAL if c in frame and frame[c].isna().all()]
    frame = frame.drop(columns=[c for c in _KML_STYLE if c in frame] + empty)
    notes = []
    if len(names) > 1:
        listed = "、".join(names)
        notes.append((
            f"KML 含 {len(names)} 个文件夹：{listed}；已全部导入，文件夹名记在 folder 列。",
            f"The KML has {len(names)} folders: {', '.join(names)}; all were read, the folder name is in column 'folder'.",
        ))
    return _finish(frame, SourceCRS(WGS84), notes)


def _kml_field_names(kml: bytes) -> dict[str, str]:
    """{column name GDAL made: the KML's own field name}. GDAL's LIBKML driver turns every byte of a
    non-ASCII ExtendedData name into "_" ("人口" -> "______"); the real names are read back from the XML."""
    names = dict.fromkeys(m.decode("utf-8", "replace") for m in re.findall(rb'<(?:\w+:)?(?:Simple)?Data\s+name="([^"]+)"', kml))
    mangled: dict[str, list[str]] = {}
    for name in names:
        key = "".join(chr(b) if chr(b).isalnum() and b < 128 else "_" for b in name.encode("utf-8"))
        mangled.setdefault(key, []).append(html.unescape(name))
    return {key: originals[0] for key, originals in mangled.items() if len(originals) == 1 and key != originals[0]}


def _choose_layer(path: Path, layers: list[tuple[str, bool]], layer: str | None) -> tuple[str, list]:
    """The layer to read: ``layer`` if given, else the first with geometry; plus a note naming the others."""
    names = [name for name, _ in layers]
    if layer is not None:
        if layer not in names:
            raise UserError(
                f"{path.name} 中没有名为“{layer}”的图层。可用图层：{'、'.join(names)}",
                f"{path.name} has no layer named '{layer}'. Layers: {', '.join(names)}",
            )
        return layer, []
    spatial = [name for name, has_geometry in layers if has_geometry]
    if not spatial:
        raise UserError(
            f"{path.name} 中没有带图形的图层（只有表格）。",
            f"{path.name} has no layer with geometry (only plain tables).",
        )
    others = [name for name in names if name != spatial[0]]
    if not others:
        return spatial[0], []
    return spatial[0], [(
        f"已读取图层“{spatial[0]}”；其他图层（{'、'.join(others)}）可另行选择导入。",
        f"Read layer '{spatial[0]}'; the other layers ({', '.join(others)}) can be imported separately.",
    )]


def _list_layers(source, shown: Path):
    try:
        return pyogrio.list_layers(source)
    except (DataSourceError, DataLayerError) as exc:
        raise _unreadable(shown, exc) from exc


def _read(source, shown: Path, **kwargs) -> gpd.GeoDataFrame:
    try:  # rings left open are closed ("fix"); the pipeline repairs what is still invalid
        return pyogrio.read_dataframe(source, on_invalid="fix", **kwargs)
    except UnicodeDecodeError as exc:
        encoding = kwargs.get("encoding")
        raise UserError(
            f"{shown.name} 的文字不是 {encoding} 编码。请换一种编码再试（常用：GBK、UTF-8）。",
            f"The text in {shown.name} is not {encoding}. Try another encoding (usually GBK or UTF-8).",
        ) from exc
    except (DataSourceError, DataLayerError, shapely.errors.GEOSException) as exc:
        raise _unreadable(shown, exc) from exc


def _unreadable(shown: Path, exc: Exception) -> UserError:
    return UserError(
        f"无法读取 {shown.name}：文件已损坏或格式不对。请用原软件重新导出后再试。（详情：{exc}）",
        f"Cannot read {shown.name}: the file is damaged or not in the expected format. "
        f"Export it again from the original software. (Details: {exc})",
    )


@contextmanager
def _open_zip(path: Path) -> Iterator[zipfile.ZipFile]:
    try:
        with zipfile.ZipFile(path) as archive:
            check_archive(path, archive)
            yield archive
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise UserError(
            f"{path.name} 不是有效的压缩文件，可能已损坏。请重新打包或导出。",
            f"{path.name} is not a valid zip file; it may be damaged. Zip or export it again.",
        ) from exc


def _is_mac_junk(member: str) -> bool:
    return member.startswith("__MACOSX/") or PurePosixPath(member).name.startswith("._")


def _finish(frame: gpd.GeoDataFrame, default: SourceCRS | None, notes: list) -> SourceTable:
    """Number features from 1, set aside those without geometry, and take the CRS from the file."""
    frame.index = pd.RangeIndex(1, len(frame) + 1)
    missing = frame.geometry.isna() | frame.geometry.is_empty
    rejected = [
        RowProblem(int(row), "没有图形（坐标为空），已跳过", "no geometry (empty coordinates); skipped")
        for row in frame.index[missing]
    ]
    crs = SourceCRS(frame.crs) if frame.crs is not None else default
    return SourceTable(frame[~missing], crs, rejected, notes)

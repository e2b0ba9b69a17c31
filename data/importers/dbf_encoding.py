"""Which text encoding a shapefile's .dbf uses.

Chinese shapefiles are usually GBK without a .cpg file; GDAL then assumes ISO-8859-1 and the names
come out garbled. We look at the .cpg, then the DBF language-driver byte, then the record bytes.

>>> normalise_encoding("936"), normalise_encoding("utf8"), normalise_encoding("latin-1")
('GBK', 'UTF-8', 'ISO-8859-1')
"""

from __future__ import annotations

import codecs
import re
import struct
from pathlib import Path

from gis.errors import UserError

SAMPLE_RECORDS = 5000  # enough to judge, fast on big files

CHOSEN = "as chosen"
FROM_CPG = "from the .cpg file"
FROM_LDID = "from the DBF language-driver byte"
FROM_BYTES = "detected from DBF bytes"
FALLBACK = "not recognised from DBF bytes; text may be garbled, choose the encoding by hand (e.g. GBK)"
HOW_ZH = {
    CHOSEN: "按您的选择",
    FROM_CPG: "由 .cpg 文件指定",
    FROM_LDID: "由 DBF 语言驱动标记指定",
    FROM_BYTES: "根据 DBF 内容自动识别",
    FALLBACK: "无法自动识别，文字可能是乱码，请手动选择编码（如 GBK）",
}

_ALIASES = {
    "UTF8": "UTF-8", "65001": "UTF-8", "CP65001": "UTF-8",
    "GBK": "GBK", "936": "GBK", "CP936": "GBK", "MS936": "GBK", "GB2312": "GBK",
    "GB18030": "GB18030", "54936": "GB18030",
    "BIG5": "Big5", "950": "Big5", "CP950": "Big5",
    "LATIN1": "ISO-8859-1", "ISO88591": "ISO-8859-1", "88591": "ISO-8859-1",
    "1252": "CP1252", "CP1252": "CP1252", "WINDOWS1252": "CP1252",
}
# GDAL builds without iconv (e.g. on Windows) only understand UTF-8, ISO-8859-1 and "CPnnn" names.
_GDAL_NAMES = {"GBK": "CP936", "Big5": "CP950"}
_LDID_GBK = 0x4D


def normalise_encoding(name: str) -> str | None:
    """Canonical name for an encoding as users or .cpg files write it ("936", "utf8"), or None."""
    key = re.sub(r"[\s_\-]", "", name.upper()).removeprefix("ANSI")
    if key in _ALIASES:
        return _ALIASES[key]
    candidate = f"CP{key}" if key.isdigit() else name.strip()
    try:
        codecs.lookup(candidate)
    except LookupError:
        return None
    return candidate


def gdal_encoding(name: str) -> str:
    """The name to hand GDAL (via pyogrio) for a canonical encoding name."""
    return _GDAL_NAMES.get(name, name)


def find_sidecar(shp_path, suffix: str) -> Path | None:
    """The file next to ``shp_path`` with the same name and ``suffix`` (".dbf"), in any letter case."""
    shp_path = Path(shp_path)
    for candidate in shp_path.parent.iterdir():
        if candidate.stem == shp_path.stem and candidate.suffix.lower() == suffix:
            return candidate
    return None


def detect_dbf_encoding(shp_path) -> tuple[str, str]:
    """(encoding, how) for a shapefile: its .cpg, else a GBK language-driver byte, else the DBF bytes."""
    cpg = find_sidecar(shp_path, ".cpg")
    if cpg is not None:
        named = normalise_encoding(cpg.read_text("ascii", errors="ignore"))
        if named:
            return named, FROM_CPG
    dbf = find_sidecar(shp_path, ".dbf") or Path(shp_path).with_suffix(".dbf")
    with open(dbf, "rb") as f:
        header = f.read(32)
        count, header_len, record_len = struct.unpack("<IHH", header[4:12]) if len(header) == 32 else (0, 0, 0)
        if header_len <= 32 or record_len == 0:
            raise UserError(
                f"属性表文件 {dbf.name} 已损坏，无法读取。请重新导出该 Shapefile。",
                f"The attribute file {dbf.name} is damaged and cannot be read. Export the shapefile again.",
            )
        if header[29] == _LDID_GBK:
            return "GBK", FROM_LDID
        rest = f.read(header_len - 32 + min(count, SAMPLE_RECORDS) * record_len)
    texts = _text_values(header + rest, header_len, record_len)
    for encoding in ("UTF-8", "GBK", "GB18030"):
        if all(_decodes(text, encoding) for text in texts):
            return encoding, FROM_BYTES
    return "ISO-8859-1", FALLBACK


def _text_values(data: bytes, header_len: int, record_len: int) -> list[bytes]:
    """Field names and the values of character ('C') fields in the raw DBF ``data``."""
    names, text_fields = [], []
    offset = 1  # each record starts with a deletion flag
    for pos in range(32, min(header_len, len(data)) - 31, 32):
        if data[pos] == 0x0D:
            break
        descriptor = data[pos:pos + 32]
        names.append(descriptor[:11].split(b"\0")[0])
        if descriptor[11:12] == b"C":
            text_fields.append((offset, offset + descriptor[16]))
        offset += descriptor[16]
    values = [
        data[start + a:start + b].rstrip(b" \0")
        for start in range(header_len, len(data) - record_len + 1, record_len)
        for a, b in text_fields
    ]
    return names + values


def _decodes(text: bytes, encoding: str) -> bool:
    # Not final: a value cut off mid-character at the field width still counts as valid.
    try:
        codecs.getincrementaldecoder(encoding)().decode(text, final=False)
    except UnicodeDecodeError:
        return False
    return True

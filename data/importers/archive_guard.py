"""Limits checked before a hostile file can eat the memory: archives (zip, KMZ, XLSX) by what their
directory says they unpack to, files read whole by their size, DBF tables by what their header claims.

Every refusal is a :class:`gis.errors.UserError` naming the file, the size found and the limit.

>>> _size(3 * 1024 ** 3), _size(1536 * 1024), _size(900)
('3.0 GB', '1.5 MB', '900 B')
"""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path, PurePosixPath

from gis.errors import UserError

MAX_UNPACKED_BYTES = 1024 ** 3
"""An archive may unpack to at most this much (all members together)."""
MAX_ENTRIES = 10_000
"""An archive may hold at most this many members."""
MAX_WHOLE_FILE_BYTES = 1024 ** 3
"""A file that is read into memory whole (GeoJSON, KML, GeoPackage, shapefile parts) may be at most this big."""
ARCHIVE_SUFFIXES = (".zip", ".kmz", ".xlsx", ".xlsm", ".gz", ".7z", ".rar", ".tar")


def check_archive(path: Path, archive: zipfile.ZipFile) -> None:
    """Refuse ``archive`` (opened from ``path``) if it holds too many members, unpacks to too much, or
    holds only archives (archives inside archives are never unpacked), before any member is read."""
    members = archive.infolist()
    if len(members) > MAX_ENTRIES:
        raise UserError(f"压缩包 {path.name} 含 {len(members)} 个文件，超过上限 {MAX_ENTRIES} 个，未导入。请只打包需要导入的文件。",
                        f"The archive {path.name} holds {len(members)} files, more than the limit of {MAX_ENTRIES}; "
                        "nothing was imported. Pack only the files to import.")
    total = sum(member.file_size for member in members)
    if total > MAX_UNPACKED_BYTES:
        raise UserError(f"压缩包 {path.name} 解压后共 {_size(total)}，超过上限 {_size(MAX_UNPACKED_BYTES)}，未导入。"
                        "文件可能已损坏或是恶意构造的；请检查来源，或拆分后再导入。",
                        f"The archive {path.name} unpacks to {_size(total)}, more than the limit of "
                        f"{_size(MAX_UNPACKED_BYTES)}; nothing was imported. It may be damaged or built to attack; "
                        "check where it came from, or split it.")
    files = [m.filename for m in members if not m.is_dir()]
    nested = [name for name in files if PurePosixPath(name).suffix.lower() in ARCHIVE_SUFFIXES]
    if nested and len(nested) == len(files) and path.suffix.lower() in (".zip", ".kmz"):
        raise UserError(f"压缩包 {path.name} 中还有压缩包（{nested[0]}），不会逐层解开。请先解压外层，再导入里面的文件。",
                        f"The archive {path.name} holds another archive ({nested[0]}), which is not unpacked in turn. "
                        "Unpack the outer one and import the file inside.")


def check_whole_file(path: Path, shown: Path | None = None) -> None:
    """Refuse a file too big to be read into memory whole (``shown`` is the file the user picked)."""
    size = path.stat().st_size
    if size > MAX_WHOLE_FILE_BYTES:
        name = (shown or path).name
        raise UserError(f"{name} 有 {_size(size)}，超过一次导入的上限 {_size(MAX_WHOLE_FILE_BYTES)}，未导入。请拆分成几个文件分别导入。",
                        f"{name} is {_size(size)}, more than the limit of {_size(MAX_WHOLE_FILE_BYTES)} for one import; "
                        "nothing was imported. Split it into several files.")


def check_dbf(dbf: Path, shown: str, shown_en: str) -> None:
    """Refuse a DBF table whose header claims more records than the file holds (damaged or hostile)
    before a reader allocates for them; ``shown``/``shown_en`` name it in messages."""
    size = dbf.stat().st_size
    with dbf.open("rb") as file:
        header = file.read(12)
    if len(header) < 12:
        raise UserError(f"{shown} 的属性表（{dbf.name}）不完整或已损坏：文件头缺失。请重新复制或导出完整的文件后再导入。",
                        f"The attribute table ({dbf.name}) of {shown_en} is incomplete or damaged: its header is missing. "
                        "Copy or export the whole file again.")
    records, header_len, record_len = struct.unpack("<IHH", header[4:12])
    needed = header_len + records * record_len
    if needed > size + 1:  # the end-of-file marker is optional
        raise UserError(f"{shown} 的属性表（{dbf.name}）已损坏：文件头写有 {records} 条记录、需要 {_size(needed)}，"
                        f"文件实际只有 {_size(size)}。请重新复制或导出完整的文件后再导入。",
                        f"The attribute table ({dbf.name}) of {shown_en} is damaged: its header claims {records} "
                        f"records needing {_size(needed)}, but the file has only {_size(size)}. "
                        "Copy or export the whole file again.")


def _size(count: int) -> str:
    """A byte count as people read it: 3.0 GB, 1.5 MB, 900 B."""
    for unit, scale in (("GB", 1024 ** 3), ("MB", 1024 ** 2), ("KB", 1024)):
        if count >= scale:
            return f"{count / scale:.1f} {unit}"
    return f"{count} B"

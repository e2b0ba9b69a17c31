"""The Chinese font of prints: found among the installed fonts and embedded in PDFs as TrueType.

matplotlib embeds fonts in PDFs as Type 42 (TrueType) by declaring ``FontFile2``, but the common CJK fonts
(Noto Sans CJK, Source Han Sans) are OpenType/CFF collections: embedded as they are, the PDF declares
TrueType while holding CFF data (poppler warns "Mismatch between font type and embedded font file", other
readers may refuse the font). So for CFF fonts :func:`truetype_text` converts just the characters the
figures use to TrueType outlines (fontTools cu2qu; the source font is parsed once per process, about 0.5 s,
then about 0.1 s per subset) before saving; fonts with TrueType outlines (WenQuanYi, Microsoft YaHei,
SimHei) are embedded directly. ``pdffonts`` then lists the font as "CID TrueType", embedded and subset.
"""

from __future__ import annotations

import contextlib
import functools
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.text import Text

from gis.errors import UserError

PREFERRED_FAMILIES = (
    "Noto Sans CJK SC", "Source Han Sans SC", "Source Han Sans CN", "Noto Sans SC", "Microsoft YaHei",
    "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "SimHei", "PingFang SC", "Hiragino Sans GB", "Heiti SC",
    "STHeiti", "Sarasa Gothic SC", "Noto Sans CJK TC", "Noto Sans CJK JP", "Source Han Sans TW",
    "Droid Sans Fallback",
)
"""Simplified-Chinese sans-serif families, best first; any other family with Chinese glyphs comes after."""

_PROBE = "疫情防控管控区域图"


@dataclass(frozen=True)
class FontFace:
    """One face of a font file (``index`` selects the face in a .ttc collection)."""

    path: str
    index: int = 0

    @functools.cached_property
    def truetype_outlines(self) -> bool:
        """True if the face has TrueType (glyf) outlines, so matplotlib can embed it as Type 42 unchanged."""
        from fontTools.ttLib import TTFont

        with TTFont(self.path, fontNumber=self.index, lazy=True) as font:
            return "glyf" in font


@dataclass(frozen=True)
class CJKFont:
    """The font family used for all text of a print, with its regular and bold faces."""

    family: str
    regular: FontFace
    bold: FontFace

    def rc(self) -> dict:
        """matplotlib settings for drawing with this font (use with ``matplotlib.rc_context``)."""
        return {"font.family": [self.family], "pdf.fonttype": 42, "ps.fonttype": 42, "text.parse_math": False,
                "axes.unicode_minus": False, "svg.fonttype": "none"}


@functools.cache
def cjk_font() -> CJKFont:
    """The best installed font that has Chinese glyphs; a :class:`UserError` naming fonts to install if none."""
    faces = _installed_faces()
    if not faces:
        _register_fontconfig_fonts()
        faces = _installed_faces()
    ranked = sorted(faces, key=_family_rank)
    if not ranked:
        raise UserError(
            "未找到可用的中文字体，无法输出地图。请安装以下任一字体后重试：Noto Sans CJK（思源黑体，Debian/Ubuntu："
            "sudo apt install fonts-noto-cjk）、文泉驿正黑（fonts-wqy-zenhei）、微软雅黑或黑体（SimHei）。",
            "No Chinese font is installed, so maps cannot be printed. Install one of: Noto Sans CJK "
            "(Debian/Ubuntu: sudo apt install fonts-noto-cjk), WenQuanYi Zen Hei (fonts-wqy-zenhei), "
            "Microsoft YaHei or SimHei.",
        )
    family = ranked[0].name
    entries = [e for e in faces if e.name == family and e.style == "normal"] or [ranked[0]]
    regular = min(entries, key=lambda e: abs(_weight_value(e.weight) - 400))
    bold = min(entries, key=lambda e: abs(_weight_value(e.weight) - 700))
    return CJKFont(family, FontFace(str(regular.fname), regular.index), FontFace(str(bold.fname), bold.index))


@contextlib.contextmanager
def truetype_text(figures: Iterable[Figure]) -> Iterator[None]:
    """While open, every text of ``figures`` is drawn from TrueType subsets of the print font, ready to be
    embedded in a PDF (see the module docstring). Layout is unchanged: the subsets keep the font's metrics."""
    font = cjk_font()
    texts = [t for fig in figures for t in fig.findobj(Text) if t.get_text()]
    if font.regular.truetype_outlines and font.bold.truetype_outlines:
        yield
        return
    chars = "".join(sorted({c for t in texts for c in t.get_text()} | {" "}))
    with tempfile.TemporaryDirectory(prefix="cordon-fonts-") as tmp:
        regular = _truetype_subset(font.regular, chars, Path(tmp) / "regular.ttf")
        bold = regular if font.bold == font.regular else _truetype_subset(font.bold, chars, Path(tmp) / "bold.ttf")
        for text in texts:
            fname = bold if _weight_value(text.get_fontweight()) >= 600 else regular
            text.set_fontproperties(font_manager.FontProperties(fname=fname, size=text.get_fontsize()))
        yield


def _installed_faces() -> list:
    """matplotlib's font entries of the preferred families, else of any family that has Chinese glyphs."""
    entries = font_manager.fontManager.ttflist
    known = [e for e in entries if e.name in PREFERRED_FAMILIES]
    return known or [e for e in entries if _has_chinese(e)]


def _has_chinese(entry) -> bool:
    try:
        charmap = font_manager.get_font(font_manager.FontPath(entry.fname, entry.index)).get_charmap()
    except (OSError, RuntimeError):
        return False
    return all(ord(c) in charmap for c in _PROBE)


def _register_fontconfig_fonts() -> None:
    """Add fonts that fontconfig knows have Chinese glyphs but matplotlib's font cache does not."""
    if not shutil.which("fc-list"):
        return
    listing = subprocess.run(["fc-list", ":lang=zh", "file"], capture_output=True, text=True, check=False).stdout
    for line in listing.splitlines():
        path = line.split(":")[0].strip()
        if path and Path(path).is_file():
            with contextlib.suppress(Exception):  # a broken font file must not stop the search
                font_manager.fontManager.addfont(path)


def _family_rank(entry) -> tuple[int, str]:
    order = PREFERRED_FAMILIES.index(entry.name) if entry.name in PREFERRED_FAMILIES else len(PREFERRED_FAMILIES)
    return order, entry.name


def _weight_value(weight) -> int:
    if isinstance(weight, (int, float)):
        return int(weight)
    return font_manager.weight_dict.get(str(weight), 400)


def _truetype_subset(face: FontFace, chars: str, out: Path) -> str:
    """Write the glyphs of ``chars`` from ``face`` as a small font with TrueType outlines; returns its path.

    The source font is parsed once per process; each subset only converts its own glyphs (cubic CFF
    curves to quadratic TrueType ones, within 1 font unit) and copies the metrics, so layout is unchanged.
    """
    from fontTools.fontBuilder import FontBuilder

    with _SOURCE_LOCK:
        source = _source_font(face)
        cmap = source.getBestCmap()
        mapping = {ord(c): cmap[ord(c)] for c in set(chars) if ord(c) in cmap}
        order = [".notdef", *sorted(set(mapping.values()) - {".notdef"}, key=source.getGlyphID)]
        glyph_set = source.getGlyphSet()
        outlines = {name: _quadratic_outline(glyph_set, name) for name in order}
        advances = {name: source["hmtx"][name][0] for name in order}
        hhea, os2, names = source["hhea"], source["OS/2"], source["name"]
        units_per_em = source["head"].unitsPerEm
    builder = FontBuilder(units_per_em, isTTF=True)
    builder.setupGlyphOrder(order)
    builder.setupCharacterMap(mapping)
    builder.setupGlyf(outlines)
    glyf = builder.font["glyf"]
    builder.setupHorizontalMetrics({n: (advances[n], getattr(glyf[n], "xMin", 0)) for n in order})
    builder.setupHorizontalHeader(ascent=hhea.ascent, descent=hhea.descent, lineGap=hhea.lineGap)
    builder.setupNameTable({"familyName": names.getDebugName(1), "styleName": names.getDebugName(2),
                            "psName": names.getDebugName(6)})
    builder.setupOS2(sTypoAscender=os2.sTypoAscender, sTypoDescender=os2.sTypoDescender,
                     sTypoLineGap=os2.sTypoLineGap, usWinAscent=os2.usWinAscent, usWinDescent=os2.usWinDescent,
                     usWeightClass=os2.usWeightClass, fsType=os2.fsType)
    builder.setupPost()
    builder.save(out)
    return str(out)


_SOURCE_LOCK = threading.Lock()


@functools.lru_cache(maxsize=4)
def _source_font(face: FontFace):
    from fontTools.ttLib import TTFont

    return TTFont(face.path, fontNumber=face.index, lazy=True)


def _quadratic_outline(glyph_set, name: str):
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen

    pen = TTGlyphPen(glyph_set)
    glyph_set[name].draw(Cu2QuPen(pen, max_err=1.0, reverse_direction=True))
    return pen.glyph()

"""Rules of the administrative hierarchy: a unit's level from its code or its name, its parent from its
code, and codes generated for units and grids that have none.

Codes follow the 统计用区划代码 (statistical division code): 12 digits, 6 for the county, 3 for the town
and 3 for the village. A county is ``XXXXXX000000``, a town ``XXXXXXTTT000``; a parent already in the
project may carry the short 6- or 9-digit form of its code (a county made from its name is ``410422``).

>>> level_from_code("410422101201"), level_from_code("410422101000"), level_from_code("410422000000")
('village', 'town', 'county')
>>> level_from_name("叶邑镇"), level_from_name("东关社区居委会"), level_from_name("王庄村")
('town', 'community', 'village')
>>> parent_code_from_code("410422101201", known={"410422101000"})
'410422101000'
>>> codes = CodeGenerator("410422", taken={"410422-001"})
>>> codes.next(None), codes.next("410422-002"), codes.next("410422-002")
('410422-002', '410422-002-001', '410422-002-002')
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Iterable

from gis.glossary import UnitLevel

NO_COUNTY_CODE = "000000"
"""The root of generated codes in a project that does not know its county code."""

_CODE_LIKE = re.compile(r"[0-9A-Za-z_.\-]+")

# Name endings that say a unit's level, longest first so "村委会" wins over "会" words and "社区" over "区".
_NAME_ENDINGS: tuple[tuple[str, UnitLevel], ...] = tuple(sorted((
    ("社区", UnitLevel.COMMUNITY), ("居委会", UnitLevel.COMMUNITY), ("居民委员会", UnitLevel.COMMUNITY),
    ("村", UnitLevel.VILLAGE), ("村委会", UnitLevel.VILLAGE), ("村民委员会", UnitLevel.VILLAGE),
    ("嘎查", UnitLevel.VILLAGE),
    ("镇", UnitLevel.TOWN), ("乡", UnitLevel.TOWN), ("街道", UnitLevel.TOWN), ("办事处", UnitLevel.TOWN),
    ("苏木", UnitLevel.TOWN),
    ("县", UnitLevel.COUNTY), ("旗", UnitLevel.COUNTY),  # not 市/区: 开发区, 城区, 产业集聚区 are not counties
), key=lambda pair: -len(pair[0])))
_COMMUNITY_WORDS = ("社区", "居委会", "居民委员会")


def clean_code(raw) -> str | None:
    """A code as text without spaces (full-width digits made ASCII), or None when blank.

    >>> clean_code(" ４１０４２２ "), clean_code(""), clean_code(None)
    ('410422', None, None)
    """
    if raw is None:
        return None
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(raw)))
    return text or None


def is_division_code(code) -> bool:
    """True for a 12-digit statistical division code (shorter numbers may be a file's own numbering).

    >>> is_division_code("410422101201"), is_division_code("410422"), is_division_code("41042210120")
    (True, False, False)
    """
    return isinstance(code, str) and code.isascii() and code.isdigit() and len(code) == 12


def level_from_code(code, name=None) -> str | None:
    """The level a division code says (``UnitLevel`` value), or None for anything else.

    A 12-digit code ending in ``000000`` is a county, in ``000`` a town, otherwise a village, or a community
    when ``name`` says 社区/居委会.

    >>> level_from_code("410422101001", "昆阳街道东城社区"), level_from_code("410422"), level_from_code("A12")
    ('community', None, None)
    """
    if not is_division_code(code):
        return None
    if code.endswith("000000"):
        return UnitLevel.COUNTY.value
    if code.endswith("000"):
        return UnitLevel.TOWN.value
    if any(word in str(name or "") for word in _COMMUNITY_WORDS):
        return UnitLevel.COMMUNITY.value
    return UnitLevel.VILLAGE.value


def level_from_name(name) -> str | None:
    """The level a unit's name says by its ending (镇/乡/街道/办事处 → town, 村/村委会 → village,
    社区/居委会 → community, 县/旗 → county), or None.

    >>> level_from_name("昆阳街道办事处"), level_from_name("叶县"), level_from_name("产业集聚区")
    ('town', 'county', None)
    """
    text = unicodedata.normalize("NFKC", str(name or "")).strip()
    for ending, level in _NAME_ENDINGS:
        if text.endswith(ending):
            return level.value
    return None


def parent_code_candidates(code) -> tuple[str, ...]:
    """The forms the parent's code may take, the 12-digit form first; () for a county or a non-division code.

    >>> parent_code_candidates("410422101201"), parent_code_candidates("410422101000")
    (('410422101000', '410422101'), ('410422000000', '410422'))
    """
    level = level_from_code(code)
    if level in (None, UnitLevel.COUNTY.value):
        return ()
    if level == UnitLevel.TOWN.value:
        return (code[:6] + "000000", code[:6])
    return (code[:9] + "000", code[:9])


def parent_code_from_code(code, known: Collection[str] = ()) -> str | None:
    """The parent's code read from a division code's prefix: the form found in ``known`` codes if any
    (a county unit stored as ``410422``), else the 12-digit form; None for counties and other codes.

    >>> parent_code_from_code("410422101000", known={"410422"}), parent_code_from_code("410422101000")
    ('410422', '410422000000')
    """
    candidates = parent_code_candidates(code)
    if not candidates:
        return None
    return next((c for c in candidates if c in known), candidates[0])


class CodeGenerator:
    """Codes for features that have none: ``<parent code>-<n>`` with ``n`` counting up (three digits) per
    parent, skipping ``taken`` codes; the county code (or ``000000``) stands in for a missing parent.

    Generating in the order of the file gives the same codes every time the same file is imported into a
    project holding the same codes. Such codes cannot be mistaken for division codes (they hold a ``-``).
    """

    def __init__(self, county_code: str | None, taken: Iterable[str] = ()):
        self.root = clean_code(county_code) or NO_COUNTY_CODE
        self.taken = {c for c in taken if c}
        self._last: dict[str, int] = {}

    def next(self, parent: str | None) -> str:
        """A new code under ``parent`` (the county when None), never handed out before nor taken."""
        base = clean_code(parent) or self.root
        n = self._last.get(base, 0)
        while True:
            n += 1
            code = f"{base}-{n:03d}"
            if code not in self.taken:
                break
        self._last[base] = n
        self.taken.add(code)
        return code


def looks_like_code(text) -> bool:
    """Whether ``text`` is written like a code (ASCII letters, digits, ``-``, ``_``, ``.``): a parent column
    holding "410422101000" holds codes, one holding "叶邑镇" or "第1镇" holds names.

    >>> looks_like_code("410422101000"), looks_like_code("410422-001"), looks_like_code("第1镇"), looks_like_code(None)
    (True, True, False, False)
    """
    code = clean_code(text)
    return code is not None and _CODE_LIKE.fullmatch(code) is not None

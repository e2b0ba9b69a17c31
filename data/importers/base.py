"""What every file reader hands to the import pipeline, and what the pipeline reports back."""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np

from gis.crs import SourceCRS


@dataclass(frozen=True)
class RowProblem:
    """A problem with one source row. ``row`` is what the user sees: the spreadsheet row number
    (header = row 1, so the first data row is 2) for CSV/XLSX, the 1-based feature number otherwise."""

    row: int
    zh: str
    en: str

    def message(self, lang: str = "zh") -> str:
        prefix = f"第 {self.row} 行：" if lang == "zh" else f"row {self.row}: "
        return prefix + (self.zh if lang == "zh" else self.en)


@dataclass
class SourceTable:
    """Features read from a file, before field mapping and conversion.

    ``frame`` keeps the file's own attribute columns (text decoded) and a ``geometry`` column in the
    source coordinates; its index holds the user-facing row numbers (see :class:`RowProblem`).
    ``crs`` is None when the file does not say and the user did not either.
    ``rejected`` are rows that could not even be read into a geometry; ``notes`` are things the user
    should know (encoding detected, coordinates swapped and fixed, ...), as (zh, en) pairs.
    A file read in chunks gives one table per chunk; ``done`` is the share of the file read so far.
    """

    frame: gpd.GeoDataFrame
    crs: SourceCRS | None
    rejected: list[RowProblem] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)
    done: float = 1.0


stripped = np.frompyfunc(str.strip, 1, 1)
"""Each text of an object array without the white space around it, in one pass (a new object array)."""

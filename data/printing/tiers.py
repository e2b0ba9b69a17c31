"""The tiers a print or report shows, from the project's tier scheme (names and colours, top tier first)."""

from __future__ import annotations

from dataclasses import dataclass

from data.zone_store import load_scheme

UNKNOWN_TIER_COLOUR = "#7f7f7f"


@dataclass(frozen=True)
class TierStyle:
    """One tier as printed: stored key, Chinese label, colour (``#rrggbb``)."""

    key: str
    label: str
    colour: str


def tier_styles(project) -> list[TierStyle]:
    """The project's tiers, top (strictest) tier first."""
    return [TierStyle(t.key, t.zh, t.colour) for t in load_scheme(project).tiers]


def with_unknown_tiers(styles: list[TierStyle], keys) -> list[TierStyle]:
    """``styles`` followed by a grey style for each stored tier key the scheme does not know."""
    known = {s.key for s in styles}
    extra = sorted({str(k) for k in keys if k is not None and str(k) not in known})
    return styles + [TierStyle(key, key, UNKNOWN_TIER_COLOUR) for key in extra]

"""How things look, defined once for the screen map, exported HTML maps and prints.

Colours are CSS hex strings. Tier colours here are the defaults of the built-in schemes; a project's
tier scheme may override them.
"""

from __future__ import annotations

from gis.glossary import CONTACTS, INFECTED, CaseCategory, CaseGroup, FacilityKind, KeyPersonCategory, SiteStatus, Tier

TIER_COLOURS = {
    Tier.SEALED.value: "#d7191c",  # red
    Tier.CONTROLLED.value: "#f17c22",  # orange
    Tier.PRECAUTION.value: "#f5c700",  # yellow
}
ZONE_FILL_OPACITY = 0.10  # a light tint only: zones are read by their outline and hatching, not by a fill
ZONE_OUTLINE_WIDTH = 2.5  # px on screen (half as many pt in print)
ZONE_HATCHES = [  # by tier rank (0 = top tier): matplotlib hatch, and the same lines on screen (px apart, degrees)
    {"mpl": "xxxxx", "spacing": 8, "angles": [45, 135]},  # the top tier cross-hatched
    {"mpl": "/////", "spacing": 8, "angles": [45]},
    {"mpl": "\\\\\\", "spacing": 12, "angles": [135]},  # sparser back-slashes for the lowest tier
]
ZONE_HATCH_WIDTH = 1.0  # px on screen / pt on A4


def zone_hatch(rank: int) -> dict:
    """The hatching of the tier at ``rank`` (0 = top tier); tiers below the third share the last one."""
    return ZONE_HATCHES[min(max(rank, 0), len(ZONE_HATCHES) - 1)]


LABEL_INK = "#1f1f1f"  # dark text for every label (zone, unit), with a light halo, legible on any fill
LABEL_HALO = "#ffffff"

CASE_COLOURS = {
    CaseCategory.CONFIRMED.value: "#c1121f",
    CaseCategory.ASYMPTOMATIC.value: "#e36414",
    CaseCategory.SUSPECTED.value: "#9d4edd",
    CaseCategory.CLOSE_CONTACT.value: "#1d70b8",
    CaseCategory.SECONDARY_CONTACT.value: "#5fa8d3",
}

KEY_PERSON_COLOURS = {
    KeyPersonCategory.INBOUND.value: "#2a9d8f",
    KeyPersonCategory.RETURNEE.value: "#8ab17d",
}

SITE_COLOURS = {
    SiteStatus.ACTIVE.value: "#2b9348",
    SiteStatus.STANDBY.value: "#8a8a8a",
    SiteStatus.CLOSED.value: "#3d3d3d",
}

FACILITY_STYLES = {  # colour and a one-character glyph drawn in the marker
    FacilityKind.DESIGNATED_HOSPITAL.value: ("#b5179e", "医"),
    FacilityKind.FEVER_CLINIC.value: ("#f72585", "热"),
    FacilityKind.SAMPLING_SITE.value: ("#0077b6", "采"),
    FacilityKind.CHECKPOINT.value: ("#6a4c93", "卡"),
}

UNIT_OUTLINES = {  # level -> (stroke colour, stroke width in px)
    "county": ("#222222", 2.6),
    "town": ("#444444", 1.6),
    "village": ("#8c8c8c", 0.7),
    "community": ("#8c8c8c", 0.7),
}
UNIT_OUTLINE_LABELS = {  # level -> (Chinese, English) legend words of its outline
    "county": ("县（市、区）界", "county boundary"),
    "town": ("乡镇（街道）界", "town boundary"),
    "village": ("村（社区）界", "village / community boundary"),
}
GRID_OUTLINE = ("#b0b0b0", 0.4)

# Grids shaded by their infections (confirmed + asymptomatic; suspected cases and contacts not counted, see
# data.stats_store.grid_infections): upper bounds of each class (inclusive) and its fill colour. A purple
# sequential ramp, so the shading is never read as the red/orange/yellow zone tiers.
GRID_CASE_CLASSES = [(0, "#ffffff00"), (1, "#e4e0f0"), (3, "#c2bbdc"), (9, "#9c8fc4"), (10**9, "#6a4c9c")]
BACKGROUND = "#f4f1ea"

# Many points in view (see the map page's AGGREGATE_ABOVE) are drawn as square cells shaded by how many people each
# holds, one ramp per group so infections and contacts never read as one: a cell takes the ramp of the first group
# it holds (infections over suspected cases over contacts). Classes: upper bounds (inclusive) of people per cell.
DENSITY_CLASSES = [9, 99, 999, 9999, 10**9]
DENSITY_GROUPS = {  # layer -> [(group, its categories, ramp light to dark)]
    "cases": [
        ("infections", [c.value for c in INFECTED], ["#fc9272", "#fb6a4a", "#de2d26", "#a50f15", "#67000d"]),
        ("suspected", [CaseCategory.SUSPECTED.value], ["#fa9fb5", "#f768a1", "#dd3497", "#ae017e", "#7a0177"]),
        ("contacts", [c.value for c in CONTACTS], ["#9ecae1", "#6baed6", "#3182bd", "#08519c", "#08306b"]),
    ],
    "key_persons": [
        ("key_persons", [c.value for c in KeyPersonCategory], ["#c7eae5", "#80cdc1", "#35978f", "#01665e", "#003c30"]),
    ],
}


def grid_legend(lang: str = "zh") -> tuple[str, str]:
    """(title, note) of the grid shading's legend, the same on the screen map and in print: it counts infections.

    >>> grid_legend()[0]
    '网格感染者数'
    """
    g = CaseGroup
    if lang == "zh":
        return (f"网格{g.INFECTIONS.zh}数", f"{g.INFECTIONS.zh}（{CaseCategory.CONFIRMED.zh}、{CaseCategory.ASYMPTOMATIC.zh}），"
                                          f"不含{g.SUSPECTED.zh}、{g.CLOSE_CONTACTS.zh}、{g.SECONDARY_CONTACTS.zh}")
    return (f"{g.INFECTIONS.en.capitalize()} per grid",
            f"{g.INFECTIONS.en} ({g.CONFIRMED.en} and {g.ASYMPTOMATIC.en}); {g.SUSPECTED.en} cases and contacts "
            "not counted")


def grid_fill(count: int) -> str:
    """Fill colour of a grid holding ``count`` infections."""
    for upper, colour in GRID_CASE_CLASSES:
        if count <= upper:
            return colour
    return GRID_CASE_CLASSES[-1][1]


def as_dict() -> dict:
    """Everything above, JSON-ready (the map page reads it)."""
    return {
        "tiers": TIER_COLOURS, "zoneFillOpacity": ZONE_FILL_OPACITY, "zoneOutlineWidth": ZONE_OUTLINE_WIDTH,
        "zoneHatches": ZONE_HATCHES, "zoneHatchWidth": ZONE_HATCH_WIDTH, "labelInk": LABEL_INK, "labelHalo": LABEL_HALO,
        "cases": CASE_COLOURS,
        "keyPersons": KEY_PERSON_COLOURS, "sites": SITE_COLOURS,
        "facilities": {k: {"colour": c, "glyph": g} for k, (c, g) in FACILITY_STYLES.items()},
        "units": {k: {"colour": c, "width": w} for k, (c, w) in UNIT_OUTLINES.items()},
        "grid": {"colour": GRID_OUTLINE[0], "width": GRID_OUTLINE[1]},
        "gridClasses": GRID_CASE_CLASSES, "background": BACKGROUND,
        "densityClasses": DENSITY_CLASSES,
        "densityGroups": {layer: [{"key": k, "categories": c, "ramp": r} for k, c, r in groups]
                          for layer, groups in DENSITY_GROUPS.items()},
    }

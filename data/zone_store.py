"""Control zones in the project file: the tier scheme, the zone list with countdowns, and the zone actions.

Every action is one transaction whose audit_log rows carry the user, the time, and the zone before and
after; action names: create, modify, tier_change, downgrade, lift, record_test_round, new_case,
proposal_update, apply_proposal. Nothing here changes a tier on its own: stepping down is always asked for.
The actions on one zone take the ``expected_version`` of the row the user acted on (the ``version`` of
:func:`zone_rows`): a zone changed meanwhile by another desk is not overwritten
(:class:`data.project.ConflictError`). Applying a proposal is serialised across desks.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

import geopandas as gpd
import pandas as pd
import shapely

from data.project import Project, now_iso
from gis.crs import STORAGE_CRS
from gis.errors import UserError
from gis.glossary import (
    INFECTED,
    CaseCategory,
    ProposalGroup,
    RoundResult,
    SnapRule,
    UnitLevel,
    ZoneDifference,
    ZoneKind,
    ZoneStatus,
)
from gis.zoning.changes import zone_changes
from gis.zoning.countdown import Countdown, ScreeningRound, as_date, countdown
from gis.zoning.effective import effective_tiers
from gis.zoning.naming import GRID_NOUN, UNIT_NOUN, suggest_name, unique_name
from gis.zoning.proposal_diff import ProposalDiff, ZoneComparison
from gis.zoning.proposal_diff import compare_proposal as compare_with_zones
from gis.zoning.proposals import Proposal, propose_zones
from gis.zoning.report import ZoneReport, people_in, zone_report
from gis.zoning.schemes import DEFAULT_SCHEME_KEY, PRESETS, TierScheme, validated
from gis.zoning.shapes import area_m2
from gis.zoning.snapping import SnappedZone, covered_units, snap_to_units

SCHEME_METADATA_KEY = "tier_scheme"
LAYER = "control_zones"
CONTROL_UNIT_LEVELS = (UnitLevel.VILLAGE.value, UnitLevel.COMMUNITY.value)
OVERLAP_MIN_M2 = 100.0
OVERLAP_MIN_SHARE = 0.005
"""Zones sharing less than this area (m²) or this share of the smaller zone only touch: borders drawn twice."""
UNIT_LEVELS = ("unit", "grid")
"""What proposals and reports treat as a control unit: villages/communities ("unit") or grids ("grid")."""
ROW_COLUMNS = ["fid", "name", "tier", "tier_label", "kind", "started_at", "last_case_at", "days_since_last_case",
               "projected_downgrade", "next_tier", "ready", "missing", "population", "households", "status", "version"]


def zone_record(geometry, *, tier: str, kind: str, name: str | None = None, radius_m: float | None = None,
                unit_codes: list[str] | None = None, at: str | None = None) -> gpd.GeoDataFrame:
    """One control-zone row ready for ``Edit.insert("control_zones", ...)``; its clock starts ``at`` (now)."""
    at = at or now_iso()
    return gpd.GeoDataFrame({
        "name": [name], "tier": [tier], "kind": [kind], "radius_m": [radius_m], "created_at": [at],
        "updated_at": [at], "started_at": [at], "status": [ZoneStatus.ACTIVE.value],
        "unit_codes": [json.dumps(unit_codes, ensure_ascii=False) if unit_codes else None],
    }, geometry=[geometry], crs=STORAGE_CRS)


@dataclass(frozen=True)
class OverlapWarning:
    """A new zone overlapping an active zone of another tier; where they overlap the higher tier applies."""

    name: str
    tier: str
    other_fid: int
    other_name: str
    other_tier: str
    applies: str
    area_m2: float
    scheme: TierScheme = field(repr=False, compare=False)

    def message(self, lang: str = "zh") -> str:
        """One line naming both zones and the tier that applies where they overlap."""
        tier, other, applies = (self.scheme.label(key, lang) for key in (self.tier, self.other_tier, self.applies))
        hectares = f"{self.area_m2 / 10_000:,.1f}"
        if lang == "zh":
            return (f"新区域“{self.name}”（{tier}）与“{self.other_name}”（{other}）重叠约 {hectares} 公顷；"
                    f"重叠处按较高等级“{applies}”管理。")
        return (f"The new zone '{self.name}' ({tier}) overlaps '{self.other_name}' ({other}) over about "
                f"{hectares} ha; where they overlap, the higher tier '{applies}' applies.")


class NewZone(int):
    """The fid of a zone just created, with the ``name`` it was given and its overlap ``warnings``."""

    name: str
    warnings: tuple[OverlapWarning, ...]

    def __new__(cls, fid: int, name: str, warnings=()):
        made = super().__new__(cls, fid)
        made.name, made.warnings = name, tuple(warnings)
        return made


# -- the tier scheme ---------------------------------------------------------------------------------------


def load_scheme(project: Project) -> TierScheme:
    """The project's tier scheme; the 2022 9th-edition preset when none is stored."""
    stored = project.metadata.get(SCHEME_METADATA_KEY)
    return TierScheme.from_dict(stored) if stored else PRESETS[DEFAULT_SCHEME_KEY]


def save_scheme(project: Project, scheme: TierScheme) -> None:
    """Store ``scheme`` as the project's tier scheme (logged); refused if an active zone's tier would vanish."""
    validated(scheme)
    orphaned = sorted(set(_active_zones(project)["tier"]) - set(scheme.keys))
    if orphaned:
        raise UserError(f"仍有生效的管控区域使用等级“{'、'.join(orphaned)}”，新方案中没有这些等级。请先修改或解除这些区域。",
                        f"Active zones still use tiers missing from the new scheme: {', '.join(orphaned)}. "
                        "Change or lift those zones first.")
    project.set_metadata(**{SCHEME_METADATA_KEY: scheme.to_dict()})


# -- reading -----------------------------------------------------------------------------------------------


def control_units(project: Project, level: str = "unit") -> gpd.GeoDataFrame:
    """The control units: villages and communities (``level="unit"``) or grids (``"grid"``)."""
    if level not in UNIT_LEVELS:
        raise UserError(f"单元类型须为 unit（村/社区）或 grid（网格），不能是“{level}”。",
                        f"Unit level must be unit (village/community) or grid, not '{level}'.")
    if level == "grid":
        return project.read_layer("grids")
    marks = ", ".join("?" * len(CONTROL_UNIT_LEVELS))
    return project.read_layer("admin_units", where=f"level IN ({marks})", params=CONTROL_UNIT_LEVELS)


def zone_rows(project: Project, on_date=None) -> pd.DataFrame:
    """The zones not lifted before ``on_date`` (default today), with their countdowns on that date.

    Columns: fid, name, tier, tier_label, kind, started_at, last_case_at, days_since_last_case,
    projected_downgrade and next_tier (None for a tier with no countdown), ready, missing (what stands in
    the way, :class:`gis.zoning.countdown.Missing` values), population, households, status, version (of the
    row read: pass it back as ``expected_version``). Top tier first.
    """
    on = as_date(on_date) or dt.date.today()
    scheme = load_scheme(project)
    versions = project.versions(LAYER)
    zones = project.read_layer(LAYER)
    zones = zones[~(zones["lifted_at"].fillna("9999").str[:10] < on.isoformat())]
    people = _people_layer(project)
    downgraded = _downgraded_zones(project)
    contacts = _contacts(project) if any(t.contact_quiet_days for t in scheme.tiers) else None
    rows = [_row(fid, zone, scheme, _zone_countdown(scheme, zone, on, fid in downgraded, contacts), people)
            | {"version": versions.get(fid)} for fid, zone in zones.iterrows()]
    frame = pd.DataFrame(rows, columns=ROW_COLUMNS)
    rank = frame["tier"].map({key: position for position, key in enumerate(scheme.keys)}).fillna(len(scheme.keys))
    return frame.assign(rank=rank).sort_values(["rank", "fid"]).drop(columns="rank").reset_index(drop=True)


def zone_details(project: Project, fid: int, on_date=None) -> dict:
    """Zone ``fid`` as its popup shows it: the :func:`zone_rows` fields on ``on_date`` (default today), plus
    ``radius_m``, ``lifted_at`` and ``units`` (the names of its villages/communities or grids; for a circle or
    drawn zone those whose centre it covers), ``title`` (how messages name it) and ``next_tier_label``."""
    on = as_date(on_date) or dt.date.today()
    scheme = load_scheme(project)
    zone = _zone(project, fid)
    contacts = _contacts(project) if any(t.contact_quiet_days for t in scheme.tiers) else None
    clock = _zone_countdown(scheme, zone, on, int(fid) in _downgraded_zones(project), contacts)
    row = _row(int(fid), zone, scheme, clock, _people_layer(project))
    codes = json.loads(zone["unit_codes"]) if isinstance(zone["unit_codes"], str) and zone["unit_codes"] else []
    if codes:
        units = _unit_names(project, codes)[0]
    else:
        units = covered_units(zone.geometry, control_units(project), rule=SnapRule.CENTROID)["name"].dropna().tolist()
    next_tier = row["next_tier"]
    return {**row, "title": zone_title(zone, scheme), "radius_m": None if pd.isna(zone["radius_m"]) else
            float(zone["radius_m"]), "lifted_at": None if pd.isna(zone["lifted_at"]) else zone["lifted_at"],
            "units": [str(u) for u in units],
            "next_tier_label": scheme.label(next_tier) if next_tier in scheme.keys else None}


def zone_countdown(project: Project, fid: int, on_date=None) -> Countdown:
    """The countdown of active zone ``fid`` on ``on_date`` (default today)."""
    scheme = load_scheme(project)
    zone = _active_zone(project, fid)
    contacts = _contacts(project) if scheme.tier(zone["tier"]).contact_quiet_days else None
    return _zone_countdown(scheme, zone, as_date(on_date) or dt.date.today(), fid in _downgraded_zones(project),
                           contacts)


def zone_frame(project: Project, fid: int) -> gpd.GeoDataFrame:
    """Zone ``fid`` as a one-row layer (no row if there is no such zone)."""
    return project.read_layer(LAYER, where="fid = ?", params=(int(fid),))


def circle_cases(project: Project, case_fids) -> tuple[gpd.GeoSeries, str | None]:
    """Where the cases ``case_fids`` are, to draw control circles around, and the last report time of the
    infections among them (None if none is an infection): the circles' zones count their quiet days from it."""
    cases = project.read_layer("cases").loc[list(case_fids)]
    infected = cases[cases["category"].isin([c.value for c in INFECTED])]["reported_at"].dropna()
    return cases.geometry, infected.max() if len(infected) else None


def snapped_zone(project: Project, fid: int, *, level: str = "unit", rule: str = SnapRule.CENTROID,
                 threshold: float) -> SnappedZone:
    """The control units (``level``, see :func:`control_units`) zone ``fid`` covers under ``rule`` and their
    outline (see :func:`gis.zoning.snapping.snap_to_units`); writes nothing."""
    return snap_to_units(_zone(project, fid).geometry, control_units(project, level), rule=rule, threshold=threshold)


def zone_report_for(project: Project, geometry) -> ZoneReport:
    """Units, grids, people, isolation sites, facilities and cases by category inside ``geometry``."""
    return zone_report(geometry, units=control_units(project), grids=project.read_layer("grids"),
                       isolation_sites=project.read_layer("isolation_sites"),
                       facilities=project.read_layer("facilities"), cases=project.read_layer("cases"))


def effective_tier_layer(project: Project) -> gpd.GeoDataFrame:
    """The effective tier surface of the active zones: one disjoint geometry per tier, top tier first."""
    return effective_tiers(_active_zones(project), load_scheme(project))


def changes_since(project: Project, since) -> gpd.GeoDataFrame:
    """Zones added, upgraded, downgraded or lifted since day ``since`` (a layer with a ``change`` column)."""
    audit = project.read_layer("audit_log", where="layer = ?", params=(LAYER,))
    return zone_changes(audit, project.read_layer(LAYER), load_scheme(project), since)


def propose(project: Project, *, as_of=None, level: str = "unit", **options) -> Proposal:
    """Proposed zones for the project's recent infections (see :func:`gis.zoning.proposals.propose_zones`
    for ``options``: days, small_m, large_m, snap_rule, threshold); the last zone is the rest of the county.
    Writes nothing."""
    return propose_zones(project.read_layer("cases"), control_units(project, level), load_scheme(project),
                         as_of=as_date(as_of) or dt.date.today(), county=project.county_outline(), **options)


# -- actions -----------------------------------------------------------------------------------------------


def create_zone(project: Project, geometry, *, tier: str, kind: str, name: str | None = None,
                radius_m: float | None = None, unit_codes: list[str] | None = None, last_case_at=None,
                note: str | None = None, at=None) -> NewZone:
    """Add an active zone (logged "create"); its clock starts ``at`` (now).

    Checked first: the tier must be in the scheme, the kind known and the outline a polygon. Without a
    ``name`` one is suggested (:func:`suggest_zone_name`); a name in use by an active zone gets a number.
    Returns the new fid (a :class:`NewZone`) with the name given and a warning for each active zone of
    another tier it overlaps.
    """
    scheme = load_scheme(project)
    scheme.tier(tier)
    try:
        ZoneKind(kind)
    except ValueError as exc:
        raise UserError(f"区域类型须为 {'、'.join(ZoneKind.values())} 之一，不能是“{kind}”。",
                        f"Zone kind must be one of {', '.join(ZoneKind.values())}, not '{kind}'.") from exc
    if geometry is None or geometry.is_empty or geometry.geom_type not in ("Polygon", "MultiPolygon"):
        raise UserError("管控区域须是有面积的多边形。", "A control zone must be a polygon with an area.")
    active = _active_zones(project)
    name = (name or "").strip() or suggest_zone_name(project, geometry, kind=kind, radius_m=radius_m,
                                                     unit_codes=unit_codes)
    name = unique_name(name, active["name"].dropna().astype(str))
    warnings = _overlaps(active, geometry, tier, name, scheme)
    record = zone_record(geometry, tier=tier, kind=kind, name=name, radius_m=radius_m, unit_codes=unit_codes,
                         at=_stamp(at))
    record["last_case_at"], record["note"] = _stamp(last_case_at) if last_case_at else None, note
    with project.transaction() as edit:
        (fid,) = edit.insert(LAYER, record, action="create")
    return NewZone(fid, name, warnings)


def suggest_zone_name(project: Project, geometry, *, kind: str, radius_m: float | None = None,
                      unit_codes: list[str] | None = None) -> str:
    """A readable name for a new zone (see :func:`gis.zoning.naming.suggest_name`): its units' names for a
    unit zone, "张庄村周边500米管控圈" for a circle, the covered villages' names for a drawn zone."""
    units = control_units(project)
    if kind == ZoneKind.UNIT.value and unit_codes:
        names, noun = _unit_names(project, unit_codes)
        return suggest_name(geometry, kind=kind, units=units, unit_names=names, noun=noun)
    return suggest_name(geometry, kind=kind, units=units, radius_m=radius_m)


def _overlaps(active: gpd.GeoDataFrame, geometry, tier: str, name: str, scheme: TierScheme) -> list[OverlapWarning]:
    """One warning per zone of ``active`` of another tier sharing more than a sliver with ``geometry``."""
    others = active[(active["tier"] != tier) & active["tier"].isin(scheme.keys)]
    if others.empty:
        return []
    others = others.iloc[others.sindex.query(geometry, predicate="intersects")]
    rank = {key: position for position, key in enumerate(scheme.keys)}
    own_area = area_m2(geometry)
    warnings = []
    for fid, zone in others.sort_index().iterrows():
        shared = area_m2(shapely.intersection(shapely.make_valid(zone.geometry), shapely.make_valid(geometry)))
        if shared < OVERLAP_MIN_M2 or shared < OVERLAP_MIN_SHARE * min(own_area, area_m2(zone.geometry)):
            continue
        applies = min(tier, zone["tier"], key=rank.__getitem__)
        warnings.append(OverlapWarning(name, tier, int(fid), zone_title(zone, scheme), zone["tier"], applies,
                                       shared, scheme))
    return warnings


def rename_zone(project: Project, fid: int, name: str, *, expected_version: int | None = None) -> str:
    """Give zone ``fid`` a new name (logged "modify"); refused if blank or used by another active zone.
    Returns the name stored (trimmed)."""
    zone = _active_zone(project, fid)
    name = (name or "").strip()
    if not name:
        raise UserError("区域名称不能为空。", "A zone needs a name.")
    active = _active_zones(project)
    if ((active["name"] == name) & (active.index != int(fid))).any():
        raise UserError(f"已有生效的区域名为“{name}”，请换一个名称。", f"An active zone is already named '{name}'; "
                        "choose another name.")
    if name != zone["name"]:
        modify_zone(project, fid, name=name, expected_version=expected_version)
    return name


def zone_title(zone: pd.Series, scheme: TierScheme | None = None) -> str:
    """How messages name a zone: its name, or (for an unnamed zone of old) its tier and number."""
    name = zone.get("name")
    if isinstance(name, str) and name.strip():
        return name.strip()
    tier = zone.get("tier")
    label = scheme.label(tier) if scheme is not None and tier in scheme.keys else (tier or "")
    return f"{label}（编号 {zone.name}）"


def _unit_names(project: Project, codes: list[str]) -> tuple[list[str], str]:
    """The names of the units (villages/communities, else grids) with these codes, most populous first,
    and the noun that counts them."""
    codes = [str(c) for c in codes]
    for layer, noun in ((control_units(project), UNIT_NOUN), (project.read_layer("grids"), GRID_NOUN)):
        chosen = layer[layer["code"].astype(str).isin(codes)]
        if len(chosen):
            chosen = chosen.assign(_p=chosen["population"].fillna(0)).sort_values("_p", ascending=False, kind="stable")
            names = chosen["name"].fillna(chosen["code"]).astype(str).tolist()
            return names, noun
    return codes, "单元"


def replace_with_units(project: Project, fid: int, snapped: SnappedZone, *, expected_version: int | None = None) -> None:
    """Make zone ``fid`` the unit zone of ``snapped``'s units (codes kept) outlined by its outline; its tier,
    clock and test rounds stay (logged "modify")."""
    values = {"kind": ZoneKind.UNIT.value, "radius_m": None, "updated_at": now_iso(),
              "unit_codes": json.dumps(snapped.units["code"].astype(str).tolist(), ensure_ascii=False)}
    with project.transaction() as edit:
        edit.update(LAYER, fid, values, geometry=snapped.outline, action="modify", expected_version=expected_version)


def modify_zone(project: Project, fid: int, *, geometry=None, name: str | None = None, note: str | None = None,
                unit_codes: list[str] | None = None, expected_version: int | None = None) -> None:
    """Change an active zone's outline, name, note or units (logged "modify"); its tier and clock stay."""
    _active_zone(project, fid)
    values = {key: value for key, value in (("name", name), ("note", note)) if value is not None}
    if unit_codes is not None:
        values["unit_codes"] = json.dumps(unit_codes, ensure_ascii=False)
    with project.transaction() as edit:
        edit.update(LAYER, fid, {**values, "updated_at": now_iso()}, geometry=geometry, action="modify",
                    expected_version=expected_version)


def change_tier(project: Project, fid: int, tier: str, *, at=None, expected_version: int | None = None) -> None:
    """Put an active zone into another tier (up or down, logged "tier_change"); started_at becomes ``at``."""
    load_scheme(project).tier(tier)
    zone = _active_zone(project, fid)
    if zone["tier"] == tier:
        title = zone_title(zone)
        raise UserError(f"区域“{title}”已是该等级。", f"Zone '{title}' is already in that tier.")
    stamp = _stamp(at)
    with project.transaction() as edit:
        edit.update(LAYER, fid, {"tier": tier, "started_at": stamp, "updated_at": stamp}, action="tier_change",
                    expected_version=expected_version)


def downgrade(project: Project, fid: int, *, on=None, force: bool = False, expected_version: int | None = None) -> str:
    """Step an active zone down one tier on ``on`` (default today), logged "downgrade"; returns the new tier.

    Refused (UserError saying what is missing) unless the zone's countdown says it is ready, or ``force``
    is set: the command may decide to step down early.
    """
    clock = zone_countdown(project, fid, on)
    scheme = load_scheme(project)
    title = zone_title(_zone(project, fid), scheme)
    if clock.next_tier is None:
        raise UserError(f"区域“{title}”已是最低等级（{scheme.label(clock.tier)}），只能解除。",
                        f"Zone '{title}' is in the lowest tier ({scheme.label(clock.tier, 'en')}); lift it instead.")
    if not clock.ready and not force:
        reasons = "；".join(m.zh for m in clock.missing)
        raise UserError(f"区域“{title}”尚不满足降级条件：{reasons}。预计可降级日期：{clock.projected_downgrade}。",
                        f"Zone '{title}' is not ready to step down: {'; '.join(m.en for m in clock.missing)}. "
                        f"Projected date: {clock.projected_downgrade}.")
    stamp = _stamp(on)
    with project.transaction() as edit:
        edit.update(LAYER, fid, {"tier": clock.next_tier, "started_at": stamp, "updated_at": stamp},
                    action="downgrade", expected_version=expected_version)
    return clock.next_tier


def lift(project: Project, fid: int, *, at=None, expected_version: int | None = None) -> None:
    """Lift an active zone (status lifted, logged "lift")."""
    _active_zone(project, fid)
    stamp = _stamp(at)
    with project.transaction() as edit:
        edit.update(LAYER, fid, {"status": ZoneStatus.LIFTED.value, "lifted_at": stamp, "updated_at": stamp},
                    action="lift", expected_version=expected_version)


def record_test_round(project: Project, fid: int, on, result: str = RoundResult.NEGATIVE, *,
                      expected_version: int | None = None) -> None:
    """Record a full test round of zone ``fid`` on date ``on`` (negative or positive; logged).

    A positive round counts as a new infection: the zone's clock restarts on that day.
    """
    zone = _active_zone(project, fid)
    try:
        outcome = RoundResult.from_label(result)
    except ValueError as exc:
        raise UserError(f"检测结果须为阴性或阳性，不能是“{result}”。",
                        f"A round's result must be negative or positive, not '{result}'.") from exc
    rounds = _test_rounds(zone) + [ScreeningRound(as_date(on), outcome)]
    stored = json.dumps([r.to_dict() for r in sorted(rounds, key=lambda r: r.date)], ensure_ascii=False)
    with project.transaction() as edit:
        edit.update(LAYER, fid, {"test_rounds": stored, "updated_at": now_iso()}, action="record_test_round",
                    expected_version=expected_version)


def register_new_cases(project: Project, case_fids=None) -> dict[int, str]:
    """Restart the clock of every active zone with a new infection inside: one reported after its last case
    (or, with none recorded, after the zone was created). Its last_case_at becomes the latest such report
    time, over the confirmed/asymptomatic cases (all, or those in ``case_fids``).

    One transaction, one "new_case" row per zone changed; returns {zone fid: new last_case_at}.
    """
    cases = project.read_layer("cases")
    cases = cases[cases["category"].isin([c.value for c in INFECTED]) & cases["reported_at"].notna()]
    if case_fids is not None:
        cases = cases[cases.index.isin(list(case_fids))]
    updates = {}
    for fid, zone in _active_zones(project).iterrows():
        hits = cases.iloc[cases.sindex.query(zone.geometry, predicate="intersects")] if len(cases) else cases
        known = zone["last_case_at"] if pd.notna(zone["last_case_at"]) else zone["created_at"]
        latest = _stamp(hits["reported_at"].max()) if len(hits) else None
        if latest and latest > _stamp(known):
            updates[fid] = latest
    if updates:
        with project.transaction() as edit:
            for fid, latest in updates.items():
                edit.update(LAYER, fid, {"last_case_at": latest, "updated_at": now_iso()}, action="new_case")
    return updates


def apply_proposal(project: Project, proposal: Proposal, *, at=None, only=None) -> list[int]:
    """Accept a reviewed proposal against the zones in force (:func:`compare_proposal`): its new zones are
    created (each logged "create", reason as the note), its changed zones updated in place (each logged
    "proposal_update" with the zone before and after), the rest left as they are, in one transaction with a
    summary row "apply_proposal" naming what was created and what changed. Accepting the same proposal again
    changes nothing and logs nothing.

    ``only``: positions in the proposal of the zones to act on (default every new or changed one). Returns the
    fids of the zones created, in the proposal's order (each a :class:`NewZone` with its overlap warnings).

    Serialised (:meth:`Edit.lock`): the zones in force are read inside the locked transaction, so a second
    desk applying the same proposal at the same time finds the first one's zones and adds nothing.
    """
    scheme = load_scheme(project)
    for zone in proposal.zones:
        scheme.tier(zone.tier)
    with project.transaction() as edit:
        edit.lock("apply_proposal")
        active = _active_zones(project)
        diff = compare_with_zones(proposal, active, scheme)
        chosen = set(diff.applicable_positions() if only is None else only)
        acting = [item for item in diff.items if item.applicable and item.position in chosen]
        if not acting:
            return []
        stamp = _stamp(at)
        new = [item.proposed for item in acting if item.group is ProposalGroup.NEW]
        kept = active[~active.index.isin([item.zone_fid for item in acting if item.group is ProposalGroup.CHANGED])]
        warnings = [_overlaps(kept, zone.geometry, zone.tier, zone.name, scheme) for zone in new]
        fids = edit.insert(LAYER, _proposal_records(new, stamp), action="create") if new else []
        fids = [NewZone(fid, zone.name, found) for fid, zone, found in zip(fids, new, warnings, strict=True)]
        updated = [_update_from_proposal(edit, item, active.loc[item.zone_fid, "last_case_at"], stamp)
                   for item in acting if item.group is ProposalGroup.CHANGED]
        edit.log("apply_proposal", LAYER, after={"fids": [int(f) for f in fids], "updated": updated,
                                                 "as_of": proposal.as_of.isoformat(), "days": proposal.days,
                                                 "small_m": proposal.small_m, "large_m": proposal.large_m,
                                                 "scheme": proposal.scheme_key})
    return fids


def compare_proposal(project: Project, proposal: Proposal) -> ProposalDiff:
    """``proposal`` against the project's active zones: new, changed, unchanged and may-step-down lines (see
    :mod:`gis.zoning.proposal_diff`). Writes nothing."""
    return compare_with_zones(proposal, _active_zones(project), load_scheme(project))


def _proposal_records(zones, stamp: str) -> gpd.GeoDataFrame:
    records = pd.concat([
        zone_record(z.geometry, tier=z.tier, kind=z.kind, name=z.name, unit_codes=list(z.unit_codes), at=stamp)
        .assign(last_case_at=_stamp(z.last_case_at) if z.last_case_at else None, note=z.reason)
        for z in zones
    ], ignore_index=True)
    return gpd.GeoDataFrame(records, geometry="geometry", crs=STORAGE_CRS)


def _update_from_proposal(edit, item: ZoneComparison, last_case_at, stamp: str) -> dict:
    """Bring active zone ``item.zone_fid`` to its proposed tier, units and outline (logged "proposal_update");
    a new tier restarts its clock, a new tier or new units give it the proposed name, a later case moves its
    last case.
    Returns what changed, for the summary row."""
    zone, current = item.proposed, item.active
    values = {"kind": zone.kind, "radius_m": None, "updated_at": stamp,
              "unit_codes": json.dumps(list(zone.unit_codes), ensure_ascii=False) if zone.unit_codes else None}
    if ZoneDifference.TIER in item.changes:
        values.update(tier=zone.tier, started_at=stamp)
    if ZoneDifference.TIER in item.changes or ZoneDifference.UNITS in item.changes:
        values["name"] = zone.name
    if zone.last_case_at and (pd.isna(last_case_at) or _stamp(zone.last_case_at) > _stamp(last_case_at)):
        values["last_case_at"] = _stamp(zone.last_case_at)
    edit.update(LAYER, current.fid, values, geometry=zone.geometry, action="proposal_update")
    return {"fid": current.fid, "changes": [c.value for c in item.changes],
            "before": {"tier": current.tier, "unit_codes": list(current.unit_codes)},
            "after": {"tier": zone.tier, "unit_codes": list(zone.unit_codes)}}


# -- helpers -----------------------------------------------------------------------------------------------


def _zone_countdown(scheme: TierScheme, zone: pd.Series, on: dt.date, downgraded: bool,
                    contacts: gpd.GeoDataFrame | None) -> Countdown | None:
    """The zone's countdown, or None for a lifted zone or a tier the scheme lacks."""
    if zone["status"] == ZoneStatus.LIFTED.value or zone["tier"] not in scheme.keys:
        return None
    last_contact = None
    if contacts is not None and len(contacts):
        inside = contacts.iloc[contacts.sindex.query(zone.geometry, predicate="intersects")]
        last_contact = inside["reported_at"].max() if len(inside) else None
    return countdown(scheme.tier(zone["tier"]), started_at=zone["started_at"], on=on,
                     last_case_at=zone["last_case_at"], test_rounds=_test_rounds(zone),
                     downgraded_on=zone["started_at"] if downgraded else None, last_contact_at=last_contact)


def _row(fid: int, zone: pd.Series, scheme: TierScheme, clock: Countdown | None, people: gpd.GeoDataFrame) -> dict:
    """One :func:`zone_rows` row."""
    population, households = people_in(covered_units(zone.geometry, people, rule=SnapRule.CENTROID))
    return {
        "fid": fid, "name": zone["name"], "tier": zone["tier"], "kind": zone["kind"],
        "tier_label": scheme.label(zone["tier"]) if zone["tier"] in scheme.keys else zone["tier"],
        "started_at": zone["started_at"], "last_case_at": zone["last_case_at"],
        "days_since_last_case": clock.days_since_last_case if clock else None,
        "projected_downgrade": clock.projected_downgrade if clock else None,
        "next_tier": clock.next_tier if clock else None, "ready": bool(clock and clock.ready),
        "missing": [m.value for m in clock.missing] if clock else [],
        "population": population, "households": households, "status": zone["status"],
    }


def _contacts(project: Project) -> gpd.GeoDataFrame:
    """Close contacts; their report time stands in for the exposure (it is later, so the rule is stricter)."""
    contacts = project.read_layer("cases", where="category = ?", params=(CaseCategory.CLOSE_CONTACT.value,))
    return contacts[contacts["reported_at"].notna()]


def _people_layer(project: Project) -> gpd.GeoDataFrame:
    """The layer people are counted over: grids, or villages/communities if the project has no grids."""
    grids = project.read_layer("grids")
    return grids if not grids.empty else control_units(project)


def _downgraded_zones(project: Project) -> set[int]:
    """Zones whose tier was last set by a "downgrade" (their started_at is the day they came down).
    An undo or a proposal that changed the tier counts as the last setting too."""
    log = project.read_layer("audit_log", where="layer = ? AND action IN ('create', 'tier_change', 'downgrade', 'undo', "
                             "'proposal_update')", params=(LAYER,))
    log = log[~log["action"].isin(["undo", "proposal_update"]) | log.apply(_changes_tier, axis=1)]
    last = log.dropna(subset=["fid"]).groupby("fid")["action"].last()
    return {int(fid) for fid, action in last.items() if action == "downgrade"}


def _changes_tier(row: pd.Series) -> bool:
    before, after = (json.loads(row[key]) if isinstance(row[key], str) else {} for key in ("before", "after"))
    return (before or {}).get("tier") != (after or {}).get("tier")


def _active_zones(project: Project) -> gpd.GeoDataFrame:
    return project.read_layer(LAYER, where="status IS NULL OR status = ?", params=(ZoneStatus.ACTIVE.value,))


def _zone(project: Project, fid: int) -> pd.Series:
    zones = zone_frame(project, fid)
    if zones.empty:
        raise UserError(f"没有编号为 {fid} 的管控区域。", f"No control zone {fid}.")
    return zones.iloc[0]


def _active_zone(project: Project, fid: int) -> pd.Series:
    zone = _zone(project, fid)
    if zone["status"] == ZoneStatus.LIFTED.value:
        title = zone_title(zone)
        raise UserError(f"管控区域“{title}”已解除。", f"Control zone '{title}' has been lifted.")
    return zone


def _test_rounds(zone: pd.Series) -> list[ScreeningRound]:
    text = zone["test_rounds"]
    return [] if pd.isna(text) or not text else [ScreeningRound.from_dict(item) for item in json.loads(text)]


def _stamp(value) -> str:
    """ISO date-time text for the project: now for None, midnight for a bare date."""
    if value is None:
        return now_iso()
    if isinstance(value, dt.datetime):
        return value.replace(microsecond=0).isoformat()
    if isinstance(value, dt.date):
        return f"{value.isoformat()}T00:00:00"
    text = str(value).strip().replace(" ", "T", 1)
    as_date(text)  # a clear error for text that is not a date
    return text if "T" in text else f"{text}T00:00:00"

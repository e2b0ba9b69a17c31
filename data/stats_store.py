"""Statistics read from the project: cases per grid/village/town, infections per grid (the map's shading),
the epidemic curve, follow-up tests due, overdue reporting steps, the mass-testing plan; and the Excel writer
the statistics share. Infections (confirmed + asymptomatic) and contacts are counted apart, under the words of
:class:`gis.glossary.CaseGroup`.

Nothing here writes to the project except :func:`set_schedule_rules`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from data.atomic import atomic_output
from data.grid_shading import GridShading
from data.project import Project, coded, one_of
from data.xlsx_cells import keep_text_as_text, save_workbook
from data.zone_store import load_scheme
from gis import schedules
from gis.deadlines import REPORTABLE, REPORTING_DEADLINES, overdue_steps
from gis.errors import UserError
from gis.glossary import CONTACTS, CaseCategory, CaseGroup, FacilityKind, UnitLevel
from gis.grid_stats import (
    CATEGORIES,
    VILLAGE_LEVELS,
    count_by_category,
    counts_at,
    daily_counts,
    in_window,
    locate_points,
    parse_times,
)
from gis.testing_plan import DEFAULT_SAMPLING, SamplingAssumptions, sampling_plan

BY_LEVELS = ("grid", "village", "town")
CURVE_DATES = ("reported", "onset")  # what day the epidemic curve puts a person on
SCHEDULES_KEY = "followup_schedules"  # project metadata entry holding edited schedule rules (JSON text)
COLUMN_LABELS = {  # column -> (Chinese, English) header
    "code": ("代码", "code"), "name": ("名称", "name"), "population": ("人口", "population"),
    **{category.value: (category.zh, category.en) for category in CaseCategory},
    **{group.value: (group.zh, group.en) for group in (CaseGroup.INFECTIONS, CaseGroup.CONTACTS)},
    "total": ("全部记录", "all records"),  # infections, suspected cases and contacts: a count of rows, not of cases
    "points_needed": ("需采样点", "points needed"), "points_present": ("现有采样点", "points present"),
    "points_missing": ("缺口", "points missing"),
}


def located_cases(project: Project, columns: list[str] | None = None,
                  keep: Callable[[pd.DataFrame], pd.Series] | None = None) -> pd.DataFrame:
    """The ``cases`` layer (a GeoDataFrame) with each case's verified ``grid_code`` (see :mod:`gis.grid_stats`),
    its ``unit_code`` (village/community) and ``town_code`` (and ``grid_fid``, ``unit_fid``, ``town_fid``), and
    ``reported`` (the report time as a Timestamp).

    With ``columns``, only those fields (and ``category``, ``grid_code``, ``reported_at``) are read, as the
    point arrays of :meth:`data.project.Project.read_points`, and no geometry is returned: fast and small for
    millions of cases. ``keep`` (given the cases with ``reported``) picks the rows wanted before any is looked
    up in the grids. Inside :func:`one_reading`, the cases are read and each is located at most once for all the
    readers."""
    shared = getattr(_reading, "cases", None)
    if columns is not None and shared is not None and shared.project is project:
        return shared.located(columns, keep)
    if columns is None:
        cases, xy = project.read_layer("cases"), None
    else:
        fids, x, y, cases = project.read_points("cases", _read_columns(columns))
        cases, xy = cases.set_axis(pd.Index(fids, name="fid")), np.column_stack([x, y])
    reported = parse_times(cases["reported_at"]).to_numpy()
    if keep is not None:
        kept = keep(cases.assign(reported=reported)).to_numpy()
        cases, reported, xy = cases[kept], reported[kept], None if xy is None else xy[kept]
    located = _located(project, cases.geometry.values if xy is None else xy, cases["grid_code"])
    return cases.assign(**{column: located[column].to_numpy() for column in located.columns}, reported=reported)


_reading = threading.local()  # the _SharedCases of this thread's one_reading


@contextlib.contextmanager
def one_reading(project: Project) -> Iterator[None]:
    """Inside the block, :func:`located_cases` calls of this thread for ``project`` (with ``columns``, any ``keep``)
    share what they read of the cases, each field read once, and each case is looked up in the grids at most
    once; the grids and units are read once too (:func:`layer_once`): what several dashboard tabs read in one
    refresh is read once. The project must not change meanwhile (a refresh reads one state)."""
    outer = getattr(_reading, "cases", None)
    _reading.cases = _SharedCases(project)
    try:
        yield
    finally:
        _reading.cases = outer


class _SharedCases:
    """The cases' fields read so far (each once, what :func:`located_cases` always reads first), and where the
    cases located so far lie."""

    def __init__(self, project: Project):
        self.project = project
        self._cases: pd.DataFrame | None = None  # indexed by fid, with ``reported``
        self._xy = np.zeros((0, 2))
        self._located = {column: np.zeros(0, dtype=object) for column in _LOCATED_COLUMNS}  # a value per case
        self._done = np.zeros(0, dtype=bool)  # which cases are located
        self._read: dict[str, gpd.GeoDataFrame] = {}  # layers read whole (see layer_once)

    def layer(self, name: str) -> gpd.GeoDataFrame:
        """A layer read whole, once."""
        if name not in self._read:
            self._read[name] = self.project.read_layer(name)
        return self._read[name]

    def located(self, columns: list[str], keep: Callable[[pd.DataFrame], pd.Series] | None) -> pd.DataFrame:
        """What :func:`located_cases` returns for ``columns`` and ``keep``."""
        wanted = _read_columns(columns)
        self._read_fields(wanted)
        rows = np.arange(len(self._cases)) if keep is None else np.flatnonzero(keep(self._cases).to_numpy())
        todo = rows[~self._done[rows]]
        if len(todo):
            found = _located(self.project, self._xy[todo], self._cases["grid_code"].iloc[todo],
                             (self.layer("grids"), self.layer("admin_units")))
            for column, values in self._located.items():
                values[todo] = found[column].to_numpy()
            self._done[todo] = True
        cases = self._cases.iloc[rows]
        return cases[wanted].assign(**{column: values[rows] for column, values in self._located.items()},
                                    reported=cases["reported"].to_numpy())

    def _read_fields(self, wanted: list[str]) -> None:
        """Read the fields of ``wanted`` not read yet (a tab reading alone reads only what it shows). Should the
        cases have changed since the first read, everything is read again, so all fields are of one state."""
        missing = wanted if self._cases is None else [c for c in wanted if c not in self._cases.columns]
        if not missing:
            return
        fids, x, y, fields = self.project.read_points("cases", missing)
        if self._cases is not None and np.array_equal(fids, self._cases.index.to_numpy()):
            self._cases = self._cases.assign(**{c: fields[c].set_axis(self._cases.index) for c in missing})
            return
        if self._cases is not None:  # changed meanwhile: start again
            self._cases = None
            return self._read_fields(wanted)
        self._cases = fields.set_axis(pd.Index(fids, name="fid")).assign(
            reported=parse_times(fields["reported_at"]).to_numpy())
        self._xy = np.column_stack([x, y])
        self._located = {column: np.full(len(fids), None, dtype=object) for column in _LOCATED_COLUMNS}
        self._done = np.zeros(len(fids), dtype=bool)


def layer_once(project: Project, name: str) -> gpd.GeoDataFrame:
    """``project.read_layer(name)``; inside :func:`one_reading` read once for all the readers (the grids' and
    units' polygons are decoded once, not by each tab)."""
    shared = getattr(_reading, "cases", None)
    return shared.layer(name) if shared is not None and shared.project is project else project.read_layer(name)


def units_of_level(project: Project, *levels: str) -> gpd.GeoDataFrame:
    """The administrative units of ``levels``, in fid order (see :func:`layer_once`)."""
    units = layer_once(project, "admin_units")
    return units[units["level"].isin(levels)]


_LOCATED_COLUMNS = ("grid_code", "unit_code", "town_code", "grid_fid", "unit_fid", "town_fid")  # of locate_points


def _read_columns(columns: list[str]) -> list[str]:
    """The fields :func:`located_cases` reads: ``columns`` after those it always needs."""
    return list(dict.fromkeys(["category", "grid_code", "reported_at", *columns]))




def case_counts(project: Project, by: str = "grid", start: dt.date | None = None,
                end: dt.date | None = None) -> pd.DataFrame:
    """Cases reported from ``start`` to ``end`` (whole days, both optional) per grid, village/community or town.

    Returns one row per unit in code order (units without a code last), zeros included, indexed by the
    unit's fid: ``code``, ``name``, one column per case category value (``confirmed`` ...
    ``secondary_contact``), ``infections`` (confirmed + asymptomatic), ``contacts`` (close + secondary) and
    ``total`` (every record). Units are counted by fid, so units sharing a code or having none
    each get their own row. ``attrs["unlocated"]`` counts the cases in the window lying in no unit.
    """
    units = units_at(project, by)
    return counts_in_window(located_cases(project, [], window_of(start, end)), units, by, start, end)


def window_of(start: dt.date | None, end: dt.date | None) -> Callable[[pd.DataFrame], pd.Series]:
    """A ``keep`` for :func:`located_cases`: the cases reported from ``start`` to ``end`` (see :func:`in_window`)."""
    return lambda cases: in_window(cases["reported"], start, end)


def counts_in_window(cases: pd.DataFrame, units: pd.DataFrame, by: str, start: dt.date | None,
                     end: dt.date | None) -> pd.DataFrame:
    """The table of :func:`case_counts` from cases already located (:func:`located_cases`) and the units."""
    cases = cases[in_window(cases["reported"], start, end)]
    fids = cases[f"{_LOCATED_PREFIX[by]}_fid"]
    return _named(count_by_category(fids, cases["category"], units.index), units, int(fids.isna().sum()))


def _named(table: pd.DataFrame, units: pd.DataFrame, unlocated: int) -> pd.DataFrame:
    """Counts per unit (indexed by fid) with the units' ``code`` and ``name`` first and ``attrs["unlocated"]``."""
    table = table.rename_axis("fid")
    table.insert(0, "code", units["code"].to_numpy())
    table.insert(1, "name", units["name"].to_numpy())
    table.attrs["unlocated"] = unlocated
    return table


class CasePlaces(NamedTuple):
    """Every case as the counts need it, in fid order: its ``fids``, ``category`` (the index of its category in
    :data:`gis.grid_stats.CATEGORIES`, 255 for any other), ``reported`` (datetime64, NaT where unreadable) and
    the fid of the grid, village/community and town it lies in (``located``: {"grid": ..., "village": ...,
    "town": ...}, -1 where none), as :func:`located_cases` places it."""

    fids: np.ndarray
    category: np.ndarray
    reported: np.ndarray
    located: dict[str, np.ndarray]

    def in_window(self, start: dt.date | None, end: dt.date | None) -> np.ndarray:
        """Which cases were reported from day ``start`` to day ``end`` (see :func:`gis.grid_stats.in_window`)."""
        return in_window(pd.Series(self.reported, copy=False), start, end).to_numpy()


_PLACES_OF = ("cases", "grids", "admin_units")  # the layers where a case lies depends on
_places: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # project -> (data versions, CasePlaces)


def case_places(project: Project) -> CasePlaces:
    """Where every case lies, with its category and report time (:class:`CasePlaces`): read as point arrays, the
    category coded by the store, and kept for the project while its cases, grids and units stay as they are
    (their :meth:`~data.project.Project.data_version`, which notices any program's change): a dashboard shown
    again, or another window or level chosen, costs no reading of the cases."""
    versions = [project.data_version(name) for name in _PLACES_OF]  # before reading: a change meanwhile reads again
    kept = _places.get(project)
    if None not in versions and kept is not None and kept[0] == versions:
        return kept[1]
    categories = list(CATEGORIES)
    fids, x, y, fields = project.read_point_values("cases", {
        "category": coded("category", categories), "grid_code": ("grid_code", []),
        "reported_at": ("reported_at", [])})
    located = _located(project, np.column_stack([x, y]), pd.Series(fields["grid_code"], dtype=object))
    places = CasePlaces(
        np.asarray(fids, dtype=np.int64), fields["category"].astype(np.uint8),
        parse_times(fields["reported_at"]).to_numpy(),
        {by: _fids_or_none(located[f"{prefix}_fid"]) for by, prefix in _LOCATED_PREFIX.items()})
    if None not in versions:
        _places[project] = (versions, places)
    return places


def _fids_or_none(fids: pd.Series) -> np.ndarray:
    """Located fids (None where none) as int64, -1 where none."""
    values = np.array(fids.to_numpy(dtype=object), dtype=np.float64)  # None as NaN: a third of np.where's time
    return np.where(np.isnan(values), -1, values).astype(np.int64)


def place_counts(places: CasePlaces, units: pd.DataFrame, by: str, start: dt.date | None,
                 end: dt.date | None) -> pd.DataFrame:
    """The table of :func:`case_counts` from :func:`case_places` and the units (:func:`units_at`), counted with
    numpy: the same rows, columns and ``attrs["unlocated"]`` as :func:`counts_in_window`."""
    window = places.in_window(start, end)
    keys = places.located[by][window]
    row = pd.Index(units.index).get_indexer(keys)
    return _named(counts_at(row, places.category[window], pd.Index(units.index)), units, int((keys < 0).sum()))


def cases_in_grids(project: Project, places: CasePlaces, grid_fids, start: dt.date | None,
                   end: dt.date | None, columns: list[str]) -> pd.DataFrame:
    """The cases reported from ``start`` to ``end`` lying in the grids ``grid_fids`` (:func:`case_places`), in fid
    order: ``columns``, ``category``, ``reported`` (a Timestamp) and ``grid_code`` (the code of the grid each
    lies in), indexed by fid; only these rows are read."""
    grids = layer_once(project, "grids")
    mine = places.in_window(start, end) & np.isin(places.located["grid"], np.asarray(list(grid_fids), np.int64))
    fids = places.fids[mine].tolist()
    wanted = list(dict.fromkeys([*columns, "category", "reported_at"]))
    parts = [project.read_layer("cases", where=f"fid IN ({', '.join('?' * len(chunk))})", params=chunk)[wanted]
             for chunk in (fids[i:i + _FIDS_A_READ] for i in range(0, len(fids), _FIDS_A_READ))]
    cases = pd.concat(parts) if parts else pd.DataFrame(columns=wanted, index=pd.Index([], name="fid"))
    grid_of = pd.Series(places.located["grid"][mine], index=pd.Index(fids, name="fid"))  # a deleted row is not read
    reported = parse_times(cases.pop("reported_at")).to_numpy()
    return cases.assign(reported=reported, grid_code=grids["code"].reindex(grid_of.reindex(cases.index)).to_numpy())


_FIDS_A_READ = 500  # fids named in one statement


def grid_infections(project: Project) -> pd.Series:
    """Infections (confirmed + asymptomatic, every date) in each grid, indexed by grid fid, zeros included:
    what the screen map and the print shade grids by. Cases are placed in grids as :func:`case_counts`
    places them (a recorded grid code only where the point lies in that grid), so the shading, its legend
    and ``stats --by grid`` give the same numbers. Reads only the points, fast for millions of rows
    (:class:`data.grid_shading.GridShading` keeps them up to date edit by edit)."""
    return GridShading.read(project).counts


def epidemic_curve(project: Project, unit_code: str | None = None, start: dt.date | None = None,
                   end: dt.date | None = None, date: str = "reported") -> pd.DataFrame:
    """Daily new cases by category, for the county (``unit_code`` None or the county's code) or one grid,
    village/community or town. Indexed by date, one column per category; the days span the whole
    county's cases unless ``start``/``end`` are given, so curves of different units line up.

    ``date`` is "reported" (each person on the day reported) or "onset" (on the onset day where one is
    recorded, else on the report day: asymptomatic infections and contacts have none).
    ``attrs["without_onset"]`` counts the persons in the curve placed by their report day for want of an
    onset date (0 for "reported"). Callers pick the groups apart with :data:`gis.glossary.INFECTED` and
    :data:`gis.glossary.CONTACTS`; the categories are never to be stacked as one figure.
    """
    if date not in CURVE_DATES:
        raise UserError(f"疫情曲线的日期须为 {' / '.join(CURVE_DATES)}，而不是“{date}”。",
                        f"The curve's date must be one of {', '.join(CURVE_DATES)}, not '{date}'.")
    # every person's day, counted by the store (one row per distinct report time, onset and category)
    columns = ["reported_at", "category"] + (["onset_at"] if date == "onset" else [])
    cases = project.group_counts("cases", columns)
    weights = cases["count"]
    day, without_onset = _curve_days(cases, date)
    first = start or (day.min().date() if day.notna().any() else None)
    last = end or (day.max().date() if day.notna().any() else None)
    if unit_code and unit_code != project.metadata.get("county_code"):
        known = set(units_at(project, "grid")["code"]) | set(layer_once(project, "admin_units")["code"])
        if unit_code not in known:
            raise UserError(f"没有代码为“{unit_code}”的网格或行政区。", f"No grid or unit with code '{unit_code}'.")
        cases = located_cases(project, columns)
        mine = cases[["grid_code", "unit_code", "town_code"]].eq(unit_code).any(axis=1)
        cases = cases[mine]
        weights = np.ones(len(cases))
        day, without_onset = _curve_days(cases, date)
    curve = daily_counts(day, cases["category"], first, last, weights)
    shown = in_window(day, first, last)
    curve.attrs["without_onset"] = int(weights[(without_onset & shown).to_numpy()].sum()) if date == "onset" else 0
    return curve


def _curve_days(cases: pd.DataFrame, date: str) -> tuple[pd.Series, pd.Series]:
    """The day of each row on the curve (see :func:`epidemic_curve`), and whether it stands in for a missing onset."""
    reported = parse_times(cases["reported_at"]).set_axis(cases.index)
    if date != "onset":
        return reported, pd.Series(False, index=cases.index)
    onset = parse_times(cases["onset_at"]).set_axis(cases.index)
    day = onset.where(onset.notna(), reported)
    return day, onset.isna() & day.notna()


def followups_due(project: Project, on_date: dt.date, lookback_days: int = 3) -> pd.DataFrame:
    """Tests of key persons and of contacts due on ``on_date`` or overdue, under the project's rules (see
    :func:`gis.schedules.due_tests`; a contact's day 1 is the day reported): columns ``grid_code``,
    ``person_no`` (a contact's case number), ``category``, ``due_date``, ``test``, ``state`` ("due"/"overdue")."""
    rules = schedule_rules(project)
    persons = _locate(project, project.read_layer("key_persons"))
    persons = persons.assign(arrival_at=pd.to_datetime(persons["arrival_at"], format="mixed"))  # as the contacts'
    everyone = pd.concat([persons[["person_no", "category", "grid_code", "arrival_at", "schedule"]],
                          _contacts_arriving(project, *_arrivals_due(rules, on_date, lookback_days))], ignore_index=True)
    return _due_tests(everyone, rules, on_date, lookback_days)


def _contacts_arriving(project: Project, first: pd.Timestamp, last: pd.Timestamp) -> pd.DataFrame:
    """The contacts reported from day ``first`` to day ``last`` (only their tests can fall in the days listed), in
    fid order, as persons of :func:`followups_due`: ``person_no`` (the case number), ``category``, ``grid_code``
    (where the case lies, see :func:`located_cases`), ``arrival_at`` (the day reported) and no ``schedule``.
    The store reads only contacts reported since shortly before ``first`` (ISO times sort as text; two days' margin
    for a time zone offset), the category coded as a number; only those arriving in the days are located."""
    contacts = [c.value for c in CONTACTS]
    since = (first - pd.Timedelta(days=2)).date().isoformat()
    fids, x, y, fields = project.read_point_values("cases", {
        "category": coded("category", contacts), "grid_code": ("grid_code", []), "reported_at": ("reported_at", []),
        "case_no": ("case_no", [])}, where=f"{one_of('category', contacts)} AND reported_at >= ?",
        params=[*contacts, since])
    arrival = parse_times(fields["reported_at"]).dt.normalize()
    kept = ((arrival >= first) & (arrival <= last)).to_numpy()
    located = _located(project, np.column_stack([x, y])[kept], pd.Series(fields["grid_code"][kept], dtype=object))
    category = np.array(contacts, dtype=object)[fields["category"][kept].astype(np.int64)]
    return pd.DataFrame({"person_no": fields["case_no"][kept], "category": category,
                         "grid_code": located["grid_code"].to_numpy(), "arrival_at": arrival[kept].to_numpy(),
                         "schedule": None}, index=pd.Index(fids[kept], name="fid"))


def _due_tests(persons: pd.DataFrame, rules: dict[str, schedules.Schedule], on_date: dt.date,
               lookback_days: int) -> pd.DataFrame:
    """:func:`gis.schedules.due_tests` worked out once per category, rule and arrival day, then given to each
    person with them: the same rows, in the same order, for hundreds of thousands of persons."""
    key = ["category", "schedule", "arrival_at"]
    persons = persons.assign(arrival_at=pd.to_datetime(persons["arrival_at"], format="mixed").dt.normalize(),
                             schedule=persons["schedule"].where(persons["schedule"].notna(), ""))
    kind = persons.groupby(key, sort=False, dropna=False).ngroup().to_numpy()  # numbered as first met
    kinds = persons[key].iloc[np.unique(kind, return_index=True)[1]].reset_index(drop=True)
    tests = schedules.due_tests(kinds.assign(person_no=kinds.index, grid_code=None), rules, on_date, lookback_days)
    tests = tests.sort_values("person_no", kind="stable", ignore_index=True)  # each kind's tests in a run
    per_kind = np.bincount(tests["person_no"].to_numpy(dtype=np.int64), minlength=len(kinds))
    first = np.concatenate([[0], np.cumsum(per_kind)[:-1]])
    counts = per_kind[kind]  # each person's tests, in person order, each person's in their kind's order
    person = np.repeat(np.arange(len(persons)), counts)
    test = np.repeat(first[kind] - np.concatenate([[0], np.cumsum(counts)[:-1]]), counts) + np.arange(counts.sum())
    # by grid, state (overdue first), date and person, missing grids and persons last; ties as they came
    order = np.lexsort((_ranks(persons["person_no"])[person], _ranks(tests["due_date"])[test],
                        -_ranks(tests["state"])[test], _ranks(persons["grid_code"])[person]))
    person, test = person[order], test[order]
    return pd.DataFrame({  # column types inferred from the values, as for a table of rows
        **{c: pd.Series(persons[c].to_numpy(dtype=object)[person]) for c in ("grid_code", "person_no", "category")},
        **{c: pd.Series(tests[c].to_numpy(dtype=object)[test]) for c in ("due_date", "test", "state")}})


def _ranks(values: pd.Series) -> np.ndarray:
    """Each value's place among the distinct values in sort order, missing values after all of them. Texts are
    sorted as numpy strings (the same code-point order, several times faster than sorting Python objects)."""
    values = values.to_numpy(dtype=object)
    present = ~pd.isna(values)
    if pd.api.types.infer_dtype(values[present]) != "string":
        codes, distinct = pd.factorize(values, sort=True)
        return np.where(codes >= 0, codes, len(distinct))
    distinct, ranks = np.unique(values[present].astype(str), return_inverse=True)
    placed = np.full(len(values), len(distinct), dtype=np.int64)
    placed[present] = ranks
    return placed


def _arrivals_due(rules: dict[str, schedules.Schedule], on_date: dt.date,
                  lookback_days: int) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The first and last arrival day of anyone with a test due from ``lookback_days`` before ``on_date`` to it,
    under any of ``rules`` (tests fall on fixed days after arrival)."""
    day = dt.date(2000, 1, 1)
    offsets = [(test.due - day).days for rule in rules.values() for test in rule.tests(day)] or [0]
    earliest = on_date - dt.timedelta(days=lookback_days)
    return pd.Timestamp(earliest - dt.timedelta(days=max(offsets))), pd.Timestamp(on_date - dt.timedelta(days=min(offsets)))


def overdue_reports(project: Project, at: dt.datetime | None = None) -> pd.DataFrame:
    """Reporting steps not done by their deadline at time ``at`` (default now), most overdue first:
    ``case_no``, ``category``, ``grid_code``, ``step``, ``label``, ``deadline``, ``hours_over``."""
    fields = ["discovered_at", *(rule.field for rule in REPORTING_DEADLINES)]
    reportable = [c.value for c in REPORTABLE]
    # only reportable cases with a discovery time have deadlines: the store reads those, as point arrays
    fids, x, y, values = project.read_point_values(
        "cases", {column: (column, []) for column in ["category", "case_no", "grid_code", *fields]},
        where=f"discovered_at IS NOT NULL AND {one_of('category', reportable)}", params=reportable)
    cases = pd.DataFrame({column: values[column] for column in ("case_no", "category", "grid_code")},
                         index=pd.Index(fids, name="fid"))
    times = pd.DataFrame({c: parse_times(values[c]).to_numpy() for c in fields}, index=cases.index)
    steps = overdue_steps(times.assign(category=cases["category"]), at or dt.datetime.now())
    rows = np.flatnonzero(cases.index.isin(pd.unique(steps["case"])))  # only the late are looked up in the grids
    late = cases.iloc[rows]
    if len(late):
        late = late.assign(grid_code=_located(project, np.column_stack([x, y])[rows], late["grid_code"])["grid_code"]
                           .to_numpy())
    details = late.loc[steps["case"], ["case_no", "category", "grid_code"]].reset_index(drop=True)
    return pd.concat([details, steps[["step", "label", "deadline", "hours_over"]]], axis=1)


def mass_testing_plan(project: Project, by: str = "town",
                      assumptions: SamplingAssumptions = DEFAULT_SAMPLING) -> pd.DataFrame:
    """Sampling points each grid or town needs to test everyone in time, against the sampling sites in it
    (see :func:`gis.testing_plan.sampling_plan`)."""
    facilities = project.read_layer("facilities", where="kind = ?", params=(FacilityKind.SAMPLING_SITE.value,))
    return sampling_plan(units_at(project, by), facilities.geometry, assumptions)


def schedule_rules(project: Project) -> dict[str, schedules.Schedule]:
    """The project's follow-up schedule rules: as edited (in the metadata), else the periods of its tier scheme."""
    text = project.metadata.get(SCHEDULES_KEY)
    return schedules.schedules_from_json(text) if text else load_scheme(project).rules


def set_schedule_rules(project: Project, rules: dict[str, schedules.Schedule]) -> None:
    """Store edited schedule rules in the project (logged as a metadata change)."""
    project.set_metadata(**{SCHEDULES_KEY: schedules.schedules_to_json(rules)})


def with_headers(frame: pd.DataFrame, lang: str = "zh", labels: dict[str, tuple[str, str]] = COLUMN_LABELS
                 ) -> pd.DataFrame:
    """``frame`` with its columns renamed to their labels in ``lang`` ("zh"/"en"); unknown columns keep
    their names. ``labels`` maps a column to its (Chinese, English) header."""
    return frame.rename(columns={column: pair[0 if lang == "zh" else 1] for column, pair in labels.items()})


def write_xlsx(path, sheets: dict[str, pd.DataFrame]) -> Path:
    """Write tables to one Excel workbook, a sheet each (name -> table): bold frozen header row, columns
    sized to their contents. Sheet names are cut to Excel's 31 characters and made unique. Text is
    written as text, never as a formula; the file is written atomically."""
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise UserError(f"Excel 文件须以 .xlsx 结尾：{path}", f"An Excel file must end in .xlsx: {path}")
    book = Workbook()
    book.remove(book.active)
    for name, frame in sheets.items():
        sheet = book.create_sheet(_sheet_title(name, book.sheetnames))
        sheet.append([str(c) for c in frame.columns])
        for row in frame.itertuples(index=False):
            sheet.append([_cell(v) for v in row])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
        for i, column in enumerate(frame.columns, 1):
            longest = max([_display_width(column), *(_display_width(v) for v in frame[column].head(500))])
            sheet.column_dimensions[get_column_letter(i)].width = min(max(longest + 2, 6), 50)
        keep_text_as_text(sheet)
    with atomic_output(path) as tmp:
        save_workbook(book, tmp)
    return path


def json_records(frame: pd.DataFrame) -> list[dict]:
    """``frame``'s rows as plain dicts ready for ``json.dumps``: Python numbers, None for missing values,
    ISO text for dates."""
    return [{column: plain_value(value) for column, value in zip(frame.columns, row, strict=True)}
            for row in frame.itertuples(index=False)]


def plain_value(value):
    """A cell as a plain Python value: None for missing, Python numbers, ISO text for dates and times."""
    value = _cell(value)
    return value.isoformat() if isinstance(value, dt.date) else value


def text_table(frame: pd.DataFrame) -> str:
    """``frame`` as an aligned plain-text table (CJK characters count double); numbers right-aligned,
    missing values shown as "-", decimals to one place."""
    def show(value) -> str:
        value = _cell(value)
        return "-" if value is None else f"{value:.1f}" if isinstance(value, float) else str(value)

    header = [str(c) for c in frame.columns]
    body = [[show(v) for v in row] for row in frame.itertuples(index=False)]
    widths = [max(_display_width(text) for text in column) for column in zip(header, *body, strict=True)]
    numeric = [pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])
               for c in frame.columns]

    def line(cells: list[str]) -> str:
        padded = [(" " * (w - _display_width(t)) + t) if right else (t + " " * (w - _display_width(t)))
                  for t, w, right in zip(cells, widths, numeric, strict=True)]
        return "  ".join(padded).rstrip()

    return "\n".join([line(header), *(line(row) for row in body)])


_LOCATED_PREFIX = {"grid": "grid", "village": "unit", "town": "town"}  # columns <prefix>_fid of located points


def units_at(project: Project, by: str) -> gpd.GeoDataFrame:
    """The units ``case_counts`` counts by (``by``: grid, village or town): grids, villages/communities or towns (code, name, population, geometry) in code order, those without
    a code last."""
    if by not in BY_LEVELS:
        raise UserError(f"统计单元须为 {' / '.join(BY_LEVELS)}，而不是“{by}”。",
                        f"Statistics unit must be one of {', '.join(BY_LEVELS)}, not '{by}'.")
    if by == "grid":
        units = layer_once(project, "grids")
    else:
        units = units_of_level(project, *(VILLAGE_LEVELS if by == "village" else (UnitLevel.TOWN.value,)))
    return units.sort_values("code", kind="stable", na_position="last")


def _locate(project: Project, frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """``frame`` with verified ``grid_code`` and added ``unit_code`` and ``town_code`` (see :mod:`gis.grid_stats`)."""
    located = _located(project, frame.geometry.values, frame["grid_code"])
    return frame.assign(**{column: located[column].to_numpy() for column in located.columns})


def _located(project: Project, points, grid_codes: pd.Series,
             layers: tuple[gpd.GeoDataFrame, gpd.GeoDataFrame] | None = None) -> pd.DataFrame:
    """Where ``points`` (or their coordinates) recorded in grids ``grid_codes`` lie (:func:`locate_points`), in
    the project's grids and units (``layers``, when read already)."""
    grids, units = layers or (layer_once(project, "grids"), layer_once(project, "admin_units"))
    return locate_points(points, grids, units, grid_codes.to_numpy())


def _sheet_title(name: str, taken: list[str]) -> str:
    title = "".join("_" if ch in "[]:*?/\\" else ch for ch in str(name))[:31] or "Sheet"
    stem, n = title, 2
    while title in taken:
        suffix = f"({n})"
        title, n = stem[:31 - len(suffix)] + suffix, n + 1
    return title


def _cell(value):
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value.item() if hasattr(value, "item") else value


def _display_width(value) -> int:
    """Approximate column width of a value: CJK characters count double."""
    text = "" if _cell(value) is None else str(value)
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)

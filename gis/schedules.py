"""Follow-up schedules for contacts and key persons, as editable rules (data, not code).

A schedule is a sequence of phases (central isolation, home isolation, home health monitoring) with the days
of each phase on which a nucleic-acid test falls, then follow-up tests a number of days after observation
ends. Rules are plain JSON (:func:`schedules_from_json` / :func:`schedules_to_json`), so a county can change
them without a new release. Each tier scheme carries the rules of its time (see
:mod:`gis.zoning.schemes`): where a close contact or a secondary contact is isolated, and for how long,
is read from there (:func:`rule_for`, :func:`centrally_isolated`).

Day numbering: the arrival date is day 1 of the first phase; a phase of ``n`` days covers days 1..n
of that phase and the next phase starts the day after. Built-in rules:

- ``14+7+9`` (inbound travellers, earlier practice): 14 days central observation tested on its days 1 and 14 (on arrival,
  and before moving on), 7 more days central observation tested on its last day (day 21), 9 days home
  monitoring tested on its last day (day 30, when observation ends); then the "15369" follow-up tests
  15, 30, 60 and 90 days after observation ends. Every phase ends on a test, so nobody moves on or is
  released without a fresh result.
- ``14`` (returnees from risk areas): 14 days home health monitoring tested on days 1, 7 and 14. This is
  a placeholder for the county's own rule: edit it.

Worked example for ``14+7+9``, arrival 2026-11-01: tests on 11-01, 11-14, 11-21 and 11-30 (observation
ends 11-30), follow-ups on 12-15, 12-30, 2027-01-29 and 2027-02-28.

>>> [str(t.due) for t in DEFAULT_SCHEDULES["14+7+9"].tests(dt.date(2026, 11, 1))][:4]
['2026-11-01', '2026-11-14', '2026-11-21', '2026-11-30']
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass

import pandas as pd

from gis.errors import UserError
from gis.glossary import KeyPersonCategory

CENTRAL = "central"
SETTINGS = {CENTRAL: "集中隔离医学观察", "home_quarantine": "居家隔离医学观察", "home": "居家健康监测"}
"""Where a phase is spent: a room at a central site, isolation at home, or health monitoring at home."""


@dataclass(frozen=True)
class Phase:
    """``days`` days in a ``setting`` (a key of :data:`SETTINGS`), tested on ``test_days`` (1 = the phase's first day)."""

    setting: str
    days: int
    test_days: tuple[int, ...]


@dataclass(frozen=True)
class ScheduledTest:
    """One test a person is due: on ``due``, described by ``label`` (Chinese)."""

    due: dt.date
    label: str


@dataclass(frozen=True)
class Schedule:
    """A follow-up rule: phases from arrival, then tests ``followup_days`` after observation ends.

    ``categories`` lists the key-person categories that get this rule when their own ``schedule`` is blank.
    """

    code: str
    name: str
    phases: tuple[Phase, ...]
    followup_days: tuple[int, ...] = ()
    categories: tuple[str, ...] = ()

    @property
    def isolated_centrally(self) -> bool:
        """True when the rule starts at a central site (the person needs a room there)."""
        return self.phases[0].setting == CENTRAL

    @property
    def summary(self) -> str:
        """The phases in words, e.g. "7天集中隔离医学观察 + 3天居家健康监测"."""
        return " + ".join(f"{p.days}天{SETTINGS[p.setting]}" for p in self.phases)

    @property
    def description(self) -> str:
        """The rule in one line, e.g. "密切接触者“7天集中隔离医学观察+3天居家健康监测”：第1、2、3、5、7、10天核酸"."""
        days, offset = [], 0
        for phase in self.phases:
            days += [offset + d for d in phase.test_days]
            offset += phase.days
        text = f"{self.name}：第{'、'.join(map(str, days))}天核酸" if days else self.name
        return text + (f"，解除后第{'、'.join(map(str, self.followup_days))}天随访" if self.followup_days else "")

    @property
    def observation_days(self) -> int:
        return sum(phase.days for phase in self.phases)

    def observation_end(self, arrival: dt.date) -> dt.date:
        """The last day of observation (its final phase's last day)."""
        return arrival + dt.timedelta(days=self.observation_days - 1)

    def setting_on(self, arrival: dt.date, on_date: dt.date) -> str | None:
        """The setting (a key of :data:`SETTINGS`) someone arriving on ``arrival`` is in on ``on_date``; None
        before arrival or after observation ends."""
        day = (on_date - arrival).days
        for phase in self.phases:
            if 0 <= day < phase.days:
                return phase.setting
            day -= phase.days
        return None

    def tests(self, arrival: dt.date) -> list[ScheduledTest]:
        """Every test of this schedule for someone arriving on ``arrival``, in date order."""
        tests, offset = [], 0
        for phase in self.phases:
            for day in phase.test_days:
                tests.append(ScheduledTest(arrival + dt.timedelta(days=offset + day - 1),
                                           f"第{offset + day}天核酸（{SETTINGS[phase.setting]}）"))
            offset += phase.days
        end = self.observation_end(arrival)
        tests += [ScheduledTest(end + dt.timedelta(days=d), f"解除观察后第{d}天核酸") for d in self.followup_days]
        return tests


DEFAULT_SCHEDULES: dict[str, Schedule] = {
    "14+7+9": Schedule("14+7+9", "入境人员“14+7+9”及“15369”随访",
                       (Phase("central", 14, (1, 14)), Phase("central", 7, (7,)), Phase("home", 9, (9,))),
                       followup_days=(15, 30, 60, 90), categories=(KeyPersonCategory.INBOUND.value,)),
    "14": Schedule("14", "返乡人员14天居家健康监测", (Phase("home", 14, (1, 7, 14)),),
                   categories=(KeyPersonCategory.RETURNEE.value,)),
}


def schedules_to_json(rules: dict[str, Schedule]) -> str:
    """The rules as editable JSON text (a list of objects)."""
    return json.dumps([asdict(rule) for rule in rules.values()], ensure_ascii=False, indent=2)


def schedules_from_json(text: str) -> dict[str, Schedule]:
    """Rules from JSON text as written by :func:`schedules_to_json`; a clear error for a bad rule."""
    try:
        items = json.loads(text)
        return {rule.code: rule for rule in (schedule_from_dict(item) for item in items)}
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise UserError(f"随访方案格式有误：{exc}", f"Invalid follow-up schedule: {exc}") from exc


def schedule_from_dict(item: dict) -> Schedule:
    """One rule from its dict (as :func:`dataclasses.asdict` writes it), checked; ValueError if it is unusable."""
    phases = tuple(Phase(str(p["setting"]), int(p["days"]), tuple(int(d) for d in p["test_days"]))
                   for p in item["phases"])
    rule = Schedule(str(item["code"]), str(item.get("name") or item["code"]), phases,
                    tuple(int(d) for d in item.get("followup_days", ())),
                    tuple(str(c) for c in item.get("categories", ())))
    _check(rule)
    return rule


def rule_for(rules, category: str, code: str = "") -> Schedule | None:
    """The rule a person follows: the one named ``code`` if ``rules`` has it, else the rule listing the
    person's ``category``; None when the rules do not manage that category (e.g. secondary contacts after
    November 2022). ``rules``: schedules by code, or an iterable of schedules."""
    rules = rules if isinstance(rules, dict) else {rule.code: rule for rule in rules}
    named = rules.get(str(code or "").strip())
    return named or next((rule for rule in rules.values() if category in rule.categories), None)


def centrally_isolated(rules, categories) -> list[str]:
    """Those of ``categories`` whose rule starts at a central site (they wait for a room)."""
    return [c for c in categories if (rule := rule_for(rules, c)) is not None and rule.isolated_centrally]


def _check(rule: Schedule) -> None:
    if not rule.phases:
        raise ValueError(f"{rule.code}: no phases")
    for phase in rule.phases:
        if phase.setting not in SETTINGS:
            raise ValueError(f"{rule.code}: setting must be one of {', '.join(SETTINGS)}")
        if phase.days < 1 or any(not 1 <= d <= phase.days for d in phase.test_days):
            raise ValueError(f"{rule.code}: test days must fall within a phase of at least one day")
    if any(d < 1 for d in rule.followup_days):
        raise ValueError(f"{rule.code}: follow-up days must be positive")


def due_tests(persons: pd.DataFrame, rules: dict[str, Schedule], on_date: dt.date,
              lookback_days: int = 3) -> pd.DataFrame:
    """Tests due on ``on_date`` ("due") or in the ``lookback_days`` before it ("overdue").

    The project keeps no test results, so a past test is listed as overdue for ``lookback_days`` after
    it fell due, for the grid worker to check it was done; after that it drops off the list.

    Parameters
    ----------
    persons : frame with ``person_no``, ``category``, ``grid_code``, ``arrival_at`` (date) and ``schedule``
        (a rule code; blank or unknown means the rule listing the person's category).
    rules : schedules by code (e.g. :data:`DEFAULT_SCHEDULES`).

    Returns
    -------
    Columns ``grid_code``, ``person_no``, ``category``, ``due_date``, ``test``, ``state``, sorted by grid,
    state (overdue first) and date.
    """
    earliest = on_date - dt.timedelta(days=lookback_days)
    rows = []
    for person in persons.itertuples(index=False):
        rule = rule_for(rules, person.category, "" if pd.isna(person.schedule) else person.schedule)
        arrival = pd.Timestamp(person.arrival_at).date() if pd.notna(person.arrival_at) else None
        if rule is None or arrival is None:
            continue
        for test in rule.tests(arrival):
            if earliest <= test.due <= on_date:
                rows.append((person.grid_code, person.person_no, person.category, test.due, test.label,
                             "due" if test.due == on_date else "overdue"))
    frame = pd.DataFrame(rows, columns=["grid_code", "person_no", "category", "due_date", "test", "state"])
    return frame.sort_values(["grid_code", "state", "due_date", "person_no"], ascending=[True, False, True, True],
                             ignore_index=True, na_position="last")

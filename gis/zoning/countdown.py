"""A zone's countdown to its next step down, from its tier's rule and what happened inside it.

Day n is the n-th calendar day after the clock's start: the last new infection inside the zone (a case, or a
test round that came back positive), or the zone's start if there was none. A new infection restarts the
clock. The countdown only says when a zone may step down; stepping down is always a person's decision.

>>> import datetime as dt
>>> from gis.zoning.schemes import PRESETS
>>> sealed = PRESETS["2022_9th"].tier("sealed")
>>> rounds = [ScreeningRound(dt.date(2026, 11, 8), RoundResult.NEGATIVE)]
>>> c = countdown(sealed, started_at="2026-11-01T09:00:00", last_case_at="2026-11-01T20:00:00",
...               test_rounds=rounds, on=dt.date(2026, 11, 8))
>>> c.projected_downgrade, c.next_tier, c.ready
(datetime.date(2026, 11, 8), 'controlled', True)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from gis.errors import UserError
from gis.glossary import Missing, RoundResult
from gis.zoning.schemes import TierRule


@dataclass(frozen=True)
class ScreeningRound:
    """A full test round of everyone in a zone: its date and result."""

    date: dt.date
    result: RoundResult

    @classmethod
    def from_dict(cls, data: dict) -> ScreeningRound:
        """From the stored form ``{"date": "YYYY-MM-DD", "result": "negative" | "positive"}``."""
        try:
            return cls(as_date(data["date"]), RoundResult(data["result"]))
        except (KeyError, ValueError) as exc:
            raise UserError(f"核酸检测轮次记录无效：{data}（应为日期和阴性/阳性）",
                            f"Invalid test round {data}: needs a date and negative/positive") from exc

    def to_dict(self) -> dict:
        return {"date": self.date.isoformat(), "result": self.result.value}


@dataclass(frozen=True)
class Countdown:
    """Where a zone stands on one date.

    ``projected_downgrade`` is the first day the zone may step down if nothing new happens (None for a tier
    with no countdown); ``ready`` says it may step down on the date asked; ``missing`` lists what is lacking.
    """

    tier: str
    next_tier: str | None
    clock_from: dt.date
    days_since_last_case: int
    projected_downgrade: dt.date | None
    ready: bool
    missing: tuple[Missing, ...]


def countdown(tier: TierRule, *, started_at, on, last_case_at=None, test_rounds: Iterable[ScreeningRound] = (),
              downgraded_on=None, last_contact_at=None) -> Countdown:
    """The countdown of a zone in ``tier`` on date ``on``.

    Parameters
    ----------
    tier : the rule of the zone's current tier.
    started_at : when the zone started (date, datetime or ISO text).
    on : the date asked about.
    last_case_at : the last new infection found inside the zone, if any.
    test_rounds : full test rounds recorded for the zone.
    downgraded_on : the date the zone came down into ``tier``, if it did (else None).
    last_contact_at : exposure date of the last close contact inside, for rules about contacts.
    """
    on = as_date(on)
    rounds = list(test_rounds)
    infections = [as_date(last_case_at)] + [r.date for r in rounds if r.result is RoundResult.POSITIVE]
    clock = max([d for d in infections if d is not None], default=as_date(started_at))
    days = (on - clock).days
    if tier.downgrade_to is None:
        return Countdown(tier.key, None, clock, days, None, False, ())

    quiet_from, quiet_days, needs_round = clock, tier.quiet_days, tier.needs_test_round
    downgraded_on = as_date(downgraded_on)
    if downgraded_on is not None and downgraded_on > clock:  # came down into this tier, nothing new since
        quiet_from = downgraded_on
        if tier.after_downgrade_days is not None:
            quiet_days, needs_round = tier.after_downgrade_days, False
    quiet_mark = quiet_from + dt.timedelta(days=quiet_days)
    contact_mark = None
    if tier.contact_quiet_days and last_contact_at is not None:  # "more than N days past exposure"
        contact_mark = as_date(last_contact_at) + dt.timedelta(days=tier.contact_quiet_days + 1)
    projected = max(quiet_mark, contact_mark or quiet_mark)

    missing = []
    if on < quiet_mark:
        missing.append(Missing.QUIET_DAYS)
    if contact_mark is not None and on < contact_mark:
        missing.append(Missing.CONTACTS)
    earliest_round = projected - dt.timedelta(days=tier.round_window_days)
    if needs_round and not any(r.result is RoundResult.NEGATIVE and earliest_round <= r.date <= on for r in rounds):
        missing.append(Missing.TEST_ROUND)
    return Countdown(tier.key, tier.downgrade_to, clock, days, projected, not missing, tuple(missing))


def as_date(value) -> dt.date | None:
    """The calendar date of a date, datetime, pandas Timestamp or ISO text; None stays None."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError as exc:
        raise UserError(f"日期“{value}”无效，应为 YYYY-MM-DD。", f"Invalid date '{value}': use YYYY-MM-DD.") from exc

"""Isolation capacity (集中隔离场所): rooms against the national standard, free rooms, the intake rate
from daily occupancy snapshots, and the demand for rooms.

Capacity standard: at the State Council joint prevention and control mechanism's press conference of
2021-09-29, the National Health Commission asked every locality to prepare qualified central isolation
sites at no fewer than 20 rooms per 10,000 residents (:data:`ROOMS_PER_10K_STANDARD`). Prepared rooms
are those of active and standby sites; closed sites do not count.

Room counts used throughout:

- ``free``: rooms of active sites neither occupied nor reserved (one person per room);
- ``standby_rooms``: rooms of standby sites, available once a site is activated.

>>> rooms_per_10k(1500, 730_000), below_standard(1455, 730_000)
(20.5, True)
>>> days_until_full(free=30, intake_per_day=4.0)
7.5
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from gis.glossary import SiteStatus

ROOMS_PER_10K_STANDARD = 20
"""Minimum central-isolation rooms per 10,000 residents (NHC, State Council press conference 2021-09-29)."""


def rooms_per_10k(rooms, population):
    """Rooms per 10,000 residents, to one decimal; NaN where the population is unknown or zero.
    Scalars give a float, arrays (or Series) an array."""
    rooms, population = np.asarray(rooms, dtype="float64"), np.asarray(population, dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(population > 0, np.round(rooms * 10_000 / population, 1), np.nan)
    return ratio if ratio.ndim else float(ratio)


def below_standard(rooms, population, standard: float = ROOMS_PER_10K_STANDARD):
    """True where ``rooms`` fall short of ``standard`` rooms per 10,000 of ``population`` (compared
    unrounded); False where the population is unknown."""
    rooms, population = np.asarray(rooms, dtype="float64"), np.asarray(population, dtype="float64")
    short = rooms * 10_000 < standard * np.nan_to_num(population)
    return short if short.ndim else bool(short)


def site_rooms(sites: pd.DataFrame) -> pd.DataFrame:
    """Per site: ``free`` rooms (active sites only), ``standby_rooms`` and ``prepared_rooms`` (active or
    standby), from ``status``, ``rooms``, ``occupied`` and ``reserved`` (missing counts as 0)."""
    rooms, occupied, reserved = (sites[c].fillna(0).astype("int64") for c in ("rooms", "occupied", "reserved"))
    status = sites["status"]
    return pd.DataFrame({
        "free": (rooms - occupied - reserved).clip(lower=0).where(status == SiteStatus.ACTIVE.value, 0),
        "standby_rooms": rooms.where(status == SiteStatus.STANDBY.value, 0),
        "prepared_rooms": rooms.where(status.isin([SiteStatus.ACTIVE.value, SiteStatus.STANDBY.value]), 0),
    }, index=sites.index)


def intake_rates(snapshots: pd.DataFrame, as_of: dt.date, window_days: int = 7) -> pd.Series:
    """Net rooms taken a day at each site (admissions minus departures), by ``site_name``.

    The least-squares slope of ``occupied`` over the snapshots dated in the ``window_days`` ending on
    ``as_of``; sites with fewer than two snapshots in the window are left out.
    """
    dates = pd.to_datetime(snapshots["date"], errors="coerce")
    recent = snapshots.assign(day=(dates - pd.Timestamp(as_of)).dt.days)
    recent = recent[recent["day"].between(-(window_days - 1), 0) & recent["occupied"].notna()]
    rates = {}
    for name, group in recent.groupby("site_name"):
        if group["day"].nunique() >= 2:
            rates[name] = float(np.polyfit(group["day"], group["occupied"].astype("float64"), 1)[0])
    return pd.Series(rates, dtype="float64", name="intake_per_day")


def days_until_full(free, intake_per_day):
    """Days until ``free`` rooms are taken at ``intake_per_day``, to one decimal; NaN when the intake is not
    positive (or unknown). Scalars give a float, arrays (or Series) an array."""
    free, rate = np.asarray(free, dtype="float64"), np.asarray(intake_per_day, dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        days = np.where(rate > 0, np.round(free / rate, 1), np.nan)
    return days if days.ndim else float(days)


@dataclass(frozen=True)
class DemandAssumptions:
    """How the demand for rooms is forecast from new cases.

    New cases a day = infections (confirmed + asymptomatic) reported in the ``recent_days`` up to the
    reference day, divided by ``recent_days``. Each brings ``close_contacts_per_case`` close contacts and
    ``secondary_contacts_per_case`` secondary contacts, one room each. Demand counts the people already
    waiting plus those expected over the next ``horizon_days``. The contact ratios are planning
    placeholders: set them from the local tracing figures.
    """

    close_contacts_per_case: float = 10.0
    secondary_contacts_per_case: float = 5.0
    recent_days: int = 7
    horizon_days: int = 7

    @property
    def rooms_per_case(self) -> float:
        return self.close_contacts_per_case + self.secondary_contacts_per_case


DEFAULT_DEMAND = DemandAssumptions()


def daily_need(new_cases, assumptions: DemandAssumptions = DEFAULT_DEMAND):
    """Rooms needed a day for the contacts of ``new_cases`` (infections counted over the recent window)."""
    return new_cases / assumptions.recent_days * assumptions.rooms_per_case


def expected_demand(waiting, new_cases, assumptions: DemandAssumptions = DEFAULT_DEMAND):
    """People to isolate: those ``waiting`` plus the forecast over the horizon, rounded up."""
    forecast = np.ceil(np.round(daily_need(new_cases, assumptions) * assumptions.horizon_days, 6))
    return (waiting + forecast).astype("int64") if np.ndim(forecast) else int(waiting + forecast)


@dataclass(frozen=True)
class DemandForecast:
    """Demand for rooms against free rooms, on a reference day ``as_of``."""

    as_of: dt.date
    waiting: int  # registered close and secondary contacts without a site
    new_cases_per_day: float
    daily_need: float  # rooms a day for the contacts of new cases
    horizon_days: int
    demand: int  # waiting + forecast over the horizon
    free_rooms: int
    standby_rooms: int
    runs_out_on: dt.date | None  # first day the need exceeds free rooms if nothing changes; None if never

    @property
    def shortfall(self) -> int:
        """Demand not covered by free rooms (0 if covered)."""
        return max(0, self.demand - self.free_rooms)


def forecast_demand(waiting: int, new_cases: int, free_rooms: int, standby_rooms: int, as_of: dt.date,
                    assumptions: DemandAssumptions = DEFAULT_DEMAND) -> DemandForecast:
    """Demand and the day free rooms run out, if nothing changes (no site activated, nobody released).

    After ``d`` days the need is ``waiting + d * daily_need``; free rooms run out on the first day it
    exceeds them: today if the waiting alone do.
    """
    need = daily_need(new_cases, assumptions)
    if waiting > free_rooms:
        runs_out_on = as_of
    elif need > 0:
        runs_out_on = as_of + dt.timedelta(days=math.floor((free_rooms - waiting) / need) + 1)
    else:
        runs_out_on = None
    return DemandForecast(as_of, int(waiting), round(new_cases / assumptions.recent_days, 2), round(need, 2),
                          assumptions.horizon_days, expected_demand(waiting, new_cases, assumptions),
                          int(free_rooms), int(standby_rooms), runs_out_on)

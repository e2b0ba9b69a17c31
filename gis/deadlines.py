"""Reporting deadlines per case, counted from its discovery (``discovered_at``): online direct report
(网络直报) within 2 hours, lab result within 12 hours, epidemiological investigation (流调) within 24 hours.

The deadlines are data (:data:`REPORTING_DEADLINES`); they apply to infections and suspected cases
(:data:`REPORTABLE`) that have a discovery time. Each step of each case is in one of four states:

- ``done``: recorded within its deadline; ``late``: recorded after it;
- ``pending``: not recorded, deadline still ahead; ``overdue``: not recorded, deadline passed.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from gis.glossary import CaseCategory


@dataclass(frozen=True)
class ReportingDeadline:
    """One step that must be recorded in ``field`` within ``hours`` of discovery."""

    field: str
    hours: float
    zh: str
    en: str


REPORTING_DEADLINES = (
    ReportingDeadline("reported_online_at", 2, "网络直报", "online report"),
    ReportingDeadline("lab_result_at", 12, "检测结果", "lab result"),
    ReportingDeadline("investigated_at", 24, "流行病学调查", "epidemiological investigation"),
)
REPORTABLE = (CaseCategory.CONFIRMED, CaseCategory.ASYMPTOMATIC, CaseCategory.SUSPECTED)
STATES = ("done", "late", "pending", "overdue")


def reporting_steps(cases: pd.DataFrame, at, deadlines=REPORTING_DEADLINES) -> pd.DataFrame:
    """Every deadline of every reportable case and its state at time ``at``.

    Parameters
    ----------
    cases : frame with ``category``, ``discovered_at`` and one column per deadline's ``field``, all times as
        Timestamps (NaT where not recorded); its index identifies the case.
    at : the time to judge against (Timestamp or datetime).

    Returns
    -------
    One row per case and step: ``case`` (the index value), ``step`` (field name), ``label`` (Chinese),
    ``deadline``, ``done_at``, ``state`` and ``hours_over`` (hours past the deadline, 0 if not past).
    """
    at = pd.Timestamp(at)
    cases = cases[cases["category"].isin(REPORTABLE) & cases["discovered_at"].notna()]
    frames = []
    for rule in deadlines:
        deadline = cases["discovered_at"] + pd.Timedelta(hours=rule.hours)
        done_at = cases[rule.field]
        finished = done_at.where(done_at.notna(), at)
        state = pd.Series("pending", index=cases.index, dtype=object)
        state[done_at.notna()] = "done"
        state[done_at.notna() & (done_at > deadline)] = "late"
        state[done_at.isna() & (at > deadline)] = "overdue"
        frames.append(pd.DataFrame({
            "case": cases.index, "step": rule.field, "label": rule.zh, "deadline": deadline.to_numpy(),
            "done_at": done_at.to_numpy(), "state": state.to_numpy(),
            "hours_over": ((finished - deadline).dt.total_seconds() / 3600).clip(lower=0).to_numpy(),
        }))
    columns = ["case", "step", "label", "deadline", "done_at", "state", "hours_over"]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)


def overdue_steps(cases: pd.DataFrame, at, deadlines=REPORTING_DEADLINES) -> pd.DataFrame:
    """The steps not recorded by their deadline at time ``at``, most overdue first (see :func:`reporting_steps`)."""
    steps = reporting_steps(cases, at, deadlines)
    overdue = steps[steps["state"] == "overdue"]
    return overdue.sort_values(["hours_over", "case"], ascending=[False, True], ignore_index=True)

"""Benchmark: 8 desks writing to one PostGIS project at once, sustained edits per second with no error.

    python bench/bench_concurrency.py [--writers 8] [--seconds 20]

Starts PostgreSQL (``CORDON_TEST_PG_URL``, else a throwaway local cluster as the tests start), creates a
project with 1,000 cases, then runs two workloads, each for ``--seconds`` with ``--writers`` processes
released together. Every edit is one transaction with its audit row:

- **desk work**: each desk alternately adds a case and updates one of the cases (category, status) from the
  version it read before (``expected_version``), as the attribute table does; a refused edit is read again
  and retried;
- **one shared counter**: every edit adds a case and counts it in one isolation site's ``occupied`` rooms
  (all desks on one row: read, refused when another desk counted first, counted again under the row lock).

Prints edits per second (total and per desk), the median and 95th-percentile edit time, conflicts and errors,
then checks that every edit is in the data and the ledger and that the counter equals the edits counted.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
os.environ.setdefault("CORDON_LANG", "zh")

import geopandas as gpd  # noqa: E402
import numpy as np  # noqa: E402
import shapely  # noqa: E402

from data.project import ConflictError, Project  # noqa: E402

SPAWN = multiprocessing.get_context("spawn")
SEED_CASES = 1000


def _case(desk: int, i: int) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"case_no": [f"B{desk}-{i:05d}"], "category": ["close_contact"],
                             "reported_at": ["2026-03-10T10:00:00"]},
                            geometry=[shapely.Point(113.2 + desk * 0.01, 33.5 + (i % 1000) * 0.0001)], crs=4490)


def _desk(target: str, desk: int, workload: str, seconds: float, start, results) -> None:
    project = Project.open(target)
    project.user = f"desk{desk}"
    rng = np.random.default_rng(desk)
    cases = [_case(desk, i) for i in range(4000)]
    times, conflicts, errors, edits, counted = [], 0, 0, 0, 0
    start.wait()
    until = time.perf_counter() + seconds
    while time.perf_counter() < until:
        began = time.perf_counter()
        try:
            if workload == "desk work" and edits % 2:
                conflicts += _update_a_case(project, int(rng.integers(1, SEED_CASES + 1)), rng)
            elif workload == "desk work":
                with project.transaction() as edit:
                    edit.insert("cases", cases[edits])
            else:
                conflicts += _count_one(project, cases[edits])
                counted += 1
        except Exception as exc:  # noqa: BLE001 - the bench counts any failure as an error
            errors += 1
            print(f"desk {desk}: {exc}", file=sys.stderr)
        else:
            edits += 1
            times.append(time.perf_counter() - began)
    results.put((desk, edits, counted, conflicts, errors, times))


def _update_a_case(project: Project, fid: int, rng) -> int:
    seen = project.feature("cases", fid)
    values = {"category": str(rng.choice(["confirmed", "close_contact", "asymptomatic"])),
              "status": str(rng.choice(["isolated", "home_monitoring", "hospitalized"]))}
    try:
        with project.transaction() as edit:
            edit.update("cases", fid, values, expected_version=seen["version"])
        return 0
    except ConflictError:
        with project.transaction() as edit:
            edit.update("cases", fid, values, expected_version=edit.feature("cases", fid)["version"])
        return 1


def _count_one(project: Project, case: gpd.GeoDataFrame) -> int:
    seen = project.feature("isolation_sites", 1)
    for again in (False, True):
        try:
            with project.transaction() as edit:
                edit.insert("cases", case)
                site = edit.feature("isolation_sites", 1) if again else seen
                edit.update("isolation_sites", 1, {"occupied": site["occupied"] + 1}, expected_version=site["version"])
            return int(again)
        except ConflictError:
            continue
    raise AssertionError("unreachable: the second try holds the row lock")


def prepare(target: str) -> Project:
    project = Project.create(target, name="示例县（并发基准）", county_code="419999")
    rng = np.random.default_rng(1)
    with project.transaction() as edit:
        edit.insert("cases", gpd.GeoDataFrame(
            {"case_no": [f"S{i:05d}" for i in range(SEED_CASES)], "category": "confirmed"},
            geometry=gpd.points_from_xy(113.2 + rng.random(SEED_CASES) * 0.1, 33.5 + rng.random(SEED_CASES) * 0.1),
            crs=4490), log_each=False)
        edit.insert("isolation_sites", gpd.GeoDataFrame({"name": ["县宾馆隔离点"], "rooms": [100000], "occupied": [0]},
                                                        geometry=[shapely.Point(113.25, 33.55)], crs=4490))
    return project


def run_workload(target: str, workload: str, writers: int, seconds: float) -> None:
    project = Project.open(target)
    cases_before, log_before = project.count("cases"), project.count("audit_log")
    occupied_before = project.feature("isolation_sites", 1)["occupied"]
    start, results = SPAWN.Event(), SPAWN.Queue()
    desks = [SPAWN.Process(target=_desk, args=(target, d, workload, seconds, start, results)) for d in range(writers)]
    for desk in desks:
        desk.start()
    time.sleep(1.0)
    start.set()
    out = [results.get(timeout=seconds + 120) for _ in desks]
    for desk in desks:
        desk.join()
    edits = sum(o[1] for o in out)
    counted, conflicts, errors = (sum(o[i] for o in out) for i in (2, 3, 4))
    times = sorted(t for o in out for t in o[5])
    inserts = project.count("cases") - cases_before
    ledger = project.count("audit_log") - log_before
    occupied = project.feature("isolation_sites", 1)["occupied"] - occupied_before
    expected_log = edits + counted  # desk work: one row per edit; the counter: the case and the count
    print(f"{workload}: {writers} desks × {seconds:.0f} s: {edits} edits, {edits / seconds:.0f} edits/s "
          f"({edits / seconds / writers:.1f} per desk); edit time median {statistics.median(times) * 1000:.1f} ms, "
          f"p95 {times[int(len(times) * 0.95)] * 1000:.1f} ms; {conflicts} conflicts re-read, {errors} errors")
    print(f"  check: {inserts} cases added, {ledger} ledger rows (expected {expected_log}), counter +{occupied} "
          f"(expected {counted}): {'OK' if ledger == expected_log and occupied == counted and not errors else 'FAIL'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()

    def run(url: str) -> None:
        target = f"{url}{'&' if '?' in url else '?'}schema=bench_{uuid.uuid4().hex[:8]}"
        prepare(target)
        for workload in ("desk work", "one shared counter"):
            run_workload(target, workload, args.writers, args.seconds)
        print(f"load average: {' '.join(f'{v:.1f}' for v in os.getloadavg())} (two cores, shared)")

    if os.environ.get("CORDON_TEST_PG_URL"):
        run(os.environ["CORDON_TEST_PG_URL"])
        return
    from pg_cluster import throwaway_cluster

    with throwaway_cluster() as url:
        run(url)


if __name__ == "__main__":
    main()

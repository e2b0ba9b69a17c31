"""Crash safety: every write path of the command line is killed (SIGKILL, as by a power cut or the task
manager) at random points of its run, and the project and the output are then either as before or as after,
never partial; the temporaries a killed writer leaves are gone after the next start.

Each path runs once to the end (its "after" state and its duration), then ``CORDON_CRASH_TRIALS`` times
(default 2, the short form for CI) killed after a random part of that duration. ``CORDON_CRASH_SEED``
repeats a run's random delays.
"""

import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from openpyxl import load_workbook

from data.atomic import remove_stale_temporaries
from data.project import Project
from data.schema import LAYERS

ROOT = Path(__file__).resolve().parents[1]
TRIALS = int(os.environ.get("CORDON_CRASH_TRIALS", "2"))
SEED = int(os.environ.get("CORDON_CRASH_SEED", str(time.time_ns() % 1_000_000)))
IMPORTED_ROWS = 20_000


def layer_counts(path: Path) -> dict[str, int]:
    project = Project.open(path)
    try:
        return {name: project.count(name) for name in LAYERS}
    finally:
        project.close()


def intact_project(path: Path) -> dict[str, int]:
    """The layer counts of the project at ``path`` after checking it opens and passes SQLite's integrity check."""
    counts = layer_counts(path)  # opening rolls back what a killed writer left in its journal
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    return counts


@dataclass
class WritePath:
    """One command that writes: how to prepare its folder, its arguments, and what its target may hold."""

    args: Callable[[Path], list]
    target: str  # the file the command writes (the project itself for project writes)
    prepare: Callable[[Path, Path], None]  # (folder, base project) -> inputs in place
    state: Callable[[Path], object]  # what the target holds: compared with before and after


def copy_base(folder: Path, base: Path) -> None:
    shutil.copy(base, folder / "县.gpkg")


def old_project(folder: Path, base: Path) -> None:
    Project.create(folder / "县.gpkg", name="旧项目", county_code="000000").close()


def with_cases_csv(folder: Path, base: Path) -> None:
    copy_base(folder, base)
    shutil.copy(base.parent / "病例.csv", folder / "病例.csv")


def old_stats(folder: Path, base: Path) -> None:
    copy_base(folder, base)
    written = run_cli(["stats", folder / "县.gpkg", "--by", "town", "--xlsx", folder / "统计.xlsx"])
    assert written.returncode == 0, written.stderr


def project_state(path: Path):
    if not path.exists():
        return "absent"
    counts = intact_project(path)
    return (Project.open(path).metadata["name"], tuple(sorted(counts.items())))


def workbook_state(path: Path):
    if not path.exists():
        return "absent"
    book = load_workbook(path)  # a partial file does not load
    return tuple((sheet.title, sheet.max_row, sheet.max_column) for sheet in book)


def geojson_state(path: Path):
    if not path.exists():
        return "absent"
    return len(json.loads(path.read_text(encoding="utf-8"))["features"])


def pdf_state(path: Path):
    if not path.exists():
        return "absent"
    data = path.read_bytes()
    assert data.startswith(b"%PDF") and data.rstrip().endswith(b"%%EOF")
    return "pdf"


PROJECT = "县.gpkg"
PATHS = {
    "import": WritePath(lambda d: ["import", d / PROJECT, d / "病例.csv", "--layer", "cases", "--lon-col", "经度",
                                   "--lat-col", "纬度", "--crs", "gcj02"], PROJECT, with_cases_csv, project_state),
    "new --sample": WritePath(lambda d: ["new", d / "新.gpkg", "--sample"], "新.gpkg", lambda d, b: None,
                              project_state),
    "new --force": WritePath(lambda d: ["new", d / PROJECT, "--sample", "--force"], PROJECT, old_project,
                             project_state),
    "zones propose --apply": WritePath(lambda d: ["zones", d / PROJECT, "propose", "--apply", "--date", "2026-11-20"],
                                       PROJECT, copy_base, project_state),
    "export xlsx": WritePath(lambda d: ["export", d / PROJECT, "--format", "xlsx", "--out", d / "简报.xlsx"],
                             "简报.xlsx", copy_base, workbook_state),
    "export geojson": WritePath(lambda d: ["export", d / PROJECT, "--format", "geojson", "--layer", "admin_units",
                                           "--out", d / "单元.geojson"], "单元.geojson", copy_base, geojson_state),
    "export gpkg": WritePath(lambda d: ["export", d / PROJECT, "--format", "gpkg", "--out", d / "副本.gpkg"],
                             "副本.gpkg", copy_base, project_state),
    "print pdf": WritePath(lambda d: ["print", d / PROJECT, "--out", d / "图.pdf"], "图.pdf", copy_base, pdf_state),
    "stats --xlsx": WritePath(lambda d: ["stats", d / PROJECT, "--by", "grid", "--xlsx", d / "统计.xlsx"],
                              "统计.xlsx", old_stats, workbook_state),
}


def run_cli(args, **options):
    env = {**os.environ, "CORDON_LANG": "zh"}
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *map(str, args)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600, **options)


def start_cli(args) -> subprocess.Popen:
    env = {**os.environ, "CORDON_LANG": "zh"}
    return subprocess.Popen([sys.executable, str(ROOT / "main.py"), *map(str, args)], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@pytest.fixture(scope="module")
def base(sample_master, tmp_path_factory) -> Path:
    """The sample county without zones, and a CSV of cases (GCJ-02, as AutoNavi shows them) beside it."""
    folder = tmp_path_factory.mktemp("base")
    path = sample_master.save_as(folder / "base.gpkg").path
    rng = np.random.default_rng(11)
    lon, lat = rng.uniform(112.45, 112.65, IMPORTED_ROWS), rng.uniform(35.0, 35.15, IMPORTED_ROWS)
    lines = [f"导入{i:06d},密切接触者,2026-11-19 09:{i % 60:02d},{x:.6f},{y:.6f}"
             for i, (x, y) in enumerate(zip(lon, lat, strict=True))]
    (folder / "病例.csv").write_text("病例编号,类别,报告时间,经度,纬度\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def after_next_start(folder: Path, target: Path) -> list[str]:
    """The files left in ``folder`` once the killed writer's temporaries are old and Cordon starts again."""
    hour_ago = time.time() - 3600
    for leftover in folder.glob(".*"):
        os.utime(leftover, (hour_ago, hour_ago))
    if target.suffix == ".gpkg" and target.exists():
        Project.open(target).close()  # opening a project clears its folder
    else:
        remove_stale_temporaries(folder)  # as the next output written there does
    return sorted(p.name for p in folder.iterdir())


@pytest.mark.parametrize("name", list(PATHS))
def test_a_killed_writer_leaves_before_or_after_never_partial(name, base, tmp_path):
    path = PATHS[name]
    reference = tmp_path / "reference"
    reference.mkdir()
    path.prepare(reference, base)
    before = path.state(reference / path.target)
    inputs = sorted(p.name for p in reference.iterdir())
    started = time.monotonic()
    finished = run_cli(path.args(reference))
    duration = time.monotonic() - started
    assert finished.returncode == 0, finished.stderr
    after = path.state(reference / path.target)
    assert after != before
    rng = random.Random(f"{SEED}-{name}")
    for trial in range(TRIALS):
        folder = tmp_path / f"trial{trial}"
        folder.mkdir()
        path.prepare(folder, base)
        delay = rng.uniform(0.25, 1.0) * duration
        process = start_cli(path.args(folder))
        try:
            process.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
        where = f"{name}, trial {trial}, killed after {delay:.2f} s of {duration:.2f} s (CORDON_CRASH_SEED={SEED})"
        target = folder / path.target
        assert path.state(target) in (before, after), where
        left = after_next_start(folder, target)
        assert left == sorted(set(inputs) | ({path.target} if target.exists() else set())), where


def test_a_journal_a_killed_writer_only_began_is_gone_at_the_next_open_and_another_writers_stays(base, tmp_path):
    """A writer killed as it began a transaction can leave a journal whose header is still zeros: SQLite ignores it,
    and it would lie beside the project for ever. The next open removes it; a journal of a writer at work stays."""
    target = tmp_path / PROJECT
    shutil.copy(base, target)
    journal = Path(f"{target}-journal")
    journal.write_bytes(bytes(512) + b"\x01" * 1024)  # as the import killed in the suite left it: no magic
    before = project_state(target)
    assert after_next_start(tmp_path, target) == [PROJECT] and project_state(target) == before

    writer = sqlite3.connect(target, isolation_level=None)  # another program in the middle of a write
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("CREATE TABLE another_programs_table (a)")
    try:
        assert journal.exists()
        Project.open(target).close()
        assert journal.exists()  # not ours to touch
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert project_state(target) == before

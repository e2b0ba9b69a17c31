"""The one way the project's changes reach the window: :class:`ChangeFeed` hears every committed changeset
(:class:`data.changes.Changeset`) of one open project and re-emits it on the UI thread.

- Local changesets come from :meth:`data.project.Project.subscribe`, on whichever thread committed (the UI
  thread, an import worker).
- Remote ones, on a database project, come from the other desks: a listener thread of its own holds a
  connection LISTENing to the project's channel (:meth:`data.stores.postgis_store.PostgisProject.listen`),
  reads the changed rows and hands each other desk's transaction over as a ``remote`` changeset.

Every view follows the feed (:func:`follow`) and updates only what the changeset touched. The main window owns
the feed of its project (:meth:`ChangeFeed.for_project`); a view shown on its own gets one the same way.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, Signal

from data.changes import Changeset
from data.project import Project
from gis.errors import UserError

POLL_S = 0.2  # the listener looks at its stop flag this often: closing never waits longer
RETRY_S = 2.0  # after a lost connection, listen again this much later

_log = logging.getLogger(__name__)
_feeds: dict[int, ChangeFeed] = {}  # id(project) -> its open feed


class ChangeFeed(QObject):
    """The changesets of ``project``, local and remote, on the UI thread (``changed(changeset)``)."""

    changed = Signal(object)
    _arrived = Signal(object)  # from any thread; queued onto the feed's (the UI) thread

    def __init__(self, project: Project, parent: QObject | None = None):
        super().__init__(parent)
        self.project = project
        self._arrived.connect(self.changed, Qt.ConnectionType.QueuedConnection)
        self._unsubscribe = project.subscribe(self._arrived.emit)
        self._stop = threading.Event()
        self._listener: threading.Thread | None = None
        if hasattr(project, "listen"):
            self._listener = threading.Thread(target=self._listen, name="cordon-change-feed", daemon=True)
            self._listener.start()
        _feeds[id(project)] = self

    @classmethod
    def for_project(cls, project: Project, parent: QObject | None = None) -> ChangeFeed:
        """The open feed of ``project``, made (owned by ``parent``) if it has none yet."""
        feed = _feeds.get(id(project))
        return feed if feed is not None and feed.project is project else cls(project, parent)

    @classmethod
    def close_all(cls) -> None:
        """Close every open feed (a script ending before its database does)."""
        for feed in list(_feeds.values()):
            feed.close()

    def close(self) -> None:
        """Stop hearing the project: no more changesets; the listener thread ends within :data:`POLL_S`."""
        self._unsubscribe()
        self._stop.set()
        if self._listener is not None:
            self._listener.join()
            self._listener = None
        if _feeds.get(id(self.project)) is self:
            del _feeds[id(self.project)]

    def _listen(self) -> None:
        """The listener thread: other desks' changesets until :meth:`close`."""
        conn = None
        try:
            while not self._stop.is_set():
                try:
                    conn = conn or self.project.listen()
                    for changeset in self.project.remote_changesets(conn, POLL_S):
                        self._deliver(changeset)
                except UserError as error:  # the server went away: listen again a little later
                    _log.warning("change feed: %s", error.message("en"))
                    if conn is not None:
                        conn.close()
                    conn = None
                    self._stop.wait(RETRY_S)
        finally:
            if conn is not None:
                conn.close()
            self.project.close()  # this thread's reading connection

    def _deliver(self, changeset: Changeset) -> None:
        if not self._stop.is_set():
            self._arrived.emit(changeset)


def follow(project: Project, slot: Callable[[Changeset], None]) -> Callable[[], None]:
    """Call ``slot(changeset)`` on the UI thread for every changeset of ``project``; returns the function that
    stops it (harmless once the feed is gone)."""
    feed = ChangeFeed.for_project(project)
    connection = feed.changed.connect(slot)

    def unfollow() -> None:
        with contextlib.suppress(RuntimeError):  # the feed was closed and deleted already
            QObject.disconnect(connection)

    return unfollow

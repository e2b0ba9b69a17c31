"""Long work off the UI thread, with progress and cancel.

A *work function* is plain Python that knows nothing of Qt::

    def work(progress, cancelled):
        for i, item in enumerate(items):
            if cancelled():
                raise ImportCancelled()
            progress(100 * i // len(items), "...")
        return result

:class:`Worker` runs it in its own ``QThread`` and reports back on the UI thread through its signals;
:class:`ProgressDialog` shows its progress with a Cancel button. ``finished`` or ``failed`` is emitted
only after the thread has ended, so a slot may drop the worker at once. A failure that is not the user's
(anything but :class:`gis.errors.UserError` or an ``OSError``) is a bug: it also goes to ``sys.excepthook``
with its traceback, as an exception in a slot would, so that it is never just a line in a dock.

A reader whose view goes away is :meth:`Worker.abandon`-ed: cancelled and never waited for. The worker then
keeps itself (and its thread) alive until the work returns, emits nothing more, and deletes itself; threads
still running when the interpreter exits are waited for then, so no ``QThread`` is destroyed while it runs.
"""

from __future__ import annotations

import atexit
import sys
import threading
from collections.abc import Callable

from PySide6.QtCore import QObject, QThread, Signal, Slot
from PySide6.QtWidgets import QProgressDialog, QWidget

from gis.errors import UserError

Progress = Callable[[int, str], None]
Cancelled = Callable[[], bool]
Work = Callable[[Progress, Cancelled], object]

_ABANDONED: set[Worker] = set()  # cancelled workers whose thread has not ended yet


class Connections:
    """Signal connections made together and undone together."""

    def __init__(self):
        self._pairs: list[tuple[object, Callable]] = []

    def connect(self, signal, slot: Callable) -> None:
        signal.connect(slot)
        self._pairs.append((signal, slot))

    def clear(self) -> None:
        """Disconnect everything connected through this object."""
        for signal, slot in reversed(self._pairs):
            signal.disconnect(slot)
        self._pairs.clear()


class _Thread(QThread):
    """Calls the work function; keeps its result or exception for the worker to deliver."""

    def __init__(self, work: Work, progress: Progress, cancelled: Cancelled):
        super().__init__()
        self._work, self._progress, self._cancelled = work, progress, cancelled
        self.result: object = None
        self.error: Exception | None = None

    def run(self) -> None:
        try:
            self.result = self._work(self._progress, self._cancelled)
        except Exception as exc:  # any failure is handed to the UI thread through Worker.failed
            self.error = exc


class Worker(QObject):
    """Runs one work function in a thread of its own.

    ``progress(percent, label)`` is relayed as it comes; then exactly one of ``finished(result)`` or
    ``failed(exception)`` is emitted on the UI thread once the thread has ended. A worker runs once.
    """

    progress = Signal(int, str)
    finished = Signal(object)
    failed = Signal(object)

    def __init__(self, work: Work, parent: QObject | None = None):
        super().__init__(parent)
        self._cancel = threading.Event()
        self._thread: _Thread | None = _Thread(work, self._report, self._cancel.is_set)
        self._last: tuple[int, str] | None = None
        self._started = False
        self._abandoned = False

    def start(self) -> None:
        """Start the work in its thread."""
        if self._started:
            raise RuntimeError("a Worker runs only once")
        self._started = True
        self._thread.finished.connect(self._on_thread_finished)
        self._thread.start()

    def cancel(self) -> None:
        """Ask the work to stop; it stops when it next polls ``cancelled()``."""
        self._cancel.set()

    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def is_running(self) -> bool:
        return self._thread is not None and self._started

    def stop(self) -> None:
        """Cancel and wait for the thread to end (blocks); the outcome is delivered before returning."""
        if not self.is_running():
            return
        self.cancel()
        self._thread.wait()
        self._on_thread_finished()

    def abandon(self) -> None:
        """Cancel and return at once, never blocking: the thread ends on its own when the work next polls
        ``cancelled()``; no signal is emitted any more, so no slot of a view that is going away is called.
        The worker leaves its parent and deletes itself once the thread has ended."""
        self.cancel()
        if self._abandoned or not self.is_running():
            return
        self._abandoned = True
        self.setParent(None)  # outlives the view that started it, until its thread ends
        _ABANDONED.add(self)

    def _report(self, percent: int, label: str) -> None:
        """Relay progress from the work thread; repeats are dropped."""
        if not self._abandoned and (percent, label) != self._last:
            self._last = (percent, label)
            self.progress.emit(int(percent), str(label))

    @Slot()
    def _on_thread_finished(self) -> None:
        thread = self._thread
        if thread is None:  # already delivered by stop()
            return
        thread.finished.disconnect(self._on_thread_finished)
        thread.wait()
        self._thread = None
        if self._abandoned:
            _ABANDONED.discard(self)
            self.deleteLater()
            return
        if thread.error is not None:
            if not isinstance(thread.error, UserError | OSError):
                sys.excepthook(type(thread.error), thread.error, thread.error.__traceback__)
            self.failed.emit(thread.error)
        else:
            self.finished.emit(thread.result)


@atexit.register
def _wait_for_abandoned() -> None:
    """At exit, let the threads of abandoned workers end (they have been cancelled) before Qt objects go."""
    for worker in list(_ABANDONED):
        if worker._thread is not None:
            worker._thread.wait()
    _ABANDONED.clear()


class ProgressDialog(QProgressDialog):
    """A modal progress dialog for a :class:`Worker`: shows its progress, Cancel cancels it, and it
    closes itself when the worker is done."""

    def __init__(self, worker: Worker, title: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setLabelText(title)
        self.setRange(0, 100)
        self.setMinimumDuration(400)
        self.setAutoReset(False)
        self.setAutoClose(False)
        self.setModal(True)
        self._worker = worker
        self._links = Connections()
        self._links.connect(worker.progress, self._on_progress)
        self._links.connect(worker.finished, self._on_done)
        self._links.connect(worker.failed, self._on_done)
        self._links.connect(self.canceled, worker.cancel)

    @Slot(int, str)
    def _on_progress(self, percent: int, label: str) -> None:
        if not self.wasCanceled():
            self.setValue(percent)
            self.setLabelText(label)

    @Slot(object)
    def _on_done(self, _outcome: object) -> None:
        self._links.clear()
        self.close()

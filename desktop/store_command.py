"""The one undo command for data-store actions run from the docks: a zone action, the zones a proposal or a
drawing creates, activating an isolation site, confirming an allocation.

The command reads the rows the action changes before it runs; the first redo runs the action (a refused
action, a :class:`~gis.errors.UserError`, changes nothing: it is kept in ``error`` and makes the command
obsolete, so the undo stack drops it). Undo writes the rows back as they were and deletes the rows the action
created. A later redo runs the action again (``rerun``: a zone action is logged under its own name again, and
may be refused then: ``report_error`` hears of it) or writes back what the action left, the created rows under
the same fids (logged "redo").
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QUndoCommand

from data.project import Project
from data.row_states import RowSelection, read_rows, read_states, write_states
from gis.errors import UserError


class StoreCommand(QUndoCommand):
    """``action()`` made undoable. ``rows`` (``{layer: (fids, fields)}``, see :mod:`data.row_states`) are the
    existing rows it changes; with ``created`` (a layer name) it returns the fids of the rows it created there.
    ``result`` holds what it returned."""

    def __init__(self, project: Project, text: str, action: Callable[[], object], rows: RowSelection | None = None,
                 *, created: str | None = None, rerun: bool = False):
        super().__init__(text)
        self.project, self.action, self.created, self.rerun = project, action, created, rerun
        self.rows = rows or {}
        self.before = read_states(project, self.rows)
        self.after = None
        self.new_rows = None
        self.result = None
        self.error: UserError | None = None
        self.report_error: Callable[[UserError], None] | None = None

    @property
    def fids(self) -> list[int]:
        """The fids of the rows the action created."""
        return [] if self.new_rows is None else [int(fid) for fid in self.new_rows.index]

    def redo(self) -> None:
        if self.rerun or self.after is None:
            self._attempt()
        else:
            self._write(self.after, action="redo")

    def undo(self) -> None:
        self._write(self.before, action="undo")

    def _attempt(self) -> None:
        try:
            self.result = self.action()
        except UserError as error:
            self.error = error
            self.setObsolete(True)
            if self.report_error:
                self.report_error(error)
            return
        if self.created:
            self.new_rows = read_rows(self.project, self.created, [int(fid) for fid in self.result])
        if not self.rerun:
            self.after = read_states(self.project, self.rows)

    def _write(self, states, *, action: str) -> None:
        """Put the created rows back (redo) or delete them (undo), and the changed rows into ``states``."""
        with self.project.transaction() as edit:
            if self.new_rows is not None:
                if action == "redo":
                    edit.insert(self.created, self.new_rows, action=action, fids=self.fids)
                else:
                    edit.delete(self.created, self.fids, action=action)
            write_states(edit, states, action=action)

"""The one undo command: any change made from the window (a cell edited in the attribute table, a zone drawn,
moved or deleted on the map, a zone action, a proposal accepted, a site activated, an allocation confirmed).

The command runs an action (a data-store write, or several) and keeps the changesets it committed
(:meth:`data.project.Project.recording`). Undo reverts them (:func:`data.changes.revert`) in one transaction,
checked against the rows' versions: if another desk (or window) changed a row since, the undo is refused with
the conflict message naming who and when, nothing is written, and the command leaves the stack. Redo reverts
the undo the same way, or runs the action again (``rerun``: a zone action is logged under its own name again,
and may be refused then). A first run refused (a :class:`~gis.errors.UserError`) changes nothing: it is kept
in ``error`` and the command is dropped. ``report_error`` hears of a later refusal.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable

from PySide6.QtGui import QUndoCommand

from data.changes import Changeset, revert
from data.project import Project
from gis.errors import UserError

_left: weakref.WeakKeyDictionary[Project, dict] = weakref.WeakKeyDictionary()
"""Per project, the version each row was left at by the undo commands' last step: {(layer, fid): version}."""


class StoreCommand(QUndoCommand):
    """``action()`` made undoable through the changesets it commits; ``result`` holds what it returned and
    ``changesets`` what the last run, undo or redo committed."""

    def __init__(self, project: Project, text: str, action: Callable[[], object], *, rerun: bool = False):
        super().__init__(text)
        self.project, self.action, self.rerun = project, action, rerun
        self.done: list[Changeset] | None = None  # what the action (or the last redo) committed
        self.undone: list[Changeset] = []  # what the last undo committed
        self.changesets: list[Changeset] = []
        self.result = None
        self.error: UserError | None = None
        self.report_error: Callable[[UserError], None] | None = None

    @classmethod
    def edit(cls, project: Project, text: str, write: Callable[[object], object]) -> StoreCommand:
        """A command running ``write(edit)`` in one transaction of its own (an attribute edit, a zone moved)."""

        def action():
            with project.transaction() as edit:
                return write(edit)

        return cls(project, text, action)

    def redo(self) -> None:
        if self.done is None or self.rerun:
            self._run(self._attempt)
        else:
            self._run(lambda: self._revert(self.undone, "redo"), keep="done")

    def undo(self) -> None:
        self._run(lambda: self._revert(self.done, "undo"), keep="undone")

    def _revert(self, changesets: list[Changeset], action: str) -> None:
        with self.project.transaction() as edit:
            revert(edit, changesets, action=action, versions=_left.get(self.project))

    def _attempt(self) -> None:
        self.result = self.action()

    def _run(self, write: Callable[[], object], keep: str = "done") -> None:
        """Run ``write``, keeping what it committed; a refusal drops the command (and says why)."""
        try:
            with self.project.recording() as committed:
                write()
        except UserError as error:
            self.error = error
            self.setObsolete(True)
            if self.report_error:
                self.report_error(error)
            return
        setattr(self, keep, committed)
        self.changesets = committed
        left = _left.setdefault(self.project, {})
        for change in (change for changeset in committed for change in changeset.changes):
            left.pop((change.layer, change.fid), None)
            if change.version() is not None:
                left[(change.layer, change.fid)] = change.version()

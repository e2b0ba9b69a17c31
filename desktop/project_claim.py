"""The window's claim on a GeoPackage it edits: the lock record beside the file (:mod:`data.project_lock`),
kept fresh while the project is open and removed when it closes; asking what to do when another Cordon window
already edits the file; warning when the file lies on a network share."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QMessageBox, QWidget

from data.project import Project
from data.project_lock import REFRESH_S, ProjectLock, held_warning, lock_holder, network_share, share_warning


class ProjectClaim(QObject):
    """Claims each GeoPackage project the window opens for editing (databases need no claim)."""

    def __init__(self, window: QWidget):
        super().__init__(window)
        self.window = window
        self.lock: ProjectLock | None = None
        self._timer = QTimer(self, interval=REFRESH_S * 1000, timeout=self._refresh)

    def claim(self, project: Project, *, may_cancel: bool = True) -> bool:
        """Before ``project`` is shown: if another window edits it, ask 只读打开 / 仍然编辑 / 取消 (False: cancelled;
        read-only sets ``project.read_only``); then write this window's record unless read-only, and warn about a
        network share. Without ``may_cancel`` (nothing else to show) cancelling opens read-only."""
        if not isinstance(project.path, Path):
            self.release()
            return True
        holder = lock_holder(project.path)
        if holder is not None:
            box = QMessageBox(QMessageBox.Icon.Warning, self.tr("Project in Use"),
                              held_warning(holder, project.path).message(), parent=self.window)
            box.setInformativeText(self.tr("Open it read-only, or edit it anyway? Edits by both windows are kept, "
                                           "but each window sees the other's only after a refresh."))
            read_only = box.addButton(self.tr("Open Read-Only"), QMessageBox.ButtonRole.AcceptRole)
            edit = box.addButton(self.tr("Edit Anyway"), QMessageBox.ButtonRole.DestructiveRole)
            box.addButton(QMessageBox.StandardButton.Cancel)
            box.setDefaultButton(read_only)
            box.exec()
            if box.clickedButton() not in (read_only, edit) and may_cancel:
                return False
            project.read_only = box.clickedButton() is not edit
        self.release()
        if not project.read_only:
            self.lock = ProjectLock.acquire(project.path, user=project.user)
            self._timer.start()
        if (kind := network_share(project.path)) is not None:
            box = QMessageBox(QMessageBox.Icon.Warning, self.tr("Project on a Network Share"),
                              share_warning(kind, project.path).message(), QMessageBox.StandardButton.Ok, self.window)
            box.open()
        return True

    def release(self) -> None:
        """Remove this window's record (the project is closed or another one opened)."""
        self._timer.stop()
        if self.lock is not None:
            self.lock.release()
            self.lock = None

    def _refresh(self) -> None:
        if self.lock is not None:
            self.lock.refresh()

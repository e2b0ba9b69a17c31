"""Undoable edits: every change made in the app goes through a QUndoStack and straight into the project
file (each step one audited transaction), so nothing waits for a "save"."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
from PySide6.QtGui import QUndoCommand

from data.project import Project


class AddFeatureCommand(QUndoCommand):
    """Insert one feature row; undo deletes it, redo puts it back under the same fid."""

    def __init__(self, project: Project, layer: str, row: gpd.GeoDataFrame, text: str):
        super().__init__(text)
        self.project, self.layer, self.row = project, layer, row
        self.fid: int | None = None

    def redo(self) -> None:
        with self.project.transaction() as edit:
            fids = None if self.fid is None else [self.fid]
            (self.fid,) = edit.insert(self.layer, self.row, action="create" if fids is None else "redo", fids=fids)

    def undo(self) -> None:
        with self.project.transaction() as edit:
            edit.delete(self.layer, [self.fid], action="undo")


class DeleteFeatureCommand(QUndoCommand):
    """Delete one feature; undo puts it back under the same fid."""

    def __init__(self, project: Project, layer: str, fid: int, text: str):
        super().__init__(text)
        self.project, self.layer, self.fid = project, layer, fid
        self.saved = project.read_layer(layer, where="fid = ?", params=(fid,))

    def redo(self) -> None:
        with self.project.transaction() as edit:
            edit.delete(self.layer, [self.fid])

    def undo(self) -> None:
        with self.project.transaction() as edit:
            edit.insert(self.layer, self.saved, action="undo", fids=[self.fid])


class UpdateFeatureCommand(QUndoCommand):
    """Change attributes and/or the geometry of one feature; undo restores what was there."""

    def __init__(self, project: Project, layer: str, fid: int, values: dict | None, text: str, geometry=None):
        super().__init__(text)
        self.project, self.layer, self.fid = project, layer, fid
        self.values, self.geometry = dict(values or {}), geometry
        before = project.read_layer(layer, where="fid = ?", params=(fid,)).iloc[0]
        self.old_values = {key: _plain(before[key]) for key in self.values}
        self.old_geometry = before.geometry if geometry is not None else None

    def redo(self) -> None:
        with self.project.transaction() as edit:
            edit.update(self.layer, self.fid, self.values, geometry=self.geometry)

    def undo(self) -> None:
        with self.project.transaction() as edit:
            edit.update(self.layer, self.fid, self.old_values, geometry=self.old_geometry, action="undo")


def _plain(value):
    return None if pd.isna(value) else (value.item() if hasattr(value, "item") else value)

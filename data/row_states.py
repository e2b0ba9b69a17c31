"""Snapshots of some rows of the project, to be written back: what an undoable edit keeps of the rows a
data-store action changes, before the action and after it, so that undo and redo can put either state back.

A state is ``{layer: {fid: (values, geometry)}}``: the values of the fields asked for (plain Python values),
and the outline when every field was asked for (None otherwise, which leaves the outline as it is).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from data.project import Project
from data.schema import LAYERS
from data.stats_store import plain_value

RowStates = dict[str, dict[int, tuple[dict, object]]]
RowSelection = dict[str, tuple[Iterable[int], Sequence[str] | None]]
"""``{layer: (fids, fields)}``; ``fields`` None for every field of the layer and its outline."""


def read_states(project: Project, rows: RowSelection) -> RowStates:
    """The rows of ``rows`` as they are now (rows that do not exist are left out)."""
    states: RowStates = {}
    for layer, (fids, fields) in rows.items():
        fids = [int(fid) for fid in fids]
        frame = project.read_layer(layer, where=f"fid IN ({', '.join('?' * len(fids))})", params=fids) \
            if fids else None
        spec = LAYERS[layer]
        names = spec.field_names if fields is None else list(fields)
        outline = fields is None and spec.geometry is not None
        states[layer] = {} if frame is None else {
            int(fid): ({name: plain_value(row[name]) for name in names}, row.geometry if outline else None)
            for fid, row in frame.iterrows()}
    return states


def write_states(edit, states: RowStates, *, action: str) -> None:
    """Put the rows of ``states`` back as they were, within the transaction ``edit`` (each logged ``action``)."""
    for layer, rows in states.items():
        for fid, (values, geometry) in rows.items():
            edit.update(layer, fid, values, geometry=geometry, action=action)


def read_rows(project: Project, layer: str, fids: Sequence[int]):
    """The rows ``fids`` of ``layer`` as they are stored (to be inserted again under the same fids)."""
    fids = [int(fid) for fid in fids]
    return project.read_layer(layer, where=f"fid IN ({', '.join('?' * len(fids))})" if fids else "1 = 0", params=fids)

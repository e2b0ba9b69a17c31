"""What a committed transaction changed, row by row: the changeset every view and the undo stack share.

A :class:`Changeset` is built by :class:`data.project.Edit` as it writes (``source`` "local") or read back from
another desk's notification (``source`` "remote", see :mod:`data.stores.postgis_store`). Each :class:`Change`
names one row of a layer, what happened to it and its state before and after: every field, ``geometry``
(a shapely geometry in the storage CRS) and ``version`` where the layer keeps one. A bulk insert (an import of
a million rows) is one compact change naming the fid span instead of each row.

>>> change = Change("cases", 7, UPDATED, before={"state": "home", "version": 1}, after={"state": "hospital", "version": 2})
>>> Changeset((change,), user="张三", at="2026-03-10T10:42:00").layers
frozenset({'cases'})
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import pandas as pd

from data.schema import layer_spec
from gis.crs import STORAGE_EPSG

INSERTED, UPDATED, DELETED = "inserted", "updated", "deleted"
LOCAL, REMOTE = "local", "remote"


@dataclass(frozen=True)
class Change:
    """One row changed: ``kind`` is inserted, updated or deleted; ``before``/``after`` its states (None where the
    row did not exist, or was not read: another desk's change has no ``before``, a bulk insert neither).

    ``last_fid`` marks a bulk insert: the rows ``fid`` .. ``last_fid`` (a few of them may have come from
    elsewhere or be gone)."""

    layer: str
    fid: int
    kind: str
    before: dict | None = None
    after: dict | None = None
    last_fid: int | None = None

    @property
    def bulk(self) -> bool:
        """Whether this change stands for a span of rows, read again as a whole by whoever needs them."""
        return self.last_fid is not None

    @property
    def fids(self) -> range:
        """The fids this change covers (one, or a bulk insert's span)."""
        return range(self.fid, (self.fid if self.last_fid is None else self.last_fid) + 1)

    def version(self, state: str = "after") -> int | None:
        """The row's version before or after the change (None if unknown or the layer has none)."""
        values = getattr(self, state)
        return None if values is None else values.get("version")


@dataclass(frozen=True)
class Changeset:
    """What one committed transaction changed: its row ``changes`` in order, every table it wrote
    (``layers``, the audit log included), who committed it, when, and whether here or at another desk."""

    changes: tuple[Change, ...]
    user: str | None = None
    at: str | None = None
    source: str = LOCAL
    tables: frozenset[str] = field(default_factory=frozenset)

    @property
    def layers(self) -> frozenset[str]:
        """Every table the transaction wrote: the layers of its changes and ``tables`` (audit log, metadata)."""
        return frozenset(change.layer for change in self.changes) | self.tables

    def of(self, layer: str) -> list[Change]:
        """The changes to ``layer``."""
        return [change for change in self.changes if change.layer == layer]

    @property
    def bulk(self) -> bool:
        """Whether some change is a bulk one (views then read the layer again rather than row by row)."""
        return any(change.bulk for change in self.changes)


class ChangeRecorder:
    """Collects the changes of one transaction as :class:`data.project.Edit` writes them, folding the chunks
    of a bulk insert into one change per layer."""

    def __init__(self):
        self.changes: list[Change] = []
        self._bulk: dict[str, int] = {}  # layer -> position of its bulk change in ``changes``

    def add(self, change: Change) -> None:
        self.changes.append(change)

    def add_bulk(self, layer: str, fids: list[int]) -> None:
        """Note the rows ``fids`` inserted into ``layer`` without their states."""
        first, last = min(fids), max(fids)
        position = self._bulk.get(layer)
        if position is not None:
            known = self.changes[position]
            first, last = min(first, known.fid), max(last, known.last_fid)
            self.changes[position] = Change(layer, first, INSERTED, last_fid=last)
            return
        self._bulk[layer] = len(self.changes)
        self.changes.append(Change(layer, first, INSERTED, last_fid=last))


def revert(edit, changesets: list[Changeset], *, action: str = "undo", versions: dict | None = None) -> None:
    """Put back, within the transaction ``edit`` (:class:`data.project.Edit`), the rows ``changesets`` changed,
    newest change first (each logged ``action``): an inserted row is deleted, an updated one gets its values
    and outline back, a deleted one comes back under its fid. A row another desk changed since (its version
    is no longer the one the change left, or the one ``versions`` ``{(layer, fid): version}`` says later
    steps of the same undo stack left) refuses the whole revert with a :class:`data.project.ConflictError`.
    A bulk insert's span is deleted as a whole."""
    versions = versions or {}
    for change in [change for changeset in reversed(changesets) for change in reversed(changeset.changes)]:
        version = versions.get((change.layer, change.fid), change.version())
        if change.kind == INSERTED:
            expected = {change.fid: version} if version is not None else None
            edit.delete(change.layer, list(change.fids), action=action, expected_versions=expected)
        elif change.kind == UPDATED:
            values = {key: value for key, value in change.before.items() if key not in ("geometry", "version")}
            edit.update(change.layer, change.fid, values, geometry=change.before.get("geometry"), action=action,
                        expected_version=version)
        else:
            edit.insert(change.layer, _row_frame(change.layer, change.before), action=action, fids=[change.fid])


def _row_frame(layer: str, state: dict):
    """One row state as the frame :meth:`data.project.Edit.insert` takes."""
    values = {key: [value] for key, value in state.items() if key not in ("geometry", "version")}
    if layer_spec(layer).geometry is None:
        return pd.DataFrame(values)
    return gpd.GeoDataFrame(values, geometry=[state.get("geometry")], crs=f"EPSG:{STORAGE_EPSG}")

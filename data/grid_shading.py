"""What the map shades grids by, kept up to date change by change: the infections (confirmed + asymptomatic,
every date) counted in each grid, and the grid each infected case is counted in. Cases are placed in grids as
:func:`data.stats_store.case_counts` places them (a recorded grid code only where the point lies in that grid),
so the shading, its legend and ``stats --by grid`` give the same numbers.

Read once (:meth:`GridShading.read`, as fast as reading the case points), a desk's edit of a few cases is then
taken by :meth:`GridShading.apply`: the edited cases are located again, and only the grids a case moved out of
or into are recounted, whatever the edit's ``before`` holds (another desk's change carries none).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from data.changes import DELETED, Change
from data.project import Project, one_of
from gis.grid_stats import INFECTED_VALUES, GridLocator


class GridShading:
    """Infections per grid (``counts``, indexed by grid fid, zeros included) and where each case is counted."""

    def __init__(self, grid_fids: pd.Index, locator: GridLocator, case_fids: np.ndarray, case_grids: np.ndarray):
        self._grid_fids = grid_fids
        self._locator = locator
        self._case_fids = case_fids  # sorted
        self._case_grids = case_grids  # position of the grid each case is counted in, -1 for none
        self._added: dict[int, int] = {}  # cases inserted since the read: fid -> grid position
        self._counts = np.bincount(case_grids[case_grids >= 0], minlength=len(grid_fids))

    @classmethod
    def read(cls, project: Project, grids: tuple[list[int], dict[str, list], np.ndarray] | None = None
             ) -> GridShading:
        """The shading of ``project``'s grids as its cases are now. Only the infected cases are read (the store
        picks them): a case counted nowhere needs no place here, :meth:`apply` counts it once an edit infects it.
        ``grids``: the grids read already with their ``code`` (:meth:`~data.project.Project.read_values`; the map
        draws them from the same read), else read here."""
        grid_fids, values, outlines = grids or project.read_values("grids", ["code"])
        grid_fids, locator = pd.Index(grid_fids, dtype=np.int64, name="fid"), GridLocator(outlines, values["code"])
        if grid_fids.empty:  # no grid to count a case in
            return cls(grid_fids, locator, np.zeros(0, np.int64), np.zeros(0, np.int64))
        fids, x, y, columns = project.read_points("cases", ["grid_code"], where=one_of("category", INFECTED_VALUES),
                                                  params=INFECTED_VALUES)
        located = locator.locate(np.column_stack([x, y]), columns["grid_code"].to_numpy(dtype=object))
        order = np.argsort(fids, kind="stable")
        return cls(grid_fids, locator, np.asarray(fids, dtype=np.int64)[order], located[order])

    @property
    def counts(self) -> pd.Series:
        """Infections in each grid, indexed by grid fid."""
        return pd.Series(self._counts.copy(), index=self._grid_fids, name="infections")

    def apply(self, changes: Iterable[Change]) -> dict[int, int]:
        """Take row changes of the ``cases`` layer (with the states they leave, not bulk ones) in order; returns
        the new count of each grid they moved a case out of or into ({grid fid: infections}). Taking a change
        twice, or one the read already saw, changes nothing."""
        changes = [change for change in changes if change.layer == "cases"]
        if not changes:
            return {}
        states = [None if change.kind == DELETED else change.after for change in changes]
        infected = [state is not None and state.get("category") in INFECTED_VALUES for state in states]
        located = np.full(len(changes), -1, dtype=np.int64)
        if any(infected):
            picked = [state for state, sick in zip(states, infected, strict=True) if sick]
            located[np.flatnonzero(infected)] = self._locator.locate(
                np.array([state.get("geometry") for state in picked], dtype=object),
                np.array([state.get("grid_code") for state in picked], dtype=object))
        touched = set()
        for change, grid in zip(changes, located.tolist(), strict=True):
            old = self._move(change.fid, grid)
            if old != grid:
                touched.update(position for position in (old, grid) if position >= 0)
        return {int(self._grid_fids[position]): int(self._counts[position]) for position in sorted(touched)}

    def _move(self, fid: int, grid: int) -> int:
        """Count case ``fid`` in grid position ``grid`` (-1: none) from now on; returns where it was counted."""
        at = int(np.searchsorted(self._case_fids, fid))
        held = at < len(self._case_fids) and self._case_fids[at] == fid
        old = int(self._case_grids[at]) if held else self._added.get(fid, -1)
        if old == grid:
            return old
        if held:
            self._case_grids[at] = grid
        else:
            self._added[fid] = grid
        if old >= 0:
            self._counts[old] -= 1
        if grid >= 0:
            self._counts[grid] += 1
        return old

"""The bundled sample county as a project file: created on demand, refreshed when its dates go stale."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from dataclasses import replace
from pathlib import Path

from data.project import Project
from data.sample import SAMPLE_METADATA, build_sample_layers, build_sample_snapshots
from data.zone_store import apply_proposal, propose
from gis.errors import UserError

SAMPLE_LAYER_ORDER = ("admin_units", "grids", "isolation_sites", "facilities", "cases", "key_persons")


def create_sample_project(path, *, overwrite: bool = False, as_of: dt.date | None = None,
                          with_zones: bool = True) -> Project:
    """Create a project at ``path`` filled with the sample county (cases over the 21 days up to ``as_of``),
    with control zones proposed for its recent cases unless ``with_zones`` is False."""
    as_of = as_of or dt.date.today()
    layers = build_sample_layers(as_of)
    meta = SAMPLE_METADATA
    with Project.building(path, name=meta["name"], county_code=meta["county_code"], is_sample=True,
                          attribution=meta["attribution"], overwrite=overwrite) as draft:
        with draft.transaction() as edit:
            for name in SAMPLE_LAYER_ORDER:
                edit.insert(name, layers[name], action="sample", log_each=False)
            edit.insert("occupancy_snapshots", build_sample_snapshots(layers["isolation_sites"], as_of),
                        action="sample", log_each=False)
            edit.set_metadata(sample_as_of=as_of.isoformat())
            edit.log("create_sample", after={name: len(layers[name]) for name in SAMPLE_LAYER_ORDER})
        if with_zones:
            _zone_sample(draft, as_of)
    return Project.open(path)


def _zone_sample(project: Project, as_of: dt.date) -> None:
    """Zones as the command would draw them on the sample's last day: the proposal for its recent cases,
    without the county-wide remainder (so the map stays readable)."""
    proposal = propose(project, as_of=as_of)
    apply_proposal(project, replace(proposal, zones=tuple(z for z in proposal.zones if not z.is_rest_of_county)),
                   at=f"{as_of.isoformat()}T08:00:00")


def user_data_dir() -> Path:
    """Where Cordon keeps per-user files (the sample project among them); ``CORDON_DATA_DIR`` overrides."""
    if os.environ.get("CORDON_DATA_DIR"):
        return Path(os.environ["CORDON_DATA_DIR"])
    base = os.environ.get("LOCALAPPDATA") or os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "cordon"


def sample_project(today: dt.date | None = None) -> Project:
    """The user's copy of the sample project, rebuilt if missing or made on another day."""
    today = today or dt.date.today()
    path = user_data_dir() / "济源市示例.gpkg"
    if path.exists():
        try:
            project = Project.open(path)
            if project.metadata.get("sample_as_of") == today.isoformat():
                return project
        except (UserError, sqlite3.Error):  # a damaged or outdated copy is simply rebuilt
            pass
    return create_sample_project(path, overwrite=True, as_of=today)

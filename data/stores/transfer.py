"""Copying a whole project between stores: ``push`` (GeoPackage → database), ``pull`` (database →
GeoPackage) and "save as". Every layer keeps its fids, the metadata and the audit log come along, and the
copy appears only when complete (:meth:`Project.building`)."""

from __future__ import annotations

from data.project import Project
from data.schema import LAYERS

_BUILT_META = ("name", "county_code", "is_sample", "attribution")


def copy_project(source: Project, target, *, overwrite: bool = False) -> Project:
    """Copy ``source`` to ``target`` (a .gpkg path or a database URL) and return the copy, opened."""
    meta = source.metadata
    with Project.building(target, overwrite=overwrite, **{k: meta.get(k, "") for k in _BUILT_META}) as draft, \
            draft.transaction() as edit:
        for spec in LAYERS.values():
            frame = source.read_layer(spec.name)
            edit.insert(spec.name, frame, log_each=False, fids=list(frame.index))
        edit.set_metadata(log=False, **meta)
    return Project.open(target)

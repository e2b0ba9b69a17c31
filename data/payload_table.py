"""The table the map's kept layer payloads live in (:mod:`data.payload_cache`): its name and how it is made.

A database project has it from the start, shared with the project's roles (every desk reads it, editors and
admins write it, :mod:`data.stores.roles`): made with the project, or added when its admin opens a project
made before it. A GeoPackage gets it with the first payload written.
"""

from __future__ import annotations

CACHE_TABLE = "cordon_payload_cache"


def create_cache_table(conn, binary_type: str) -> None:
    """Make the table through ``conn`` unless it exists; ``binary_type`` is the store's SQL type for bytes."""
    conn.execute(f"CREATE TABLE IF NOT EXISTS {CACHE_TABLE} (layer TEXT NOT NULL, datum TEXT NOT NULL, "
                 f"version TEXT NOT NULL, payload {binary_type} NOT NULL, PRIMARY KEY (layer, datum))")

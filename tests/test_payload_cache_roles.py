"""The map's kept payloads on a real PostgreSQL server serve every desk, whatever its role: the table is there
from the moment a project exists, an editor opening the project first keeps what it built for itself and for
everyone after it, a viewer reads what is kept (and, writing nothing, builds the rest in memory, never failing),
a project made before the table gets it at its admin's next open, and two desks keeping the same payload at
once neither wait for each other nor write it twice."""

import threading

import psycopg
import pytest
from test_payload_cache import built, county, opened
from test_roles import as_user, login

from data import payload_cache
from data.map_payload import MAP_LAYERS, layer_payload
from data.payload_cache import CACHE_TABLE, cached_payload, data_version, wait_written
from data.project import Project
from data.stores import roles


@pytest.fixture
def desks(pg_target):
    """叶县 made on the server by its creator (an admin), and a login for each role: {role: target}."""
    project = county(pg_target)
    targets = {}
    for role in ("admin", "editor", "viewer"):
        name = login(f"yexian_{role}")
        roles.grant(project, name, role)
        targets[role] = as_user(pg_target, name)
    project.close()
    return targets


def kept_rows(pg_url: str, target: str) -> dict[tuple[str, str], bytes]:
    """The payloads kept in the project, read by the server's superuser."""
    schema = target.rsplit("schema=", 1)[1]
    with psycopg.connect(pg_url) as conn:
        rows = conn.execute(f'SELECT layer, datum, payload FROM "{schema}".{CACHE_TABLE}').fetchall()
    return {(layer, datum): payload for layer, datum, payload in rows}


def test_an_editor_opening_first_keeps_every_payload_for_itself_and_the_viewers(desks, pg_url):
    first = opened(desks["viewer"])  # nothing kept yet: the viewer's map is built in memory, nothing written
    assert built(first) == set(MAP_LAYERS) and kept_rows(pg_url, desks["editor"]) == {}

    assert built(opened(desks["editor"])) == set(MAP_LAYERS)
    assert set(kept_rows(pg_url, desks["editor"])) == {(name, "gcj02") for name in MAP_LAYERS}
    assert built(opened(desks["editor"])) == set()
    again = opened(desks["viewer"])
    assert built(again) == set()
    assert {name: payload for name, (payload, _) in again.items()} == {
        name: payload for name, (payload, _) in first.items()}


def test_a_project_made_before_the_table_gets_it_at_its_admins_next_open(desks, pg_url):
    admin = Project.open(desks["admin"])
    with admin.transaction() as edit:  # as a project made before Cordon kept payloads
        edit.conn.execute(f"DROP TABLE {CACHE_TABLE}")
    admin.close()
    for role in ("editor", "viewer"):  # until the admin comes, they draw their maps without keeping them
        assert built(opened(desks[role])) == set(MAP_LAYERS)
    assert built(opened(desks["editor"])) == set(MAP_LAYERS)

    Project.open(desks["admin"]).close()
    assert kept_rows(pg_url, desks["admin"]) == {}
    assert built(opened(desks["editor"])) == set(MAP_LAYERS)
    assert built(opened(desks["viewer"])) == set()
    assert built(opened(desks["editor"])) == set()


def test_two_desks_keeping_the_same_payload_at_once_never_wait_and_write_it_once(desks, pg_url, monkeypatch):
    monkeypatch.setattr(payload_cache, "RETRY_S", 0.05)
    desk = Project.open(desks["editor"])
    schema = desk.path.schema

    def other_desk_writing(datum: str) -> tuple[psycopg.Connection, str]:
        """Another editor's desk in the middle of keeping the same payload, its transaction not yet committed:
        (its connection, its transaction id)."""
        conn = psycopg.connect(desks["editor"].split("?", 1)[0])
        conn.execute(f'INSERT INTO "{schema}".{CACHE_TABLE} (layer, datum, version, payload) VALUES (%s, %s, %s, %s)',
                     ("cases", datum, data_version(desk, "cases"), layer_payload(desk, "cases", datum)))
        return conn, conn.execute("SELECT pg_current_xact_id()::xid::text").fetchone()[0]

    def written_by(datum: str) -> str:
        """The transaction that wrote the kept payload of the cases in ``datum``."""
        with psycopg.connect(pg_url) as conn:
            return conn.execute(f'SELECT xmin::text FROM "{schema}".{CACHE_TABLE} WHERE layer = %s AND datum = %s',
                                ("cases", datum)).fetchone()[0]

    monkeypatch.setattr(payload_cache, "ATTEMPTS", 2)  # the other desk takes longer than this desk tries for
    other, other_xid = other_desk_writing("gcj02")
    payload, was_built = cached_payload(desk, "cases", "gcj02")
    assert was_built and wait_written(10)  # gave up on the busy row instead of waiting for it
    other.commit()
    other.close()
    assert cached_payload(desk, "cases", "gcj02") == (payload, False) and written_by("gcj02") == other_xid

    monkeypatch.setattr(payload_cache, "ATTEMPTS", 20)  # the other desk commits while this one tries again
    other, other_xid = other_desk_writing("wgs84")
    payload, was_built = cached_payload(desk, "cases", "wgs84")
    committed = threading.Timer(0.3, lambda: (other.commit(), other.close()))
    committed.start()
    assert was_built and wait_written(10)
    committed.join()
    assert cached_payload(desk, "cases", "wgs84") == (payload, False) and written_by("wgs84") == other_xid
    desk.close()

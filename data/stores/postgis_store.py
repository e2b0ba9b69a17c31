"""The PostgreSQL/PostGIS store: a project as one schema of a database (default ``cordon``), for many desks at once.

Each contract layer is a table with ``fid bigint`` identity key, ``geom geometry(MultiPolygon|Point, 4490)``
under a GiST index, and the contract fields (TEXT → text, INTEGER → bigint, REAL → double precision; dates
and times stay ISO text, as in the GeoPackage), beside ``cordon_meta`` and ``audit_log``. Geometries travel
as WKB (EWKB with the SRID when written). Creating a project is one transaction: the schema and everything
in it appear together or not at all. Opening migrates like the GeoPackage, under an advisory lock.

Every committed change to a feature layer is announced by triggers (any client's: QGIS, psql, another Cordon)
with ``pg_notify`` on the project's channel (:func:`feed_channel`), one JSON payload per statement naming the
layer, the kind, the fids (or their span when there are many, so a payload stays far below 8000 bytes), the
login, the writing project's ``session`` and the transaction id; :mod:`desktop.change_feed` listens.

Each thread has its own connection (autocommit between transactions, so reading holds no lock). The
password comes from libpq (``PGPASSWORD``, ``~/.pgpass``), from the URL or the connect dialog (kept in
memory only), or, on an interactive terminal, from a prompt; it is never written anywhere. Server, login
and connection failures are one UserError naming the target without its password.
"""

from __future__ import annotations

import contextlib
import getpass
import hashlib
import json
import sys
import threading
import uuid
from collections.abc import Callable, Iterable, Sequence

import numpy as np
import psycopg
import shapely
from psycopg import sql

from data.changes import DELETED, INSERTED, REMOTE, UPDATED, Change, Changeset
from data.payload_table import CACHE_TABLE, create_cache_table
from data.project import GEOMETRY_COLUMN, META_TABLE, Project, WriteSkipped, quote
from data.schema import LAYERS, VERSION_COLUMN, Field, LayerSpec, versioned
from data.stores import roles
from data.stores.database_url import DatabaseTarget, parse_url, remember_password, strip_password
from gis.crs import STORAGE_EPSG
from gis.errors import UserError

_TYPES = {"TEXT": "text", "INTEGER": "bigint", "REAL": "double precision", "DATE": "text", "DATETIME": "text"}
_GEOMETRY_TYPES = {"MULTIPOLYGON": "MultiPolygon", "POINT": "Point"}
CONNECT_TIMEOUT_S = 10
NOTIFIED_FIDS = 200
"""A statement changing more rows than this is announced by its fid span, not each fid."""
_FEED_KINDS = {"insert": INSERTED, "update": UPDATED, "delete": DELETED}


class PostgisProject(Project):
    """A project kept in a schema of a PostgreSQL database with PostGIS."""

    geometry_select = f"ST_AsBinary({GEOMETRY_COLUMN})"
    row_lock = " FOR UPDATE"
    binary_type = "bytea"

    def __init__(self, target: DatabaseTarget):
        super().__init__(target)
        self._pinned: _Connection | None = None  # a draft's one connection, inside its creating transaction
        self._lock = threading.Lock()
        self.session = uuid.uuid4().hex  # names this project's writes in the change notifications

    @classmethod
    def _opened(cls, target) -> PostgisProject:
        project = cls(parse_url(target))
        conn = project._conn()
        if not conn.execute("SELECT to_regclass(?) IS NOT NULL", (f"{quote(project.path.schema)}.{META_TABLE}",)
                            ).fetchone()[0]:
            where = project.path
            raise UserError(f"数据库 {where} 中没有 Cordon 项目（模式 {where.schema}）。请先用 new 或 push 创建。",
                            f"There is no Cordon project in {where} (schema {where.schema}). "
                            "Create one with new or push first.")
        project.user, project.role = roles.role_of(conn, project.path)  # the ledger's name is the database login
        return project

    def _migrate(self) -> None:
        super()._migrate()
        self._add_cache_table()
        roles.ensure_installed(self)  # an older schema gets its roles from its owner, a table added since its grants

    def _add_cache_table(self) -> None:
        """The map's payload table (:mod:`data.payload_table`) in a project made before it, added when its admin
        opens it (only the owner may make tables; other desks build their payloads in memory until then)."""
        if self.can_admin and CACHE_TABLE not in self._tables(self._conn()):
            with self.transaction() as edit:
                self._lock_schema(edit.conn)
                create_cache_table(edit.conn, self.binary_type)

    @classmethod
    @contextlib.contextmanager
    def _building(cls, target, meta: dict, *, overwrite: bool):
        draft = cls(parse_url(target))
        where = draft.path
        conn = _connect(where)
        try:
            with conn.raw.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(hashtext(?))", (f"cordon:{where.schema}",))
                _ensure_postgis(conn, where)
                tables = conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = ?", (where.schema,)).fetchone()[0]
                if tables and not overwrite:
                    raise UserError(f"数据库中的模式 {where.schema} 已存在（{where}）。请换一个模式名"
                                    "（?schema=…），或加 --force 覆盖。",
                                    f"Schema {where.schema} already exists ({where}). "
                                    "Choose another schema (?schema=...) or add --force to replace it.")
                schema = sql.Identifier(where.schema).as_string(conn.raw)
                if overwrite:
                    conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
                conn.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
                _set_search_path(conn, where)
                for spec in LAYERS.values():
                    draft._create_layer(conn, spec)
                conn.execute(f"CREATE TABLE {META_TABLE} (key text PRIMARY KEY, value text)")
                conn.executemany(f"INSERT INTO {META_TABLE} (key, value) VALUES (?, ?)",
                                 [(k, _json(v)) for k, v in meta.items()])
                create_cache_table(conn, cls.binary_type)  # before the roles: every desk keeps payloads from the start
                if roles.may_create_roles(conn):
                    roles.install(conn, where)
                draft._pinned = conn
                yield draft
        finally:
            draft._pinned = None
            conn.close()

    # -- store hooks ------------------------------------------------------------------------------

    def _conn(self) -> _Connection:
        if self._pinned is not None:
            return self._pinned
        conn = getattr(self._local, "conn", None)
        if conn is None or conn.raw.closed:
            conn = _connect(self.path)
            _set_search_path(conn, self.path)
            conn.execute("SELECT set_config('cordon.session', ?, false)", (self.session,))
            self._local.conn = conn
        return conn

    def close(self) -> None:
        if self._pinned is None:
            super().close()

    @contextlib.contextmanager
    def _write(self):
        conn = self._conn()
        with _translated(self.path), conn.raw.transaction():  # a savepoint inside a draft's creating transaction
            yield conn

    def _lock_schema(self, conn) -> None:
        conn.execute("SELECT pg_advisory_xact_lock(hashtext(?))", (f"cordon:{self.path.schema}",))

    def _lock_action(self, conn, purpose: str) -> None:
        conn.execute("SELECT pg_advisory_xact_lock(hashtext(?))", (f"cordon:{self.path.schema}:{purpose}",))

    def _add_versions(self, conn, spec: LayerSpec) -> None:
        """The version column, and a trigger counting up any update that leaves it as it was (QGIS, psql, any
        other client): no client can forget to."""
        super()._add_versions(conn, spec)
        conn.execute(f"CREATE OR REPLACE FUNCTION cordon_next_version() RETURNS trigger LANGUAGE plpgsql AS $$ "
                     f"BEGIN IF NEW.{VERSION_COLUMN} IS NOT DISTINCT FROM OLD.{VERSION_COLUMN} THEN "
                     f"NEW.{VERSION_COLUMN} := OLD.{VERSION_COLUMN} + 1; END IF; RETURN NEW; END $$")
        conn.execute(f"CREATE OR REPLACE TRIGGER cordon_version BEFORE UPDATE ON {quote(spec.name)} "
                     "FOR EACH ROW EXECUTE FUNCTION cordon_next_version()")

    def _create_triggers(self, conn, spec: LayerSpec) -> None:
        """Announce every committed change to the layer on the project's channel (see the module docstring)."""
        if not versioned(spec):
            return
        conn.execute(_NOTIFY_FUNCTION)
        channel = _literal(feed_channel(self.path))
        for operation, rows in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD")):
            conn.execute(f"CREATE OR REPLACE TRIGGER cordon_feed_{operation.lower()} AFTER {operation} ON "
                         f"{quote(spec.name)} REFERENCING {rows} TABLE AS changed_rows FOR EACH STATEMENT "
                         f"EXECUTE FUNCTION cordon_notify_change({channel})")

    def _schema_complete(self) -> bool:
        """Also the change notifications: a project made before them gets them when its admin opens it (only the
        owner may add triggers; other desks go on without hearing its changes until then)."""
        if not super()._schema_complete():
            return False
        if not self.can_admin:
            return True
        count = self._conn().execute("SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                                     "WHERE c.relnamespace = ?::regnamespace AND t.tgname LIKE 'cordon_feed_%'",
                                     (quote(self.path.schema),)).fetchone()[0]
        return count == 3 * sum(versioned(spec) for spec in LAYERS.values())

    def changeset(self, payloads: list[dict]) -> Changeset:
        """The remote changeset announced by the notification ``payloads`` of one transaction, with the rows
        as they are now (a span of many rows is left for the views to read as a whole)."""
        changes = []
        for payload in payloads:
            layer, kind = payload["layer"], _FEED_KINDS[payload["kind"]]
            if payload.get("fids") is None:
                changes.append(Change(layer, int(payload["first"]), kind, last_fid=int(payload["last"])))
                continue
            fids = [int(fid) for fid in payload["fids"]]
            states = {} if kind == DELETED else self.states(layer, fids)
            changes += [Change(layer, fid, kind, after=states.get(fid)) for fid in fids]
        first = payloads[0]
        return Changeset(tuple(changes), user=first.get("user"), at=first.get("at"), source=REMOTE,
                         tables=frozenset({"audit_log"}))

    def listen(self):
        """A new connection of its own listening to the project's change notifications (close it when done)."""
        conn = _connect(self.path)
        conn.execute(f"LISTEN {quote(feed_channel(self.path))}")
        return conn

    def remote_changesets(self, conn, timeout: float) -> list[Changeset]:
        """The other desks' changesets announced on ``conn`` (from :meth:`listen`) within ``timeout`` seconds,
        one per transaction; this project's own are left out."""
        with _translated(self.path):
            notes = list(conn.raw.notifies(timeout=timeout, stop_after=1))
            if notes:  # the rest of that commit's notifications arrive with it
                notes += list(conn.raw.notifies(timeout=0.02))
        transactions: dict[int, list[dict]] = {}
        for note in notes:
            payload = json.loads(note.payload)
            if payload.get("session") != self.session:
                transactions.setdefault(payload["txid"], []).append(payload)
        return [self.changeset(payloads) for payloads in transactions.values()]

    def data_version(self, name: str, conn=None) -> str:
        """The layer's row count, highest fid, sum of fids and sum of row versions: any client's insert or delete
        changes the fids, its update the versions (the version trigger counts every update up)."""
        row = (conn or self._conn()).execute(f"SELECT count(*), max(fid), sum(fid), sum({VERSION_COLUMN}) FROM {quote(name)}"
                                   ).fetchone()
        return "/".join(str(value) for value in row)

    @contextlib.contextmanager
    def try_write(self):
        if not self.can_edit:
            raise WriteSkipped("read-only")
        try:
            conn = _connect(self.path)
        except UserError as exc:
            raise WriteSkipped(exc.message("en")) from exc
        try:
            with _translated(self.path), conn.raw.transaction():
                _set_search_path(conn, self.path)
                conn.execute("SET LOCAL lock_timeout = '100ms'")  # another desk writing the same row: skip
                yield conn
        except (UserError, psycopg.Error) as exc:
            busy = isinstance(exc, psycopg.errors.LockNotAvailable) or isinstance(
                exc.__cause__, psycopg.errors.LockNotAvailable)
            raise WriteSkipped(str(exc), busy=busy) from exc
        finally:
            conn.close()

    def _tables(self, conn) -> set[str]:
        return {row[0] for row in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = ?",
                                               (self.path.schema,))}

    def _columns(self, conn, table: str) -> list[str]:
        rows = conn.execute("SELECT column_name FROM information_schema.columns WHERE table_schema = ? "
                            "AND table_name = ? ORDER BY ordinal_position", (self.path.schema, table))
        return [row[0] for row in rows]

    def _index_names(self, conn) -> set[str]:
        return {row[0] for row in conn.execute("SELECT indexname FROM pg_indexes WHERE schemaname = ?",
                                               (self.path.schema,))}

    def _create_layer(self, conn, spec: LayerSpec) -> None:
        columns = [f"{quote(spec.primary_key)} bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"]
        if spec.geometry:
            columns.append(f"{GEOMETRY_COLUMN} geometry({_GEOMETRY_TYPES[spec.geometry]}, {STORAGE_EPSG})")
        columns += [f"{quote(f.name)} {_TYPES[f.kind]}" for f in spec.fields]
        conn.execute(f"CREATE TABLE {quote(spec.name)} ({', '.join(columns)})")
        conn.execute(f"COMMENT ON TABLE {quote(spec.name)} IS {_literal(f'{spec.zh} / {spec.en}')}")
        if versioned(spec):
            self._add_versions(conn, spec)
            self._create_triggers(conn, spec)
        if spec.geometry:
            conn.execute(f"CREATE INDEX {quote(f'sidx_{spec.name}_geom')} ON {quote(spec.name)} "
                         f"USING gist ({GEOMETRY_COLUMN})")
        self._create_indexes(conn, spec)

    def _add_column(self, conn, table: str, field: Field) -> None:
        conn.execute(f"ALTER TABLE {quote(table)} ADD COLUMN {quote(field.name)} {_TYPES[field.kind]}")

    def _encode_geometries(self, geoms) -> list:
        # hex EWKB: PostGIS reads it as geometry text, in parameters and in COPY alike
        return list(shapely.to_wkb(shapely.set_srid(np.asarray(geoms, dtype=object), STORAGE_EPSG), hex=True,
                                   include_srid=True, flavor="extended"))

    def _decode_geometries(self, values: list) -> np.ndarray:
        return shapely.from_wkb(np.asarray(values, dtype=object))

    def _point_rows(self, name: str, extra: list[str], params, where: str, where_params: tuple,
                    parse: Callable[[str], Sequence] = json.loads) -> tuple[np.ndarray, np.ndarray, np.ndarray, list]:
        """The layer's rows (those ``where`` holds for) as one aggregate row over the rows sorted once by fid: fids
        and x, y as binary arrays read with numpy (NaN where there is no point), each extra column as one JSON
        array."""
        nan = "'\\x7ff8000000000000'::bytea"
        xy = " || ".join(f"coalesce(float8send(ST_{axis}({GEOMETRY_COLUMN})), {nan})" for axis in "XY")
        columns = ", ".join([f"{xy} AS xy", *(f"{column} AS e{i}" for i, column in enumerate(extra))])
        selected = ["count(*)", "string_agg(int8send(fid), ''::bytea)", "string_agg(xy, ''::bytea)",
                    *(f"json_agg(e{i})::text" for i in range(len(extra)))]
        row = self._conn().execute(f"SELECT {', '.join(selected)} FROM (SELECT fid, {columns} FROM {quote(name)}"
                                   f"{f' WHERE {where}' if where else ''} ORDER BY fid) AS rows",
                                   (*params, *where_params)).fetchone()
        if not row[0]:
            return np.zeros(0, np.int64), np.zeros(0), np.zeros(0), [[] for _ in extra]
        fids = np.frombuffer(row[1], dtype=">i8").astype(np.int64)
        xy = np.frombuffer(row[2], dtype=">f8").astype(np.float64).reshape(-1, 2)
        values = [parse(column) for column in row[3:]]
        if (np.diff(fids) < 0).any():  # every aggregate took the rows in the same order, but not in fid order
            order = np.argsort(fids, kind="stable")
            fids, xy, values = fids[order], xy[order], [[column[i] for i in order] for column in values]
        return fids, xy[:, 0].copy(), xy[:, 1].copy(), values

    def _extent(self, name: str, after_fid: int | None):
        row = self._conn().execute(
            f"SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM "
            f"(SELECT ST_Extent({GEOMETRY_COLUMN}) AS e FROM {quote(name)} WHERE fid > ?) AS x",
            (after_fid or 0,)).fetchone()
        return None if row is None or row[0] is None else np.array(row, dtype=float)

    def _new_fids(self, conn, name: str, count: int) -> list[int]:
        rows = conn.execute("SELECT nextval(pg_get_serial_sequence(?, ?)) FROM generate_series(1, ?::int)",
                            (quote(name), LAYERS[name].primary_key, count)).fetchall()
        return [row[0] for row in rows]

    def _insert_rows(self, conn, name: str, columns: list[str], rows: Iterable[tuple], *, explicit_keys: bool) -> None:
        statement = f"COPY {quote(name)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
        with _translated(self.path), conn.raw.cursor().copy(statement) as copy:
            for row in rows:
                copy.write_row(row)
        if explicit_keys:  # keys given by the caller: the sequence must not hand them out again
            key = LAYERS[name].primary_key
            conn.execute(f"SELECT setval(pg_get_serial_sequence(?, ?), m) FROM (SELECT max({quote(key)}) AS m "
                         f"FROM {quote(name)}) AS x WHERE m > coalesce(pg_sequence_last_value("
                         f"pg_get_serial_sequence(?, ?)::regclass), 0)", (quote(name), key, quote(name), key))


class _Connection:
    """A psycopg connection taking the ``?`` placeholders the shared SQL uses; failures become UserErrors."""

    def __init__(self, raw: psycopg.Connection, target: DatabaseTarget):
        self.raw = raw
        self.target = target

    def execute(self, statement: str, params=(), *, binary: bool = False):
        params = tuple(params)
        with _translated(self.target):
            if not params:
                return self.raw.execute(statement, binary=binary)
            return self.raw.execute(_placeholders(statement), params, binary=binary)

    def executemany(self, statement: str, rows) -> None:
        with _translated(self.target):
            self.raw.cursor().executemany(_placeholders(statement), list(rows))

    def close(self) -> None:
        self.raw.close()


def feed_channel(target: DatabaseTarget) -> str:
    """The LISTEN/NOTIFY channel of a project's changes: ``cordon_<schema>`` (a hash when too long)."""
    name = f"cordon_{target.schema}"
    return name if len(name.encode()) <= 63 else "cordon_" + hashlib.sha1(target.schema.encode()).hexdigest()[:32]


_NOTIFY_FUNCTION = f"""CREATE OR REPLACE FUNCTION cordon_notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE n bigint; lo bigint; hi bigint; ids json;
BEGIN
  SELECT count(*), min(fid), max(fid) INTO n, lo, hi FROM changed_rows;
  IF n = 0 THEN RETURN NULL; END IF;
  IF n <= {NOTIFIED_FIDS} THEN SELECT json_agg(fid ORDER BY fid) INTO ids FROM changed_rows; END IF;
  PERFORM pg_notify(TG_ARGV[0], json_build_object('layer', TG_TABLE_NAME, 'kind', lower(TG_OP), 'fids', ids,
    'first', lo, 'last', hi, 'user', session_user, 'session', current_setting('cordon.session', true),
    'txid', txid_current(), 'at', to_char(now(), 'YYYY-MM-DD"T"HH24:MI:SS'))::text);
  RETURN NULL;
END $$"""


def _placeholders(statement: str) -> str:
    return statement.replace("%", "%%").replace("?", "%s")


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def _connect(target: DatabaseTarget) -> _Connection:
    """A new autocommit connection to ``target``, asking for the password on a terminal when the server wants one."""
    arguments = target.connect_arguments()
    try:
        raw = psycopg.connect(**arguments, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S)
    except psycopg.OperationalError as exc:
        if not (_wants_password(exc) and "password" not in arguments and sys.stdin and sys.stdin.isatty()):
            raise _connection_error(exc, target) from exc
        password = getpass.getpass(f"{target} 的密码 / password: ")
        try:
            raw = psycopg.connect(**arguments, password=password, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S)
        except psycopg.OperationalError as again:
            raise _connection_error(again, target) from again
        remember_password(target, password)
    return _Connection(raw, target)


def _set_search_path(conn: _Connection, target: DatabaseTarget) -> None:
    """The project's schema first, then wherever PostGIS is installed (usually public)."""
    row = conn.execute("SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'postgis'").fetchone()
    schemas = [target.schema] + ([row[0].strip('"')] if row else ["public"])
    conn.execute("SELECT set_config('search_path', ?, false)", (", ".join(quote(s) for s in dict.fromkeys(schemas)),))


def _ensure_postgis(conn: _Connection, target: DatabaseTarget) -> None:
    if conn.execute("SELECT 1 FROM pg_extension WHERE extname = 'postgis'").fetchone():
        return
    try:
        conn.execute("CREATE EXTENSION postgis")
    except (UserError, psycopg.Error) as exc:
        raise UserError(f"数据库 {target} 没有 PostGIS 扩展，且无权安装。请数据库管理员执行 CREATE EXTENSION postgis;",
                        f"Database {target} has no PostGIS extension and this user cannot install it. "
                        "Ask the database administrator to run CREATE EXTENSION postgis;") from exc


def _wants_password(exc: psycopg.OperationalError) -> bool:
    return "no password supplied" in str(exc) or "password authentication failed" in str(exc)


def _first_line(exc: Exception) -> str:
    text = strip_password(str(exc)).strip()
    return " ".join(text.splitlines()[0].split()) if text else type(exc).__name__


def _connection_error(exc: psycopg.OperationalError, target: DatabaseTarget) -> UserError:
    """Why a connection to ``target`` failed, in one line that says what to do."""
    text = str(exc)
    if "password authentication failed" in text or "no password supplied" in text:
        return UserError(f"数据库 {target} 拒绝了用户 {target.user or '（默认）'} 的登录：密码错误或未提供。"
                         "请设置 PGPASSWORD 或 ~/.pgpass，或在连接对话框中输入密码。",
                         f"Database {target} refused user {target.user or '(default)'}: wrong or missing password. "
                         "Set PGPASSWORD or ~/.pgpass, or type it in the connect dialog.")
    if "does not exist" in text and "database" in text:
        return UserError(f"服务器上没有数据库 {target.dbname}（{target}）。请先用 createdb 创建它。",
                         f"Database {target.dbname} does not exist on the server ({target}). Create it with createdb.")
    return UserError(f"无法连接数据库 {target}：{_first_line(exc)}。请检查服务器是否已启动、地址和端口是否正确。",
                     f"Cannot connect to database {target}: {_first_line(exc)}. Check that the server is running "
                     "and the host and port are right.")


@contextlib.contextmanager
def _translated(target: DatabaseTarget):
    """Turn psycopg errors a user can act on into UserErrors (see :func:`_statement_error`)."""
    try:
        yield
    except psycopg.Error as exc:
        error = _statement_error(exc, target)
        if error is exc:
            raise
        raise error from exc


def _statement_error(exc: psycopg.Error, target: DatabaseTarget) -> Exception:
    """A lost connection or a refused statement as one UserError; the project is unchanged (rolled back)."""
    if isinstance(exc, psycopg.OperationalError):
        return UserError(f"与数据库 {target} 的连接中断：{_first_line(exc)}。项目未改动，请稍后重试。",
                         f"The connection to database {target} was lost: {_first_line(exc)}. "
                         "The project is unchanged; try again later.")
    if isinstance(exc, psycopg.errors.InsufficientPrivilege):  # grants, the ledger guard, row-level security
        return roles.refused(_first_line(exc), target)
    return exc

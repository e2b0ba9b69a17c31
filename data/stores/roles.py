"""Who may do what in a database project: three PostgreSQL group roles per project schema, enforced by the
server (grants, row-level security, a ledger trigger), not only by the window.

- ``viewer`` reads: open, print, export, pull.
- ``editor`` also edits the feature layers and zones (INSERT/UPDATE/DELETE), writes ledger rows, the
  import vocabulary (``value_maps`` in ``cordon_meta``) and the map's kept payloads (:mod:`data.payload_table`;
  a viewer reads them, writes none and builds what is not kept in memory).
- ``admin`` owns the schema and its tables: the tier scheme and other metadata, migrations, roles.

The group roles are ``cordon_<database>_<schema>_viewer|editor|admin`` (a hash instead of the names when that
is longer than PostgreSQL's 63 bytes); ``editor`` is a member of ``viewer`` and ``admin`` of ``editor``, so a
login holds one of them. The ledger (``audit_log``) takes the database login for ``user`` whatever a non-owner
sends, and nobody but the owner may change or delete its rows.

>>> from data.stores.database_url import parse_url
>>> group_role(parse_url("postgresql://zhang@db/county?schema=yexian"), "editor")
'cordon_county_yexian_editor'
"""

from __future__ import annotations

import hashlib
import re

from data.payload_table import CACHE_TABLE
from data.project import META_TABLE, quote
from data.schema import LAYERS
from data.stores.database_url import DatabaseTarget
from gis.errors import UserError

ROLES = ("viewer", "editor", "admin")
ROLE_LABELS = {"viewer": ("查看", "read, print, export"), "editor": ("编辑", "edit data and zones"),
               "admin": ("管理", "schemes, settings, roles, migrations")}
EDITOR_METADATA_KEYS = ("value_maps",)
"""Metadata an editor may write (the import vocabulary); everything else in ``cordon_meta`` is the admin's."""
LEDGER = "audit_log"
_GUARD = "cordon_audit_guard"
_MAX_NAME = 63
_known_roles: dict[tuple, str | None] = {}  # (server, database, user, schema) -> role found at open, for messages


def group_role(target: DatabaseTarget, role: str) -> str:
    """The name of the project's group role ``role`` (viewer, editor or admin)."""
    name = f"cordon_{target.dbname}_{target.schema}_{role}"
    if len(name.encode()) <= _MAX_NAME and re.fullmatch(r"[a-z0-9_]+", name):
        return name
    digest = hashlib.sha1(f"{target.dbname}/{target.schema}".encode()).hexdigest()[:16]
    return f"cordon_{digest}_{role}"


def role_of(conn, target: DatabaseTarget) -> tuple[str, str | None]:
    """(login name, role) of the connected user in the project: admin when it owns the schema (or is a
    superuser), editor when it may add cases, viewer when it may read, else None."""
    row = conn.execute(
        "SELECT session_user, pg_has_role(current_user, n.nspowner, 'USAGE'), "
        "coalesce(bool_or(c.relname = 'cases' AND has_table_privilege(c.oid, 'INSERT')), false), "
        f"has_schema_privilege(n.oid, 'USAGE') AND coalesce(bool_or(c.relname = '{META_TABLE}' "
        "AND has_table_privilege(c.oid, 'SELECT')), false) "
        "FROM pg_namespace n LEFT JOIN pg_class c ON c.relnamespace = n.oid AND c.relname IN ('cases', ?) "
        "WHERE n.nspname = ? GROUP BY n.oid, n.nspowner", (META_TABLE, target.schema)).fetchone()
    if row is None:
        return _login(conn), None
    login, owner, edits, reads = row
    role = "admin" if owner else "editor" if edits else "viewer" if reads else None
    _known_roles[_key(target)] = role
    return login, role


def install(conn, target: DatabaseTarget) -> None:
    """Create the group roles if missing, give the schema and its tables to the admin role and grant the others
    what they may do; add the ledger guard and the metadata policy. Idempotent; run inside a transaction by
    the schema's owner (who becomes an admin) or a superuser."""
    viewer, editor, admin = (group_role(target, role) for role in ROLES)
    existing = {row[0] for row in conn.execute("SELECT rolname FROM pg_roles WHERE rolname = ANY(?)",
                                               ([viewer, editor, admin],))}
    for name in (viewer, editor, admin):
        if name not in existing:
            conn.execute(f"CREATE ROLE {quote(name)} NOLOGIN")
    conn.execute(f"GRANT {quote(viewer)} TO {quote(editor)}")
    conn.execute(f"GRANT {quote(viewer)}, {quote(editor)} TO {quote(admin)} WITH ADMIN OPTION")
    if not conn.execute("SELECT rolsuper OR pg_has_role(current_user, ?, 'MEMBER') FROM pg_roles "
                        "WHERE rolname = current_user", (admin,)).fetchone()[0]:
        conn.execute(f"GRANT {quote(admin)} TO CURRENT_USER WITH ADMIN OPTION")  # the creator administers it
    schema = quote(target.schema)
    tables = [row[0] for row in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = ?", (target.schema,))]
    conn.execute(f"ALTER SCHEMA {schema} OWNER TO {quote(admin)}")
    for table in tables:
        conn.execute(f"ALTER TABLE {schema}.{quote(table)} OWNER TO {quote(admin)}")
    for function in conn.execute("SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON "
                                 "n.oid = p.pronamespace WHERE n.nspname = ?", (target.schema,)).fetchall():
        conn.execute(f"ALTER FUNCTION {function[0]} OWNER TO {quote(admin)}")
    conn.execute(f"REVOKE ALL ON SCHEMA {schema} FROM PUBLIC")
    conn.execute(f"GRANT USAGE ON SCHEMA {schema} TO {quote(viewer)}")
    conn.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO {quote(viewer)}")
    written = [t for t in tables if (t in LAYERS and t != LEDGER) or t == CACHE_TABLE]
    if written:
        conn.execute(f"GRANT INSERT, UPDATE, DELETE ON {', '.join(f'{schema}.{quote(t)}' for t in written)} "
                     f"TO {quote(editor)}")
    conn.execute(f"GRANT INSERT ON {schema}.{LEDGER} TO {quote(editor)}")
    conn.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON {schema}.{LEDGER} FROM {quote(editor)}, {quote(viewer)}")
    conn.execute(f"GRANT INSERT, UPDATE ON {schema}.{META_TABLE} TO {quote(editor)}")
    conn.execute(f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA {schema} TO {quote(editor)}")
    _guard_ledger(conn, schema, admin)
    _guard_metadata(conn, schema, editor)


def ensure_installed(project) -> None:
    """Install the roles of an older database project on open when they are missing or a migration added
    tables, if the connected user may (its owner); anyone else opens it as it is."""
    conn, target = project._conn(), project.path
    names = [group_role(target, role) for role in ROLES]
    state = conn.execute(
        "SELECT pg_has_role(current_user, n.nspowner, 'USAGE'), (SELECT count(*) FROM pg_roles WHERE rolname = ANY(?)), "
        "(SELECT rolcreaterole OR rolsuper FROM pg_roles WHERE rolname = current_user), "
        "n.nspowner = (SELECT oid FROM pg_roles WHERE rolname = ?) AND NOT EXISTS (SELECT 1 FROM pg_class c "
        "WHERE c.relnamespace = n.oid AND c.relkind = 'r' AND c.relowner <> n.nspowner) AND EXISTS (SELECT 1 "
        f"FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE c.relnamespace = n.oid AND t.tgname = '{_GUARD}') "
        "FROM pg_namespace n WHERE n.nspname = ?", (names, names[2], target.schema)).fetchone()
    owner, roles_made, may_create, complete = state
    if complete or not owner or (roles_made < len(ROLES) and not may_create):
        return
    with project.transaction() as edit:
        project._lock_schema(edit.conn)
        install(edit.conn, target)


def may_create_roles(conn) -> bool:
    """Whether the connected user may create roles (CREATEROLE or superuser)."""
    return conn.execute("SELECT rolcreaterole OR rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()[0]


def require_manager(conn, target: DatabaseTarget) -> None:
    """Refuse (UserError) unless the connected user may manage the project's roles: CREATEROLE, superuser or
    the project's admin role."""
    login = _login(conn)
    allowed = conn.execute("SELECT r.rolsuper OR r.rolcreaterole OR coalesce(pg_has_role(current_user, "
                           "(SELECT oid FROM pg_roles WHERE rolname = ?), 'MEMBER'), false) FROM pg_roles r "
                           "WHERE r.rolname = current_user", (group_role(target, "admin"),)).fetchone()[0]
    if not allowed:
        role = _known_roles.get(_key(target))
        raise UserError(f"你的数据库账户 {login}（{role or '无'} 角色）无权管理此项目的角色（需要 admin 角色或 CREATEROLE 权限）。"
                        "请联系管理员。",
                        f"Your database account {login} ({role or 'no'} role) may not manage this project's roles (it needs "
                        "the admin role or CREATEROLE). Ask an administrator.")


def grant(project, name: str, role: str, *, password: str | None = None) -> bool:
    """Give login ``name`` the project role ``role`` (replacing any other it had), creating the login when
    missing; returns whether it was created. A ``password`` is set too, sent to the server already hashed
    (SCRAM), never as plain text. One transaction, logged in the ledger."""
    if role not in ROLES:
        raise UserError(f"没有“{role}”角色：可选 viewer、editor、admin。", f"No role '{role}': use viewer, editor or admin.")
    conn, target = project._conn(), project.path
    require_manager(conn, target)
    if name in (group_role(target, r) for r in ROLES):
        raise UserError(f"{name} 是项目的角色本身，不能再被授予角色。", f"{name} is one of the project's roles itself.")
    with project.transaction() as edit:
        project._lock_schema(edit.conn)
        install(edit.conn, target)
        created = not edit.conn.execute("SELECT 1 FROM pg_roles WHERE rolname = ?", (name,)).fetchone()
        if created:
            if not may_create_roles(edit.conn):
                raise UserError(f"数据库中没有用户 {name}，而你的账户无权创建用户（CREATEROLE）。请先请数据库管理员创建它。",
                                f"There is no database user {name} and your account cannot create one (CREATEROLE). "
                                "Ask the database administrator to create it first.")
            edit.conn.execute(f"CREATE ROLE {quote(name)} LOGIN")
        _revoke_all(edit.conn, target, name)
        option = " WITH ADMIN OPTION" if role == "admin" else ""
        edit.conn.execute(f"GRANT {quote(group_role(target, role))} TO {quote(name)}{option}")
        if password is not None:
            hashed = edit.conn.raw.pgconn.encrypt_password(password.encode(), name.encode()).decode()
            edit.conn.execute(f"ALTER ROLE {quote(name)} PASSWORD {_literal(hashed)}")
        edit.log("access", after={"name": name, "role": role})
    return created


def revoke(project, name: str) -> str | None:
    """Take every project role from login ``name``; returns the role it had (None: it had none)."""
    conn, target = project._conn(), project.path
    require_manager(conn, target)
    had = dict(members(project)).get(name)
    if had is not None:
        with project.transaction() as edit:
            _revoke_all(edit.conn, target, name)
            edit.log("access", after={"name": name, "role": None})
    return had


def members(project) -> list[tuple[str, str]]:
    """(login, role) of everyone holding a role in the project, by role (admin first) then name."""
    target = project.path
    names = {group_role(target, role): role for role in ROLES}
    rows = project._conn().execute(
        "SELECT m.rolname, g.rolname FROM pg_auth_members a JOIN pg_roles g ON g.oid = a.roleid "
        "JOIN pg_roles m ON m.oid = a.member WHERE g.rolname = ANY(?) AND NOT (m.rolname = ANY(?))",
        (list(names), list(names))).fetchall()
    best: dict[str, str] = {}
    for login, group in rows:
        role = names[group]
        if ROLES.index(role) > ROLES.index(best.get(login, "viewer")) or login not in best:
            best[login] = role
    return sorted(best.items(), key=lambda item: (-ROLES.index(item[1]), item[0]))


def refused(message: str, target: DatabaseTarget) -> UserError:
    """A privilege error of the server as one line naming what was refused and whom to ask."""
    role = _known_roles.get(_key(target))
    table = _refused_table(message)
    if role is None:
        return UserError(f"你的数据库账户（{target.user or '默认用户'}）没有此项目的访问权限（{target}）。"
                         "请联系管理员用 access … grant 授权。",
                         f"Your database account ({target.user or 'default user'}) has no access to this project "
                         f"({target}). Ask an administrator to grant you a role with access … grant.")
    if table in LAYERS and table != LEDGER:
        spec = LAYERS[table]
        return UserError(f"你的数据库账户（{role} 角色）无权修改“{spec.zh}”。请联系管理员授予编辑权限。",
                         f"Your database account ({role} role) may not change '{spec.en}'. "
                         "Ask an administrator for the editor role.")
    if table == LEDGER:
        return UserError(f"你的数据库账户（{role} 角色）无权改写操作日志：日志只能追加，不能修改或删除。",
                         f"Your database account ({role} role) may not rewrite the audit log: it is append-only.")
    if table == META_TABLE:
        return UserError(f"你的数据库账户（{role} 角色）无权修改项目设置（分级方案等）。请联系管理员（admin 角色）。",
                         f"Your database account ({role} role) may not change the project's settings (tier scheme, "
                         "...). Ask an administrator (admin role).")
    return UserError(f"你的数据库账户（{role} 角色）无权修改项目结构（升级、角色）。请联系管理员（admin 角色）。",
                     f"Your database account ({role} role) may not change the project's structure (upgrade, roles). "
                     "Ask an administrator (admin role).")


def _refused_table(message: str) -> str | None:
    """The project table a privilege error is about (a sequence counts as its table), if any."""
    match = re.search(r'(?:table|sequence|relation) "?(\w+)"?', message)
    if not match:
        return None
    name = match.group(1)
    for spec in LAYERS.values():
        if name == f"{spec.name}_{spec.primary_key}_seq":
            return spec.name
    return name


def _revoke_all(conn, target: DatabaseTarget, name: str) -> None:
    for role in ROLES:
        group = group_role(target, role)
        if conn.execute("SELECT 1 FROM pg_auth_members a JOIN pg_roles g ON g.oid = a.roleid JOIN pg_roles m "
                        "ON m.oid = a.member WHERE g.rolname = ? AND m.rolname = ?", (group, name)).fetchone():
            conn.execute(f"REVOKE {quote(group)} FROM {quote(name)}")


def _guard_ledger(conn, schema: str, admin: str) -> None:
    """The ledger's trigger: a non-owner's row carries its database login whatever it sent; only the owner may
    update or delete rows. ``user`` defaults to the login too."""
    conn.execute(f"""
        CREATE OR REPLACE FUNCTION {schema}.{_GUARD}() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE owner boolean := pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'USAGE');
        BEGIN
            IF TG_OP = 'INSERT' THEN
                IF NOT owner OR NEW."user" IS NULL THEN
                    NEW."user" := session_user;
                END IF;
                RETURN NEW;
            END IF;
            IF NOT owner THEN
                RAISE EXCEPTION 'permission denied for table {LEDGER}: the ledger is append-only'
                    USING ERRCODE = 'insufficient_privilege';
            END IF;
            RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
        END $$""")
    conn.execute(f"ALTER FUNCTION {schema}.{_GUARD}() OWNER TO {quote(admin)}")
    conn.execute(f"ALTER TABLE {schema}.{LEDGER} ALTER COLUMN \"user\" SET DEFAULT session_user")
    conn.execute(f"DROP TRIGGER IF EXISTS {_GUARD} ON {schema}.{LEDGER}")
    conn.execute(f"CREATE TRIGGER {_GUARD} BEFORE INSERT OR UPDATE OR DELETE ON {schema}.{LEDGER} "
                 f"FOR EACH ROW EXECUTE FUNCTION {schema}.{_GUARD}()")


def _guard_metadata(conn, schema: str, editor: str) -> None:
    """Everyone with SELECT reads all metadata; an editor writes only :data:`EDITOR_METADATA_KEYS`; the
    owner (admin) is not bound by the policies."""
    keys = ", ".join(_literal(key) for key in EDITOR_METADATA_KEYS)
    table = f"{schema}.{META_TABLE}"
    conn.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    conn.execute(f"DROP POLICY IF EXISTS cordon_meta_read ON {table}")
    conn.execute(f"CREATE POLICY cordon_meta_read ON {table} FOR SELECT USING (true)")
    conn.execute(f"DROP POLICY IF EXISTS cordon_meta_editor ON {table}")
    conn.execute(f"CREATE POLICY cordon_meta_editor ON {table} TO {quote(editor)} USING (key IN ({keys})) "
                 f"WITH CHECK (key IN ({keys}))")


def _login(conn) -> str:
    return conn.execute("SELECT session_user").fetchone()[0]


def _key(target: DatabaseTarget) -> tuple:
    return (*target.key, target.schema)


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"

"""Project targets that are PostgreSQL databases: ``postgresql://user@host:port/dbname?schema=name``.

A password written into a URL is kept in this process's memory only (:func:`remember_password`), never in
the target, so the target can be shown, logged and remembered (recent projects) as it is.

>>> target = parse_url("postgresql://zhang:secret@db.example:5433/county?schema=yexian")
>>> str(target), target.schema, target.stem
('postgresql://zhang@db.example:5433/county?schema=yexian', 'yexian', 'yexian')
>>> strip_password("could not connect to postgresql://zhang:secret@db.example/county")
'could not connect to postgresql://zhang@db.example/county'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

from gis.errors import UserError

DEFAULT_SCHEMA = "cordon"
SCHEMES = ("postgresql://", "postgres://")
_PASSWORDS: dict[tuple, str] = {}  # (host, port, dbname, user) -> password given in this process, memory only
_SCHEMA_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


@dataclass(frozen=True)
class DatabaseTarget:
    """Where a database project lives: server, database, user and schema (no password)."""

    host: str = ""
    port: int | None = None
    dbname: str = ""
    user: str = ""
    schema: str = DEFAULT_SCHEMA
    options: tuple[tuple[str, str], ...] = field(default=())  # further libpq settings (sslmode=...)

    def __str__(self) -> str:
        user = f"{quote(self.user, safe='')}@" if self.user else ""
        port = f":{self.port}" if self.port else ""
        query = ([("schema", self.schema)] if self.schema != DEFAULT_SCHEMA else []) + list(self.options)
        return f"postgresql://{user}{self.host}{port}/{quote(self.dbname, safe='')}" + (
            f"?{urlencode(query)}" if query else "")

    @property
    def stem(self) -> str:
        """A short name for titles: the schema, or the database when the schema is the default."""
        return self.schema if self.schema != DEFAULT_SCHEMA else self.dbname

    @property
    def key(self) -> tuple:
        return (self.host, self.port, self.dbname, self.user)

    def connect_arguments(self) -> dict:
        """Keyword arguments for ``psycopg.connect`` (libpq reads PGPASSWORD and ~/.pgpass itself)."""
        args = {"host": self.host or None, "port": self.port, "dbname": self.dbname, "user": self.user or None,
                "password": _PASSWORDS.get(self.key), **dict(self.options)}
        return {k: v for k, v in args.items() if v is not None}


def is_database_url(target) -> bool:
    """Whether ``target`` names a database project rather than a file."""
    return isinstance(target, DatabaseTarget) or (isinstance(target, str) and target.lower().startswith(SCHEMES))


def parse_url(target) -> DatabaseTarget:
    """The :class:`DatabaseTarget` of a URL (or the target itself); a password in the URL is remembered in memory."""
    if isinstance(target, DatabaseTarget):
        return target
    parts = urlsplit(target)
    try:
        port = parts.port
    except ValueError:
        port = -1
    query = dict(parse_qsl(parts.query))
    schema = query.pop("schema", DEFAULT_SCHEMA) or DEFAULT_SCHEMA
    dbname = unquote(parts.path.lstrip("/"))
    shown = strip_password(target)
    if port == -1 or not dbname:
        raise UserError(f"数据库地址不完整：{shown}。格式：postgresql://用户@主机:端口/数据库[?schema=模式]",
                        f"Incomplete database URL: {shown}. Use postgresql://user@host:port/dbname[?schema=name]")
    if not _SCHEMA_NAME.match(schema):
        raise UserError(f"模式名“{schema}”无效：请只用英文字母、数字和下划线，且不以数字开头。",
                        f"Invalid schema name '{schema}': use letters, digits and underscores, not starting with a digit.")
    result = DatabaseTarget(host=parts.hostname or "", port=port, dbname=dbname, user=unquote(parts.username or ""),
                            schema=schema, options=tuple(sorted(query.items())))
    if parts.password is not None:
        remember_password(result, unquote(parts.password))
    return result


def remember_password(target: DatabaseTarget, password: str) -> None:
    """Use ``password`` for ``target``'s server and user for the rest of this process (kept in memory only)."""
    _PASSWORDS[target.key] = password


def strip_password(text: str) -> str:
    """``text`` with the password of any database URL in it removed."""
    return re.sub(r"(postgres(?:ql)?://[^:/@\s]*):[^@\s]*@", r"\1@", str(text))

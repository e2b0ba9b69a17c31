"""``access``: who may read, edit or administer a database project (PostgreSQL roles, see :mod:`data.stores.roles`).

    python main.py access URL grant NAME viewer|editor|admin [--password-prompt]
    python main.py access URL revoke NAME
    python main.py access URL list [--json]

``grant`` creates the login NAME when it is missing (without a password unless ``--password-prompt``). Only a
user who may manage roles (the project's admin role, CREATEROLE or a superuser) may grant or revoke.
"""

from __future__ import annotations

import getpass

from data import strict_json
from data.stores.roles import ROLE_LABELS, ROLES
from gis.errors import UserError, ui_language


def register(subparsers) -> None:
    """Add ``access URL {grant,revoke,list}``."""
    zh = ui_language() == "zh"
    access = subparsers.add_parser("access", help="数据库项目的角色：查看、编辑、管理" if zh else
                                   "roles of a database project: viewer, editor, admin")
    access.add_argument("path", help="postgresql://用户@主机:端口/数据库[?schema=模式]" if zh else
                        "postgresql://user@host:port/dbname[?schema=name]")
    actions = access.add_subparsers(dest="access_action", required=True)
    grant = actions.add_parser("grant", help="授予用户一个角色（没有该登录用户时创建）" if zh else
                               "give a user a role (creating the login if missing)")
    grant.add_argument("name", help="数据库登录用户名" if zh else "database login name")
    grant.add_argument("role", choices=ROLES)
    grant.add_argument("--password-prompt", action="store_true", help="输入新登录用户的密码" if zh else
                       "type a password for the login")
    grant.set_defaults(func=cmd_grant)
    revoke = actions.add_parser("revoke", help="收回用户在此项目的角色" if zh else "take a user's role in this project")
    revoke.add_argument("name")
    revoke.set_defaults(func=cmd_revoke)
    listing = actions.add_parser("list", help="列出有角色的用户" if zh else "list the users holding a role")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=cmd_list)


def cmd_grant(args) -> int:
    from data.stores import roles

    project = _database_project(args.path)
    password = _typed_password(args.name) if args.password_prompt else None
    created = roles.grant(project, args.name, args.role, password=password)
    zh = ui_language() == "zh"
    label = ROLE_LABELS[args.role][0 if zh else 1]
    print(f"已授予 {args.name} {args.role} 角色（{label}）：{project.path}" if zh else
          f"Granted {args.name} the {args.role} role ({label}): {project.path}")
    if created and password is None:
        print(f"已创建登录用户 {args.name}（尚无密码）。设置密码：在 psql 中执行 \\password {args.name}，"
              f"或 ALTER ROLE {args.name} PASSWORD '…';" if zh else
              f"Created the login {args.name} (no password yet). Set one in psql with \\password {args.name} "
              f"or ALTER ROLE {args.name} PASSWORD '...';")
    return 0


def cmd_revoke(args) -> int:
    from data.stores import roles

    project = _database_project(args.path)
    had = roles.revoke(project, args.name)
    zh = ui_language() == "zh"
    if had is None:
        print(f"{args.name} 在此项目中没有角色，未作改动。" if zh else f"{args.name} has no role in this project; nothing changed.")
    else:
        print(f"已收回 {args.name} 的 {had} 角色：{project.path}" if zh else
              f"Took the {had} role from {args.name}: {project.path}")
    return 0


def cmd_list(args) -> int:
    from data.stores import roles

    project = _database_project(args.path)
    members = roles.members(project)
    if args.json:
        print(strict_json.dumps([{"name": name, "role": role} for name, role in members], indent=2))
        return 0
    zh = ui_language() == "zh"
    if not members:
        print("此项目还没有授予任何角色。" if zh else "No roles granted in this project yet.")
    width = max((len(name) for name, _ in members), default=0)
    for name, role in members:
        print(f"{name:<{width}}  {role:<6}  {ROLE_LABELS[role][0 if zh else 1]}")
    return 0


def _database_project(path: str):
    """The database project at ``path``; a GeoPackage gets one line saying roles are for databases."""
    from data.project import Project
    from data.stores.database_url import is_database_url

    if not is_database_url(path):
        raise UserError(f"{path} 是项目文件：角色只用于数据库项目（postgresql://…）；文件由能打开它的人管理。",
                        f"{path} is a project file: roles apply to database projects (postgresql://...); "
                        "a file is managed by whoever can open it.")
    return Project.open(path)


def _typed_password(name: str) -> str:
    first = getpass.getpass(f"{name} 的新密码 / new password: ")
    if not first or first != getpass.getpass("再输入一次 / again: "):
        raise UserError("两次输入的密码不一致或为空，未作改动。", "The passwords were empty or did not match; nothing changed.")
    return first

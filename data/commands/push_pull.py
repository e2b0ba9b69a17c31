"""``push FILE.gpkg URL [--force]`` publishes a GeoPackage project into a PostgreSQL/PostGIS database;
``pull URL FILE.gpkg [--force]`` writes a complete GeoPackage copy of a database project (for a laptop in the
field, for QGIS, for an archive). Every layer keeps its fids; the metadata and the audit log come along; the
copy appears only when complete."""

from __future__ import annotations

from gis.errors import UserError, ui_language


def register(subparsers) -> None:
    zh = ui_language() == "zh"
    push = subparsers.add_parser("push", help="把 GeoPackage 项目发布到数据库" if zh else
                                 "publish a GeoPackage project into a database")
    push.add_argument("source", help="项目文件（.gpkg）" if zh else "project file (.gpkg)")
    push.add_argument("target", help="postgresql://用户@主机:端口/数据库[?schema=模式]" if zh else
                      "postgresql://user@host:port/dbname[?schema=name]")
    push.add_argument("--force", action="store_true", help="替换数据库中已有的同名模式" if zh else
                      "replace the schema if it exists")
    push.set_defaults(func=run_push)
    pull = subparsers.add_parser("pull", help="把数据库项目完整复制为 GeoPackage" if zh else
                                 "copy a database project into a GeoPackage")
    pull.add_argument("source", help="postgresql://用户@主机:端口/数据库[?schema=模式]" if zh else
                      "postgresql://user@host:port/dbname[?schema=name]")
    pull.add_argument("target", help="项目文件（.gpkg）" if zh else "project file (.gpkg)")
    pull.add_argument("--force", action="store_true", help="覆盖已有文件" if zh else "overwrite an existing file")
    pull.set_defaults(func=run_pull)


def run_push(args) -> int:
    return _copy(args.source, args.target, args.force, to_database=True)


def run_pull(args) -> int:
    return _copy(args.source, args.target, args.force, to_database=False)


def _copy(source: str, target: str, force: bool, *, to_database: bool) -> int:
    from data.project import Project
    from data.schema import SPATIAL_LAYERS
    from data.stores.database_url import is_database_url
    from data.stores.transfer import copy_project

    if is_database_url(target) != to_database or is_database_url(source) == to_database:
        raise UserError("push 的用法：push 文件.gpkg postgresql://…；pull 的用法：pull postgresql://… 文件.gpkg",
                        "Usage: push FILE.gpkg postgresql://... ; pull postgresql://... FILE.gpkg")
    copy = copy_project(Project.open(source), target, overwrite=force)
    features = sum(copy.count(name) for name in SPATIAL_LAYERS)
    if ui_language() == "zh":
        print(f"{'已发布到' if to_database else '已复制到'} {copy.path}（{features} 个要素）")
    else:
        print(f"{'Published to' if to_database else 'Copied to'} {copy.path} ({features} features)")
    return 0

"""``new PATH.gpkg [--county 叶县|410422|"平顶山市 叶县"] [--sample] [--name N] [--force]``: create a project,
for a real county (its outline as the county unit) or the sample county, or empty."""

from __future__ import annotations

from gis.errors import UserError, ui_language


def register(subparsers) -> None:
    zh = ui_language() == "zh"
    parser = subparsers.add_parser("new", help="新建项目" if zh else "create a project")
    parser.add_argument("path", help="项目文件（.gpkg）" if zh else "project file (.gpkg)")
    parser.add_argument("--county", help="县级行政区名称或代码，如 叶县、410422、\"平顶山市 叶县\"" if zh else
                        "county name or code, e.g. 叶县, 410422, \"平顶山市 叶县\"")
    parser.add_argument("--sample", action="store_true", help="填入示例县（济源市）" if zh else "fill with the sample county")
    parser.add_argument("--name", help="项目名称（默认为县名）" if zh else "project name (default: the county's name)")
    parser.add_argument("--county-code", help="县级代码（不带边界）" if zh else "county code (without an outline)")
    parser.add_argument("--force", action="store_true", help="覆盖已有文件" if zh else "overwrite an existing file")
    parser.set_defaults(func=run)


def run(args) -> int:
    from data.counties import create_county_project, find_county
    from data.project import Project
    from data.sample_project import create_sample_project

    zh = ui_language() == "zh"
    if args.sample and args.county:
        raise UserError("--sample 与 --county 只能选一个。", "Use either --sample or --county, not both.")
    if args.sample:
        project = create_sample_project(args.path, overwrite=args.force)
    elif args.county:
        county = find_county(args.county)
        project = create_county_project(args.path, county, name=args.name, overwrite=args.force)
        print(f"县界：{county.label}（{county.code}）" if zh else f"County outline: {county.label} ({county.code})")
    else:
        project = Project.create(args.path, name=args.name or "新项目", county_code=args.county_code or "",
                                 overwrite=args.force)
    print(("已创建项目：" if zh else "Created project: ") + str(project.path))
    return 0

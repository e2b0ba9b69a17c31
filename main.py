"""Cordon (防控一张图): start the desktop app, or run a scripted subcommand.

    python main.py                                   open the app on the sample county
    python main.py new PATH.gpkg [--county 叶县]     create a project (for a county, or --sample)
    python main.py import PATH.gpkg --layer L FILE   import a file into a layer
    python main.py info PATH.gpkg [--json]           describe a project
    python main.py snapshot PATH.gpkg --out W.png    save the main window as PNG (headless)

PATH.gpkg may also be a database, postgresql://user@host:port/dbname[?schema=cordon]; ``push``/``pull`` copy a
project between a file and a database.
"""

from __future__ import annotations

import argparse
import os
import sys

from gis.errors import UserError, ui_language


def _zh() -> bool:
    return ui_language() == "zh"


def cmd_import(args) -> int:
    from data.importers.fields import parse_mapping, parse_value_maps
    from data.importers.pipeline import import_file
    from data.project import Project
    from data.schema import layer_spec

    mapping = parse_mapping(args.map) if args.map else None
    value_map = parse_value_maps(args.map_value or [], layer_spec(args.layer))
    report = import_file(Project.open(args.path), args.layer, args.file, crs=args.crs, encoding=args.encoding,
                         lon_col=args.lon_col, lat_col=args.lat_col, mapping=mapping, value_map=value_map,
                         strict=args.strict, on_duplicate=args.on_duplicate, keep_payloads=True)
    print("\n".join(report.lines(ui_language())))
    return 0


def cmd_info(args) -> int:
    from data import strict_json
    from data.project import Project
    from data.schema import LAYERS

    project = Project.open(args.path)
    meta = project.metadata
    info = {
        "path": str(project.path),
        "name": meta.get("name"),
        "county_code": meta.get("county_code"),
        "is_sample": bool(meta.get("is_sample")),
        "crs": meta.get("storage_crs"),
        "schema_version": meta.get("schema_version"),
        "layers": {name: project.count(name) for name in LAYERS},
        "attribution": meta.get("attribution", ""),
    }
    if args.json:
        print(strict_json.dumps(info, indent=2))
        return 0
    zh = _zh()
    print(f"{'项目' if zh else 'Project'}: {info['name']} ({info['path']})")
    if info["is_sample"]:
        print("示例数据（内部单元为生成数据）" if zh else "Sample data (inner units are generated)")
    print(f"{'坐标系' if zh else 'CRS'}: {info['crs']}")
    for name, count in info["layers"].items():
        label = LAYERS[name].zh if zh else LAYERS[name].en
        print(f"  {name:<16} {count:>8}  {label}")
    return 0


def cmd_gui(args) -> int:
    from desktop.app import run

    return run(args.path)


def cmd_snapshot(args) -> int:
    from desktop.snapshot import take_snapshot

    out = take_snapshot(args.path, args.out, size=args.size, basemap=args.basemap, dashboard=args.dashboard)
    print(("已保存：" if _zh() else "Saved: ") + str(out))
    return 0


def build_parser() -> argparse.ArgumentParser:
    zh = _zh()
    parser = argparse.ArgumentParser(prog="cordon", description="Cordon 防控一张图")
    parser.set_defaults(func=cmd_gui, path=None)
    sub = parser.add_subparsers(dest="command")

    gui = sub.add_parser("gui", help="打开窗口" if zh else "open the app")
    gui.add_argument("path", nargs="?", help="项目文件（.gpkg）或数据库 postgresql://用户@主机/数据库" if zh else
                     "project file (.gpkg) or database postgresql://user@host/dbname")
    gui.set_defaults(func=cmd_gui)

    imp = sub.add_parser("import", help="导入文件到图层" if zh else "import a file into a layer")
    imp.add_argument("path")
    imp.add_argument("file")
    imp.add_argument("--layer", required=True)
    imp.add_argument("--crs", help="wgs84 | gcj02 | bd09 | cgcs2000 | EPSG:n")
    imp.add_argument("--encoding", help="GBK | UTF-8 | ...")
    imp.add_argument("--lon-col")
    imp.add_argument("--lat-col")
    imp.add_argument("--map", action="append", metavar="COLUMN=FIELD",
                     help="指定字段对应，如 村名=name" if zh else "field mapping, e.g. 村名=name")
    imp.add_argument("--map-value", action="append", metavar="FIELD:VALUE=CODE",
                     help="指定取值对应（记入项目），如 类别:阳性=confirmed" if zh
                     else "value mapping, remembered in the project, e.g. 类别:阳性=confirmed")
    imp.add_argument("--strict", action="store_true",
                     help="有任何一行被拒绝即整体不导入" if zh else "import nothing if any row is rejected")
    imp.add_argument("--on-duplicate", choices=["update", "skip"],
                     help="文件中已在项目中的村（社区）、网格：update 更新它们，skip 跳过它们" if zh
                     else "villages and grids already in the project: update them, or skip them")
    imp.set_defaults(func=cmd_import)

    info = sub.add_parser("info", help="项目信息" if zh else "describe a project")
    info.add_argument("path")
    info.add_argument("--json", action="store_true")
    info.set_defaults(func=cmd_info)

    snap = sub.add_parser("snapshot", help="保存窗口截图（无界面运行）" if zh else "save a window snapshot (headless)")
    snap.add_argument("path")
    snap.add_argument("--out", required=True)
    snap.add_argument("--size", default="1600x1000")
    snap.add_argument("--basemap", default="offline")
    snap.add_argument("--dashboard", action="store_true",
                      help="看板置于管控区域面板之前" if zh else "the dashboard in front of the zone panel")
    snap.set_defaults(func=cmd_snapshot)

    from data.commands import register_all

    register_all(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point: parse ``argv`` and run; user errors print one line and return 2. Output piped into a
    reader that stops early (``| head``) ends quietly."""
    args = build_parser().parse_args(argv)
    try:
        _say_when_waiting()
        _warn_when_shared()
        code = args.func(args)
        sys.stdout.flush()
        return code
    except UserError as error:
        print(("错误：" if _zh() else "Error: ") + " ".join(error.message().split()), file=sys.stderr)
        return 2
    except BrokenPipeError:
        # Python's advice (docs: signal, "Note on SIGPIPE"): point stdout at devnull so the exit flush is quiet.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


def _say_when_waiting() -> None:
    """Say once, on stderr, when a command waits for another user or program to release the project."""
    from data.project import Project

    said = []

    def say(_seconds: float) -> None:
        if not said:
            said.append(True)
            print("项目正被其他用户或程序使用，正在等待…" if _zh() else
                  "The project is in use by another user or program; waiting…", file=sys.stderr, flush=True)

    Project.default_on_wait = say


def _warn_when_shared() -> None:
    """Before a command's first write to a GeoPackage, one line on stderr if another Cordon window edits it or
    it lies on a network share; the command goes on (it is one transaction, see data.project_lock)."""
    from data.project import Project

    Project.default_on_shared = lambda warning: print(("警告：" if _zh() else "Warning: ") + warning.message(),
                                                      file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())

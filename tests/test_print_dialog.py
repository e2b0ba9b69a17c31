"""The print dialog's live preview and file output, and the export dialog, checked with independent tools
(poppler's pdfinfo/pdftotext, json, openpyxl)."""

import json
import re
import subprocess

import openpyxl
import pytest
from PySide6.QtCore import QSettings, Qt

from data.reports import SHEETS

RENDER_TIMEOUT_MS = 30_000
WRITE_TIMEOUT_MS = 60_000
MM_PER_PT = 25.4 / 72


@pytest.fixture
def dialog(cordon_app, qtbot, sample_project):
    from desktop.print_dialog import PrintDialog

    dlg = PrintDialog(sample_project)
    qtbot.addWidget(dlg)
    with qtbot.waitSignal(dlg.previewUpdated, timeout=RENDER_TIMEOUT_MS):
        dlg.show()
    yield dlg
    dlg.close()


@pytest.fixture
def export_dialog(cordon_app, qtbot, sample_project):
    from desktop.print_dialog import ExportDialog

    dlg = ExportDialog(sample_project)
    qtbot.addWidget(dlg)
    dlg.show()
    yield dlg
    dlg.close()


def choose(combo, data) -> None:
    index = combo.findData(data)
    assert index >= 0, data
    combo.setCurrentIndex(index)


def aspect(dialog) -> float:
    pixmap = dialog.preview.pixmap()
    return pixmap.width() / pixmap.height()


def pdf_page_mm(path) -> tuple[float, float]:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    width, _, height = re.search(r"Page size:\s+(.*)", info).group(1).split()[:3]
    return float(width) * MM_PER_PT, float(height) * MM_PER_PT


def pdf_text(path) -> str:
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return re.sub(r"\s+", "", text)


def test_the_preview_shows_the_page(dialog):
    pixmap = dialog.preview.pixmap()
    assert not pixmap.isNull() and pixmap.width() > 100
    assert aspect(dialog) == pytest.approx(210 / 297, rel=0.02)
    assert "210 × 297" in dialog.preview_caption.text()


def test_a3_landscape_redraws_the_preview_at_its_aspect_ratio(dialog, qtbot):
    choose(dialog.paper_combo, "A3")
    choose(dialog.orientation_combo, True)
    qtbot.waitUntil(lambda: aspect(dialog) == pytest.approx(420 / 297, rel=0.02), timeout=RENDER_TIMEOUT_MS)
    assert dialog.options()["paper"] == "A3" and dialog.options()["landscape"] is True


def test_an_a3_landscape_pdf_has_the_page_size_and_the_title(dialog, qtbot, tmp_path):
    choose(dialog.paper_combo, "A3")
    choose(dialog.orientation_combo, True)
    dialog.title_edit.setText("济源市测试出图")
    out = tmp_path / "map.pdf"
    with qtbot.waitSignal(dialog.exported, timeout=WRITE_TIMEOUT_MS) as written:
        dialog.export_to(out)
    assert written.args == [out]
    width, height = pdf_page_mm(out)
    assert (width, height) == (pytest.approx(420, abs=1), pytest.approx(297, abs=1))
    assert "济源市测试出图" in pdf_text(out)
    assert dialog.saved_note.isVisible() and dialog.saved_note.label.toolTip() == str(out)


def test_exact_privacy_shows_the_command_room_warning(dialog):
    assert not dialog.privacy_warning.isVisible()
    choose(dialog.privacy_combo, "exact")
    assert dialog.privacy_warning.isVisible()
    assert dialog.options()["privacy"] == "exact"
    choose(dialog.privacy_combo, "aggregated")
    assert not dialog.privacy_warning.isVisible()


def test_a_town_extent_titles_the_page_with_the_town(dialog, qtbot):
    choose(dialog.extent_combo, "unit")
    town, code = dialog.town_combo.currentText(), dialog.town_combo.currentData()
    assert dialog.options()["extent"] == code
    assert town in dialog.options()["title"]
    dialog.title_edit.setText("自拟标题")
    choose(dialog.extent_combo, "county")
    assert dialog.options()["title"] == "自拟标题"  # a title typed by the user stays
    assert dialog.options()["extent"] is None


def test_the_current_view_is_an_extent_when_given(cordon_app, qtbot, sample_project):
    from desktop.print_dialog import PrintDialog

    dlg = PrintDialog(sample_project, view_bounds=[112.5, 35.0, 112.7, 35.2])
    qtbot.addWidget(dlg)
    choose(dlg.extent_combo, "view")
    assert dlg.options()["extent"] == (112.5, 35.0, 112.7, 35.2)
    dlg.close()


def test_an_atlas_is_a_pdf_of_the_county(dialog):
    choose(dialog.extent_combo, "unit")
    choose(dialog.atlas_combo, "town")
    assert dialog.atlas_kind() == "town"
    assert dialog.options()["extent"] is None
    assert not dialog.png_button.isEnabled() and dialog.pdf_button.isEnabled()


def test_the_secrecy_marking_can_be_removed(dialog):
    assert dialog.options()["secrecy"] == "内部资料 注意保密"
    dialog.secrecy_check.setChecked(False)
    assert dialog.options()["secrecy"] == ""
    assert not dialog.secrecy_edit.isEnabled()


def test_the_issuing_unit_is_remembered(dialog, cordon_app, qtbot, sample_project):
    from desktop.print_dialog import PrintDialog

    dialog.issuer_edit.setText("济源市疫情防控指挥部")
    assert QSettings().value("print/issuer") == "济源市疫情防控指挥部"
    again = PrintDialog(sample_project)
    qtbot.addWidget(again)
    assert again.options()["issuer"] == "济源市疫情防控指挥部"
    again.close()


def test_a_user_error_is_shown_in_the_dialog(dialog, qtbot, tmp_path):
    dialog.mbtiles_edit.setText(str(tmp_path / "missing.mbtiles"))
    qtbot.waitUntil(dialog.message.isVisible, timeout=RENDER_TIMEOUT_MS)
    assert "missing.mbtiles" in dialog.message.text()
    dialog.mbtiles_edit.clear()
    qtbot.waitUntil(lambda: not dialog.message.isVisible(), timeout=RENDER_TIMEOUT_MS)


def test_the_export_dialog_writes_a_geojson_of_the_chosen_layer(export_dialog, qtbot, sample_project, tmp_path):
    choose(export_dialog.format_combo, "geojson")
    layers = export_dialog.layer_list
    item = next(layers.item(r) for r in range(layers.count()) if layers.item(r).data(Qt.ItemDataRole.UserRole) == "isolation_sites")
    item.setCheckState(Qt.CheckState.Checked)
    assert export_dialog.layers() == ["isolation_sites"]  # GeoJSON holds one layer
    out = tmp_path / "sites.geojson"
    export_dialog.path_edit.setText(str(out))
    with qtbot.waitSignal(export_dialog.exported, timeout=WRITE_TIMEOUT_MS):
        export_dialog.export_button.click()
    features = json.loads(out.read_text(encoding="utf-8"))["features"]
    assert len(features) == sample_project.count("isolation_sites") > 0
    assert export_dialog.saved_note.isVisible()


def test_the_export_dialog_writes_an_excel_report(export_dialog, qtbot, tmp_path):
    choose(export_dialog.format_combo, "xlsx")
    assert not export_dialog.layer_list.isEnabled() and not export_dialog.gcj02_check.isEnabled()
    out = tmp_path / "report.xlsx"
    export_dialog.path_edit.setText(str(out))
    with qtbot.waitSignal(export_dialog.exported, timeout=WRITE_TIMEOUT_MS):
        export_dialog.export_button.click()
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == list(SHEETS)


def test_the_export_dialog_reports_a_failure(export_dialog, qtbot, tmp_path):
    choose(export_dialog.format_combo, "geojson")
    export_dialog.path_edit.setText(str(tmp_path / "zones.txt"))
    export_dialog.export_button.click()
    qtbot.waitUntil(export_dialog.message.isVisible, timeout=WRITE_TIMEOUT_MS)
    assert ".geojson" in export_dialog.message.text()
    assert export_dialog.export_button.isEnabled()


def test_an_edit_to_the_project_redraws_the_preview(dialog, qtbot, sample_project):
    from data.zone_store import zone_record
    from gis.zoning.shapes import circle_polygon

    before = dialog.preview.pixmap().toImage()
    zone = zone_record(circle_polygon(112.60, 35.09, 800), tier="sealed", kind="circle")
    with qtbot.waitSignal(dialog.previewUpdated, timeout=RENDER_TIMEOUT_MS), sample_project.transaction() as edit:
        edit.insert("control_zones", zone)
    assert dialog.preview.pixmap().toImage() != before  # drawn again from the edited project

"""The layer dock and the attribute dock, driven headless as a user would."""

import json

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QAbstractItemView, QComboBox, QLineEdit

from data.map_payload import MAP_LAYERS
from data.schema import CASES, ISOLATION_SITES, LAYERS
from desktop.attribute_dock import AttributeDock
from desktop.layer_dock import LayerDock

pytestmark = [pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")]


class FakeMap:
    """Records the display calls LayerDock makes (the real map widget is tested against its page elsewhere)."""

    def __init__(self):
        self.calls = []

    def set_layer_visible(self, name, visible):
        self.calls.append(("visible", name, visible))

    def set_layer_opacity(self, name, opacity):
        self.calls.append(("opacity", name, opacity))

    def set_layer_order(self, names_bottom_up):
        self.calls.append(("order", list(names_bottom_up)))

    def set_labels(self, visible):
        self.calls.append(("labels", visible))


# -- LayerDock ----------------------------------------------------------------------------------------


@pytest.fixture
def layer_dock(qtbot):
    dock = LayerDock(FakeMap())
    qtbot.addWidget(dock)
    dock.show()
    return dock


def _layer_item(dock, name):
    items = [dock.layer_list.item(row) for row in range(dock.layer_list.count())]
    return next(item for item in items if item.data(Qt.ItemDataRole.UserRole) == name)


def test_layer_dock_lists_layers_top_first_with_chinese_names(layer_dock):
    texts = [layer_dock.layer_list.item(row).text() for row in range(layer_dock.layer_list.count())]
    assert texts == [LAYERS[name].zh for name in reversed(MAP_LAYERS)]
    assert layer_dock.order() == list(MAP_LAYERS)
    assert layer_dock.map_widget.calls == []  # nothing is pushed until a change or restore()


def test_unticking_a_layer_hides_it_on_the_map(layer_dock):
    _layer_item(layer_dock, "grids").setCheckState(Qt.CheckState.Unchecked)
    assert layer_dock.map_widget.calls == [("visible", "grids", False)]
    assert layer_dock.state()["layers"]["grids"]["visible"] is False
    _layer_item(layer_dock, "grids").setCheckState(Qt.CheckState.Checked)
    assert layer_dock.map_widget.calls[-1] == ("visible", "grids", True)


def test_moving_a_layer_sends_the_new_order_bottom_up(layer_dock):
    # What QListWidget's internal drag-and-drop does on a drop: move the row in its model.
    # Rows top-down: cases, key_persons, facilities, isolation_sites, ...; move cases to just above control_zones.
    moved = layer_dock.layer_list.model().moveRow(QModelIndex(), 0, QModelIndex(), 4)
    assert moved
    expected = ["grids", "admin_units", "control_zones", "cases", "isolation_sites", "facilities", "key_persons"]
    assert layer_dock.map_widget.calls == [("order", expected)]
    assert layer_dock.state()["order"] == expected


def test_opacity_and_labels_apply_to_the_current_layer(layer_dock):
    layer_dock.layer_list.setCurrentItem(_layer_item(layer_dock, "isolation_sites"))
    assert not layer_dock.labels_check.isVisible()
    layer_dock.opacity_slider.setValue(40)
    assert layer_dock.map_widget.calls == [("opacity", "isolation_sites", 0.4)]
    assert layer_dock.opacity_label.text() == "40%"

    layer_dock.layer_list.setCurrentItem(_layer_item(layer_dock, "admin_units"))
    assert layer_dock.opacity_slider.value() == 100
    assert layer_dock.labels_check.isVisible()
    layer_dock.labels_check.setChecked(False)
    assert layer_dock.map_widget.calls[-1] == ("labels", False)

    layer_dock.layer_list.setCurrentItem(_layer_item(layer_dock, "isolation_sites"))
    assert layer_dock.opacity_slider.value() == 40


def test_state_round_trips_through_restore(layer_dock, qtbot):
    _layer_item(layer_dock, "cases").setCheckState(Qt.CheckState.Unchecked)
    layer_dock.layer_list.setCurrentItem(_layer_item(layer_dock, "grids"))
    layer_dock.opacity_slider.setValue(25)
    layer_dock.labels_check.setChecked(False)
    layer_dock.layer_list.model().moveRow(QModelIndex(), 6, QModelIndex(), 0)  # the bottom layer (grids) to the top
    state = json.loads(json.dumps(layer_dock.state()))  # plain data, as the main window saves it

    fresh = LayerDock(FakeMap())
    qtbot.addWidget(fresh)
    fresh.restore(state)
    assert fresh.state() == state
    assert _layer_item(fresh, "cases").checkState() == Qt.CheckState.Unchecked
    assert fresh.layer_list.item(0).data(Qt.ItemDataRole.UserRole) == "grids"
    calls = fresh.map_widget.calls  # everything is re-applied, as to a newly loaded map page
    assert ("visible", "cases", False) in calls and ("visible", "grids", True) in calls
    assert ("opacity", "grids", 0.25) in calls and ("opacity", "cases", 1.0) in calls
    assert ("order", state["order"]) in calls and ("labels", False) in calls
    assert len(calls) == 2 * len(MAP_LAYERS) + 2


def test_restore_tolerates_old_or_partial_state(layer_dock):
    layer_dock.restore({"order": ["grids", "retired_layer"], "layers": {"retired_layer": {"visible": False},
                                                                      "facilities": {"opacity": 7}}})
    assert sorted(layer_dock.order()) == sorted(MAP_LAYERS)
    assert layer_dock.state()["layers"]["facilities"] == {"visible": True, "opacity": 1.0}


# -- AttributeDock -------------------------------------------------------------------------------------


@pytest.fixture
def undo_stack():
    return QUndoStack()


@pytest.fixture
def attribute_dock(qtbot, sample_project, undo_stack):
    dock = AttributeDock(sample_project, undo_stack)
    qtbot.addWidget(dock)
    dock.resize(900, 400)
    dock.show()
    dock.layer_combo.setCurrentIndex(dock.layer_combo.findData("isolation_sites"))
    return dock


def _index(dock, fid, field):
    return dock.model.index(dock.model.row_of(fid), dock.model.column_of(field))


def _type_into(qtbot, dock, fid, field, text):
    """Edit a cell the way a user does: open its editor, type, press Enter."""
    index = _index(dock, fid, field)
    dock.table.setCurrentIndex(index)
    dock.table.edit(index)
    editor = dock.table.viewport().findChild(QLineEdit)
    editor.setText(text)
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dock.table.state() != QAbstractItemView.State.EditingState)  # Qt commits queued


def _site(project, fid):
    return project.read_layer("isolation_sites", where="fid = ?", params=(fid,)).iloc[0]


def test_isolation_sites_are_shown_with_chinese_headers(attribute_dock, sample_project):
    model = attribute_dock.model
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert headers == [f.zh for f in ISOLATION_SITES.fields]
    frame = sample_project.read_layer("isolation_sites")
    assert model.rowCount() == len(frame)
    assert [model.headerData(r, Qt.Orientation.Vertical) for r in range(3)] == frame.index[:3].tolist()
    assert model.index(0, model.column_of("name")).data() == frame["name"].iloc[0]
    assert attribute_dock.layer_combo.currentText() == "集中隔离场所"


def test_a_word_for_a_number_is_refused_and_nothing_is_written(attribute_dock, sample_project, undo_stack, qtbot):
    before = sample_project.path.read_bytes()
    _type_into(qtbot, attribute_dock, 2, "rooms", "十")
    assert attribute_dock.status_label.isVisible()
    assert "十" in attribute_dock.status_label.text() and "数字" in attribute_dock.status_label.text()
    assert sample_project.path.read_bytes() == before
    assert undo_stack.count() == 0
    assert _index(attribute_dock, 2, "rooms").data() == str(_site(sample_project, 2)["rooms"])


def test_a_valid_edit_is_written_and_undone(attribute_dock, sample_project, undo_stack, qtbot):
    old = int(_site(sample_project, 2)["rooms"])
    attribute_dock.show_feature("isolation_sites", 2)
    _type_into(qtbot, attribute_dock, 2, "rooms", "120")
    assert int(_site(sample_project, 2)["rooms"]) == 120
    qtbot.waitUntil(lambda: _index(attribute_dock, 2, "rooms").data() == "120")
    assert attribute_dock.selected_fids() == [2]  # the refresh keeps the selection
    assert not attribute_dock.status_label.isVisible()
    assert undo_stack.count() == 1 and "房间数" in undo_stack.text(0)

    undo_stack.undo()
    assert int(_site(sample_project, 2)["rooms"]) == old
    qtbot.waitUntil(lambda: _index(attribute_dock, 2, "rooms").data() == str(old))
    assert attribute_dock.selected_fids() == [2]

    log = sample_project.read_layer("audit_log")
    rows = log[(log["layer"] == "isolation_sites") & (log["fid"] == 2)]
    assert rows["action"].tolist() == ["modify", "undo"]
    assert json.loads(rows["after"].iloc[0])["rooms"] == 120
    assert json.loads(rows["after"].iloc[1])["rooms"] == old


def test_unchanged_text_is_not_an_edit(attribute_dock, undo_stack, qtbot):
    _type_into(qtbot, attribute_dock, 2, "name", _index(attribute_dock, 2, "name").data())
    assert undo_stack.count() == 0


def test_status_is_chosen_from_the_glossary(attribute_dock, sample_project, qtbot):
    fid = next(f for f, status in sample_project.read_layer("isolation_sites")["status"].items() if status != "standby")
    index = _index(attribute_dock, fid, "status")
    attribute_dock.table.setCurrentIndex(index)
    attribute_dock.table.edit(index)
    combo = attribute_dock.table.viewport().findChild(QComboBox)
    assert [combo.itemText(i) for i in range(combo.count())] == ["", "启用", "备用", "关闭"]
    choice = combo.findText("备用")
    combo.setCurrentIndex(choice)
    combo.activated.emit(choice)  # picking an entry commits it
    assert _site(sample_project, fid)["status"] == "standby"
    qtbot.waitUntil(lambda: _index(attribute_dock, fid, "status").data() == "备用")


def test_show_feature_switches_layer_and_selects_the_row(attribute_dock, qtbot):
    attribute_dock.layer_combo.setCurrentIndex(attribute_dock.layer_combo.findData("facilities"))
    attribute_dock.filter_edit.setText("不会匹配任何要素")
    with qtbot.waitSignal(attribute_dock.featuresSelected) as selected:
        attribute_dock.show_feature("isolation_sites", 7)
    assert selected.args == ["isolation_sites", [7]]
    assert attribute_dock.current_layer() == "isolation_sites"
    assert attribute_dock.filter_edit.text() == ""
    assert attribute_dock.selected_fids() == [7]
    assert attribute_dock.model.fid(attribute_dock.table.currentIndex().row()) == 7


def test_filter_matches_any_shown_text_ignoring_case(attribute_dock, sample_project):
    frame = sample_project.read_layer("isolation_sites")
    attribute_dock.filter_edit.setText("备用")  # a glossary label, stored as "standby"
    assert attribute_dock.model.rowCount() == (frame["status"] == "standby").sum() > 0
    attribute_dock.filter_edit.setText("STANDBY")
    assert attribute_dock.model.rowCount() == 0
    attribute_dock.filter_edit.setText("")
    assert attribute_dock.model.rowCount() == len(frame)


def test_personal_fields_of_cases_are_hidden_until_asked_for(attribute_dock):
    attribute_dock.show_feature("cases", 3)
    model = attribute_dock.model
    headers = {model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())}
    personal = {f.zh for f in CASES.fields if f.personal}
    assert personal == {"姓名", "身份证号", "电话"} and not headers & personal
    attribute_dock.personal_check.setChecked(True)
    headers = {model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())}
    assert personal <= headers
    assert attribute_dock.selected_fids() == [3]


def test_delete_feature_removes_the_selected_row_undoably(attribute_dock, sample_project, undo_stack, qtbot):
    count = sample_project.count("isolation_sites")
    attribute_dock.show_feature("isolation_sites", 4)
    assert attribute_dock.delete_action.isEnabled()
    with qtbot.waitSignal(attribute_dock.featuresSelected) as selected:
        attribute_dock.delete_action.trigger()
    assert selected.args == ["isolation_sites", []]
    assert sample_project.count("isolation_sites") == count - 1
    assert attribute_dock.model.row_of(4) is None and not attribute_dock.delete_action.isEnabled()
    undo_stack.undo()
    attribute_dock.show_feature("isolation_sites", 4)  # at once, though the table had not re-read the layer yet
    assert attribute_dock.selected_fids() == [4]


def test_closing_stops_following_the_project(attribute_dock, sample_project, undo_stack):
    attribute_dock.close()
    with sample_project.transaction() as edit:
        edit.update("isolation_sites", 2, {"rooms": 99})
    assert _index(attribute_dock, 2, "rooms").data() != "99"
    attribute_dock.show()  # reopened: it follows again and catches up
    assert _index(attribute_dock, 2, "rooms").data() == "99"

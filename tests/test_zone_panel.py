"""The zone panel in a real main window on the sample county (data as of 2026-11-20): countdowns, the
zone actions and their undo, proposals reviewed before anything is stored, control circles and snapping."""

import datetime as dt
import json
import threading

import pandas as pd
import pytest
from PySide6.QtCore import QDate, QSettings, Qt, QTimer
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication, QMessageBox

from data import zone_store
from desktop import zone_panel
from desktop.zone_panel import ZonePanel
from gis.errors import UserError
from gis.glossary import ProposalGroup
from gis.zoning.circles import circle_tiers

AS_OF = dt.date(2026, 11, 20)

pytestmark = [pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints",
                                        # the headless platform has no GPU: WebEngine's probes say so
                                        "QRhiGles2: Failed", "Vulkan", "Unable to detect GPU vendor")]


@pytest.fixture
def window(main_window, sample_project):
    return main_window(sample_project, size=None)


@pytest.fixture
def panel(window, overlays, qtbot):
    dock = ZonePanel(window.project, window.map, window.undo_stack, window)
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
    dock.set_as_of(AS_OF)
    return dock


@pytest.fixture
def village(sample_project):
    return zone_store.control_units(sample_project).iloc[0]


def sealed_zone(project, village, *, last_case="2026-11-15T10:00:00"):
    return zone_store.create_zone(project, village.geometry, tier="sealed", kind="unit", name=village["name"],
                                  unit_codes=[village["code"]], last_case_at=last_case, at=last_case)


def cell(panel, fid, column, role=Qt.ItemDataRole.DisplayRole):
    model = panel.model
    row = model.row_of(fid)
    return None if row is None else model.index(row, model.COLUMNS.index(column)).data(role)


def when_modal(handle):
    """Answer the next modal dialog with ``handle(dialog)``, as a user would; the returned list gets its result."""
    answers = []

    def poll():
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            QTimer.singleShot(20, poll)
        else:
            answers.append(handle(dialog))

    QTimer.singleShot(0, poll)
    return answers


def zone_actions(project, fid):
    log = project.read_layer("audit_log", where="layer = 'control_zones' AND fid = ?", params=(fid,))
    return log["action"].tolist()


def test_the_table_lists_zones_with_their_countdowns_and_follows_other_threads(panel, window, overlays, village,
                                                                                    qtbot):
    project = window.project
    fid = sealed_zone(project, village)
    qtbot.waitUntil(lambda: panel.model.row_of(fid) is not None)
    clock = zone_store.zone_countdown(project, fid, AS_OF)
    assert cell(panel, fid, "days_since_last_case") == str(clock.days_since_last_case) == "5"
    assert cell(panel, fid, "projected_downgrade") == clock.projected_downgrade.isoformat() == "2026-11-22"
    assert cell(panel, fid, "tier") == "封控区"
    assert cell(panel, fid, "tier", Qt.ItemDataRole.DecorationRole) == QColor(zone_store.load_scheme(project).tier("sealed").colour)
    assert cell(panel, fid, "ready") == "" and not clock.ready
    assert "核酸" in cell(panel, fid, "ready", Qt.ItemDataRole.ToolTipRole)  # what is missing

    panel.select_zone(fid)  # shows the zone on the map: outlined, the map fitted to it
    key, frame, options = overlays[-1]
    assert key == "zone" and options["fit"] and frame.geometry.iloc[0].equals(village.geometry)

    units = zone_store.control_units(project)
    worker = threading.Thread(target=lambda: zone_store.create_zone(project, units.geometry.iloc[1], tier="precaution",
                                                                    kind="drawn", name="另一线程"))
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: panel.model.rowCount() == 2)
    assert panel.model.row(0)["fid"] == fid  # top tier first
    assert cell(panel, fid + 1, "projected_downgrade") == "—"  # the lowest tier has no countdown


def test_a_zone_not_ready_is_refused_with_the_stores_message_and_nothing_changes(panel, window, village, qtbot):
    project = window.project
    fid = sealed_zone(project, village)
    qtbot.waitUntil(lambda: panel.model.row_of(fid) is not None)
    panel.select_zone(fid)
    with pytest.raises(UserError) as refusal:
        zone_store.downgrade(project, fid, on=AS_OF)
    log_before = project.count("audit_log")

    shown = when_modal(lambda box: (box.text(), box.button(QMessageBox.StandardButton.Cancel).click()))
    panel.downgrade_action.trigger()
    assert shown[0][0] == refusal.value.message()
    assert "无新增天数未满" in shown[0][0]  # the box names the missing condition before offering to force
    assert panel.message_label.text() == refusal.value.message()
    assert project.read_layer("control_zones").loc[fid, "tier"] == "sealed"
    assert project.count("audit_log") == log_before
    assert window.undo_stack.count() == 0


def test_forcing_a_step_down_needs_the_explicit_confirmation(panel, window, village, qtbot):
    project = window.project
    fid = sealed_zone(project, village)
    qtbot.waitUntil(lambda: panel.model.row_of(fid) is not None)
    panel.select_zone(fid)

    def step_down_anyway(box):
        force = next(b for b in box.buttons() if box.buttonRole(b) == QMessageBox.ButtonRole.DestructiveRole)
        force.click()

    when_modal(step_down_anyway)
    panel.downgrade_action.trigger()
    assert project.read_layer("control_zones").loc[fid, "tier"] == "controlled"
    assert zone_actions(project, fid)[-1] == "downgrade"
    qtbot.waitUntil(lambda: cell(panel, fid, "tier") == "管控区")


def test_a_test_round_and_the_days_passing_make_a_zone_ready(panel, window, village, qtbot):
    project = window.project
    fid = sealed_zone(project, village)
    qtbot.waitUntil(lambda: panel.model.row_of(fid) is not None)
    panel.select_zone(fid)

    def negative_round_on_day_7(dialog):
        assert isinstance(dialog, zone_panel.TestRoundDialog)
        dialog.date_edit.setDate(QDate(2026, 11, 22))
        dialog.result_combo.setCurrentIndex(dialog.result_combo.findData("negative"))
        dialog.accept()

    when_modal(negative_round_on_day_7)
    panel.test_round_action.trigger()
    assert zone_actions(project, fid)[-1] == "record_test_round"
    panel.set_as_of(dt.date(2026, 11, 21))
    assert cell(panel, fid, "ready") == ""
    panel.set_as_of(dt.date(2026, 11, 22))
    assert zone_store.zone_countdown(project, fid, "2026-11-22").ready
    assert cell(panel, fid, "ready") == panel.model.tr("Ready")
    assert cell(panel, fid, "ready", Qt.ItemDataRole.FontRole).bold()
    assert cell(panel, fid, "ready", Qt.ItemDataRole.ForegroundRole) == QColor(zone_panel.READY_COLOUR)
    assert cell(panel, fid, "days_since_last_case") == "7"


def test_a_step_down_is_undone_and_redone_and_the_ledger_shows_each_step(panel, window, village, qtbot):
    project = window.project
    fid = sealed_zone(project, village, last_case="2026-11-13T10:00:00")
    zone_store.record_test_round(project, fid, AS_OF, "negative")
    qtbot.waitUntil(lambda: cell(panel, fid, "ready") == panel.model.tr("Ready"))
    panel.select_zone(fid)
    before = project.read_layer("control_zones").loc[fid]

    panel.downgrade_action.trigger()
    zone = project.read_layer("control_zones").loc[fid]
    assert zone["tier"] == "controlled" and zone["started_at"] == "2026-11-20T00:00:00"
    assert window.undo_stack.count() == 1
    qtbot.waitUntil(lambda: cell(panel, fid, "tier") == "管控区")

    window.undo_action.trigger()
    zone = project.read_layer("control_zones").loc[fid]
    assert (zone["tier"], zone["started_at"], zone["test_rounds"]) == (before["tier"], before["started_at"],
                                                                         before["test_rounds"])
    assert zone.geometry.equals(before.geometry)
    assert zone_actions(project, fid)[-2:] == ["downgrade", "undo"]
    qtbot.waitUntil(lambda: cell(panel, fid, "tier") == "封控区")
    assert panel.selected_fid() == fid  # the refresh keeps the selection

    window.redo_action.trigger()  # redo runs the step down again
    assert project.read_layer("control_zones").loc[fid, "tier"] == "controlled"
    assert zone_actions(project, fid)[-3:] == ["downgrade", "undo", "downgrade"]


def test_a_proposal_is_reviewed_on_the_map_and_only_the_ticked_zones_are_applied(panel, window, overlays, qtbot):
    project = window.project
    log_before = project.count("audit_log")

    def accept_options(dialog):
        assert isinstance(dialog, zone_panel.ProposalDialog)
        options = dialog.options()
        dialog.accept()
        return options

    chosen = when_modal(accept_options)
    panel.propose_action.trigger()
    qtbot.waitUntil(lambda: panel.review.proposal is not None, timeout=20_000)
    expected = zone_store.propose(project, as_of=AS_OF, **chosen[0])
    new = panel.review.group_item(ProposalGroup.NEW)
    assert new.childCount() == len(expected.zones) > 3 and new.text(0) == f"新增（{len(expected.zones)}）"
    last = len(expected.zones) - 1
    assert expected.zones[last].is_rest_of_county and panel.review.ticked() == list(range(last))  # offered unticked
    drawn = [frame for key, frame, _options in overlays if key == "proposal"]
    assert list(drawn[-1]["tier"]) == [z.tier for z in expected.zones[:last]]
    assert project.count("control_zones") == 0 and project.count("audit_log") == log_before  # nothing stored yet

    panel.review.set_ticked(1, False)
    ticked = [z for i, z in enumerate(expected.zones) if i not in (1, last)]
    assert len([f for k, f, _o in overlays if k == "proposal"][-1]) == len(ticked)

    panel.review.accept_button.click()
    zones = project.read_layer("control_zones")
    assert list(zones["name"]) == [z.name for z in ticked] and list(zones["tier"]) == [z.tier for z in ticked]
    assert window.undo_stack.count() == 1 and panel.review.isHidden()
    fids = zones.index.tolist()

    window.undo_action.trigger()
    assert project.count("control_zones") == 0
    window.redo_action.trigger()
    assert project.read_layer("control_zones").index.tolist() == fids


def propose_in_the_window(panel, qtbot):
    """Click 生成划定建议, accept its options as offered, and wait for the review; returns the options."""
    chosen = when_modal(lambda dialog: (dialog.options(), dialog.accept())[0])
    panel.propose_action.trigger()
    qtbot.waitUntil(lambda: panel.review.proposal is not None and panel.review.isVisibleTo(panel), timeout=20_000)
    return chosen[0]


def group_size(panel, group):
    return panel.review.group_item(group).childCount()


def test_proposing_again_after_accepting_shows_every_zone_unchanged_and_adds_nothing(panel, window, overlays, qtbot):
    project = window.project
    propose_in_the_window(panel, qtbot)
    zones = panel.review.proposal.zones
    assert group_size(panel, ProposalGroup.NEW) == len(zones) and zones[-1].is_rest_of_county
    panel.review.set_ticked(len(zones) - 1, True)  # the county-wide 防范区 too, this time
    panel.review.accept_button.click()
    assert project.count("control_zones") == len(zones) and window.undo_stack.count() == 1
    stored = project.read_layer("control_zones")

    propose_in_the_window(panel, qtbot)
    review = panel.review
    assert [review.group_item(g).text(0) for g in ProposalGroup] == [
        "新增（0）", "变更（0）", f"不变（{len(zones)}）", "可解除或降级（0）"]
    assert review.ticked() == []  # nothing to tick: unchanged zones are not applicable
    unchanged = review.group_item(ProposalGroup.UNCHANGED).child(0)
    assert not unchanged.flags() & Qt.ItemFlag.ItemIsUserCheckable
    latest = {key: frame for key, frame, _options in overlays}
    assert len(latest["proposal"]) == 0 and len(latest["proposal_unchanged"]) == len(zones)  # drawn faint

    review.accept_button.click()
    assert review.isHidden() and window.undo_stack.count() == 1
    after = project.read_layer("control_zones")
    assert after.index.tolist() == stored.index.tolist() and list(after["tier"]) == list(stored["tier"])
    window.undo_action.trigger()
    assert project.count("control_zones") == 0


def test_accepting_updates_a_changed_zone_in_place_and_undo_puts_it_back(panel, window, overlays, qtbot):
    project = window.project
    options = zone_panel.ProposalDialog(panel.scheme, AS_OF).options()
    sealed = zone_store.propose(project, as_of=AS_OF, **options).zones[0]
    lower = zone_store.create_zone(project, sealed.geometry.buffer(-0.0005), tier="controlled", kind="drawn",
                                   name="临时管控")  # the same ground, a tier lower, drawn by hand
    village = zone_store.control_units(project).iloc[-1]
    far = zone_store.create_zone(project, village.geometry, tier="sealed", kind="unit", name=village["name"],
                                 unit_codes=[village["code"]])
    qtbot.waitUntil(lambda: panel.model.rowCount() == 2)
    before = project.read_layer("control_zones").loc[lower]

    propose_in_the_window(panel, qtbot)
    review = panel.review
    assert group_size(panel, ProposalGroup.CHANGED) == 1 and group_size(panel, ProposalGroup.MAY_STEP_DOWN) == 1
    changed = review.group_item(ProposalGroup.CHANGED).child(0)
    assert changed.checkState(0) == Qt.CheckState.Checked and changed.text(4).startswith("等级 管控区 → 封控区")
    step_down = review.group_item(ProposalGroup.MAY_STEP_DOWN).child(0)
    assert not step_down.flags() & Qt.ItemFlag.ItemIsUserCheckable and step_down.text(1) == village["name"]
    review.tree.setCurrentItem(step_down)
    assert panel.selected_fid() == far and panel.downgrade_action.isEnabled()  # ready to be stepped down by hand
    latest = {key: frame for key, frame, _options in overlays}
    assert latest["proposal_step_down"]["name"].tolist() == [village["name"]]

    created = len(review.ticked()) - 1
    review.accept_button.click()
    zones = project.read_layer("control_zones")
    assert len(zones) == 2 + created and window.undo_stack.count() == 1
    zone = zones.loc[lower]
    assert (zone["tier"], zone["kind"], json.loads(zone["unit_codes"])) == ("sealed", "unit", list(sealed.unit_codes))
    assert zones.loc[far, "tier"] == "sealed" and zones.loc[far, "status"] == "active"  # listed, never lifted
    assert zone_actions(project, lower)[-1] == "proposal_update"

    window.undo_action.trigger()
    zones = project.read_layer("control_zones")
    assert sorted(zones.index) == sorted([lower, far])
    zone = zones.loc[lower]
    assert (zone["tier"], zone["kind"], zone["name"]) == ("controlled", "drawn", "临时管控")
    assert pd.isna(zone["unit_codes"]) and zone.geometry.equals(before.geometry)
    window.redo_action.trigger()
    assert project.read_layer("control_zones").loc[lower, "tier"] == "sealed"
    assert project.count("control_zones") == 2 + created


def test_rejecting_a_proposal_stores_nothing(panel, window, qtbot):
    when_modal(lambda dialog: dialog.accept())
    panel.propose_action.trigger()
    qtbot.waitUntil(lambda: panel.review.proposal is not None, timeout=20_000)
    panel.review.reject_button.click()
    assert panel.review.isHidden() and panel.review.proposal is None
    assert window.project.count("control_zones") == 0 and window.undo_stack.count() == 0


def test_control_circles_around_a_case_then_snapped_to_units_all_undoable(panel, window, qtbot):
    project = window.project
    case = project.read_layer("cases").iloc[0]
    panel.set_case_selection("cases", [int(case.name)])

    def radii_400_and_900(dialog):
        assert dialog.around_cases()
        dialog.small_spin.setValue(400)
        dialog.large_spin.setValue(900)
        dialog.accept()

    when_modal(radii_400_and_900)
    panel.circles_action.trigger()
    zones = project.read_layer("control_zones")
    assert list(zones["kind"]) == ["circle", "circle"] and list(zones["radius_m"]) == [400, 900]
    assert list(zones["tier"]) == list(circle_tiers(zone_store.load_scheme(project)))
    assert all(case.geometry.within(g) for g in zones.geometry)
    assert QSettings().value(zone_panel.SMALL_RADIUS_KEY, type=float) == 400

    small = int(zones.index[0])
    qtbot.waitUntil(lambda: panel.model.row_of(small) is not None)
    panel.select_zone(small)
    assert panel.snap_action.isEnabled()
    when_modal(lambda dialog: dialog.accept())  # centre inside: a 400 m circle holds no village's centre
    panel.snap_action.trigger()
    assert project.read_layer("control_zones").loc[small, "kind"] == "circle"
    assert panel.message_label.isVisibleTo(panel) and window.undo_stack.count() == 1

    def a_tenth_covered(dialog):
        dialog.snap.rule_combo.setCurrentIndex(dialog.snap.rule_combo.findData("share"))
        dialog.snap.threshold_spin.setValue(10)
        dialog.accept()

    when_modal(a_tenth_covered)
    panel.snap_action.trigger()
    snapped = project.read_layer("control_zones").loc[small]
    assert snapped["kind"] == "unit" and snapped["unit_codes"] and not snapped.geometry.equals(zones.geometry.iloc[0])
    assert zone_actions(project, small)[-1] == "modify"

    window.undo_action.trigger()
    restored = project.read_layer("control_zones").loc[small]
    assert restored["kind"] == "circle" and restored.geometry.equals(zones.geometry.iloc[0])
    window.undo_action.trigger()
    assert project.count("control_zones") == 0


def test_a_scheme_dropping_a_tier_in_use_is_refused_and_another_is_saved_otherwise(panel, window, village, qtbot):
    project = window.project
    fid = sealed_zone(project, village)
    qtbot.waitUntil(lambda: panel.model.row_of(fid) is not None)
    combo = panel.scheme_combo
    combo.activated.emit(combo.findData("2022_nov"))
    assert zone_store.load_scheme(project).key == "2022_9th"
    assert "sealed" in panel.message_label.text() or "封控区" in panel.message_label.text()
    assert combo.currentData() == "2022_9th"

    zone_store.lift(project, fid)
    with qtbot.waitSignal(panel.schemeChanged):
        combo.activated.emit(combo.findData("2022_nov"))
    assert zone_store.load_scheme(project).key == "2022_nov"
    assert [a.text() for a in panel.tier_menu.actions()] == ["高风险区", "低风险区"]

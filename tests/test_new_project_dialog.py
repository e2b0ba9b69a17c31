"""The 新建项目 dialog: candidates as you type, the outline previewed, the project created for the picked county."""

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QApplication, QDialog

from data.project import Project
from desktop.new_project_dialog import NewProjectDialog


@pytest.fixture
def dialog(cordon_app, qtbot, tmp_path):
    QSettings().setValue("new_project/folder", str(tmp_path))
    widget = NewProjectDialog()
    qtbot.addWidget(widget)
    widget.show()
    yield widget
    QSettings().remove("new_project/folder")


def type_chinese(widget, text: str) -> None:
    """Type ``text`` as a Chinese input method does: one committed string (key clicks carry no Hanzi)."""
    widget.setFocus()
    event = QInputMethodEvent("", [])
    event.setCommitString(text)
    QApplication.sendEvent(widget, event)


def candidate_texts(dialog) -> list[str]:
    return [dialog.candidate_list.item(i).text() for i in range(dialog.candidate_list.count())]


def test_typing_a_shared_name_lists_each_county_with_its_province_and_city(dialog, qtbot, tmp_path):
    type_chinese(dialog.search_edit, "鼓楼区")
    texts = candidate_texts(dialog)
    assert len(texts) == 4 and all("鼓楼区" in t for t in texts)
    for province, city in (("江苏省", "南京市"), ("江苏省", "徐州市"), ("福建省", "福州市"), ("河南省", "开封市")):
        assert any(province in t and city in t for t in texts), (province, city)
    assert dialog.county() is None and not dialog.create_button.isEnabled()
    assert dialog.outline_item.path().isEmpty()

    row = next(i for i, t in enumerate(texts) if "开封市" in t)
    dialog.candidate_list.setCurrentRow(row)
    box = dialog.outline_item.path().boundingRect()
    assert not dialog.outline_item.path().isEmpty() and box.width() > 0 and box.height() > 0
    assert "河南省 开封市 鼓楼区" in dialog.county_label.text()
    assert Path(dialog.path_edit.text()) == tmp_path / "鼓楼区.gpkg"
    assert dialog.create_button.isEnabled()

    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted
    project = Project.open(tmp_path / "鼓楼区.gpkg")
    units = project.read_layer("admin_units")
    assert units[["code", "name", "level"]].values.tolist() == [["410204", "鼓楼区", "county"]]
    assert dialog.project.path == project.path and project.metadata["name"] == "鼓楼区"


def test_a_code_picks_its_county_and_the_chosen_file_is_kept(dialog, qtbot, tmp_path):
    chosen = tmp_path / "sub" / "指挥部.gpkg"
    chosen.parent.mkdir()
    type_chinese(dialog.path_edit, str(chosen))
    qtbot.keyClicks(dialog.search_edit, "410422")
    assert dialog.county().name == "叶县" and candidate_texts(dialog) == ["叶县    河南省 平顶山市  410422"]
    assert Path(dialog.path_edit.text()) == chosen
    dialog.buttons.accepted.emit()
    assert Project.open(chosen).read_layer("admin_units")["code"].tolist() == ["410422"]
    assert QSettings().value("new_project/folder") == str(chosen.parent)


def test_a_misspelt_name_suggests_the_closest_and_creates_nothing(dialog, qtbot, tmp_path):
    type_chinese(dialog.search_edit, "叶具")
    assert dialog.candidate_list.count() == 0 and not dialog.create_button.isEnabled()
    assert dialog.message.isVisible() and "叶县（河南省平顶山市，410422）" in dialog.message.text()
    dialog.search_edit.clear()
    assert not dialog.message.isVisible()
    assert not list(tmp_path.iterdir())


def test_file_new_project_opens_the_created_county_in_the_window(cordon_app, qtbot, tmp_path):
    from PySide6.QtCore import QTimer

    from desktop.main_window import MainWindow

    QSettings().setValue("new_project/folder", str(tmp_path))
    window = MainWindow(Project.create(tmp_path / "empty.gpkg", name="空项目"))
    qtbot.addWidget(window)
    window.show()
    seen = []

    def fill_in_dialog():
        dialog = QApplication.activeModalWidget()
        seen.append(dialog)
        type_chinese(dialog.search_edit, "平顶山市 叶县")
        dialog.create_button.click()

    QTimer.singleShot(0, fill_in_dialog)
    window.new_action.trigger()
    assert isinstance(seen[0], NewProjectDialog)
    assert window.project.path == tmp_path / "叶县.gpkg" and window.windowTitle().startswith("叶县")
    assert window.project.county_outline() is not None
    window.close()
    QSettings().remove("new_project/folder")

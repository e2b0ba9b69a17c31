"""The Simplified Chinese UI: every ``tr()`` string under desktop/ has a translation in
resources/translations/cordon_zh_CN.ts, translations keep their placeholders, the translations reach the UI,
and the real main window speaks Chinese.

After changing UI strings run ``python -m desktop.i18n`` and translate the new entries."""

import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from desktop.i18n import TS_FILE

DESKTOP_DIR = Path(__file__).resolve().parent.parent / "desktop"
PLACEHOLDER = re.compile(r"%(?:n|L?\d+)|\{[A-Za-z_][A-Za-z0-9_]*\}")
MNEMONIC = re.compile(r"\(&\w\)")
CJK = re.compile(r"[\u4e00-\u9fff]")


def ts_messages(path: Path) -> list[dict]:
    """Every current message of a .ts file (vanished and obsolete ones left out), with its translation text
    (the first numerus form for a ``%n`` message) and whether it is unfinished."""
    messages = []
    for context in ET.parse(path).getroot().iter("context"):
        name = context.findtext("name", "")
        for message in context.iter("message"):
            translation = message.find("translation")
            kind = translation.get("type") if translation is not None else "unfinished"
            if kind in ("vanished", "obsolete"):
                continue
            forms = translation.findall("numerusform") if translation is not None else []
            text = (forms[0].text if forms else translation.text) if translation is not None else None
            messages.append({"context": name, "source": message.findtext("source", ""),
                             "numerus": message.get("numerus") == "yes", "translation": text or "",
                             "unfinished": kind == "unfinished"})
    return messages


@pytest.fixture(scope="module")
def refreshed_ts(tmp_path_factory) -> Path:
    """A copy of the .ts refreshed from the sources under desktop/ the way ``python -m desktop.i18n`` does it, so strings
    added to the sources show up as unfinished and existing translations carry over."""
    lupdate = shutil.which("pyside6-lupdate")
    if lupdate is None:
        pytest.fail("pyside6-lupdate was not found on PATH; it ships with PySide6 (pip install PySide6==6.8.3) "
                    "and is needed to check that every tr() string is translated")
    copy = tmp_path_factory.mktemp("ts") / TS_FILE.name
    shutil.copyfile(TS_FILE, copy)
    sources = sorted(str(p) for p in DESKTOP_DIR.rglob("*.py"))
    done = subprocess.run([lupdate, *sources, "-no-obsolete", "-ts", str(copy)], capture_output=True, text=True)
    assert done.returncode == 0, f"pyside6-lupdate failed:\n{done.stdout}\n{done.stderr}"
    return copy


def test_every_ui_string_has_a_chinese_translation(refreshed_ts):
    messages = ts_messages(refreshed_ts)
    assert messages, "pyside6-lupdate found no tr() strings under desktop/"
    missing = [f"  [{m['context']}] {m['source']!r}" for m in messages
               if m["unfinished"] or not m["translation"].strip()]
    assert not missing, (f"{len(missing)} UI string(s) have no Chinese translation. Run `python -m desktop.i18n` "
                         f"and translate them in {TS_FILE.name}:\n" + "\n".join(missing))


def test_translations_keep_their_placeholders():
    wrong = []
    for m in ts_messages(TS_FILE):
        if not m["translation"]:
            continue
        expected, got = sorted(set(PLACEHOLDER.findall(m["source"]))), sorted(set(PLACEHOLDER.findall(m["translation"])))
        if expected != got:
            wrong.append(f"  [{m['context']}] {m['source']!r} has {expected}, translation {m['translation']!r} has {got}")
    assert not wrong, "Translations must keep the placeholders of their source:\n" + "\n".join(wrong)


def _runtime_mismatches(numerus: bool) -> list[str]:
    from PySide6.QtCore import QCoreApplication

    wrong = []
    for m in ts_messages(TS_FILE):
        if m["numerus"] != numerus or m["unfinished"] or not m["translation"]:
            continue
        n = 2 if numerus else -1
        shown = QCoreApplication.translate(m["context"], m["source"], None, n)
        expected = m["translation"].replace("%n", "2") if numerus else m["translation"]
        if shown != expected:
            wrong.append(f"  [{m['context']}] {m['source']!r} shows {shown!r}, expected {expected!r}")
    return wrong


def test_the_installed_translator_gives_each_translation(cordon_app):
    wrong = _runtime_mismatches(numerus=False)
    assert not wrong, "The running app does not show these translations:\n" + "\n".join(wrong)


def test_the_installed_translator_gives_each_plural_translation(cordon_app):
    wrong = _runtime_mismatches(numerus=True)
    assert not wrong, "The running app does not show these %n translations:\n" + "\n".join(wrong)


def test_qt_texts_and_untranslated_strings_are_not_blanked(cordon_app):
    """The translator answers None for what it lacks, so Qt's own Chinese and the English source show."""
    from PySide6.QtCore import QCoreApplication
    from PySide6.QtWidgets import QDialogButtonBox

    buttons = QDialogButtonBox.StandardButton
    box = QDialogButtonBox(buttons.Ok | buttons.Cancel)
    assert [box.button(buttons.Ok).text(), box.button(buttons.Cancel).text()] == ["确定", "取消"]
    assert QCoreApplication.translate("MainWindow", "Not in the .ts file") == "Not in the .ts file"


def test_the_main_window_speaks_chinese(cordon_app, qtbot, sample_project):
    from PySide6.QtWidgets import QToolBar

    from desktop.main_window import MainWindow

    win = MainWindow(sample_project)
    qtbot.addWidget(win)
    try:
        titles = [MNEMONIC.sub("", a.text()) for a in win.menuBar().actions()]
        assert titles[:4] == ["文件", "编辑", "视图", "地图"], titles
        assert all(CJK.search(t) for t in titles), titles

        toolbar = win.findChild(QToolBar, "zone_toolbar")
        draw = win.tools["polygon"]
        assert draw in toolbar.actions()
        assert MNEMONIC.sub("", draw.text()) == "绘制多边形"
        assert CJK.search(toolbar.widgetForAction(draw).text())

        docks = [win.layer_dock, win.attribute_dock, win.zone_panel, win.capacity_dock]
        assert [d.windowTitle() for d in docks] == ["图层", "属性表", "管控区域", "指挥看板"]

        english = []
        for menu_action in win.menuBar().actions():
            for action in menu_action.menu().actions():
                text = action.text()
                if text and not action.isSeparator() and not CJK.search(text) and text != "English" \
                        and action.parent() is not win.recent_menu:
                    english.append(text)
        assert not english, f"Menu entries still in English: {english}"
    finally:
        win.close()

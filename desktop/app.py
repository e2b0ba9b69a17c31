"""Starting the desktop app: scheme registration, Qt application, translations, the main window."""

from __future__ import annotations

import gc
import os
import sys

from gis.errors import UserError, ui_language


def prepare_environment() -> None:
    """Process-wide settings that must precede the QApplication (headless-safe WebEngine flags)."""
    if os.environ.get("QT_QPA_PLATFORM") == "offscreen" or os.geteuid() == 0:
        flags = os.environ.get("QTWEBENGINE_CHROMIUM_FLAGS", "")
        for flag in ("--no-sandbox", "--disable-gpu"):
            if flag not in flags:
                flags += " " + flag
        os.environ["QTWEBENGINE_CHROMIUM_FLAGS"] = flags.strip()
    from desktop.web_scheme import register_scheme

    register_scheme()


class MainThreadGarbageCollector:
    """Runs Python's cycle collector only on the UI thread.

    Worker threads build layer payloads; if the collector ran there it could destroy Qt objects
    belonging to the UI thread (a crash). Automatic collection is switched off and done on a timer here.
    """

    def __init__(self, app, interval_ms: int = 2000):
        from PySide6.QtCore import QTimer

        gc.disable()
        self.timer = QTimer(app)
        self.timer.timeout.connect(self._collect)
        self.timer.start(interval_ms)

    @staticmethod
    def _collect() -> None:
        """Collect as Python's own collector would: the youngest generation every time, an older one once the
        younger has been collected as often as its threshold says (so cycles that outlive one pass are freed too)."""
        _, young_passes, middle_passes = gc.get_count()
        _, middle_threshold, old_threshold = gc.get_threshold()
        gc.collect(2 if middle_passes >= old_threshold else 1 if young_passes >= middle_threshold else 0)


def keep_startup_objects() -> None:
    """Keep what the app holds for its whole run (the modules, classes and functions imported by now: some 200,000
    objects) out of every later cycle collection: a full pass then takes ~2 ms instead of ~100 ms on the UI thread,
    a pause a user saw as a stuck frame or a slower open. Call it once the window's modules are imported and before
    a project is opened (what is kept out is never collected: nothing of a project may be among it)."""
    gc.collect()
    gc.freeze()


def create_application(argv: list[str] | None = None):
    """The QApplication with Cordon's names, translations and garbage collection in place."""
    prepare_environment()
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from desktop.i18n import install_translator

    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv)
    app.setOrganizationName("Cordon")
    app.setApplicationName("Cordon")
    chosen = QSettings().value("language", "", str)
    if chosen in ("zh", "en") and "CORDON_LANG" not in os.environ:
        os.environ["CORDON_LANG"] = chosen  # the language picked in the View menu
    app.setApplicationDisplayName("Cordon 防控一张图" if ui_language() == "zh" else "Cordon")
    install_translator(app, ui_language())
    app._cordon_gc = MainThreadGarbageCollector(app)
    return app


def run(path: str | None = None) -> int:
    """Open the app on ``path`` (a .gpkg file or a ``postgresql://`` URL; else the sample county) and run until
    the window closes."""
    app = create_application()
    from PySide6.QtWidgets import QMessageBox

    from data.project import Project
    from data.sample_project import sample_project
    from desktop.main_window import MainWindow

    keep_startup_objects()
    try:
        project = Project.open(path) if path else sample_project()
    except UserError as error:
        QMessageBox.critical(None, "Cordon", error.message())
        return 2
    window = MainWindow(project)
    window.show_window()
    return app.exec()

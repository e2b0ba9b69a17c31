"""``main.py snapshot``: open the main window headless on a project, wait until every layer has drawn and
every dock has finished loading (the dashboard's tabs are read off the UI thread; the zone panel and the
attribute table are filled as the window is built), save the window as PNG: what a user sees. Used for
documentation, support and the window benchmark (bench/bench_window.py)."""

from __future__ import annotations

import os
from pathlib import Path

from data.atomic import atomic_output
from gis.errors import UserError

DRAW_TIMEOUT_MS = 60_000
DOCKS_TIMEOUT_MS = 120_000  # counted from the map drawn
SETTLE_TIMEOUT_MS = 10_000  # the first fit and resize refits end well within this


def take_snapshot(project_path: str, out: str, *, size: str = "1600x1000", basemap: str = "offline",
                  dashboard: bool = False) -> Path:
    """Render the main window on ``project_path`` to ``out`` (PNG), with the dashboard in front of the zone panel
    if ``dashboard``; raises UserError if the map fails."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    try:
        width, height = (int(v) for v in size.lower().split("x"))
    except ValueError:
        raise UserError(f"尺寸应写成 宽x高，如 1600x1000（现为 {size}）", f"Size must be WIDTHxHEIGHT, e.g. 1600x1000 (got {size})") from None
    from desktop.app import create_application, keep_startup_objects

    app = create_application([])
    from PySide6.QtCore import QEventLoop, QTimer

    from data.project import Project
    from desktop.main_window import MainWindow

    keep_startup_objects()
    window = MainWindow(Project.open(project_path))
    window.resize(width, height)
    result: dict = {}
    loop = QEventLoop()
    window.map.layersDrawn.connect(lambda info: (result.update(info), loop.quit()))
    QTimer.singleShot(DRAW_TIMEOUT_MS, loop.quit)
    window.show()
    if dashboard:
        window.capacity_dock.raise_()  # read once shown, as when a user raises it
    if basemap != "offline":
        window.map.ready.connect(lambda: window._on_basemap(basemap))
    loop.exec()
    if not result or result.get("failed"):
        window.close()
        detail = "; ".join(result.get("failed", [])) or "timeout"
        raise UserError(f"地图未能绘制完成：{detail}", f"The map did not finish drawing: {detail}")
    if not _docks_loaded(window, DOCKS_TIMEOUT_MS):
        window.close()
        seconds = DOCKS_TIMEOUT_MS // 1000
        raise UserError(f"看板未能在 {seconds} 秒内读完项目", f"The dashboard did not finish reading within {seconds} s")
    _wait(lambda: window.view_settled(), SETTLE_TIMEOUT_MS)  # the first fit and any refit done: the view is final
    QTimer.singleShot(600, loop.quit)  # let the last frame of that view reach the screen
    loop.exec()
    out_path = Path(out)
    with atomic_output(out_path) as tmp:
        if not window.grab().save(str(tmp), "PNG"):
            raise UserError(f"无法写入 {out_path}", f"Cannot write {out_path}")
    errors = window.map.map_page.console_errors
    window.close()
    app.processEvents()
    if errors:
        raise UserError(f"地图页面出错：{errors[0]}", f"The map page reported an error: {errors[0]}")
    return out_path


def _wait(done, timeout_ms: int) -> None:
    """Run the event loop until ``done()`` or ``timeout_ms`` have passed."""
    from PySide6.QtCore import QDeadlineTimer, QEventLoop, QThread

    deadline = QDeadlineTimer(timeout_ms)
    loop = QEventLoop()
    while not done() and not deadline.hasExpired():
        loop.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        QThread.msleep(20)


def _docks_loaded(window, timeout_ms: int) -> bool:
    """Wait (at most ``timeout_ms``) until the dashboard shows the project as it is; True if it does."""
    from PySide6.QtCore import QEventLoop, QTimer

    dock = window.capacity_dock
    if not dock.is_busy():
        return True
    loop = QEventLoop()
    dock.refreshed.connect(loop.quit)
    timer = QTimer()
    timer.setSingleShot(True)
    timer.timeout.connect(loop.quit)
    timer.start(timeout_ms)
    while dock.is_busy() and timer.isActive():
        loop.exec()
    dock.refreshed.disconnect(loop.quit)
    return not dock.is_busy()

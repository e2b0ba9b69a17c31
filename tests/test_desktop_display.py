"""The real window on an X display (Qt's xcb platform, as on a desktop), not only offscreen: the Debian
packages that .ci/run installs (and the README points to) are enough to start it, and it draws the map."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

from main import main

ROOT = Path(__file__).resolve().parent.parent


def test_the_window_starts_and_draws_on_an_x_display(tmp_path):
    assert shutil.which("xvfb-run"), "xvfb-run is missing: .ci/run installs xvfb and xauth"
    project = tmp_path / "叶县.gpkg"
    assert main(["new", str(project), "--county", "410422"]) == 0
    out = tmp_path / "window.png"
    env = {**os.environ, "QT_QPA_PLATFORM": "xcb"}
    env.pop("DISPLAY", None)
    done = subprocess.run(["xvfb-run", "-a", "-s", "-screen 0 1366x768x24", sys.executable, str(ROOT / "main.py"),
                           "snapshot", str(project), "--out", str(out), "--size", "1366x768"],
                          env=env, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Could not load the Qt platform plugin" not in done.stderr
    from PySide6.QtGui import QImage

    image = QImage(str(out))
    assert (image.width(), image.height()) == (1366, 768)
    colours = {image.pixel(x, y) for x in range(300, 1000, 7) for y in range(150, 600, 7)}
    assert len(colours) > 20  # a drawn map and docks, not a blank or black window

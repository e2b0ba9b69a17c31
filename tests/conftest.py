"""Test set-up: headless Qt, Chinese-language messages, a sample project built once per run, and a PostGIS
server (``CORDON_TEST_PG_URL``, else a throwaway cluster) for the tests that run on both stores."""

import datetime as dt
import os
import uuid

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QTWEBENGINE_CHROMIUM_FLAGS", "--no-sandbox --disable-gpu")
os.environ.setdefault("CORDON_LANG", "zh")

SAMPLE_AS_OF = dt.date(2026, 11, 20)


@pytest.fixture(scope="session")
def sample_master(tmp_path_factory):
    """The sample county project without zones (tests draw their own), built once; tests must copy it
    (``sample_project``) before writing."""
    from data.sample_project import create_sample_project

    return create_sample_project(tmp_path_factory.mktemp("sample") / "sample.gpkg", as_of=SAMPLE_AS_OF,
                                 with_zones=False)


@pytest.fixture
def sample_project(sample_master, tmp_path):
    """A private copy of the sample county project."""
    return sample_master.save_as(tmp_path / "county.gpkg")


@pytest.fixture(scope="session")
def pg_url():
    """A PostgreSQL database with PostGIS: ``CORDON_TEST_PG_URL`` if set, else a throwaway local cluster
    started for this run (and stopped after it). A server that cannot start fails the tests that need it."""
    if os.environ.get("CORDON_TEST_PG_URL"):
        yield os.environ["CORDON_TEST_PG_URL"]
        return
    from pg_cluster import throwaway_cluster

    with throwaway_cluster() as url:
        yield url


@pytest.fixture(params=["gpkg", "postgis"])
def store(request, tmp_path):
    """A fresh project target on each store: a .gpkg path in a temp folder, or a database URL naming a
    schema of its own (dropped after the test)."""
    if request.param == "gpkg":
        yield str(tmp_path / "county.gpkg")
        return
    yield request.getfixturevalue("pg_target")


@pytest.fixture
def pg_target(pg_url):
    """A database project target (URL) in a schema of its own, dropped after the test."""
    import psycopg

    schema = f"test_{uuid.uuid4().hex[:12]}"
    yield f"{pg_url}{'&' if '?' in pg_url else '?'}schema={schema}"
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def pytest_configure(config):
    """Register the cordon: scheme before any QApplication exists; keep Qt settings in a temp folder."""
    import tempfile

    from desktop.app import prepare_environment

    prepare_environment()
    from PySide6.QtCore import QSettings

    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, tempfile.mkdtemp(prefix="cordon-settings-"))


@pytest.fixture(scope="session")
def cordon_app():
    """The QApplication as Cordon sets it up (translations, names, garbage collection on the UI thread)."""
    from PySide6.QtCore import QCoreApplication, QEvent

    from desktop.app import create_application

    app = create_application([])
    yield app
    for widget in app.topLevelWidgets():  # let map pages go before their profiles do
        widget.close()
        widget.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    app.processEvents()


@pytest.fixture
def overlays(window, monkeypatch):
    """What a dock asked the module's ``window`` map to draw as overlays: (key, frame, options), oldest first."""
    calls = []
    draw = window.map.show_overlay

    def recording(key, frame, **options):
        calls.append((key, frame.copy(), options))
        draw(key, frame, **options)

    monkeypatch.setattr(window.map, "show_overlay", recording)
    return calls


@pytest.fixture
def cli(capsys):
    """Run ``main.py`` in-process as a user would: ``cli("zones", path, "list")`` gives (exit code, stdout, stderr);
    a traceback in either stream fails the test."""
    from main import main

    def run(*args):
        code = main([str(a) for a in args])
        out, err = capsys.readouterr()
        assert "Traceback" not in out + err
        return code, out, err

    return run


DRAW_TIMEOUT_MS = 30_000


@pytest.fixture
def main_window(cordon_app, qtbot):
    """Open a real main window on a project, sized and drawn: ``win = main_window(project)``. At the end every
    window opened so is let finish redrawing (closing while the page still fetches a layer races the page's
    request handler) and closed."""
    from desktop.main_window import MainWindow

    opened = []

    def open_window(project, size=(1600, 1000)):
        win = MainWindow(project)
        if size:
            win.resize(*size)
        with qtbot.waitSignal(win.map.layersDrawn, timeout=DRAW_TIMEOUT_MS):
            win.show()
        opened.append(win)
        return win

    yield open_window
    for win in opened:
        while True:
            with qtbot.waitSignal(win.map.layersDrawn, timeout=500, raising=False) as drawn:
                pass
            if not drawn.signal_triggered:
                break
        win.close()
        win.deleteLater()

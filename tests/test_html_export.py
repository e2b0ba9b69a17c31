"""The standalone HTML map: one file that opens offline in a browser engine and draws the project."""

import json
import re

from PySide6.QtCore import QUrl
from PySide6.QtWebEngineCore import QWebEnginePage, QWebEngineProfile, QWebEngineUrlRequestInterceptor
from PySide6.QtWebEngineWidgets import QWebEngineView

from data.exports import export
from data.zone_store import zone_record
from gis.zoning.shapes import circle_polygon


class Recorder(QWebEngineUrlRequestInterceptor):
    """Records every request a page makes (and blocks none: the exported page must need none)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.requests: list[str] = []

    def interceptRequest(self, info) -> None:  # noqa: N802 (Qt override)
        self.requests.append(info.requestUrl().toString())


def test_exported_html_map_draws_everything_offline(cordon_app, qtbot, sample_project, tmp_path):
    hostile = '<img src=x onerror="window.__pwned=1">'
    with sample_project.transaction() as edit:
        edit.insert("control_zones", zone_record(circle_polygon(112.6, 35.09, 800), tier="sealed", kind="circle",
                                                 radius_m=800, name=hostile))
    out = export(sample_project, "html", tmp_path / "济源市管控图.html")
    html = out.read_text(encoding="utf-8")
    assert not re.search(r"""<(?:script|link)[^>]*(?:src|href)\s*=\s*["']?(?:https?:)?//""", html)  # no CDN links

    profile = QWebEngineProfile()
    recorder = Recorder(profile)
    profile.setUrlRequestInterceptor(recorder)
    view = QWebEngineView()
    page = QWebEnginePage(profile, view)
    view.setPage(page)
    qtbot.addWidget(view)
    view.resize(1200, 800)
    with qtbot.waitSignal(page.loadFinished, timeout=30_000):
        view.load(QUrl.fromLocalFile(str(out)))

    def counts():
        box = []
        page.runJavaScript("JSON.stringify(window.cordon ? cordon.featureCounts() : null)", 0, box.append)
        qtbot.waitUntil(lambda: bool(box), timeout=5_000)
        return json.loads(box[0]) or {}

    qtbot.waitUntil(lambda: counts().get("cases") == sample_project.count("cases"), timeout=30_000)
    drawn = counts()
    for layer in ("admin_units", "grids", "isolation_sites", "facilities", "control_zones"):
        assert drawn[layer] == sample_project.count(layer), layer
    remote = [u for u in recorder.requests if u.startswith(("http:", "https:"))]
    assert remote == []
    box = []
    page.runJavaScript("String(window.__pwned)", 0, box.append)
    qtbot.waitUntil(lambda: bool(box), timeout=5_000)
    assert box[0] == "undefined"
    view.close()
    page.deleteLater()

"""The map: a QWebEngineView showing the folium-composed page, one bridge object over QWebChannel, and
a small Python API that calls the page's named JavaScript API (``window.cordon``).

Coordinates reported by the page are converted back to the storage CRS here (undoing GCJ-02 while the
AutoNavi basemap is shown), so the rest of the app only ever sees storage coordinates.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import threading
from collections.abc import Callable
from concurrent.futures import Future

import numpy as np
import shapely
from PySide6.QtCore import QEvent, QObject, QTimer, QUrl, Signal, Slot
from PySide6.QtGui import QDropEvent
from PySide6.QtWebChannel import QWebChannel
from PySide6.QtWebEngineCore import QWebEnginePage, QWebEngineProfile, QWebEngineSettings
from PySide6.QtWebEngineWidgets import QWebEngineView
from PySide6.QtWidgets import QApplication, QWidget

from data import zone_store
from data.basemaps import BASEMAPS, MBTiles, page_spec
from data.changes import DELETED, Changeset
from data.grid_shading import GridShading
from data.map_payload import BRIEF_FIELDS, MAP_LAYERS, feature_details, layer_payload, payload_fids
from data.payload_cache import cached_payload, keep_payloads_of
from data.project import Project
from data.web_map import build_page, page_config
from desktop.change_feed import follow
from desktop.web_scheme import PAGE_URL, SCHEME, MapSchemeHandler, RequestRecorder
from gis import offsets
from gis.crs import geometries_from_storage, parse_crs
from gis.errors import UserError

UNITS_LISTED = 8  # a zone popup names this many units, then counts the rest
PATCH_MAX = 500  # a changeset touching more features of a layer than this redraws the whole layer
PATCHED_LAYERS = ("cases", "key_persons", "isolation_sites", "facilities", "control_zones")
KEEP_AFTER_MS = 20_000
"""Edits patched into the page leave the project's kept payloads of their layers stale (the next open would build
them again): once no change came for this long, they are built again and kept, off the UI thread."""
"""Layers edited a feature at a time on a desk: a changeset's few features are patched into the page's copy.
Units and grids (thousands of polygons, replaced by imports) are fetched whole; a few cases edited send only the
grids whose infection count they changed (see :class:`data.grid_shading.GridShading`)."""


class MapBridge(QObject):
    """What the page reports. JavaScript calls ``report(signal, json)``; the named signal carries the parsed dict."""

    pageReady = Signal(dict)
    layersDrawn = Signal(dict)
    shapeDrawn = Signal(dict)
    shapeEdited = Signal(dict)
    zoneDeleteRequested = Signal(dict)
    zoneChosen = Signal(dict)
    zoneClicked = Signal(dict)
    toolMissed = Signal(dict)
    lassoDrawn = Signal(dict)
    featureClicked = Signal(dict)
    detailsWanted = Signal(dict)
    selectionChanged = Signal(dict)
    viewChanged = Signal(dict)
    cursorMoved = Signal(float, float, str)

    REPORTS = ("pageReady", "layersDrawn", "shapeDrawn", "shapeEdited", "zoneDeleteRequested", "zoneChosen",
               "zoneClicked", "toolMissed", "lassoDrawn", "featureClicked", "detailsWanted", "selectionChanged",
               "viewChanged")

    @Slot(str, str)
    def report(self, signal: str, text: str) -> None:
        """Called by the page: emit ``signal`` (one of REPORTS) with the JSON ``text`` parsed."""
        if signal in self.REPORTS:
            getattr(self, signal).emit(json.loads(text))

    @Slot(float, float, str)
    def moveCursor(self, lon: float, lat: float, datum: str) -> None:  # noqa: N802 (name seen by JavaScript)
        """Called by the page as the mouse moves (kept separate: it is frequent and needs no JSON)."""
        self.cursorMoved.emit(lon, lat, datum)


def page_to_storage(x, y, datum: str) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates on the page (lon/lat in its ``datum``) as storage lon/lat. The page draws storage coordinates as
    they are, or shifted to GCJ-02 (see :mod:`data.map_payload`): only that shift is undone, with no CRS
    transformation to set up (a first one costs a fraction of a second, at the close of a busy window)."""
    x, y = np.asarray(x, dtype="float64"), np.asarray(y, dtype="float64")
    return offsets.gcj02_to_wgs84(x, y) if datum == "gcj02" else (x, y)


def _parsed(callback: Callable) -> Callable:
    return lambda text: callback(json.loads(text) if text else None)


class MapPage(QWebEnginePage):
    """The map page: it cannot navigate away or open windows; console errors are kept for tests."""

    def __init__(self, profile: QWebEngineProfile, parent=None):
        super().__init__(profile, parent)
        self.console_errors: list[str] = []

    def acceptNavigationRequest(self, url: QUrl, nav_type, is_main_frame: bool) -> bool:  # noqa: N802 (Qt override)
        return url.toString() == PAGE_URL

    def createWindow(self, _type):  # noqa: N802 (Qt override)
        return None

    def javaScriptConsoleMessage(self, level, message: str, line: int, source: str) -> None:  # noqa: N802
        if level == QWebEnginePage.JavaScriptConsoleMessageLevel.ErrorMessageLevel:
            self.console_errors.append(f"{source}:{line}: {message}")


class MapWidget(QWebEngineView):
    """The map view with its bridge. Signals carry storage coordinates (shapely geometries)."""

    ready = Signal()
    layersDrawn = Signal(dict)  # {"counts": {layer: n}, "ms": float, "failed": [...]}
    circleDrawn = Signal(float, float, float)  # lon, lat, radius in metres
    polygonDrawn = Signal(object)  # shapely polygon
    lassoDrawn = Signal(str, object)  # layer selected from, shapely polygon
    zoneEdited = Signal(int, object)  # fid, shapely polygon
    zoneDeleteRequested = Signal(int)  # the delete tool hit this zone (nothing is deleted yet)
    zoneChosen = Signal(int)  # a zone tool (pick, edit, delete) hit this zone
    toolMissed = Signal(str)  # a zone tool hit no zone: "noZone", or "zonesHidden" when the zone layer is hidden
    featureClicked = Signal(str, int)
    selectionChanged = Signal(str, list)
    cursorMoved = Signal(float, float)
    viewChanged = Signal(dict)
    layersChanged = Signal(object)  # set of layer names changed in the project, here or at another desk
    fileDropped = Signal(str)  # a local file dropped onto the map
    _shadingRead = Signal(object, object, int)  # from a worker: project, GridShading or None, changesets heard before

    def __init__(self, parent=None):
        super().__init__(parent)
        self.project: Project | None = None
        self.datum = "wgs84"
        self.basemap_key = "offline"
        self._basemap = page_spec("offline")
        self.mbtiles: MBTiles | None = None
        self._ready = False
        self._page_lang = ""  # the language of the page loaded: another one loads the page again
        self._pending: list[tuple[str, Callable | None]] = []
        self._unsubscribe: Callable[[], None] | None = None
        self._payloads: dict[tuple[str, str], bytes] = {}
        self._payload_epoch = 0  # counts project switches and layer changes (see _payload)
        self._prefetched: dict[tuple[str, str], Future] = {}  # read while the page loads (see _prefetch)
        # Grid shading as the page shows it, kept up to date by the changesets (a read on a worker thread may miss
        # those heard meanwhile: they are kept in _unshaded and taken again when it arrives).
        self._shading: tuple[Project, GridShading] | None = None
        self._shading_heard = 0  # the changesets heard before the kept shading was read
        self._heard = 0  # changesets heard
        self._reads = 0  # shading reads under way (on worker threads)
        self._reads_lock = threading.Lock()
        self._unshaded: list[tuple[int, Changeset]] = []  # (heard, changeset) of cases, while reads are under way
        self._shadingRead.connect(self._on_shading_read)
        self._shade_when_drawn = False  # grids came from the project's kept payloads: read their shading once drawn
        self.popup_date: Callable[[], dt.date] = dt.date.today  # the day zone popups count to
        self._unkept: set[str] = set()  # layers patched since their payloads were last kept (see KEEP_AFTER_MS)
        self._keep_timer = QTimer(self, singleShot=True, interval=KEEP_AFTER_MS)
        self._keep_timer.timeout.connect(self._keep_patched)

        # Off the record (no disk cache, no cookies kept). The profile must outlive its page, so it hangs
        # off the application and goes once the page is gone.
        self.profile = QWebEngineProfile(QApplication.instance())
        self.scheme = MapSchemeHandler(self.profile)
        self.scheme.layer_source = self._payload
        self.profile.installUrlSchemeHandler(SCHEME, self.scheme)
        self.recorder = RequestRecorder(self.profile)
        self.profile.setUrlRequestInterceptor(self.recorder)
        self.map_page = MapPage(self.profile, self)
        self.map_page.destroyed.connect(self.profile.deleteLater)
        self.map_page.renderProcessTerminated.connect(self._on_page_gone)
        # The page is local content; online basemap tiles need this, and RequestRecorder decides what may go.
        self.map_page.settings().setAttribute(QWebEngineSettings.WebAttribute.LocalContentCanAccessRemoteUrls, True)
        self.setPage(self.map_page)

        self.bridge = MapBridge(self)
        self.channel = QWebChannel(self)
        self.channel.registerObject("bridge", self.bridge)
        self.map_page.setWebChannel(self.channel)
        self.bridge.pageReady.connect(self._on_page_ready)
        self.bridge.layersDrawn.connect(self.layersDrawn)
        self.layersDrawn.connect(self._after_drawn)
        self.bridge.shapeDrawn.connect(self._on_shape_drawn)
        self.bridge.shapeEdited.connect(self._on_shape_edited)
        self.bridge.zoneDeleteRequested.connect(lambda d: self.zoneDeleteRequested.emit(int(d["fid"])))
        self.bridge.zoneChosen.connect(lambda d: self.zoneChosen.emit(int(d["fid"])))
        self.bridge.zoneClicked.connect(lambda d: self._show_zone_popup(int(d["fid"])))
        self.bridge.detailsWanted.connect(lambda d: self._show_details(d["layer"], int(d["fid"])))
        self.bridge.toolMissed.connect(lambda d: self.toolMissed.emit(d["reason"]))
        self.bridge.lassoDrawn.connect(lambda d: self.lassoDrawn.emit(d["layer"] or "", self._to_storage(d)))
        self.bridge.featureClicked.connect(lambda d: self.featureClicked.emit(d["layer"], int(d["fid"])))
        self.bridge.selectionChanged.connect(lambda d: self.selectionChanged.emit(d["layer"] or "", list(d["fids"])))
        self.bridge.viewChanged.connect(self.viewChanged)
        self.bridge.cursorMoved.connect(self._on_cursor_moved)
        # The page's own widget takes drags (it would open a dropped file): files are caught before it.
        self.setAcceptDrops(True)
        for child in self.findChildren(QWidget):
            child.installEventFilter(self)

    # -- project ----------------------------------------------------------------------------------

    def set_project(self, project: Project) -> None:
        """Show ``project``: the page, once loaded, clears what the last project left and fetches every layer;
        else it is loaded (the first project, or the language changed)."""
        if self._unsubscribe:
            self._unsubscribe()
        self.project = project
        self._payloads.clear()
        self._payload_epoch += 1  # a payload of the previous project still being built is not kept
        self._shade_when_drawn = False
        self._unkept.clear()  # (the last project's: a new open of it builds them)
        self._keep_timer.stop()
        self._prefetch()
        self._unsubscribe = follow(project, self._on_changes)
        # The page keeps the basemap (and so the datum) the user chose before switching projects.
        config = page_config(project, basemap=self._basemap)
        self.scheme.page_html = build_page(config, inline_assets=False).encode("utf-8")  # what a reload shows
        shown = self._ready and config["lang"] == self._page_lang
        self._ready, self._page_lang = False, config["lang"]
        if shown:  # the page says pageReady again once the project is set, as a new page would
            self._run(f"window.cordon.openProject({json.dumps(config, ensure_ascii=False)})", None)
        else:
            self.load(QUrl(PAGE_URL))

    def refresh_layers(self, names, patches=()) -> None:
        """Re-fetch and redraw the given layers whole (after they changed) and apply ``patches`` (see :meth:`_patch`)."""
        changed = set(names) | {patch[0] for patch in patches}
        self._payload_epoch += 1  # a payload still being built read the layers before this change: not kept
        for key in [k for k in self._payloads if k[0] in changed]:
            del self._payloads[key]  # stale: the next whole fetch (a switch of datum) reads the layer again
        for key in [k for k in self._prefetched if k[0] in changed]:
            del self._prefetched[key]
        self.call("reloadLayers", list(names), list(patches))

    def _prefetch(self) -> None:
        """Read every layer's payload (in the page's datum) on a thread of its own while the page loads, so that the
        page's requests find them read: :meth:`_payload` waits for one being read, and reads itself one not begun."""
        project, futures = self.project, {(name, self.datum): Future() for name in MAP_LAYERS}
        self._prefetched = dict(futures)

        def read() -> None:
            for key, future in futures.items():
                if self.project is not project or not future.set_running_or_notify_cancel():
                    continue  # another project shown since, or a request came first and reads it
                try:
                    future.set_result(self._read_payload(*key))
                except Exception as exc:  # the request waiting for it fails as it would have
                    future.set_exception(exc)

        threading.Thread(target=read, name="cordon-map-prefetch", daemon=True).start()

    def _payload(self, name: str, datum: str) -> bytes:  # runs on a worker thread
        """A layer's payload: kept here for a switch of datum, else read while the page loaded (:meth:`_prefetch`),
        else read now (:meth:`_read_payload`)."""
        key = (name, datum)
        kept = self._payloads.get(key)
        if kept is not None:
            return kept
        prefetched = self._prefetched.pop(key, None)
        if prefetched is not None and not prefetched.cancel():  # read, or being read
            return prefetched.result()
        return self._read_payload(name, datum)

    def _read_payload(self, name: str, datum: str) -> bytes:  # runs on a worker thread
        """A layer's payload taken from the project while its data has not changed since it was built
        (:mod:`data.payload_cache`), else built now and kept there too; kept here for a switch of datum."""
        key = (name, datum)
        epoch = self._payload_epoch
        build = (lambda: self._grids_payload(datum)) if name == "grids" else None
        payload, built = cached_payload(self.project, name, datum, build)
        if name == "grids" and not built:  # the shading that case edits keep up to date: read once drawn
            self._shade_when_drawn = True
        if epoch == self._payload_epoch:  # nothing changed while it was built
            self._payloads[key] = payload
        return payload

    def background_reads(self) -> int:
        """How many reads the widget still runs off the UI thread for the project it shows (grid shading)."""
        with self._reads_lock:
            return self._reads

    def _after_drawn(self, _report: dict) -> None:
        """Once the page has drawn grids taken from the project's cache, read their shading (as
        :meth:`_grids_payload` does) on a thread of its own, not competing with the drawing. Until then a case
        edit fetches the grids whole."""
        if not self._shade_when_drawn:
            return
        self._shade_when_drawn = False
        if self._shading is None or self._shading[0] is not self.project:  # not kept already (a switch of datum)
            threading.Thread(target=self._read_shading, name="cordon-grid-shading", daemon=True).start()

    def _on_changes(self, changeset: Changeset) -> None:
        """Redraw what a changeset (:class:`data.changes.Changeset`) touched: its few features of a
        :data:`PATCHED_LAYERS` layer are sent alone and patched in, and so are the grids whose infection count
        its cases changed; other layers are fetched whole. The page reports ``layersDrawn`` once, with the
        patched layers named in ``patched``."""
        layers = changeset.layers
        self.layersChanged.emit(set(layers))
        self._heard += 1
        shown = [name for name in layers if name in MAP_LAYERS]
        patches = [patch for name in shown if (patch := self._patch(name, changeset)) is not None]
        if "grids" in shown:
            self._forget_shading()  # read again with the grids
        elif "cases" in shown:
            shading = self._shading_patch(changeset)
            if shading is None:
                shown.append("grids")
            elif shading:
                patches.append(shading)
        patched = {patch[0] for patch in patches}
        whole = [name for name in shown if name not in patched]
        if whole or patches:
            self.refresh_layers(whole, patches)
        self._unkept |= patched
        if self._unkept:
            self._keep_timer.start()  # (again: edits go on)

    def _keep_patched(self) -> None:
        """Build again and keep in the project, on a thread of its own, the payloads of the layers edits were patched
        into (see :data:`KEEP_AFTER_MS`), so that the next open draws them from there."""
        project, datum, layers = self.project, self.datum, set(self._unkept)
        self._unkept.clear()
        threading.Thread(target=keep_payloads_of, args=(project, layers, datum), name="cordon-keep-payloads",
                         daemon=True).start()

    def _shading_patch(self, changeset: Changeset) -> list | None:
        """The patch of the grids whose infection count the changeset's cases changed (see :meth:`_patch`):
        ``[]`` when they changed none, None when the grids are to be fetched whole (a bulk change, or no
        shading kept yet)."""
        changes = changeset.of("cases")
        if any(change.bulk for change in changes) or len(changes) > PATCH_MAX:
            self._forget_shading()
            return None
        with self._reads_lock:
            if self._reads:
                self._unshaded.append((self._heard, changeset))
        if self._shading is None or self._shading[0] is not self.project:
            return None
        counts = self._shading[1].apply(changes)
        if not counts:
            return []
        states = self.project.states("grids", counts)
        for fid, state in states.items():
            state["infections"] = counts[fid]
        payload = layer_payload(self.project, "grids", self.datum, states=states)
        return ["grids", base64.b64encode(payload).decode("ascii"), []]

    def _grids_payload(self, datum: str) -> bytes:  # runs on a worker thread
        """The grids whole, shaded by a :class:`GridShading` read now (:meth:`_read_shading`) from the same read of
        the grids that draws and names them."""
        grids = self.project.read_outlines("grids", ["code", *BRIEF_FIELDS["grids"]])
        shading = self._read_shading(grids[:3])
        return layer_payload(self.project, "grids", datum, infections=shading.counts, read=grids)

    def _read_shading(self, grids=None) -> GridShading:  # runs on a worker thread
        """Read the grid shading (of ``grids`` as read already, if given: see :meth:`GridShading.read`), which the
        widget then keeps up to date (:meth:`_on_shading_read`)."""
        with self._reads_lock:
            self._reads += 1
            project, heard = self.project, self._heard
        shading = None
        try:
            shading = GridShading.read(project, grids)
            return shading
        finally:
            self._shadingRead.emit(project, shading, heard)

    def _on_shading_read(self, project: Project, shading: GridShading | None, heard: int) -> None:
        """Keep a shading read on a worker thread, once it has taken the changesets it may have missed."""
        with self._reads_lock:
            self._reads -= 1
            reading = self._reads > 0
        if shading is not None and project is self.project and heard >= self._shading_heard:
            self._unshaded = [(at, changeset) for at, changeset in self._unshaded if at > heard]
            for _at, changeset in self._unshaded:
                shading.apply(changeset.of("cases"))
            self._shading, self._shading_heard = (project, shading), heard
        # else: failed, another project's, or older than the one kept
        if not reading:
            self._unshaded = []

    def _forget_shading(self) -> None:
        """The grids or many cases changed: the shading is read again with the grids fetched whole."""
        self._shading, self._shading_heard = None, self._heard

    def _patch(self, name: str, changeset) -> list | None:
        """``[name, payload (base64, or None if nothing is left to draw), removed fids]`` for the features of
        ``name`` the changeset changed one by one, encoded from the states it carries (nothing is read again);
        None when the layer is to be fetched whole."""
        changes = changeset.of(name)
        if name not in PATCHED_LAYERS or not changes or any(change.bulk for change in changes):
            return None
        last = {change.fid: None if change.kind == DELETED else change.after for change in changes}
        if len(last) > PATCH_MAX:
            return None
        states = {fid: state for fid, state in last.items() if state is not None}  # None: deleted, or gone since
        payload = layer_payload(self.project, name, self.datum, states=states) if states else None
        drawn = set(payload_fids(payload)) if payload else set()
        removed = [fid for fid in last if fid not in drawn]  # deleted, or no longer drawn (a lifted zone)
        return [name, base64.b64encode(payload).decode("ascii") if payload else None, removed]

    # -- calling the page -------------------------------------------------------------------------

    def call(self, function: str, *args, callback: Callable | None = None) -> None:
        """Call ``window.cordon.<function>(*args)`` with JSON arguments, once the page is ready; ``callback``
        gets the result (it crosses as JSON: PySide does not convert JavaScript arrays and objects)."""
        script = f"window.cordon.{function}({', '.join(json.dumps(a, ensure_ascii=False) for a in args)})"
        if callback is not None:
            script = f"JSON.stringify({script} ?? null)"
            callback = _parsed(callback)
        if self._ready:
            self._run(script, callback)
        else:
            self._pending.append((script, callback))

    def _run(self, script: str, callback: Callable | None) -> None:
        if callback is None:
            self.page().runJavaScript(script, 0)
        else:
            self.page().runJavaScript(script, 0, callback)

    def _on_page_ready(self, _info: dict) -> None:
        self._ready = True
        pending, self._pending = self._pending, []
        for script, callback in pending:
            self._run(script, callback)
        self.ready.emit()

    def _on_page_gone(self, *_why) -> None:
        """The page's process ended (it crashed or was killed): the next project loads the page again."""
        self._ready = False

    @property
    def is_ready(self) -> bool:
        return self._ready

    # -- display settings ---------------------------------------------------------------------------

    def set_layer_visible(self, name: str, visible: bool) -> None:
        self.call("setLayerVisible", name, visible)

    def set_layer_opacity(self, name: str, opacity: float) -> None:
        self.call("setLayerOpacity", name, opacity)

    def set_layer_order(self, names_bottom_up: list[str]) -> None:
        self.call("setLayerOrder", names_bottom_up)

    def set_labels(self, visible: bool) -> None:
        self.call("setLabels", visible)

    def set_tiers(self, tiers: list[dict]) -> None:
        self.call("setTiers", tiers)

    def set_basemap(self, key: str, *, tianditu_keys: list[str] | None = None, mbtiles: str | None = None) -> None:
        """Switch the basemap; overlays move to GCJ-02 while an AutoNavi basemap is shown."""
        self.mbtiles = MBTiles(mbtiles) if mbtiles else (self.mbtiles if key == "mbtiles" else None)
        spec = page_spec(key, tianditu_keys=tianditu_keys, mbtiles=self.mbtiles)
        self.basemap_key, self._basemap = key, spec
        self.scheme.tile_source = self.mbtiles.tile if self.mbtiles else None
        self.recorder.allowed_hosts = set(BASEMAPS[key].hosts) if key in BASEMAPS else set()
        self.call("setBasemap", spec)
        if spec["datum"] != self.datum:
            self.datum = spec["datum"]
            self.call("setDatum", self.datum)

    # -- drawing and selection ----------------------------------------------------------------------

    def start_drawing(self, shape: str) -> None:
        """Draw a "Polygon", "Rectangle" or "Circle" (or a "Lasso" to select units)."""
        self.call("startDraw", shape)

    def stop_drawing(self) -> None:
        self.call("stopDraw")

    def set_edit_mode(self, on: bool, fid: int | None = None) -> None:
        """Edit the vertices of zone ``fid`` (or of the zone clicked next); one zone at a time."""
        self.call("setEditMode", on, fid)

    def set_zone_tool(self, tool: str | None) -> None:
        """Clicks hit zones first, whatever is drawn above them: "zone" picks a zone, "delete" asks to delete it."""
        self.call("setZoneTool", tool)

    def _show_zone_popup(self, fid: int) -> None:
        """Fill the zone popup the page opened with the zone's details (name, tier, countdown, people, units)."""
        try:
            zone = zone_store.zone_details(self.project, fid, self.popup_date())
        except UserError:
            return  # deleted or lifted meanwhile: the page's own popup stays
        self.call("showZonePopup", fid, zone["title"], self.zone_popup_rows(zone))

    def _show_details(self, name: str, fid: int) -> None:
        """Fill the popup of a unit or grid the page opened with the feature's every field (the page holds only
        what it draws with: see :data:`data.map_payload.BRIEF_FIELDS`)."""
        details = feature_details(self.project, name, fid)
        if details:  # else deleted meanwhile: the page's own popup stays
            self.call("showFeatureDetails", name, fid, details)

    def zone_popup_rows(self, zone: dict) -> list[list]:
        """The rows of a zone's popup, [label, value], from :func:`data.zone_store.zone_details`."""
        days = zone["days_since_last_case"]
        step_down = zone["projected_downgrade"]
        if step_down is not None and zone["next_tier_label"]:
            step_down = f"{step_down} → {zone['next_tier_label']}"
        units = zone["units"]
        listed = "、".join(units[:UNITS_LISTED]) + (self.tr(" and %n more", "", len(units) - UNITS_LISTED)
                                                    if len(units) > UNITS_LISTED else "")
        rows = [
            [self.tr("Tier"), zone["tier_label"]],
            [self.tr("Radius"), self.tr("%1 m").replace("%1", f"{zone['radius_m']:,.0f}") if zone["radius_m"] else None],
            [self.tr("Since"), str(zone["started_at"] or "")[:10]],
            [self.tr("Days without a new case"), days],
            [self.tr("Step-down date"), step_down],
            [self.tr("Lifted"), str(zone["lifted_at"])[:10] if zone["lifted_at"] else None],
            [self.tr("Population"), f"{zone['population']:,}"],
            [self.tr("Households"), f"{zone['households']:,}" if zone["households"] else None],
            [self.tr("Units (%n)", "", len(units)), listed or None],
        ]
        return [[label, value if value is None else str(value)] for label, value in rows]

    def set_select_mode(self, layer: str | None) -> None:
        self.call("setSelectMode", layer)

    def set_selection(self, layer: str, fids: list[int]) -> None:
        self.call("setSelection", layer, [int(f) for f in fids])

    def show_overlay(self, key: str, frame, *, label_column: str | None = None, fit: bool = False,
                     fill_opacity: float = 0.25) -> None:
        """Draw ``frame`` (storage CRS; a ``tier`` or ``colour`` column styles it) as a temporary layer."""
        target = parse_crs(self.datum)
        features = []
        for _, row in frame.iterrows():
            geometry = geometries_from_storage([row.geometry], target)[0]
            properties = {k: row[k] for k in ("tier", "colour") if k in frame.columns and isinstance(row[k], str)}
            if label_column:
                properties["label"] = str(row[label_column])
            features.append({"type": "Feature", "geometry": shapely.geometry.mapping(geometry), "properties": properties})
        self.call("setOverlay", key, {"type": "FeatureCollection", "features": features},
                  {"fit": fit, "fillOpacity": fill_opacity})

    def clear_overlay(self, key: str) -> None:
        self.call("clearOverlay", key)

    def fit_bounds(self, bounds, padding: int = 0) -> None:
        """Show ``bounds`` (minx, miny, maxx, maxy), with ``padding`` pixels to spare at each edge."""
        self.call("fitBounds", [float(b) for b in bounds], int(padding))

    def _to_storage(self, message: dict):
        geometry, datum = shapely.geometry.shape(message["geometry"]), message.get("datum", "wgs84")
        return shapely.transform(geometry, lambda xy: np.column_stack(page_to_storage(xy[:, 0], xy[:, 1], datum)))

    def _on_shape_drawn(self, message: dict) -> None:
        if message["shape"] == "circle":
            lon, lat = page_to_storage([message["center"][0]], [message["center"][1]], message["datum"])
            self.circleDrawn.emit(float(lon[0]), float(lat[0]), float(message["radius_m"]))
        else:
            self.polygonDrawn.emit(self._to_storage(message))

    def _on_shape_edited(self, message: dict) -> None:
        self.zoneEdited.emit(int(message["fid"]), self._to_storage(message))

    def _on_cursor_moved(self, lon: float, lat: float, datum: str) -> None:
        x, y = page_to_storage([lon], [lat], datum)
        self.cursorMoved.emit(float(x[0]), float(y[0]))

    # -- dropping files ------------------------------------------------------------------------------

    def childEvent(self, event) -> None:  # noqa: N802 (Qt override)
        if event.type() == QEvent.Type.ChildAdded and isinstance(event.child(), QWidget):
            event.child().installEventFilter(self)
        super().childEvent(event)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt override)
        if event.type() in (QEvent.Type.DragEnter, QEvent.Type.DragMove, QEvent.Type.Drop):
            return self._take_file_drop(event)
        return super().eventFilter(watched, event)

    def dragEnterEvent(self, event) -> None:  # noqa: N802 (Qt override)
        if not self._take_file_drop(event):
            super().dragEnterEvent(event)

    def dragMoveEvent(self, event) -> None:  # noqa: N802 (Qt override)
        if not self._take_file_drop(event):
            super().dragMoveEvent(event)

    def dropEvent(self, event) -> None:  # noqa: N802 (Qt override)
        if not self._take_file_drop(event):
            super().dropEvent(event)

    def _take_file_drop(self, event) -> bool:
        """Accept a drag carrying a local file; on the drop, emit ``fileDropped``. False for anything else."""
        files = [url.toLocalFile() for url in event.mimeData().urls() if url.isLocalFile()] if event.mimeData() else []
        if not files:
            return False
        event.acceptProposedAction()
        if isinstance(event, QDropEvent) and event.type() == QEvent.Type.Drop:
            self.fileDropped.emit(files[0])
        return True

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        if self._unsubscribe:
            self._unsubscribe()
            self._unsubscribe = None
        super().closeEvent(event)

"""The main window: the map in the centre, docks around it, menus, the zone toolbar and the status bar.

Every edit goes through the undo stack into the project file at once (each step audited)."""

from __future__ import annotations

import pyproj
import shapely
from PySide6.QtCore import QSettings, Qt, Signal, Slot
from PySide6.QtGui import QAction, QActionGroup, QKeySequence, QUndoStack
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QToolBar,
)

from data.basemaps import BASEMAPS
from data.importers.layer_guess import guess_layer
from data.project import Project, now_iso
from data.schema import SPATIAL_LAYERS
from data.web_map import project_extent, tier_styles, view_bounds
from data.zone_store import zone_record
from desktop.attribute_dock import AttributeDock
from desktop.capacity_dock import CapacityDock
from desktop.layer_dock import LayerDock
from desktop.map_widget import MapWidget
from desktop.start_checklist import STEPS, StartChecklist
from desktop.undo import AddFeatureCommand, DeleteFeatureCommand, UpdateFeatureCommand
from desktop.zone_panel import ZonePanel
from gis.crs import metric_crs_for, parse_crs, to_storage_xy
from gis.errors import UserError, ui_language
from gis.glossary import UnitLevel, ZoneKind
from gis.zoning.shapes import circle_polygon, unit_outline

MAX_RECENT = 8
FIT_PADDING_PX = 40  # room around imported features, so markers at the edge show whole
SELECTABLE_LEVELS = (UnitLevel.VILLAGE.value, UnitLevel.COMMUNITY.value)


class MainWindow(QMainWindow):
    """Cordon's main window over one open project."""

    projectWaiting = Signal(float)  # seconds waited for another user or program to release the project

    def __init__(self, project: Project):
        super().__init__()
        self.project = project
        self.lang = ui_language()
        self.settings = QSettings()
        self.undo_stack = QUndoStack(self)
        self.map = MapWidget(self)
        self.setCentralWidget(self.map)
        self.checklist = StartChecklist(self.map)
        self.import_wizard = None  # the import wizard while it is open
        self.layer_dock = LayerDock(self.map, self)
        self.attribute_dock = AttributeDock(project, self.undo_stack, self)
        self.capacity_dock = CapacityDock(project, self.map, self.undo_stack, self)
        self.zone_panel = ZonePanel(project, self.map, self.undo_stack, self)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.layer_dock)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.attribute_dock)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.zone_panel)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.capacity_dock)
        self.tabifyDockWidget(self.zone_panel, self.capacity_dock)
        self.zone_panel.raise_()
        self.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
        self.resizeDocks([self.zone_panel], [620], Qt.Orientation.Horizontal)
        self.resizeDocks([self.attribute_dock], [190], Qt.Orientation.Vertical)
        self.selection: tuple[str, list[int]] = ("", [])
        self._metric = None
        self._build_actions()
        self._build_menus()
        self._build_toolbar()
        self._build_status_bar()
        self.projectWaiting.connect(self._on_project_waiting)
        self._connect_map()
        self.resize(1400, 900)
        self.open_project(project)

    # -- building the window ------------------------------------------------------------------------

    def _action(self, text: str, slot, shortcut=None, checkable: bool = False) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.setCheckable(checkable)
        action.triggered.connect(slot)
        return action

    def _build_actions(self) -> None:
        self.new_action = self._action(self.tr("&New Project…"), self._on_new, QKeySequence.StandardKey.New)
        self.open_action = self._action(self.tr("&Open Project…"), self._on_open, QKeySequence.StandardKey.Open)
        self.save_as_action = self._action(self.tr("Save &As…"), self._on_save_as, QKeySequence.StandardKey.SaveAs)
        self.import_action = self._action(self.tr("&Import Data…"), self._on_import, "Ctrl+I")
        self.print_action = self._action(self.tr("&Print Map…"), self._on_print, QKeySequence.StandardKey.Print)
        self.export_action = self._action(self.tr("&Export Data…"), self._on_export, "Ctrl+E")
        self.quit_action = self._action(self.tr("&Quit"), self.close, QKeySequence.StandardKey.Quit)
        self.undo_action = self.undo_stack.createUndoAction(self, self.tr("&Undo"))
        self.undo_action.setShortcut(QKeySequence.StandardKey.Undo)
        self.redo_action = self.undo_stack.createRedoAction(self, self.tr("&Redo"))
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Y"), QKeySequence.StandardKey.Redo])
        self.zoom_county_action = self._action(self.tr("Zoom to &County"), self._on_zoom_county, "Ctrl+0")

        self.tool_group = QActionGroup(self)
        self.tool_group.setExclusionPolicy(QActionGroup.ExclusionPolicy.ExclusiveOptional)
        tools = [
            ("polygon", self.tr("Draw &Polygon"), "P"), ("rectangle", self.tr("Draw &Rectangle"), "R"),
            ("circle", self.tr("Draw &Circle"), "C"), ("fixed_circle", self.tr("Circle with Typed &Radius"), "Shift+C"),
            ("edit", self.tr("&Edit Vertices"), "E"), ("delete", self.tr("&Delete Zone"), "D"),
            ("select_units", self.tr("Select &Villages/Communities"), "S"), ("select_grids", self.tr("Select &Grids"), "G"),
            ("lasso", self.tr("&Lasso Select"), "L"),
        ]
        self.tools: dict[str, QAction] = {}
        for key, text, shortcut in tools:
            action = self._action(text, lambda checked, k=key: self._on_tool(k, checked), shortcut, checkable=True)
            self.tool_group.addAction(action)
            self.tools[key] = action
        self.assign_action = self._action(self.tr("&Assign Tier to Selection"), self._on_assign_tier, "Ctrl+T")

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu(self.tr("&File"))
        file_menu.addActions([self.new_action, self.open_action, self.save_as_action])
        self.recent_menu = file_menu.addMenu(self.tr("Open &Recent"))
        file_menu.addSeparator()
        file_menu.addAction(self.import_action)
        file_menu.addActions([self.print_action, self.export_action])
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)

        edit_menu = bar.addMenu(self.tr("&Edit"))
        edit_menu.addActions([self.undo_action, self.redo_action])

        view_menu = bar.addMenu(self.tr("&View"))
        view_menu.addAction(self.zoom_county_action)
        view_menu.addSeparator()
        view_menu.addActions([self.layer_dock.toggleViewAction(), self.attribute_dock.toggleViewAction(),
                              self.zone_panel.toggleViewAction(), self.capacity_dock.toggleViewAction()])
        language_menu = view_menu.addMenu(self.tr("&Language"))
        for code, name in (("zh", "简体中文"), ("en", "English")):
            action = language_menu.addAction(name)
            action.setCheckable(True)
            action.setChecked(code == self.lang)
            action.triggered.connect(lambda _c=False, c=code: self._on_language(c))

        map_menu = bar.addMenu(self.tr("&Map"))
        basemap_menu = map_menu.addMenu(self.tr("&Basemap"))
        self.basemap_group = QActionGroup(self)
        for key, basemap in BASEMAPS.items():
            action = basemap_menu.addAction(basemap.zh if self.lang == "zh" else basemap.en)
            action.setCheckable(True)
            action.setChecked(key == "offline")
            action.setData(key)
            self.basemap_group.addAction(action)
            action.triggered.connect(lambda _c=False, k=key: self._on_basemap(k))
        mbtiles = basemap_menu.addAction(self.tr("Local MBTiles File…"))
        mbtiles.setCheckable(True)
        self.basemap_group.addAction(mbtiles)
        mbtiles.triggered.connect(self._on_mbtiles)
        map_menu.addAction(self._action(self.tr("Tianditu &Keys…"), self._on_tianditu_keys))

        zone_menu = bar.addMenu(self.tr("&Zones"))
        zone_menu.addActions(list(self.tools.values()))
        zone_menu.addSeparator()
        zone_menu.addAction(self.assign_action)

        help_menu = bar.addMenu(self.tr("&Help"))
        help_menu.addAction(self._action(self.tr("&About Cordon"), self._on_about))

    def _build_toolbar(self) -> None:
        bar = QToolBar(self.tr("Zones"), self)
        bar.setObjectName("zone_toolbar")
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.addToolBar(bar)
        bar.addWidget(QLabel(self.tr("Tier:") + " "))
        self.tier_combo = QComboBox(self)
        bar.addWidget(self.tier_combo)
        bar.addSeparator()
        for key in ("polygon", "rectangle", "circle", "fixed_circle"):
            bar.addAction(self.tools[key])
        self.radius_spin = QDoubleSpinBox(self)
        self.radius_spin.setRange(10, 50_000)
        self.radius_spin.setDecimals(0)
        self.radius_spin.setSingleStep(100)
        self.radius_spin.setValue(500)
        self.radius_spin.setSuffix(self.tr(" m"))
        self.radius_spin.setToolTip(self.tr("Radius of a circle placed with one click"))
        bar.addWidget(self.radius_spin)
        bar.addSeparator()
        for key in ("edit", "delete", "select_units", "select_grids", "lasso"):
            bar.addAction(self.tools[key])
        bar.addAction(self.assign_action)
        bar.addSeparator()
        bar.addActions([self.undo_action, self.redo_action])

    def _build_status_bar(self) -> None:
        status = self.statusBar()
        self.sample_label = QLabel(self.tr("Sample data"))
        self.sample_label.setStyleSheet("color: white; background: #b22222; padding: 1px 8px; font-weight: bold;")
        self.cursor_label = QLabel()
        self.scale_label = QLabel()
        status.addPermanentWidget(self.sample_label)
        status.addPermanentWidget(self.cursor_label)
        status.addPermanentWidget(self.scale_label)

    def _connect_map(self) -> None:
        self.map.circleDrawn.connect(self._on_circle_drawn)
        self.map.polygonDrawn.connect(self._on_polygon_drawn)
        self.map.zoneEdited.connect(self._on_zone_edited)
        self.map.zoneRemoved.connect(self._on_zone_removed)
        self.map.lassoDrawn.connect(self._on_lasso)
        self.map.selectionChanged.connect(self._on_selection_changed)
        self.map.featureClicked.connect(self.attribute_dock.show_feature)
        self.attribute_dock.featuresSelected.connect(self.zone_panel.set_case_selection)
        self.zone_panel.schemeChanged.connect(self._load_tiers)
        self.map.cursorMoved.connect(self._on_cursor_moved)
        self.map.viewChanged.connect(self._on_view_changed)
        self.map.fileDropped.connect(self._on_file_dropped)
        self.map.layersChanged.connect(self._on_layers_changed)
        self.checklist.importRequested.connect(lambda layer: self.open_import_wizard(layer=layer))

    # -- project --------------------------------------------------------------------------------------

    def open_project(self, project: Project) -> None:
        """Show ``project`` in this window."""
        self.project = project
        project.on_wait = self.projectWaiting.emit  # from any thread; shown on the UI thread
        self.undo_stack.clear()
        for dock in (self.attribute_dock, self.capacity_dock, self.zone_panel):
            if dock.project is not project:  # built on this project already: no second read at start-up
                dock.set_project(project)
        meta = project.metadata
        self.setWindowTitle(f"{meta.get('name', project.path.stem)} — Cordon")
        self.sample_label.setVisible(bool(meta.get("is_sample")))
        self._load_tiers()
        west, _, east, _ = view_bounds(project)
        self._metric = pyproj.Transformer.from_crs(4490, metric_crs_for((west + east) / 2), always_xy=True)
        self.map.set_project(project)
        if project_extent(project) is None:
            self.checklist.offer(self._layers_with_features())
        else:
            self.checklist.hide()
        self.map.layersDrawn.connect(self._on_first_draw, Qt.ConnectionType.SingleShotConnection)
        self._remember_recent(str(project.path))

    @Slot(float)
    def _on_project_waiting(self, seconds: float) -> None:
        message = self.tr("The project is in use by another user or program; waiting… (%1 s)")
        self.statusBar().showMessage(message.replace("%1", str(round(seconds))), 3000)
        self.statusBar().repaint()  # also while the UI thread itself is the one waiting

    def _load_tiers(self) -> None:
        """Fill the tier choice from the project's tier scheme (again after it changes)."""
        current = self.tier_combo.currentData()
        self.tiers = tier_styles(self.project, self.lang)
        self.tier_combo.clear()
        for tier in self.tiers:
            self.tier_combo.addItem(tier["label"], tier["key"])
        self.tier_combo.setCurrentIndex(max(0, self.tier_combo.findData(current)))

    def _on_first_draw(self, _info: dict) -> None:
        self.layer_dock.restore(self.layer_dock.state())

    def _remember_recent(self, path: str) -> None:
        recent = [p for p in self.settings.value("recent", [], list) if p != path]
        recent.insert(0, path)
        self.settings.setValue("recent", recent[:MAX_RECENT])
        self.recent_menu.clear()
        for item in recent[:MAX_RECENT]:
            self.recent_menu.addAction(item, lambda p=item: self._open_path(p))

    def _open_path(self, path: str) -> None:
        try:
            self.open_project(Project.open(path))
        except UserError as error:
            self._error(error)

    @Slot()
    def _on_new(self) -> None:
        from desktop.new_project_dialog import NewProjectDialog

        dialog = NewProjectDialog(self)
        if dialog.exec() == NewProjectDialog.DialogCode.Accepted:
            self.open_project(dialog.project)

    @Slot()
    def _on_open(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Open Project"), "", self.tr("GeoPackage (*.gpkg)"))
        if path:
            self._open_path(path)

    @Slot()
    def _on_save_as(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Save Project As"), "", self.tr("GeoPackage (*.gpkg)"))
        if path:
            try:
                self.open_project(self.project.save_as(path))
            except (UserError, OSError) as error:
                self._error(error)

    @Slot()
    def _on_import(self) -> None:
        self.open_import_wizard()

    def open_import_wizard(self, path: str | None = None, layer: str | None = None) -> None:
        """Open the import wizard (on ``path`` into ``layer`` when given); the map then fits what it imported."""
        from desktop.import_wizard import ImportWizard

        before = {name: self.project.last_fid(name) for name in SPATIAL_LAYERS}
        wizard = ImportWizard(self.project, self, path=path, layer=layer)
        wizard.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        wizard.finished.connect(lambda _result: self._after_import(wizard, before))
        self.import_wizard = wizard
        wizard.open()

    def _after_import(self, wizard, before: dict[str, int]) -> None:
        self.import_wizard = None
        report = wizard.report
        if report is not None and report.imported:
            self.fit_imported(report.layer, before.get(report.layer, 0))

    def fit_imported(self, layer: str, after_fid: int) -> None:
        """Fit the view to the features of ``layer`` added after ``after_fid`` (what an import brought)."""
        bounds = self.project.extent(layer, after_fid=after_fid)
        if bounds is not None:
            self.map.fit_bounds(bounds, padding=FIT_PADDING_PX)

    @Slot(str)
    def _on_file_dropped(self, path: str) -> None:
        from data.importers.tables import read_header

        columns = None
        if path.lower().endswith((".csv", ".xlsx")):
            try:
                columns = read_header(path)
            except (UserError, OSError, ValueError):
                columns = None  # the wizard will say what is wrong with the file
        self.open_import_wizard(path, guess_layer(path, columns))

    def _layers_with_features(self) -> set[str]:
        return {name for name in STEPS if self.project.count(name)}

    def _on_layers_changed(self, layers: set) -> None:
        if self.checklist.isVisible() and layers & set(STEPS):
            self.checklist.mark_done(self._layers_with_features())

    @Slot()
    def _on_print(self) -> None:
        self.map.call("view", callback=self._open_print_dialog)

    def _open_print_dialog(self, view: dict | None) -> None:
        from desktop.print_dialog import PrintDialog

        bounds = None
        if view:
            west, south, east, north = view["bounds"]
            xs, ys = to_storage_xy([west, east], [south, north], parse_crs(self.map.datum))
            bounds = (float(xs[0]), float(ys[0]), float(xs[1]), float(ys[1]))
        PrintDialog(self.project, self, view_bounds=bounds).exec()

    @Slot()
    def _on_export(self) -> None:
        from desktop.print_dialog import ExportDialog

        ExportDialog(self.project, self).exec()

    # -- map tools ----------------------------------------------------------------------------------

    def _on_tool(self, key: str, checked: bool) -> None:
        self.map.stop_drawing()
        self.map.set_select_mode(None)
        if not checked:
            return
        if key in ("polygon", "rectangle", "circle"):
            self.map.start_drawing(key.capitalize())
        elif key == "fixed_circle":
            self.map.call("startFixedCircle", self.radius_spin.value())
        elif key == "edit":
            self.map.set_edit_mode(True)
        elif key == "delete":
            self.map.set_delete_mode(True)
        elif key in ("select_units", "select_grids"):
            self.map.set_select_mode("admin_units" if key == "select_units" else "grids")
        elif key == "lasso":
            layer = self.selection[0] or "admin_units"
            self.map.set_select_mode(layer)
            self.map.start_drawing("Lasso")

    def _finish_tool(self) -> None:
        checked = self.tool_group.checkedAction()
        if checked is not None and checked not in (self.tools["edit"], self.tools["delete"]):
            checked.setChecked(False)

    def current_tier(self) -> str:
        """The tier chosen in the toolbar for new zones and assignments."""
        return self.tier_combo.currentData()

    def _tier_label(self, key: str) -> str:
        return next((t["label"] for t in self.tiers if t["key"] == key), key)

    @Slot(float, float, float)
    def _on_circle_drawn(self, lon: float, lat: float, radius_m: float) -> None:
        radius_m = round(radius_m)
        tier = self.current_tier()
        zone = zone_record(circle_polygon(lon, lat, radius_m), tier=tier, kind=ZoneKind.CIRCLE.value,
                           radius_m=radius_m, name=self.tr("Control circle %1 m").replace("%1", str(radius_m)))
        self.undo_stack.push(AddFeatureCommand(self.project, "control_zones", zone,
                                               self.tr("Add %1 circle").replace("%1", self._tier_label(tier))))
        self._finish_tool()

    @Slot(object)
    def _on_polygon_drawn(self, polygon) -> None:
        tier = self.current_tier()
        zone = zone_record(polygon, tier=tier, kind=ZoneKind.DRAWN.value, name=self._tier_label(tier))
        self.undo_stack.push(AddFeatureCommand(self.project, "control_zones", zone,
                                               self.tr("Add %1 zone").replace("%1", self._tier_label(tier))))
        self._finish_tool()

    @Slot(int, object)
    def _on_zone_edited(self, fid: int, polygon) -> None:
        self.undo_stack.push(UpdateFeatureCommand(self.project, "control_zones", fid, {"updated_at": now_iso()},
                                                  self.tr("Edit zone shape"), geometry=polygon))

    @Slot(int)
    def _on_zone_removed(self, fid: int) -> None:
        self.undo_stack.push(DeleteFeatureCommand(self.project, "control_zones", fid, self.tr("Delete zone")))

    @Slot(str, object)
    def _on_lasso(self, layer: str, polygon) -> None:
        layer = layer or "admin_units"
        units = self._selectable(layer)
        inside = units[shapely.contains(polygon, shapely.point_on_surface(units.geometry.values))]
        fids = set(inside.index.tolist()) | (set(self.selection[1]) if self.selection[0] == layer else set())
        self.tools["lasso"].setChecked(False)
        self.map.set_select_mode(layer)
        self.map.set_selection(layer, sorted(fids))

    def _selectable(self, layer: str):
        frame = self.project.read_layer(layer)
        return frame[frame["level"].isin(SELECTABLE_LEVELS)] if layer == "admin_units" else frame

    @Slot(str, list)
    def _on_selection_changed(self, layer: str, fids: list) -> None:
        self.selection = (layer, [int(f) for f in fids])
        self.statusBar().showMessage(self.tr("%1 selected").replace("%1", str(len(fids))), 4000)

    @Slot()
    def _on_assign_tier(self) -> None:
        layer, fids = self.selection
        if not fids:
            QMessageBox.information(self, "Cordon", self.tr("Select villages, communities or grids first."))
            return
        self.assign_tier(layer, fids, self.current_tier())

    def assign_tier(self, layer: str, fids: list[int], tier: str) -> None:
        """Make a unit zone of ``tier`` whose outline follows the chosen units' boundaries."""
        units = self.project.read_layer(layer).loc[fids]
        names = "、".join(units["name"].astype(str).tolist()[:3]) + ("…" if len(units) > 3 else "")
        zone = zone_record(unit_outline(units.geometry.values), tier=tier, kind=ZoneKind.UNIT.value,
                           name=f"{names} {self._tier_label(tier)}", unit_codes=units["code"].astype(str).tolist())
        self.undo_stack.push(AddFeatureCommand(self.project, "control_zones", zone,
                                               self.tr("Assign %1").replace("%1", self._tier_label(tier))))
        self.map.set_selection(layer, [])

    # -- view ---------------------------------------------------------------------------------------

    @Slot()
    def _on_zoom_county(self) -> None:
        self.map.fit_bounds(view_bounds(self.project))

    def _on_basemap(self, key: str, mbtiles: str | None = None) -> None:
        keys = [k for k in self.settings.value("tianditu_keys", "", str).split(",") if k.strip()]
        try:
            self.map.set_basemap(key, tianditu_keys=keys, mbtiles=mbtiles)
        except UserError as error:
            self._error(error)
            self.basemap_group.actions()[0].setChecked(True)

    @Slot()
    def _on_mbtiles(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Open MBTiles"), "", self.tr("MBTiles (*.mbtiles)"))
        if path:
            self._on_basemap("mbtiles", path)

    @Slot()
    def _on_tianditu_keys(self) -> None:
        keys, ok = QInputDialog.getText(self, self.tr("Tianditu Keys"),
                                        self.tr("One or more Tianditu keys, separated by commas:"),
                                        text=self.settings.value("tianditu_keys", "", str))
        if ok:
            self.settings.setValue("tianditu_keys", keys)

    def _on_language(self, code: str) -> None:
        self.settings.setValue("language", code)
        QMessageBox.information(self, "Cordon", self.tr("The language changes the next time Cordon starts."))

    @Slot(float, float)
    def _on_cursor_moved(self, lon: float, lat: float) -> None:
        x, y = self._metric.transform(lon, lat)
        self.cursor_label.setText(f"{lon:.6f}°E {lat:.6f}°N   X {x:,.1f} m  Y {y:,.1f} m")

    @Slot(dict)
    def _on_view_changed(self, view: dict) -> None:
        denominator = view["metresPerPixel"] * 96 / 0.0254  # a 96 dpi screen
        self.scale_label.setText(self.tr("Scale 1:%1").replace("%1", f"{denominator:,.0f}"))

    @Slot()
    def _on_about(self) -> None:
        QMessageBox.about(self, self.tr("About Cordon"), self.tr("Cordon — one map for county epidemic control.")
                          + "\n\n" + self.project.metadata.get("attribution", ""))

    def _error(self, error: Exception) -> None:
        QMessageBox.warning(self, "Cordon", error.message() if isinstance(error, UserError) else str(error))

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        self.capacity_dock.close()
        self.zone_panel.close()
        self.map.close()
        super().closeEvent(event)

"""The 连接数据库 dialog: open a project kept in PostgreSQL/PostGIS (server, port, database, user, schema).

The password is typed each time (or comes from PGPASSWORD / ~/.pgpass): it is handed to the connection in
memory and never saved. Recent connections are remembered in QSettings as URLs without passwords.
"""

from __future__ import annotations

from PySide6.QtCore import QSettings, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from data.project import Project
from data.stores.database_url import DEFAULT_SCHEMA, DatabaseTarget, parse_url, remember_password
from desktop.widgets import MessageLabel
from gis.errors import UserError

RECENT_KEY = "database/recent"
MAX_RECENT = 8


class ConnectDialog(QDialog):
    """Connect to a database project. After ``exec()`` is accepted, ``project`` is the project, open."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Connect to Database"))
        self.project: Project | None = None
        self._settings = QSettings()

        self.recent_combo = QComboBox()
        self.recent_combo.addItem(self.tr("(new connection)"), "")
        for url in self._recent():
            self.recent_combo.addItem(url, url)
        self.host_edit = QLineEdit("localhost")
        self.port_spin = QSpinBox()
        self.port_spin.setRange(1, 65535)
        self.port_spin.setValue(5432)
        self.database_edit = QLineEdit()
        self.user_edit = QLineEdit()
        self.schema_edit = QLineEdit(DEFAULT_SCHEMA)
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setPlaceholderText(self.tr("not saved; empty to use PGPASSWORD or ~/.pgpass"))
        self.message = MessageLabel()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Connect"))

        form = QFormLayout()
        form.addRow(self.tr("Recent:"), self.recent_combo)
        form.addRow(self.tr("Server:"), self.host_edit)
        form.addRow(self.tr("Port:"), self.port_spin)
        form.addRow(self.tr("Database:"), self.database_edit)
        form.addRow(self.tr("User:"), self.user_edit)
        form.addRow(self.tr("Schema:"), self.schema_edit)
        form.addRow(self.tr("Password:"), self.password_edit)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)

        self.recent_combo.currentIndexChanged.connect(self._on_recent_chosen)
        self.buttons.accepted.connect(self._on_connect)
        self.buttons.rejected.connect(self.reject)
        if self.recent_combo.count() > 1:
            self.recent_combo.setCurrentIndex(1)

    def target(self) -> DatabaseTarget:
        """The connection the fields describe (without the password)."""
        return DatabaseTarget(host=self.host_edit.text().strip(), port=self.port_spin.value(),
                              dbname=self.database_edit.text().strip(), user=self.user_edit.text().strip(),
                              schema=self.schema_edit.text().strip() or DEFAULT_SCHEMA)

    @Slot(int)
    def _on_recent_chosen(self, index: int) -> None:
        url = self.recent_combo.itemData(index)
        if not url:
            return
        try:
            target = parse_url(url)
        except UserError:
            return
        self.host_edit.setText(target.host)
        self.port_spin.setValue(target.port or 5432)
        self.database_edit.setText(target.dbname)
        self.user_edit.setText(target.user)
        self.schema_edit.setText(target.schema)

    @Slot()
    def _on_connect(self) -> None:
        try:
            target = parse_url(str(self.target()))  # the same checks as a typed URL (schema name, database)
            if self.password_edit.text():
                remember_password(target, self.password_edit.text())
            self.project = Project.open(target)
        except UserError as error:
            self.message.show_message(error.message())
            return
        self._remember(str(target))
        self.accept()

    def _recent(self) -> list[str]:
        return [str(url) for url in self._settings.value(RECENT_KEY, [], list) if url]

    def _remember(self, url: str) -> None:
        recent = [url] + [u for u in self._recent() if u != url]
        self._settings.setValue(RECENT_KEY, recent[:MAX_RECENT])

"""The ``cordon:`` URL scheme: serves the map page, its local assets, layer payloads and MBTiles tiles,
and a request recorder that blocks (and remembers) anything else.

The scheme must be registered before the QApplication exists: call :func:`register_scheme` first.
"""

from __future__ import annotations

import itertools
import mimetypes
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

import shiboken6
from PySide6.QtCore import QBuffer, QByteArray, QObject, QUrlQuery, Signal
from PySide6.QtWebEngineCore import (
    QWebEngineUrlRequestInfo,
    QWebEngineUrlRequestInterceptor,
    QWebEngineUrlRequestJob,
    QWebEngineUrlScheme,
    QWebEngineUrlSchemeHandler,
)

from data.web_map import OWN_CSS, OWN_JS, VENDOR_CSS, VENDOR_DIR, VENDOR_JS, WEB_DIR

SCHEME = b"cordon"
PAGE_URL = "cordon://app/map.html"
LOCAL_SCHEMES = {"cordon", "qrc", "data", "blob"}
_VENDOR_FILES = set(VENDOR_JS + VENDOR_CSS)
_OWN_FILES = set(OWN_JS + OWN_CSS)


def register_scheme() -> None:
    """Register ``cordon:`` with Qt WebEngine (once, before the QApplication is created)."""
    if QWebEngineUrlScheme.schemeByName(SCHEME).name() == SCHEME:
        return
    scheme = QWebEngineUrlScheme(SCHEME)
    scheme.setSyntax(QWebEngineUrlScheme.Syntax.Host)
    flags = QWebEngineUrlScheme.Flag
    scheme.setFlags(flags.SecureScheme | flags.LocalScheme | flags.LocalAccessAllowed | flags.CorsEnabled
                    | flags.FetchApiAllowed)
    QWebEngineUrlScheme.registerScheme(scheme)


class _Reply(QObject):
    done = Signal(int, object)  # job key, (content type, bytes) or the exception raised


_replies: _Reply | None = None
"""What worker threads report on: one object for the process, never deleted, so that a worker finishing after its
handler (and page) went emits on an object still there (emitting on a deleted one crashes the process); each
handler takes the keys it gave out (:data:`_keys`, unique in the process) and ignores the others."""
_keys = itertools.count(1)


def _shared_replies() -> _Reply:
    global _replies
    if _replies is None:  # made on the UI thread, with the first handler
        _replies = _Reply()
    return _replies


def _build(key: int, build: Callable[[], tuple[bytes, bytes]], reply: _Reply) -> None:
    """Worker-thread body: build the response and hand it to the UI thread."""
    try:
        result = build()
    except Exception as exc:  # reported back to the UI thread, which fails the request
        result = exc
    reply.done.emit(key, result)


def _layer_response(source: Callable[[str, str], bytes], name: str, datum: str) -> tuple[bytes, bytes]:
    return b"application/octet-stream", source(name, datum)


def _tile_response(source: Callable, path: str) -> tuple[bytes, bytes]:
    z, x, y = (int(part.split(".")[0]) for part in path.split("/")[1:4])
    tile = source(z, x, y)
    if tile is None:
        raise FileNotFoundError(path)
    return tile


class MapSchemeHandler(QWebEngineUrlSchemeHandler):
    """Answers ``cordon://app/...`` requests. Layer payloads and tiles are built on a worker thread."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.page_html = b""
        self.layer_source: Callable[[str, str], bytes] | None = None  # (layer, datum) -> payload
        self.tile_source: Callable[[int, int, int], tuple[bytes, bytes] | None] | None = None
        self._jobs: dict[int, QWebEngineUrlRequestJob] = {}
        self._reply = _shared_replies()
        self._reply.done.connect(self._on_done)  # disconnected by Qt when this handler goes
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="cordon-map")

    def requestStarted(self, job: QWebEngineUrlRequestJob) -> None:  # noqa: N802 (Qt override)
        url = job.requestUrl()
        path = url.path().lstrip("/")
        if path == "map.html":
            self._send(job, b"text/html; charset=utf-8", self.page_html)
        elif path.startswith("vendor/") and path[7:] in _VENDOR_FILES:
            self._send_file(job, VENDOR_DIR / path[7:])
        elif path.startswith("web/") and path[4:] in _OWN_FILES:
            self._send_file(job, WEB_DIR / path[4:])
        elif path.startswith("layer/") and self.layer_source:
            datum = QUrlQuery(url).queryItemValue("datum") or "wgs84"
            name, source = path[6:], self.layer_source
            self._later(job, partial(_layer_response, source, name, datum))
        elif path.startswith("tiles/") and self.tile_source:
            self._later(job, partial(_tile_response, self.tile_source, path))
        else:
            job.fail(QWebEngineUrlRequestJob.Error.UrlNotFound)

    def _later(self, job: QWebEngineUrlRequestJob, build: Callable[[], tuple[bytes, bytes]]) -> None:
        key = next(_keys)
        self._jobs[key] = job
        try:
            self._pool.submit(_build, key, build, self._reply)
        except RuntimeError:  # the interpreter is shutting down
            self._jobs.pop(key)
            job.fail(QWebEngineUrlRequestJob.Error.RequestAborted)

    def _on_done(self, key: int, result) -> None:
        job = self._jobs.pop(key, None)
        if job is None or not shiboken6.isValid(job):  # another handler's, or the page went away meanwhile
            return
        if isinstance(result, Exception):
            job.fail(QWebEngineUrlRequestJob.Error.UrlNotFound if isinstance(result, (KeyError, FileNotFoundError))
                     else QWebEngineUrlRequestJob.Error.RequestFailed)
        else:
            self._send(job, *result)

    def _send_file(self, job: QWebEngineUrlRequestJob, path: Path) -> None:
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        self._send(job, kind.encode(), path.read_bytes())

    @staticmethod
    def _send(job: QWebEngineUrlRequestJob, content_type: bytes, data: bytes) -> None:
        buffer = QBuffer(job)  # lives as long as the job that reads it
        buffer.setData(QByteArray(data))
        buffer.open(QBuffer.OpenModeFlag.ReadOnly)
        job.reply(content_type, buffer)


class RequestRecorder(QWebEngineUrlRequestInterceptor):
    """Records every request the page makes; blocks all that leave the machine unless their host belongs
    to the online basemap the user chose."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.requests: list[str] = []
        self.blocked: list[str] = []
        self.allowed_hosts: set[str] = set()

    def interceptRequest(self, info: QWebEngineUrlRequestInfo) -> None:  # noqa: N802 (Qt override)
        url = info.requestUrl()
        self.requests.append(url.toString())
        if url.scheme() in LOCAL_SCHEMES:
            return
        if not any(url.host() == h or url.host().endswith("." + h) for h in self.allowed_hosts):
            self.blocked.append(url.toString())
            info.block(True)

    def network_requests(self) -> list[str]:
        """Requests that went (or tried to go) beyond this machine."""
        return [u for u in self.requests if u.split(":", 1)[0] not in LOCAL_SCHEMES]

"""The built single-page app, served from package data (``static_app/``).

- ``assets/*`` (Vite's hashed files): cached for a year, ``immutable``; a missing
  one is a 404, never the HTML page.
- any other path: the file if the bundle has it (``favicon.svg``), else
  ``index.html`` (the SPA's router takes the path), never cached so a new release
  is picked up at once.
- no bundle (a checkout where ``npm run build`` has not run): a 503 page that says
  how to build it.
"""

from __future__ import annotations

import mimetypes
import re
from pathlib import Path

from django.http import (
    FileResponse,
    HttpResponse,
    HttpResponseNotAllowed,
    HttpResponseNotFound,
)
from django.utils.html import escape

STATIC_ROOT = Path(__file__).resolve().parent.parent / "static_app"
ASSETS_DIR = "assets"
IMMUTABLE = "public, max-age=31536000, immutable"
NO_CACHE = "no-cache"

# explicit types for what Vite emits; mimetypes' tables differ between systems
_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
    ".gif": "image/gif",
    ".ico": "image/x-icon",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".txt": "text/plain; charset=utf-8",
    ".webmanifest": "application/manifest+json",
    ".wasm": "application/wasm",
}
# a path that names a file of these kinds is never answered with the SPA's HTML
_FILE_SUFFIX = re.compile(
    r"\.(js|mjs|css|map|json|svg|png|jpe?g|webp|gif|ico|woff2?|ttf|txt|wasm)$", re.I
)
_SAFE_PART = re.compile(r"^[A-Za-z0-9._~@+=,-]+$")

BUILD_HINT = (
    "The CRM dashboard app is not built in this installation. Build it from a "
    "checkout with `npm ci && npm run build` in dashboard_extension/ (it writes "
    "saleor_crm_plugin/static_app/), or install the plugin from a wheel, which "
    "contains the built app."
)


def content_type(path: Path) -> str:
    return (
        _TYPES.get(path.suffix.lower())
        or mimetypes.guess_type(path.name)[0]
        or "application/octet-stream"
    )


def _resolve(root: Path, subpath: str) -> Path | None:
    """The file ``subpath`` names inside ``root``, or ``None``: only plain path
    segments (no ``..``, no hidden files, no backslashes, no NUL), and the
    resolved path must stay inside the root (symlinks included)."""
    parts = [part for part in subpath.split("/") if part]
    if not parts or any(
        part.startswith(".") or not _SAFE_PART.match(part) for part in parts
    ):
        return None
    candidate = root.joinpath(*parts).resolve()
    if not candidate.is_relative_to(root.resolve()) or not candidate.is_file():
        return None
    return candidate


def _file_response(request, path: Path, cache_control: str) -> HttpResponse:
    if request.method == "HEAD":
        response = HttpResponse(content_type=content_type(path))
        response["Content-Length"] = str(path.stat().st_size)
    else:
        response = FileResponse(path.open("rb"), content_type=content_type(path))
    response["Cache-Control"] = cache_control
    response["X-Content-Type-Options"] = "nosniff"
    return response


def not_built_response() -> HttpResponse:
    page = (
        "<!doctype html><html lang=en><meta charset=utf-8>"
        "<title>CRM app not built</title>"
        f"<h1>CRM app not built</h1><p>{escape(BUILD_HINT)}</p></html>"
    )
    response = HttpResponse(page, status=503, content_type="text/html; charset=utf-8")
    response["Cache-Control"] = "no-store"
    response["Retry-After"] = "3600"
    return response


def serve_app(request, subpath: str, root: Path | None = None) -> HttpResponse:
    """Answer ``<plugin>/app/<subpath>``. GET and HEAD; POST too, answered with the
    page (the Dashboard POSTs its context to widgets whose manifest asks for it)."""
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponseNotAllowed(["GET", "HEAD", "POST"])
    root = STATIC_ROOT if root is None else root
    index = root / "index.html"
    if not index.is_file():
        return not_built_response()
    subpath = subpath.strip("/")
    is_asset = subpath == ASSETS_DIR or subpath.startswith(f"{ASSETS_DIR}/")
    if subpath and subpath != "index.html":
        found = _resolve(root, subpath)
        if found is not None and request.method != "POST":
            return _file_response(request, found, IMMUTABLE if is_asset else NO_CACHE)
        if is_asset or _FILE_SUFFIX.search(subpath) or "\x00" in subpath:
            return HttpResponseNotFound("Not found.", content_type="text/plain")
    return _file_response(request, index, NO_CACHE)

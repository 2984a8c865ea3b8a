"""The plugin routes of the Dashboard app: ``manifest`` and ``app/<path>``."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse, HttpResponseNotAllowed, JsonResponse

from ..domain.config import CRMConfig
from .manifest import build_manifest
from .serving import serve_app


def public_url(request, config: CRMConfig) -> str:
    """Where the Dashboard reaches Saleor: the plugin's ``app_public_url``, else
    Saleor's ``PUBLIC_URL``, else the request's scheme and host."""
    if config.app_public_url:
        return config.app_public_url
    if getattr(settings, "PUBLIC_URL", None):
        return settings.PUBLIC_URL.rstrip("/")
    return request.build_absolute_uri("/").rstrip("/")


def manifest_view(request, config: CRMConfig) -> HttpResponse:
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    response = JsonResponse(build_manifest(public_url(request, config)))
    response["Cache-Control"] = "no-cache"
    # the Dashboard fetches the manifest from its own origin
    response["Access-Control-Allow-Origin"] = "*"
    return response


def handle(request, route: str, config: CRMConfig) -> HttpResponse | None:
    """The response for a Dashboard-app route, ``None`` for any other route."""
    if route == "manifest":
        return manifest_view(request, config)
    if route == "app" or route.startswith("app/"):
        return serve_app(request, route.removeprefix("app"))
    return None

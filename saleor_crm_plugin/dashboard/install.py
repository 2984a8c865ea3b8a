"""The CRM app as a Saleor App, without fetching its manifest over HTTP: create or
update the App, its extensions and an app token from the same manifest the
``manifest`` route serves, validated by Saleor's own manifest validation
(``clean_manifest_data``, as ``appInstall`` runs it); remove it as Saleor's
``appDelete`` does (``delete_app``). Used by ``crm_app_install``."""

from __future__ import annotations

import copy
from dataclasses import dataclass

from django.db import transaction
from saleor.app.actions import delete_app
from saleor.app.manifest_validations import clean_manifest_data
from saleor.app.models import App, AppExtension
from saleor.app.types import AppType
from saleor.core.utils import get_public_url
from saleor.plugins.manager import get_plugins_manager

from ..core.config import load_config
from .manifest import APP_ID, build_manifest, manifest_url

TOKEN_NAME = "crm_app_install"


@dataclass
class Installed:
    app: App
    created: bool
    # the new app token's value, only when this call created it (Saleor keeps a
    # hash: it cannot be shown again)
    token: str | None


def default_public_url() -> str:
    """The plugin's ``app_public_url``, else Saleor's public URL (``PUBLIC_URL``,
    else the Site's domain)."""
    return load_config().app_public_url or get_public_url().rstrip("/")


def cleaned_manifest(public_url: str, *, updating: bool) -> dict:
    """The manifest as Saleor's validation leaves it (permissions as Permission
    rows, mounts and targets lower-cased). Saleor refuses a manifest whose ``id``
    is already installed — right for a new install; an update validates the
    same manifest under a probe identifier (nothing else depends on the id)."""
    manifest = build_manifest(public_url)
    data = copy.deepcopy(manifest)
    if updating:
        data["id"] = f"{APP_ID}.update-check"
    clean_manifest_data(data, raise_for_saleor_version=True)
    data["id"] = manifest["id"]
    return data


def _http_method(options: dict) -> str | None:
    """What Saleor's ``install_app`` stores as the deprecated
    ``http_target_method``."""
    method = None
    for key in ("newTabTarget", "widgetTarget"):
        target = options.get(key)
        if isinstance(target, dict) and "method" in target:
            method = target["method"]
    return method


def _app_fields(data: dict, public_url: str) -> dict:
    return {
        "name": data["name"],
        "identifier": data["id"],
        "about_app": data.get("about"),
        "data_privacy_url": data.get("dataPrivacyUrl"),
        "homepage_url": data.get("homepageUrl"),
        "support_url": data.get("supportUrl"),
        "configuration_url": data.get("configurationUrl"),
        "app_url": data.get("appUrl"),
        "version": data.get("version"),
        "manifest_url": manifest_url(public_url),
        "type": AppType.THIRDPARTY,
        "audience": data.get("audience"),
        "author": data.get("author"),
        "is_installed": True,
    }


def _sync_extensions(app: App, extensions: list[dict]) -> None:
    existing = {ext.identifier: ext for ext in app.extensions.all()}
    keep = []
    for data in extensions:
        options = data.get("options") or {}
        fields = {
            "label": data["label"],
            "url": data["url"],
            "mount": data["mount"],
            "target": data["target"],
            "http_target_method": _http_method(options),
            "settings": options,
        }
        extension = existing.get(data["identifier"])
        if extension is None:
            extension = AppExtension.objects.create(
                app=app, identifier=data["identifier"], **fields
            )
        else:
            changed = [k for k, v in fields.items() if getattr(extension, k) != v]
            for key in changed:
                setattr(extension, key, fields[key])
            if changed:
                extension.save(update_fields=changed)
        extension.permissions.set(data.get("permissions", []))
        keep.append(extension.pk)
    app.extensions.exclude(pk__in=keep).delete()


def install(public_url: str | None = None) -> Installed:
    """Create the app (active) or bring the installed one in line with the
    manifest; the same rows either way (idempotent). An app token is created once."""
    public_url = (public_url or default_public_url()).rstrip("/")
    with transaction.atomic():
        app = (
            App.objects.not_removed()
            .select_for_update()
            .filter(identifier=APP_ID)
            .order_by("pk")
            .first()
        )
        data = cleaned_manifest(public_url, updating=app is not None)
        fields = _app_fields(data, public_url)
        created = app is None
        if created:
            app = App.objects.create(is_active=True, **fields)
        else:
            changed = [k for k, v in fields.items() if getattr(app, k) != v]
            for key in changed:
                setattr(app, key, fields[key])
            if changed:
                app.save(update_fields=changed)
        app.permissions.set(data["permissions"])
        _sync_extensions(app, data["extensions"])
        token = None
        if not app.tokens.exists():
            _token, token = app.tokens.create(name=TOKEN_NAME)  # type: ignore[call-arg]
    manager = get_plugins_manager(allow_replica=False)
    if created:
        manager.app_installed(app)
    else:
        manager.app_updated(app)
    return Installed(app=app, created=created, token=token)


def uninstall() -> list[App]:
    """Remove the installed app(s) as Saleor's ``appDelete`` does: marked removed
    and inactive now (extensions and tokens stop working), the rows deleted by
    Saleor's ``remove_apps_task`` after ``DELETE_APP_TTL``."""
    manager = get_plugins_manager(allow_replica=False)
    removed = []
    for app in App.objects.not_removed().filter(identifier=APP_ID):
        delete_app(app, manager)
        removed.append(app)
    return removed


__all__ = ["Installed", "default_public_url", "install", "uninstall"]

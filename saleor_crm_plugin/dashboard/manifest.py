"""The Saleor app manifest of the CRM Dashboard app.

One definition serves both ways of installing the app: the manifest route
(``/plugins/saleor-crm-plugin/manifest``, read by the Dashboard's "Install from
manifest URL") and the ``crm_app_install`` command. Absolute URLs come from the
configured ``app_public_url``, else Saleor's ``PUBLIC_URL``, else the request."""

from __future__ import annotations

from dataclasses import dataclass, field

from .. import __version__
from ..core.config import PLUGIN_ID

PLUGIN_PATH = f"/plugins/{PLUGIN_ID}"
APP_PATH = f"{PLUGIN_PATH}/app/"
MANIFEST_PATH = f"{PLUGIN_PATH}/manifest"
GRAPHQL_PATH = f"{PLUGIN_PATH}/graphql/"

APP_ID = PLUGIN_ID
APP_NAME = "CRM"
APP_ABOUT = (
    "Customer profiles, RFM, segments, coupon rules and loyalty tiers, built from "
    "your orders by the saleor-crm-plugin and served by it."
)
REQUIRED_SALEOR_VERSION = ">=3.23.0 <3.24.0"
APP_PERMISSIONS = ("MANAGE_USERS", "MANAGE_DISCOUNTS")


@dataclass(frozen=True, slots=True)
class Extension:
    """One mount point in the Dashboard. ``path`` is below the app's base URL (the
    SPA's route); APP_PAGE extensions keep it relative (the Dashboard joins it to
    ``appUrl``), the others get an absolute URL (the Dashboard would concatenate a
    relative one to ``appUrl`` as a string, and Saleor stitches relative POPUP URLs
    with ``urljoin``, which drops the last segment of ``appUrl``)."""

    identifier: str
    label: str
    mount: str
    target: str
    path: str
    permissions: tuple[str, ...]
    options: dict = field(default_factory=dict)


EXTENSIONS: tuple[Extension, ...] = (
    Extension(
        "crm-overview",
        "CRM",
        "NAVIGATION_CUSTOMERS",
        "APP_PAGE",
        "/overview",
        ("MANAGE_USERS",),
    ),
    Extension(
        "crm-coupon-rules",
        "CRM coupon rules",
        "NAVIGATION_DISCOUNTS",
        "APP_PAGE",
        "/coupons",
        ("MANAGE_DISCOUNTS",),
    ),
    Extension(
        "crm-customer-widget",
        "CRM",
        "CUSTOMER_DETAILS_WIDGETS",
        "WIDGET",
        "/widgets/customer",
        ("MANAGE_USERS",),
        {"widgetTarget": {"method": "GET"}},
    ),
    Extension(
        "crm-home-widget",
        "CRM",
        "HOMEPAGE_WIDGETS",
        "WIDGET",
        "/widgets/home",
        ("MANAGE_USERS",),
        {"homeWidgetTarget": {"method": "GET", "fullscreen": False}},
    ),
    Extension(
        "crm-customers-to-segment",
        "Add to a CRM segment",
        "CUSTOMER_OVERVIEW_MORE_ACTIONS",
        "POPUP",
        "/popups/customers-to-segment",
        ("MANAGE_USERS",),
    ),
    Extension(
        "crm-customer-actions",
        "CRM points and tier",
        "CUSTOMER_DETAILS_MORE_ACTIONS",
        "POPUP",
        "/popups/customer-actions",
        ("MANAGE_USERS",),
    ),
)


def app_url(public_url: str) -> str:
    return f"{public_url.rstrip('/')}{APP_PATH}"


def manifest_url(public_url: str) -> str:
    return f"{public_url.rstrip('/')}{MANIFEST_PATH}"


def extension_url(extension: Extension, public_url: str) -> str:
    if extension.target == "APP_PAGE":
        return extension.path
    return app_url(public_url) + extension.path.lstrip("/")


def build_manifest(public_url: str) -> dict:
    """The manifest (camelCase, as Saleor's ``ManifestSchema`` reads it) for a
    Saleor reached at ``public_url`` (scheme://host[:port][/prefix])."""
    base = public_url.rstrip("/")
    return {
        "id": APP_ID,
        "name": APP_NAME,
        "version": __version__,
        "about": APP_ABOUT,
        "permissions": list(APP_PERMISSIONS),
        "appUrl": app_url(base),
        "requiredSaleorVersion": REQUIRED_SALEOR_VERSION,
        "author": "saleor-crm-plugin",
        "extensions": [
            {
                "identifier": ext.identifier,
                "label": ext.label,
                "mount": ext.mount,
                "target": ext.target,
                "url": extension_url(ext, base),
                "permissions": list(ext.permissions),
                "options": dict(ext.options),
            }
            for ext in EXTENSIONS
        ],
        "webhooks": [],
    }

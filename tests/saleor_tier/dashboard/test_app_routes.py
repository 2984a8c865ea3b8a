"""The Dashboard app's plugin routes through Saleor's real URL routing: the
manifest (validated by Saleor's own manifest validation) and the built SPA."""

import json

import pytest
from saleor.app.manifest_validations import clean_manifest_data

from saleor_crm_plugin.dashboard import serving
from saleor_crm_plugin.dashboard.manifest import EXTENSIONS

MANIFEST = "/plugins/saleor-crm-plugin/manifest"
APP = "/plugins/saleor-crm-plugin/app/"


def _configure(crm_plugin_active, **values):
    items = [i for i in crm_plugin_active.configuration if i["name"] not in values]
    crm_plugin_active.configuration = items + [
        {"name": name, "value": value} for name, value in values.items()
    ]
    crm_plugin_active.save(update_fields=["configuration"])


# --- manifest ------------------------------------------------------------------


def test_manifest_is_valid_for_saleor_with_urls_from_the_request(client, settings):
    settings.PUBLIC_URL = None
    response = client.get(MANIFEST, HTTP_HOST="localhost:8000")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    manifest = response.json()
    assert manifest["id"] == "saleor-crm-plugin"
    assert manifest["permissions"] == ["MANAGE_USERS", "MANAGE_DISCOUNTS"]
    assert manifest["appUrl"] == "http://localhost:8000/plugins/saleor-crm-plugin/app/"
    by_id = {ext["identifier"]: ext for ext in manifest["extensions"]}
    assert by_id["crm-overview"]["url"] == "/overview"
    assert by_id["crm-customer-widget"]["url"] == (
        "http://localhost:8000/plugins/saleor-crm-plugin/app/widgets/customer"
    )
    assert by_id["crm-customers-to-segment"]["url"].endswith(
        "/plugins/saleor-crm-plugin/app/popups/customers-to-segment"
    )

    # Saleor's own validation, as appInstall runs it (Saleor's version required)
    data = json.loads(json.dumps(manifest))
    clean_manifest_data(data, raise_for_saleor_version=True)
    assert data["requiredSaleorVersion"]["satisfied"] is True
    assert {p.codename for p in data["permissions"]} == {
        "manage_users",
        "manage_discounts",
    }
    cleaned = {ext["identifier"]: ext for ext in data["extensions"]}
    assert set(cleaned) == {ext.identifier for ext in EXTENSIONS}
    assert (
        cleaned["crm-home-widget"]["mount"],
        cleaned["crm-home-widget"]["target"],
    ) == (
        "homepage_widgets",
        "widget",
    )
    assert [p.codename for p in cleaned["crm-coupon-rules"]["permissions"]] == [
        "manage_discounts"
    ]


def test_manifest_prefers_the_configured_public_url(
    client, settings, crm_plugin_active
):
    settings.PUBLIC_URL = "https://saleor.internal"
    assert client.get(MANIFEST).json()["appUrl"] == (
        "https://saleor.internal/plugins/saleor-crm-plugin/app/"
    )
    _configure(crm_plugin_active, app_public_url="https://shop.example.com/")
    manifest = client.get(MANIFEST).json()
    assert (
        manifest["appUrl"] == "https://shop.example.com/plugins/saleor-crm-plugin/app/"
    )
    assert all(
        ext["url"].startswith(("/", "https://shop.example.com/plugins/"))
        for ext in manifest["extensions"]
    )


def test_manifest_is_refused_for_other_methods_and_when_inactive(
    client, crm_plugin_active
):
    assert client.post(MANIFEST).status_code == 405
    crm_plugin_active.active = False
    crm_plugin_active.save(update_fields=["active"])
    assert client.get(MANIFEST).status_code == 404


def test_saleor_refuses_the_manifest_when_the_app_is_installed(client, app):
    """The identifier is Saleor's key for "already installed" (appInstall twice)."""
    app.identifier = "saleor-crm-plugin"
    app.save(update_fields=["identifier"])
    with pytest.raises(Exception) as exc:
        clean_manifest_data(client.get(MANIFEST).json())
    assert "identifier" in exc.value.message_dict


# --- the built app -------------------------------------------------------------


@pytest.fixture
def bundle(tmp_path, monkeypatch):
    root = tmp_path / "static_app"
    (root / "assets").mkdir(parents=True)
    (root / "index.html").write_text(
        '<!doctype html><script type="module" src="/plugins/saleor-crm-plugin/app/'
        'assets/index-abc123.js"></script><div id="root"></div>'
    )
    (root / "assets" / "index-abc123.js").write_text("console.log('crm')")
    (root / "assets" / "index-abc123.css").write_text("body{}")
    (root / "assets" / "logo-1a2b.svg").write_text("<svg/>")
    (root / "assets" / "font-9f.woff2").write_bytes(b"wOF2")
    (root / "favicon.svg").write_text("<svg/>")
    (tmp_path / "secret.txt").write_text("outside")
    monkeypatch.setattr(serving, "STATIC_ROOT", root)
    return root


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("assets/index-abc123.js", "text/javascript; charset=utf-8"),
        ("assets/index-abc123.css", "text/css; charset=utf-8"),
        ("assets/logo-1a2b.svg", "image/svg+xml"),
        ("assets/font-9f.woff2", "font/woff2"),
    ],
)
def test_hashed_assets_are_served_with_their_type_and_cached_forever(
    client, bundle, path, content_type
):
    response = client.get(APP + path)
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    assert b"".join(response.streaming_content) == (bundle / path).read_bytes()


@pytest.mark.parametrize(
    "path", ["", "overview", "segments/U2VnbWVudDox", "widgets/customer", "index.html"]
)
def test_routes_of_the_app_get_index_html_uncached(client, bundle, path):
    response = client.get(APP + path + "?customerId=VXNlcjox&theme=dark")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert response["Cache-Control"] == "no-cache"
    assert b'<div id="root">' in b"".join(response.streaming_content)


def test_the_base_without_trailing_slash_and_a_posted_widget_get_the_page(
    client, bundle
):
    assert client.get(APP.rstrip("/"))["Content-Type"].startswith("text/html")
    posted = client.post(APP + "widgets/home", {"accessToken": "x"})
    assert posted.status_code == 200
    assert b'<div id="root">' in b"".join(posted.streaming_content)


def test_root_files_of_the_bundle_are_served_uncached(client, bundle):
    response = client.get(APP + "favicon.svg")
    assert (response.status_code, response["Content-Type"]) == (200, "image/svg+xml")
    assert response["Cache-Control"] == "no-cache"


@pytest.mark.parametrize(
    "path",
    ["assets/missing-123.js", "assets/", "missing.js", "segments/chunk.css"],
)
def test_missing_files_are_404_not_the_page(client, bundle, path):
    response = client.get(APP + path)
    assert response.status_code == 404
    assert b"root" not in response.content


@pytest.mark.parametrize(
    "path",
    [
        "../secret.txt",
        "assets/../../secret.txt",
        "%2e%2e/secret.txt",
        "assets/%2e%2e/%2e%2e/secret.txt",
        "..%2fsecret.txt",
        "..%5csecret.txt",
        ".%00./secret.txt",
    ],
)
def test_no_path_leaves_the_bundle(client, bundle, path):
    response = client.get(APP + path)
    body = (
        b"".join(response.streaming_content) if response.streaming else response.content
    )
    assert b"outside" not in body
    assert response.status_code in (200, 400, 404)


def test_a_symlink_out_of_the_bundle_is_not_followed(client, bundle):
    (bundle / "assets" / "link.txt").symlink_to(bundle.parent / "secret.txt")
    assert client.get(APP + "assets/link.txt").status_code == 404


def test_hidden_files_are_not_served(client, bundle):
    (bundle / ".env").write_text("SECRET=1")
    response = client.get(APP + ".env")
    body = b"".join(response.streaming_content) if response.streaming else b""
    assert b"SECRET" not in body


def test_without_a_build_the_app_route_says_how_to_build_it(
    client, tmp_path, monkeypatch
):
    monkeypatch.setattr(serving, "STATIC_ROOT", tmp_path / "static_app")
    response = client.get(APP + "overview")
    assert response.status_code == 503
    assert response["Cache-Control"] == "no-store"
    assert b"npm ci &amp;&amp; npm run build" in response.content
    assert b"dashboard_extension/" in response.content


def test_other_methods_are_refused(client, bundle):
    assert client.delete(APP + "overview").status_code == 405

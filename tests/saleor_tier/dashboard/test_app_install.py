"""``crm_app_install``: the CRM app as a Saleor App with its Dashboard extensions
and a token, from the served manifest through Saleor's own validation; the same
rows when run again; removed as Saleor's appDelete removes an app; and what the
Dashboard then gets from Saleor's API (extension URLs, extension tokens only for
staff holding the extension's permissions)."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from saleor.app.models import App, AppExtension, AppToken
from saleor.graphql.tests.utils import get_graphql_content

from saleor_crm_plugin.dashboard.manifest import EXTENSIONS

URL = "https://shop.example.com"
APP_BASE = f"{URL}/plugins/saleor-crm-plugin/app/"


def run(*args) -> str:
    out = StringIO()
    call_command("crm_app_install", *args, stdout=out)
    return out.getvalue()


def rows():
    app = App.objects.not_removed().get(identifier="saleor-crm-plugin")
    extensions = {
        ext.identifier: (
            ext.pk,
            ext.mount,
            ext.target,
            ext.url,
            sorted(p.codename for p in ext.permissions.all()),
            ext.settings,
        )
        for ext in AppExtension.objects.filter(app=app)
    }
    return {
        "app": (
            app.pk,
            app.name,
            app.is_active,
            app.is_installed,
            app.app_url,
            app.manifest_url,
            app.version,
            sorted(p.codename for p in app.permissions.all()),
        ),
        "extensions": extensions,
        "tokens": list(AppToken.objects.filter(app=app).values_list("pk", flat=True)),
    }


def test_install_creates_the_app_its_extensions_and_a_token():
    out = run("--public-url", URL + "/")
    state = rows()
    pk, name, active, installed, app_url, manifest_url, _version, perms = state["app"]
    assert (name, active, installed) == ("CRM", True, True)
    assert app_url == APP_BASE
    assert manifest_url == f"{URL}/plugins/saleor-crm-plugin/manifest"
    assert perms == ["manage_discounts", "manage_users"]
    assert set(state["extensions"]) == {ext.identifier for ext in EXTENSIONS}
    widget = state["extensions"]["crm-customer-widget"]
    assert widget[1:5] == (
        "customer_details_widgets",
        "widget",
        APP_BASE + "widgets/customer",
        ["manage_users"],
    )
    assert widget[5] == {"widgetTarget": {"method": "GET"}}
    assert state["extensions"]["crm-overview"][1:4] == (
        "navigation_customers",
        "app_page",
        "/overview",
    )
    assert state["extensions"]["crm-coupon-rules"][4] == ["manage_discounts"]
    assert len(state["tokens"]) == 1
    assert f"Installed the CRM app (Saleor App id {pk})" in out
    assert f"App URL (standalone): {APP_BASE}" in out
    token = out.split("hash): ")[1].strip()
    assert AppToken.objects.get().token_last_4 == token[-4:]


def test_install_twice_gives_the_same_rows_and_no_new_token():
    run("--public-url", URL)
    first = rows()
    out = run("--public-url", URL)
    assert rows() == first
    assert "Updated the CRM app" in out
    assert "App token" not in out
    assert App.objects.count() == 1


def test_install_repairs_drift_in_place():
    run("--public-url", URL)
    first = rows()
    app = App.objects.get()
    AppExtension.objects.filter(app=app, identifier="crm-home-widget").delete()
    AppExtension.objects.filter(app=app, identifier="crm-overview").update(
        url="/elsewhere", mount="navigation_orders"
    )
    AppExtension.objects.create(
        app=app, label="old", url="/old", mount="x", target="popup"
    )
    app.permissions.clear()
    run("--public-url", URL)
    again = rows()
    assert again["app"] == first["app"]
    assert again["extensions"]["crm-overview"] == first["extensions"]["crm-overview"]
    assert set(again["extensions"]) == set(first["extensions"])
    assert again["tokens"] == first["tokens"]


def test_a_new_public_url_updates_the_urls_in_place():
    run("--public-url", URL)
    first = rows()
    run("--public-url", "http://localhost:8000")
    again = rows()
    assert again["app"][0] == first["app"][0]
    assert again["app"][4] == "http://localhost:8000/plugins/saleor-crm-plugin/app/"
    widget = again["extensions"]["crm-customer-widget"]
    assert widget[0] == first["extensions"]["crm-customer-widget"][0]
    assert (
        widget[3]
        == "http://localhost:8000/plugins/saleor-crm-plugin/app/widgets/customer"
    )


def test_the_default_public_url_is_the_plugin_setting(crm_plugin_active, settings):
    crm_plugin_active.configuration = [
        *crm_plugin_active.configuration,
        {"name": "app_public_url", "value": "https://crm.example.org"},
    ]
    crm_plugin_active.save()
    out = run()
    assert "App URL (standalone): https://crm.example.org/plugins/" in out
    settings.PUBLIC_URL = "https://public.example.net"
    crm_plugin_active.configuration = [
        i for i in crm_plugin_active.configuration if i["name"] != "app_public_url"
    ]
    crm_plugin_active.save()
    assert "https://public.example.net/plugins/saleor-crm-plugin/app/" in run()


def test_uninstall_removes_it_as_saleor_does_and_install_again_works():
    run("--public-url", URL)
    old = App.objects.get()
    assert "Removed the CRM app (1)." in run("--uninstall")
    old.refresh_from_db()
    assert old.removed_at is not None and old.is_active is False
    assert not App.objects.not_removed().exists()
    assert "not installed" in run("--uninstall")
    out = run("--public-url", URL)
    assert "Installed the CRM app" in out
    assert App.objects.not_removed().get().pk != old.pk


@pytest.mark.parametrize(
    "bad", ["shop.example.com", "https://x.example/?q=1", "ftp://x"]
)
def test_a_bad_public_url_is_refused(bad):
    with pytest.raises(CommandError, match="--public-url"):
        run("--public-url", bad)
    assert not App.objects.exists()


EXTENSIONS_QUERY = """
query {
  appExtensions(first: 20) {
    edges { node { identifier mountName targetName url accessToken
                   permissions { code } app { id appUrl } } }
  }
}"""


def test_the_dashboard_gets_the_extensions_and_tokens_by_permission(
    staff_api_client, permission_manage_users
):
    run("--public-url", URL)
    staff_api_client.user.user_permissions.add(permission_manage_users)
    data = get_graphql_content(staff_api_client.post_graphql(EXTENSIONS_QUERY))
    nodes = {
        e["node"]["identifier"]: e["node"]
        for e in data["data"]["appExtensions"]["edges"]
    }
    assert set(nodes) == {ext.identifier for ext in EXTENSIONS}
    assert (
        nodes["crm-customers-to-segment"]["mountName"]
        == "CUSTOMER_OVERVIEW_MORE_ACTIONS"
    )
    assert nodes["crm-customers-to-segment"]["targetName"] == "POPUP"
    assert (
        nodes["crm-customers-to-segment"]["url"]
        == APP_BASE + "popups/customers-to-segment"
    )
    assert nodes["crm-home-widget"]["mountName"] == "HOMEPAGE_WIDGETS"
    # MANAGE_USERS extensions get a token, the MANAGE_DISCOUNTS page none
    assert nodes["crm-customer-widget"]["accessToken"]
    assert nodes["crm-coupon-rules"]["accessToken"] is None

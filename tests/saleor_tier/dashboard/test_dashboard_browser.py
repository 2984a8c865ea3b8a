"""The CRM Dashboard app in a real browser (headless Chromium driven by
playwright-core) against the real Saleor + plugin on a live server and a test
database: standalone sign-in with Saleor's tokenCreate; embedded in a page that
plays the Dashboard's side of AppBridge with tokens Saleor's API mints for the app
and its extension (handshake, tokenRefresh, theme, locale ja, routing); the
customer widget. Screenshots go to tests/saleor_tier/dashboard/artifacts/.

Needs the built bundle (``saleor_crm_plugin/static_app/``, built by scripts/test),
``dashboard_extension/node_modules`` (playwright-core) and Debian's chromium."""

import json
import shutil
import subprocess
import time
from pathlib import Path

import graphene
import pytest
import saleor
from django.db import DEFAULT_DB_ALIAS, connections
from saleor.graphql.tests.utils import get_graphql_content

from saleor_crm_plugin.dashboard.install import install
from saleor_crm_plugin.dashboard.serving import STATIC_ROOT
from saleor_crm_plugin.models import CustomerProfile

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
FLOWS = HERE / "browser" / "flows.mjs"
ARTIFACTS = HERE / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
PLAYWRIGHT = ROOT / "dashboard_extension" / "node_modules" / "playwright-core"

pytestmark = [
    pytest.mark.skipif(
        not (STATIC_ROOT / "index.html").is_file(),
        reason="the dashboard app is not built (saleor_crm_plugin/static_app/index.html "
        "missing): cd dashboard_extension && npm ci && npm run build",
    ),
    pytest.mark.skipif(
        not PLAYWRIGHT.is_dir(),
        reason="playwright-core is not installed: cd dashboard_extension && npm ci",
    ),
    pytest.mark.skipif(
        not CHROMIUM.exists() or shutil.which("node") is None,
        reason="needs node and Debian's chromium at /usr/bin/chromium",
    ),
]

TOKENS = """
query T($id: ID!) {
  app(id: $id) { accessToken }
  appExtensions(first: 20) { edges { node { identifier accessToken } } }
}"""


def _tokens(client, app_id):
    data = get_graphql_content(client.post_graphql(TOKENS, {"id": app_id}))["data"]
    extensions = {
        e["node"]["identifier"]: e["node"]["accessToken"]
        for e in data["appExtensions"]["edges"]
    }
    return data["app"]["accessToken"], extensions


@pytest.fixture
def live_server_databases(request, settings, monkeypatch):
    """The live server's threads open their own connections from
    ``connections.settings``: point Saleor's replica alias (a test mirror of the
    default database) at the test database there too. Saleor's test settings make
    a read on the writer database inside a query an error
    (``restrict_writer_middleware``; production only logs it), which Saleor's own
    ``channels`` resolver trips with an app token: the live server (built once,
    here) runs without that test-only guard."""
    settings.MIDDLEWARE = [
        m
        for m in settings.MIDDLEWARE
        if m != "saleor.core.db.connection.restrict_writer_middleware"
    ]
    live_server = request.getfixturevalue("live_server")
    test_name = connections[DEFAULT_DB_ALIAS].settings_dict["NAME"]
    for alias in connections:
        if alias != DEFAULT_DB_ALIAS:
            monkeypatch.setitem(connections.settings[alias], "NAME", test_name)
    return live_server


def test_the_app_in_a_browser(
    transactional_db,  # the live server's threads see only committed rows
    live_server_databases,
    staff_api_client,
    permission_manage_users,
    permission_manage_discounts,
    customer_user,
    channel_USD,
    tmp_path,
):
    staff = staff_api_client.user
    staff.user_permissions.add(permission_manage_users, permission_manage_discounts)
    CustomerProfile.objects.create(
        channel=channel_USD, user=customer_user, currency="USD"
    )
    live_server = live_server_databases
    installed = install(live_server.url)
    app_gid = graphene.Node.to_global_id("App", installed.app.pk)
    page_token, extension_tokens = _tokens(staff_api_client, app_gid)
    time.sleep(1.1)  # a JWT's iat is in seconds: the refreshed token differs
    refreshed_token, _ = _tokens(staff_api_client, app_gid)
    assert page_token and refreshed_token and page_token != refreshed_token
    widget_token = extension_tokens["crm-customer-widget"]
    assert widget_token

    if ARTIFACTS.exists():
        shutil.rmtree(ARTIFACTS)
    config = tmp_path / "config.json"
    config.write_text(
        json.dumps(
            {
                "base": live_server.url,
                "chromium": str(CHROMIUM),
                "artifacts": str(ARTIFACTS),
                "staff": {"email": staff.email, "password": "password"},
                "appId": app_gid,
                "pageToken": page_token,
                "refreshedToken": refreshed_token,
                "widgetToken": widget_token,
                "customerId": graphene.Node.to_global_id("User", customer_user.pk),
                "saleorVersion": saleor.__version__,
            }
        )
    )
    run = subprocess.run(
        ["node", str(FLOWS), str(config)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
    )
    lines = [line for line in run.stdout.splitlines() if line.startswith("{")]
    assert lines, f"no result from the browser flows:\n{run.stdout}\n{run.stderr}"
    result = json.loads(lines[-1])
    assert result["ok"], json.dumps(result, indent=2) + "\n" + run.stderr[-3000:]
    names = [check["name"] for check in result["checks"] if check["ok"]]
    assert any(name.startswith("standalone: signed in") for name in names)
    assert any("tokenRefresh" in name for name in names)
    assert any("ja locale" in name for name in names)
    shots = sorted(p.name for p in ARTIFACTS.glob("*.png"))
    assert {
        "standalone-overview-en.png",
        "embedded-overview-ja-dark.png",
        "widget-customer-en.png",
    } <= set(shots)

from crm_helpers import on_crm
from saleor.graphql.tests.utils import assert_no_permission, get_graphql_content

MY_PROFILE = """
query($channel: String!) {
  crmMyProfile(channel: $channel) { ordersCount totalSpent { amount currency } }
}
"""


def test_anonymous_gets_permission_error(api_client, crm_plugin_active, channel_USD):
    response = on_crm(api_client).post_graphql(
        MY_PROFILE, {"channel": channel_USD.slug}
    )
    assert_no_permission(response)


def test_customer_without_orders_has_no_profile(
    user_api_client, crm_plugin_active, channel_USD
):
    response = on_crm(user_api_client).post_graphql(
        MY_PROFILE, {"channel": channel_USD.slug}
    )
    content = get_graphql_content(response)
    assert content["data"]["crmMyProfile"] is None

"""The plugin endpoint accepts the tokens a Saleor Dashboard extension carries:
Saleor's third-party JWT for an app acting for a staff user, whose permissions are
the intersection of the app's and the user's."""

import graphene
from crm_helpers import on_crm
from saleor.core.jwt import create_access_token_for_app
from saleor.graphql.tests.utils import assert_no_permission, get_graphql_content

PROFILE = """
query ($id: ID!, $channel: String!) {
  crmCustomerProfile(customerId: $id, channel: $channel) { ordersCount }
}
"""


def _post(api_client, token, variables):
    api_client = on_crm(api_client)
    return api_client.post_graphql(
        PROFILE, variables, HTTP_AUTHORIZATION=f"Bearer {token}"
    )


def test_extension_token_with_manage_users_on_both_sides(
    api_client, app, staff_user, permission_manage_users, customer_user, channel_USD
):
    app.permissions.add(permission_manage_users)
    staff_user.user_permissions.add(permission_manage_users)
    token = create_access_token_for_app(app, staff_user)
    variables = {
        "id": graphene.Node.to_global_id("User", customer_user.pk),
        "channel": channel_USD.slug,
    }
    content = get_graphql_content(_post(api_client, token, variables))
    assert "errors" not in content
    assert content["data"]["crmCustomerProfile"] is None  # no orders yet, no profile


def test_extension_token_without_the_users_permission_is_refused(
    api_client, app, staff_user, permission_manage_users, customer_user, channel_USD
):
    # The app has MANAGE_USERS but the staff member using the extension does not.
    app.permissions.add(permission_manage_users)
    token = create_access_token_for_app(app, staff_user)
    variables = {
        "id": graphene.Node.to_global_id("User", customer_user.pk),
        "channel": channel_USD.slug,
    }
    assert_no_permission(_post(api_client, token, variables))

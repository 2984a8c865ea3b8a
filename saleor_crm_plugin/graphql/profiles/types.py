import graphene
from prices import Money as PricesMoney
from saleor.graphql.core.scalars import DateTime
from saleor.graphql.core.types import ModelObjectType
from saleor.graphql.core.types.money import Money

from ...models import CustomerProfile, RfmScore


def _money(field):
    def resolve(root: CustomerProfile, _info):
        return PricesMoney(getattr(root, field), root.currency)

    return resolve


def _rfm(field):
    """A score of the profile's ``RfmScore`` row; null while unscored."""

    def resolve(root: CustomerProfile, _info):
        try:
            return getattr(root.rfm_score, field)
        except RfmScore.DoesNotExist:
            return None

    return resolve


class CRMCustomerProfile(ModelObjectType[CustomerProfile]):
    id = graphene.GlobalID(required=True, description="The profile's ID.")
    channel = graphene.String(required=True, description="Slug of the channel.")
    customer_id = graphene.ID(
        description="Saleor ID of the customer account; null for a guest profile."
    )
    currency = graphene.String(required=True, description="Channel currency.")
    orders_count = graphene.Int(
        required=True, description="Orders placed and not cancelled."
    )
    cancelled_orders_count = graphene.Int(required=True)
    paid_orders_count = graphene.Int(
        required=True,
        description="Paid orders that were neither cancelled nor fully refunded.",
    )
    other_currency_orders_count = graphene.Int(
        required=True,
        description=(
            "Orders in a currency other than the channel's; counted, never added to "
            "the money figures."
        ),
    )
    total_spent = graphene.Field(
        Money, required=True, description="Gross total of paid orders."
    )
    total_refunded = graphene.Field(Money, required=True)
    net_spent = graphene.Field(
        Money, required=True, description="Total spent minus refunds."
    )
    average_order_value = graphene.Field(
        Money, required=True, description="Net spent per paid order."
    )
    first_order_at = DateTime()
    last_order_at = DateTime()
    first_paid_at = DateTime()
    last_paid_at = DateTime()
    last_checkout_at = DateTime(
        description="Last checkout activity of the signed-in customer."
    )
    updated_at = DateTime(required=True)
    rfm_recency = graphene.Int(description="RFM recency score 1-5 (5: most recent).")
    rfm_frequency = graphene.Int(description="RFM frequency score 1-5.")
    rfm_monetary = graphene.Int(description="RFM monetary score 1-5.")
    rfm_group = graphene.String(description="RFM group, e.g. champions, at_risk.")

    class Meta:
        description = "CRM figures of one customer in one channel."
        interfaces = [graphene.relay.Node]
        model = CustomerProfile

    resolve_total_spent = staticmethod(_money("total_spent_amount"))
    resolve_total_refunded = staticmethod(_money("total_refunded_amount"))
    resolve_net_spent = staticmethod(_money("net_spent_amount"))
    resolve_average_order_value = staticmethod(_money("average_order_value_amount"))

    resolve_rfm_recency = staticmethod(_rfm("recency"))
    resolve_rfm_frequency = staticmethod(_rfm("frequency"))
    resolve_rfm_monetary = staticmethod(_rfm("monetary"))
    resolve_rfm_group = staticmethod(_rfm("group_name"))

    @staticmethod
    def resolve_channel(root: CustomerProfile, _info):
        return root.channel.slug

    @staticmethod
    def resolve_customer_id(root: CustomerProfile, _info):
        if root.user_id is None:
            return None
        return graphene.Node.to_global_id("User", root.user_id)

"""Types of the analytics queries: item analytics (repurchase intervals,
co-purchases, a customer's due dates)."""

import graphene
from saleor.graphql.core.connection import CountableConnection
from saleor.graphql.core.scalars import DateTime
from saleor.graphql.core.types import ModelObjectType

from ...models import CoPurchase, RepurchaseInterval
from .enums import KIND_NAMES, CRMCoPurchaseRelationEnum, CRMItemKindEnum, item_gid


class CRMRepurchaseInterval(ModelObjectType[RepurchaseInterval]):
    id = graphene.GlobalID(required=True)
    channel = graphene.String(required=True, description="Slug of the channel.")
    kind = CRMItemKindEnum(required=True)
    item = graphene.ID(required=True, description="The Product or Category.")
    customers = graphene.Int(required=True, description="Customers who bought it.")
    repeat_customers = graphene.Int(
        required=True, description="Customers who bought it more than once."
    )
    intervals = graphene.Int(
        required=True,
        description="Intervals measured: purchases after a "
        "customer's first, over every customer.",
    )
    lower_quartile_days = graphene.Float(required=True)
    median_days = graphene.Float(
        required=True,
        description="Median of the days between consecutive "
        "purchases of it by the same customer.",
    )
    upper_quartile_days = graphene.Float(required=True)
    computed_at = DateTime(required=True, description="The refresh that wrote it.")

    class Meta:
        description = "How long a channel's customers take to buy an item again."
        interfaces = [graphene.relay.Node]
        model = RepurchaseInterval

    @staticmethod
    def resolve_channel(root, _info):
        return root.channel.slug

    @staticmethod
    def resolve_kind(root, _info):
        return KIND_NAMES[root.kind]

    @staticmethod
    def resolve_item(root, _info):
        return item_gid(root.kind, root.item_id)

    @staticmethod
    def resolve_lower_quartile_days(root, _info):
        return root.q1_days

    @staticmethod
    def resolve_upper_quartile_days(root, _info):
        return root.q3_days


class CRMRepurchaseIntervalCountableConnection(CountableConnection):
    class Meta:
        node = CRMRepurchaseInterval


class CRMCoPurchase(ModelObjectType[CoPurchase]):
    id = graphene.GlobalID(required=True)
    channel = graphene.String(required=True)
    kind = CRMItemKindEnum(required=True)
    relation = CRMCoPurchaseRelationEnum(required=True)
    item = graphene.ID(required=True, description="X: the item bought first / with.")
    other = graphene.ID(required=True, description="Y: what was bought with or after.")
    rank = graphene.Int(required=True, description="1 = X's strongest co-purchase.")
    orders = graphene.Int(
        required=True,
        description="n_XY: orders holding X with (TOGETHER) or followed by (AFTER) Y.",
    )
    item_orders = graphene.Int(required=True, description="n_X: orders holding X.")
    other_orders = graphene.Int(
        required=True,
        description="n_Y: orders holding Y "
        "(TOGETHER) or next orders holding Y (AFTER).",
    )
    total_orders = graphene.Int(
        required=True,
        description="N: the channel's orders holding an item of the kind.",
    )
    support = graphene.Float(required=True, description="n_XY / N.")
    confidence = graphene.Float(required=True, description="n_XY / n_X.")
    lift = graphene.Float(required=True, description="confidence / (n_Y / N).")
    window_days = graphene.Int(description="AFTER: the next order's window.")
    computed_at = DateTime(required=True)

    class Meta:
        description = "One of an item's top co-purchases in a channel."
        interfaces = [graphene.relay.Node]
        model = CoPurchase

    @staticmethod
    def resolve_channel(root, _info):
        return root.channel.slug

    @staticmethod
    def resolve_kind(root, _info):
        return KIND_NAMES[root.kind]

    @staticmethod
    def resolve_item(root, _info):
        return item_gid(root.kind, root.item_id)

    @staticmethod
    def resolve_other(root, _info):
        return item_gid(root.kind, root.other_id)


class CRMCoPurchaseCountableConnection(CountableConnection):
    class Meta:
        node = CRMCoPurchase


class CRMRepurchaseDue(graphene.ObjectType):
    kind = CRMItemKindEnum(required=True)
    item = graphene.ID(required=True)
    purchases = graphene.Int(required=True)
    last_purchased_at = DateTime(required=True)
    own_interval_days = graphene.Float(
        description="The customer's own median interval (from 3 purchases on)."
    )
    item_median_days = graphene.Float(description="The item's median in the channel.")
    due_at = DateTime(
        required=True,
        description="Last purchase + the customer's own "
        "interval, else + the item's median.",
    )


class CRMRepurchaseDueCountableConnection(CountableConnection):
    class Meta:
        node = CRMRepurchaseDue

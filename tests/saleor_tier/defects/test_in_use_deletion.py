"""A segment or a tier that a coupon rule's trigger uses cannot be deleted (the
rule would silently stop issuing): the deletion is refused with ``IN_USE``,
naming the rules; once the rules no longer use it, it goes."""

from decimal import Decimal

from crm_helpers import crm_gql, gid

from saleor_crm_plugin.coupons import rules as coupon_rules
from saleor_crm_plugin.models import CouponRule, Segment, Tier

SEGMENT_DELETE = """
mutation D($id: ID!) {
  crmSegmentDelete(id: $id) { segment { id } errors { field code message } }
}"""
TIER_DELETE = """
mutation D($id: ID!) {
  crmTierDelete(id: $id) { tier { id } errors { field code message } }
}"""
PROGRAM_DELETE = """
mutation D($id: ID!) {
  crmLoyaltyProgramDelete(id: $id) { program { id } errors { field code message } }
}"""


def _rule(channel, name, trigger, params):
    return coupon_rules.save_rule(
        None,
        {
            "name": name,
            "channel": channel,
            "trigger": trigger,
            "trigger_params": params,
            "discount_type": "percentage",
            "discount_value": Decimal(10),
            "validity_days": 30,
        },
    )


def test_a_segment_a_rule_uses_is_not_deleted(staff_users_admin, channel_USD):
    segment = Segment.objects.create(
        name="Regulars",
        channel=channel_USD,
        rule={"field": "paid_orders_count", "op": "gte", "value": 3},
    )
    entry = _rule(
        channel_USD, "Welcome regulars", "segment_entry", {"segment_id": segment.pk}
    )
    weekly = _rule(
        channel_USD, "Weekly", "schedule", {"segment_id": segment.pk, "every_days": 7}
    )
    data = crm_gql(
        staff_users_admin, SEGMENT_DELETE, {"id": gid("CRMSegment", segment.pk)}
    )
    payload = data["crmSegmentDelete"]
    assert payload["segment"] is None
    [error] = payload["errors"]
    assert (error["field"], error["code"]) == ("id", "IN_USE")
    assert '"Welcome regulars"' in error["message"] and '"Weekly"' in error["message"]
    assert Segment.objects.filter(pk=segment.pk).exists()

    # once no rule uses it, the segment goes
    entry.delete()
    weekly.delete()
    data = crm_gql(
        staff_users_admin, SEGMENT_DELETE, {"id": gid("CRMSegment", segment.pk)}
    )
    assert data["crmSegmentDelete"]["errors"] == []
    assert not Segment.objects.filter(pk=segment.pk).exists()


def test_a_tier_a_rule_uses_is_not_deleted_nor_its_program(
    staff_discounts_admin, channel_USD, ladder
):
    program, tiers = ladder
    gold = tiers["Gold"]
    rule = _rule(channel_USD, "Gold welcome", "tier_upgrade", {"tier_id": gold.pk})
    data = crm_gql(staff_discounts_admin, TIER_DELETE, {"id": gid("CRMTier", gold.pk)})
    [error] = data["crmTierDelete"]["errors"]
    assert (error["field"], error["code"]) == ("id", "IN_USE")
    assert '"Gold welcome"' in error["message"]
    assert Tier.objects.filter(pk=gold.pk).exists()

    data = crm_gql(
        staff_discounts_admin,
        PROGRAM_DELETE,
        {"id": gid("CRMLoyaltyProgram", program.pk)},
    )
    [error] = data["crmLoyaltyProgramDelete"]["errors"]
    assert error["code"] == "IN_USE" and '"Gold welcome"' in error["message"]
    assert Tier.objects.filter(pk=gold.pk).exists()

    # a tier no rule names is deleted as before
    silver = tiers["Silver"]
    data = crm_gql(
        staff_discounts_admin, TIER_DELETE, {"id": gid("CRMTier", silver.pk)}
    )
    assert data["crmTierDelete"]["errors"] == []
    CouponRule.objects.filter(pk=rule.pk).delete()
    data = crm_gql(staff_discounts_admin, TIER_DELETE, {"id": gid("CRMTier", gold.pk)})
    assert data["crmTierDelete"]["errors"] == []

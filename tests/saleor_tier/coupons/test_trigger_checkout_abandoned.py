"""The ``checkout_abandoned`` coupon trigger on real Saleor checkouts: a checkout
with lines and an email, idle N hours, not completed, whose customer has not
ordered since, issues one code per checkout to its customer — a guest only with
the consent key in the checkout's metadata (set by a storefront without any
permission) and only when the CRM knows them; the dry run counts what the run
issues; the checkout hooks cost not one statement more with such a rule on."""

from datetime import timedelta
from decimal import Decimal

import pytest
from crm_helpers import crm_gql, gid, gql
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from saleor.account.models import User
from saleor.checkout.models import Checkout, CheckoutLine, CheckoutMetadata
from saleor.order.models import Order
from saleor.plugins.manager import get_plugins_manager

from saleor_crm_plugin.coupons import issuing as coupons
from saleor_crm_plugin.coupons import rules as coupon_rules
from saleor_crm_plugin.models import CouponGrant, CustomerOrder, CustomerProfile

CONSENT = "crm.marketing_consent"  # the plugin's default consent_metadata_key


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Channel averages are cached for an hour; channel keys repeat across tests."""
    from django.core.cache import cache

    cache.clear()


def ago(hours: float):
    return timezone.now() - timedelta(hours=hours)


def new_rule(channel, hours=24, *, activated=None, **values):
    data = {
        "name": "Abandoned checkout",
        "channel": channel,
        "trigger": "checkout_abandoned",
        "trigger_params": {"hours": hours},
        "discount_type": "percentage",
        "discount_value": Decimal(10),
        "validity_days": 7,
        **values,
    }
    rule = coupon_rules.save_rule(None, data)
    return coupon_rules.activate(rule, now=activated or ago(48))


def profile(channel, email, *, account=True):
    user = User.objects.create(email=email) if account else None
    return CustomerProfile.objects.create(
        channel=channel, user=user, email=email, currency="USD"
    )


def checkout(
    channel,
    variant,
    *,
    user=None,
    email="",
    idle_hours=30,
    lines=1,
    consent=None,
):
    """A Saleor checkout as a storefront leaves it: lines, an email, public
    metadata; last changed ``idle_hours`` ago."""
    made = Checkout.objects.create(
        currency="USD", channel=channel, user=user, email=email or None
    )
    CheckoutMetadata.objects.create(
        checkout=made, metadata={CONSENT: consent} if consent is not None else {}
    )
    for _ in range(lines):
        CheckoutLine.objects.create(
            checkout=made,
            variant=variant,
            quantity=1,
            currency="USD",
            undiscounted_unit_price_amount=Decimal(10),
        )
    # auto_now: only an UPDATE of the queryset sets the moment back
    Checkout.objects.filter(pk=made.pk).update(last_change=ago(idle_hours))
    made.refresh_from_db()
    return made


def issued(rule, now=None):
    coupons.run_rule(rule, now)
    return {
        (g.profile.email, g.trigger_key)
        for g in CouponGrant.objects.filter(rule=rule).select_related("profile")
    }


def test_codes_go_to_abandoned_checkouts_of_known_customers_once_per_checkout(
    channel_USD, product
):
    variant = product.variants.first()
    signed_in = profile(channel_USD, "signed@example.com")
    guest = profile(channel_USD, "guest@example.com", account=False)
    # an account's guest checkout (attribute_guest_orders, the default): theirs
    attributed = profile(channel_USD, "attr@example.com")
    due = [
        checkout(channel_USD, variant, user=signed_in.user, email=signed_in.email),
        # the guest typed their email in another case: Saleor keeps it as typed
        checkout(channel_USD, variant, email="Guest@Example.com", consent="yes"),
        checkout(channel_USD, variant, email=attributed.email, consent="true"),
    ]
    no_lines = profile(channel_USD, "empty@example.com")
    checkout(channel_USD, variant, user=no_lines.user, email=no_lines.email, lines=0)
    no_email = profile(channel_USD, "noemail@example.com")
    checkout(channel_USD, variant, user=no_email.user, email="")
    recent = profile(channel_USD, "recent@example.com")
    checkout(channel_USD, variant, user=recent.user, email=recent.email, idle_hours=20)
    # crossed the idle line before the switch-on (and the 7-day catch-up)
    old = profile(channel_USD, "old@example.com")
    checkout(channel_USD, variant, user=old.user, email=old.email, idle_hours=24 * 10)
    no_consent = profile(channel_USD, "noconsent@example.com", account=False)
    checkout(channel_USD, variant, email=no_consent.email)
    refused = profile(channel_USD, "refused@example.com", account=False)
    checkout(channel_USD, variant, email=refused.email, consent="false")
    # a guest with consent the CRM does not know (never ordered): nobody to issue to
    checkout(channel_USD, variant, email="stranger@example.com", consent="true")
    # being completed right now
    paying = profile(channel_USD, "paying@example.com")
    busy = checkout(channel_USD, variant, user=paying.user, email=paying.email)
    Checkout.objects.filter(pk=busy.pk).update(completing_started_at=timezone.now())

    rule = new_rule(channel_USD, 24, max_per_customer=5)
    expected = {
        (signed_in.email, f"checkout:{due[0].token}"),
        (guest.email, f"checkout:{due[1].token}"),
        (attributed.email, f"checkout:{due[2].token}"),
    }
    assert issued(rule) == expected
    grants = CouponGrant.objects.filter(rule=rule)
    assert all(g.code.startswith("CRM-") and not g.control for g in grants)
    assert issued(rule) == expected  # one per checkout: the second run adds none
    assert grants.count() == 3

    # the customer comes back and leaves again: still the same checkout
    Checkout.objects.filter(pk=due[0].pk).update(last_change=ago(25))
    assert issued(rule) == expected
    # a new checkout of theirs abandoned later is a new one (the cap allows 5)
    again = checkout(
        channel_USD, variant, user=signed_in.user, email=signed_in.email, idle_hours=26
    )
    assert (signed_in.email, f"checkout:{again.token}") in issued(rule)


def test_no_code_once_the_customer_ordered_after_the_checkout(channel_USD, product):
    variant = product.variants.first()
    rule = new_rule(channel_USD, 24)
    # ordered since, as the CRM knows it (its copy of the order)
    crm_known = profile(channel_USD, "crm@example.com")
    kept = checkout(channel_USD, variant, user=crm_known.user, email=crm_known.email)
    CustomerOrder.objects.create(
        order_id="00000000-0000-4000-8000-000000000001",
        profile=crm_known,
        channel_id=channel_USD.pk,
        currency="USD",
        total_amount=Decimal(30),
        status="unfulfilled",
        placed_at=kept.last_change + timedelta(hours=2),
    )
    # ordered since in Saleor, before the CRM caught up: by account and by email
    by_account = profile(channel_USD, "acct@example.com")
    checkout(channel_USD, variant, user=by_account.user, email=by_account.email)
    by_email = profile(channel_USD, "mail@example.com", account=False)
    checkout(channel_USD, variant, email=by_email.email, consent="on")
    for user, email in ((by_account.user, "x@example.com"), (None, by_email.email)):
        order = Order.objects.create(
            channel=channel_USD,
            user=user,
            user_email=email,
            currency="USD",
            status="unfulfilled",
            lines_count=1,
        )
        Order.objects.filter(pk=order.pk).update(created_at=ago(3))
    # an order BEFORE the checkout's last change does not stop it
    before = profile(channel_USD, "before@example.com")
    left = checkout(channel_USD, variant, user=before.user, email=before.email)
    CustomerOrder.objects.create(
        order_id="00000000-0000-4000-8000-000000000002",
        profile=before,
        channel_id=channel_USD.pk,
        currency="USD",
        total_amount=Decimal(30),
        status="fulfilled",
        placed_at=left.last_change - timedelta(days=3),
    )

    assert issued(rule) == {(before.email, f"checkout:{left.token}")}


def test_a_storefront_records_a_guests_consent_on_the_checkout(
    api_client, channel_USD, product
):
    """What a storefront can set without a token of any staff or app: the
    checkout's public metadata, by the checkout's own ID."""
    variant = product.variants.first()
    known = profile(channel_USD, "shopper@example.com", account=False)
    guest_checkout = checkout(channel_USD, variant, email=known.email)
    rule = new_rule(channel_USD, 24)
    assert issued(rule) == set()  # no consent yet

    data = gql(
        api_client,
        """mutation M($id: ID!, $input: [MetadataInput!]!) {
          updateMetadata(id: $id, input: $input) { errors { field code } } }""",
        {
            "id": gid("Checkout", guest_checkout.token),
            "input": [{"key": CONSENT, "value": "true"}],
        },
    )
    assert data["updateMetadata"]["errors"] == []
    # the mutation touched the checkout's metadata, not its last change
    Checkout.objects.filter(pk=guest_checkout.pk).update(last_change=ago(30))

    assert issued(rule) == {(known.email, f"checkout:{guest_checkout.token}")}


def test_the_dry_run_counts_what_the_run_issues(channel_USD, product):
    variant = product.variants.first()
    for n in range(4):
        customer = profile(channel_USD, f"d{n}@example.com")
        checkout(channel_USD, variant, user=customer.user, email=customer.email)
    guest = profile(channel_USD, "dg@example.com", account=False)
    checkout(channel_USD, variant, email=guest.email, consent="1")
    checkout(channel_USD, variant, email=guest.email)  # no consent on this one
    customer = profile(channel_USD, "late@example.com")
    checkout(
        channel_USD, variant, user=customer.user, email=customer.email, idle_hours=2
    )
    rule = new_rule(channel_USD, 24, control_share=Decimal("0.2"))
    now = timezone.now()

    dry = coupons.dry_run(rule, now, sample_size=100)
    assert not CouponGrant.objects.exists()  # the dry run writes nothing
    result = coupons.run_rule(rule, now)

    assert dry.on_activation.customers == 5
    assert dry.on_activation.codes + dry.on_activation.held_out == 5
    assert result.issued + result.held_out == 5
    assert CouponGrant.objects.filter(rule=rule).count() == 5
    # a second dry run: everything is issued already
    assert coupons.dry_run(rule, timezone.now()).on_activation.customers == 0


# --- the checkout hooks --------------------------------------------------------------


def _statements(action) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        action()
    return [q["sql"] for q in ctx.captured_queries]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("signed_in", [False, True])
def test_the_checkout_hooks_cost_no_statement_more_with_the_rule_on(
    signed_in, checkout_with_item, customer_user, channel_USD
):
    """The trigger reads Saleor's checkout rows in the periodic run: with an
    abandoned-checkout rule on, a guest's checkout hooks still run no statement
    and a signed-in customer's the one they ran before (README, Performance)."""
    manager = get_plugins_manager(allow_replica=False)
    manager.get_plugins(channel_slug=checkout_with_item.channel.slug)
    CustomerProfile.objects.create(
        user=customer_user,
        channel=channel_USD,
        email=customer_user.email,
        currency="USD",
    )
    new_rule(channel_USD, 1)
    checkout_with_item.user = customer_user if signed_in else None
    checkout_with_item.save(update_fields=["user"])
    checkout_with_item.metadata_storage.store_value_in_metadata({CONSENT: "true"})
    checkout_with_item.metadata_storage.save()

    created = _statements(lambda: manager.checkout_created(checkout_with_item))
    updated = _statements(lambda: manager.checkout_updated(checkout_with_item))

    budget = 1 if signed_in else 0
    assert len(created) == budget, created
    assert len(updated) == budget, updated


# --- the API -------------------------------------------------------------------------

CREATE = """
mutation C($input: CRMCouponRuleInput!) {
  crmCouponRuleCreate(input: $input) {
    rule { trigger { kind hours days } }
    errors { field code message }
  }
}"""


def _create(client, channel, trigger):
    return crm_gql(
        client,
        CREATE,
        {
            "input": {
                "name": "Left in the cart",
                "channel": channel.slug,
                "trigger": trigger,
                "discountType": "PERCENTAGE",
                "discountValue": "10",
            }
        },
    )["crmCouponRuleCreate"]


def test_create_through_the_api(staff_discounts_admin, channel_USD):
    payload = _create(
        staff_discounts_admin, channel_USD, {"kind": "CHECKOUT_ABANDONED", "hours": 6}
    )
    assert payload["errors"] == []
    assert payload["rule"]["trigger"] == {
        "kind": "CHECKOUT_ABANDONED",
        "hours": 6,
        "days": None,
    }
    catalogue = crm_gql(
        staff_discounts_admin,
        "{ crmCouponTriggers { kind isEvent parameters { name required min max } } }",
    )["crmCouponTriggers"]
    entry = next(t for t in catalogue if t["kind"] == "CHECKOUT_ABANDONED")
    assert entry["isEvent"] is False
    assert entry["parameters"] == [
        {"name": "hours", "required": True, "min": 1, "max": 720}
    ]


@pytest.mark.parametrize(
    ("trigger", "expected"),
    [
        ({"kind": "CHECKOUT_ABANDONED"}, [("hours", "REQUIRED")]),
        ({"kind": "CHECKOUT_ABANDONED", "hours": 721}, [("hours", "INVALID")]),
        ({"kind": "CHECKOUT_ABANDONED", "hours": 5, "days": 2}, [("days", "INVALID")]),
    ],
)
def test_bad_input_is_a_typed_error_and_writes_nothing(
    staff_discounts_admin, channel_USD, trigger, expected
):
    from saleor_crm_plugin.models import CouponRule

    payload = _create(staff_discounts_admin, channel_USD, trigger)
    assert [(e["field"], e["code"]) for e in payload["errors"]] == expected
    assert payload["rule"] is None
    assert not CouponRule.objects.exists()

"""Program and tier administration (``programs.py``) against the real Saleor: every
rule of a program and of a ladder refused with a typed :class:`LoyaltyError`
naming the field, nothing written when refused (not the program, not the tier,
not its Saleor voucher, not even the caller's object), and the Saleor voucher
behind each tier following its benefits."""

from decimal import Decimal

import pytest
from saleor.discount import DiscountValueType, VoucherType
from saleor.discount.models import Voucher

from saleor_crm_plugin.loyalty import programs
from saleor_crm_plugin.loyalty.errors import LoyaltyError
from saleor_crm_plugin.models import LoyaltyProgram, Membership, Tier


def refused(call, *args, **kwargs) -> tuple[str, str]:
    """The refusal's field and the name of its ``CRMErrorCode`` member."""
    with pytest.raises(LoyaltyError) as info:
        call(*args, **kwargs)
    return info.value.field, info.value.code.name


def db_state():
    """Everything these functions may write."""
    return (
        list(LoyaltyProgram.objects.order_by("pk").values()),
        list(Tier.objects.order_by("pk").values()),
        list(Voucher.objects.order_by("pk").values_list("pk", "name", "type")),
    )


@pytest.fixture
def program(channel_USD):
    return programs.create_program(channel_USD)


# --- programs -------------------------------------------------------------------


def test_create_program_with_defaults_and_one_per_channel(channel_USD):
    program = programs.create_program(
        channel_USD,
        points_per_unit=Decimal("0.5"),
        window_kind="calendar_year",
        time_zone="Asia/Tokyo",
        not_a_field="ignored",
    )
    stored = LoyaltyProgram.objects.get(channel=channel_USD)
    assert stored.pk == program.pk
    assert (stored.points_per_unit, stored.window_kind, stored.time_zone) == (
        Decimal("0.5"),
        "calendar_year",
        "Asia/Tokyo",
    )
    before = db_state()
    assert refused(programs.create_program, channel_USD) == ("channel", "UNIQUE")
    assert db_state() == before


PROGRAM_CASES = [
    ({"rounding": "up"}, ("rounding", "INVALID")),
    ({"redemption_kind": "cash"}, ("redemption_kind", "INVALID")),
    ({"window_kind": "weekly"}, ("window_kind", "INVALID")),
    ({"discount_policy": "both"}, ("discount_policy", "INVALID")),
    ({"points_per_unit": Decimal(0)}, ("points_per_unit", "INVALID")),
    ({"points_per_unit": Decimal(-1)}, ("points_per_unit", "INVALID")),
    # would be rounded to 0 by the column's 4 decimal places
    ({"points_per_unit": Decimal("0.00001")}, ("points_per_unit", "INVALID")),
    ({"points_per_unit": Decimal("1e9")}, ("points_per_unit", "INVALID")),
    ({"point_value": Decimal(0)}, ("point_value", "INVALID")),
    ({"point_value": Decimal("NaN")}, ("point_value", "INVALID")),
    ({"return_window_days": -1}, ("return_window_days", "INVALID")),
    ({"return_window_days": 366}, ("return_window_days", "INVALID")),
    ({"points_validity_days": 0}, ("points_validity_days", "INVALID")),
    ({"min_redemption_points": 2**31}, ("min_redemption_points", "INVALID")),
    ({"review_period_months": 0}, ("review_period_months", "INVALID")),
    ({"expiry_warning_days": 5000}, ("expiry_warning_days", "INVALID")),
    (
        {"window_kind": "rolling_months", "window_months": 0},
        ("window_months", "INVALID"),
    ),
    (
        {"window_kind": "rolling_months", "window_months": 121},
        ("window_months", "INVALID"),
    ),
    ({"time_zone": "Mars/Olympus"}, ("time_zone", "INVALID")),
    ({"time_zone": "x" * 65}, ("time_zone", "INVALID")),
    (
        {"metadata_tier_key": "loyalty", "metadata_points_key": "loyalty"},
        ("metadata_points_key", "INVALID"),
    ),
    ({"metadata_tier_key": " tier"}, ("metadata_tier_key", "INVALID")),
    ({"metadata_points_key": "p\noints"}, ("metadata_points_key", "INVALID")),
    ({"metadata_tier_key": "k" * 129}, ("metadata_tier_key", "INVALID")),
]


@pytest.mark.parametrize(("values", "expected"), PROGRAM_CASES)
def test_program_validation_on_create_writes_nothing(channel_USD, values, expected):
    assert refused(programs.create_program, channel_USD, **values) == expected
    assert not LoyaltyProgram.objects.exists()


def test_program_validation_on_update_leaves_row_and_object_unchanged(program):
    for values, expected in PROGRAM_CASES:
        before = db_state()
        snapshot = {f: getattr(program, f) for f in programs.PROGRAM_FIELDS}
        assert refused(programs.update_program, program, **values) == expected, values
        assert db_state() == before
        assert {f: getattr(program, f) for f in programs.PROGRAM_FIELDS} == snapshot


def test_window_months_only_matter_for_rolling_windows(channel_USD):
    program = programs.create_program(
        channel_USD, window_kind="lifetime", window_months=0
    )
    assert LoyaltyProgram.objects.get(pk=program.pk).window_kind == "lifetime"
    programs.update_program(program, points_validity_days=None)
    assert LoyaltyProgram.objects.get(pk=program.pk).points_validity_days is None


def test_metadata_keys_cannot_collide_with_defaults_or_another_channel(
    program, channel_USD, channel_PLN
):
    # the points key defaults to crm.<channel>.points
    default_points = f"crm.{channel_USD.slug}.points"
    assert programs.metadata_keys(program) == (
        f"crm.{channel_USD.slug}.tier",
        default_points,
    )
    assert refused(
        programs.update_program, program, metadata_tier_key=default_points
    ) == ("metadata_points_key", "INVALID")
    # another channel's program may not mirror into the same keys
    assert refused(
        programs.create_program, channel_PLN, metadata_points_key=default_points
    ) == ("metadata_points_key", "UNIQUE")
    programs.update_program(program, metadata_tier_key="loyalty_tier")
    assert refused(
        programs.create_program, channel_PLN, metadata_tier_key="loyalty_tier"
    ) == ("metadata_tier_key", "UNIQUE")
    assert LoyaltyProgram.objects.count() == 1
    other = programs.create_program(channel_PLN, metadata_tier_key="loyalty_tier_pln")
    assert programs.metadata_keys(other) == (
        "loyalty_tier_pln",
        f"crm.{channel_PLN.slug}.points",
    )


def test_delete_program_drops_tiers_and_vouchers_unless_it_has_members(
    program, customer_user
):
    gold = programs.create_tier(
        program,
        name="Gold",
        rank=1,
        threshold=Decimal(100),
        discount_type="percentage",
        discount_value=Decimal(5),
    )
    Membership.objects.create(program=program, user=customer_user)
    before = db_state()
    assert refused(programs.delete_program, program) == ("id", "INVALID")
    assert db_state() == before
    Membership.objects.all().delete()
    programs.delete_program(program)
    assert not LoyaltyProgram.objects.exists() and not Tier.objects.exists()
    assert not Voucher.objects.filter(pk=gold.voucher_id).exists()


# --- tiers ----------------------------------------------------------------------


def voucher_of(tier: Tier) -> Voucher | None:
    tier.refresh_from_db()
    return Voucher.objects.filter(pk=tier.voucher_id).first()


def test_tier_voucher_follows_the_benefits(program, channel_USD, category, collection):
    regular = programs.create_tier(program, name=" Regular ", rank=0, threshold=0)
    assert regular.name == "Regular" and voucher_of(regular) is None

    silver = programs.create_tier(
        program,
        name="Silver",
        rank=1,
        threshold=Decimal(50),
        discount_type="percentage",
        discount_value=Decimal(10),
    )
    voucher = voucher_of(silver)
    assert (voucher.type, voucher.discount_value_type) == (
        VoucherType.ENTIRE_ORDER,
        DiscountValueType.PERCENTAGE,
    )
    listing = voucher.channel_listings.get()
    assert (listing.channel_id, listing.currency, listing.discount_value) == (
        channel_USD.pk,
        "USD",
        Decimal(10),
    )

    # limited to a category and a collection: a specific-product voucher
    programs.update_tier(
        silver,
        discount_type="fixed",
        discount_value=Decimal("7.5"),
        category_ids=[category.pk],
        collection_ids=[collection.pk],
        min_spend=Decimal(20),
    )
    voucher = voucher_of(silver)
    assert (voucher.type, voucher.discount_value_type) == (
        VoucherType.SPECIFIC_PRODUCT,
        DiscountValueType.FIXED,
    )
    assert list(voucher.categories.values_list("pk", flat=True)) == [category.pk]
    assert list(voucher.collections.values_list("pk", flat=True)) == [collection.pk]
    listing = voucher.channel_listings.get()
    assert (listing.discount_value, listing.min_spent_amount) == (Decimal("7.5"), 20)

    # free shipping alone: a 100 % shipping voucher, the same one re-shaped
    programs.update_tier(
        silver,
        discount_type="none",
        discount_value=Decimal(0),
        category_ids=[],
        collection_ids=[],
        free_shipping=True,
    )
    reshaped = voucher_of(silver)
    assert reshaped.pk == voucher.pk and reshaped.type == VoucherType.SHIPPING
    assert reshaped.channel_listings.get().discount_value == 100

    # a change that does not touch the benefits leaves the voucher alone
    programs.update_tier(
        silver, threshold=Decimal(60), points_multiplier=Decimal("1.5")
    )
    assert voucher_of(silver).pk == voucher.pk

    # no benefit any more: no voucher
    programs.update_tier(silver, free_shipping=False)
    assert voucher_of(silver) is None
    assert not Voucher.objects.filter(pk=voucher.pk).exists()

    gold = programs.create_tier(
        program,
        name="Gold",
        rank=2,
        threshold=Decimal(100),
        discount_type="fixed",
        discount_value=Decimal(5),
    )
    gold_voucher = voucher_of(gold)
    programs.delete_tier(gold)
    assert not Tier.objects.filter(name="Gold").exists()
    assert not Voucher.objects.filter(pk=gold_voucher.pk).exists()


def tier_cases(category):
    base = {
        "name": "Gold",
        "rank": 2,
        "threshold": Decimal(500),
        "discount_type": "none",
        "discount_value": Decimal(0),
    }
    pct = {**base, "discount_type": "percentage"}
    return [
        ({**base, "name": "  "}, ("name", "REQUIRED")),
        ({**base, "name": "G" * 65}, ("name", "INVALID")),
        ({**base, "name": "SILVER"}, ("name", "UNIQUE")),
        ({**base, "rank": -1}, ("rank", "INVALID")),
        ({**base, "rank": 1}, ("rank", "INVALID")),  # Silver's rank
        ({**base, "threshold": Decimal(50)}, ("threshold", "INVALID")),  # = Silver's
        (
            {**base, "threshold": Decimal(-1), "metric": "points"},
            ("threshold", "INVALID"),
        ),
        ({**base, "threshold": Decimal("0.0001")}, ("threshold", "INVALID")),
        (
            {**base, "metric": "paid_orders", "threshold": Decimal("2.5")},
            ("threshold", "INVALID"),
        ),
        ({**base, "metric": "visits"}, ("metric", "INVALID")),
        ({**base, "discount_type": "bogo"}, ("discount_type", "INVALID")),
        ({**pct, "discount_value": Decimal(0)}, ("discount_value", "INVALID")),
        ({**pct, "discount_value": Decimal("100.001")}, ("discount_value", "INVALID")),
        (
            {**base, "discount_type": "fixed", "discount_value": Decimal(0)},
            ("discount_value", "INVALID"),
        ),
        ({**base, "discount_value": Decimal(5)}, ("discount_value", "INVALID")),
        (
            {**pct, "discount_value": Decimal(5), "min_spend": Decimal(-1)},
            ("min_spend", "INVALID"),
        ),
        (
            {**pct, "discount_value": Decimal(5), "free_shipping": True},
            ("free_shipping", "INVALID"),
        ),
        ({**base, "category_ids": [category.pk]}, ("category_ids", "INVALID")),
        (
            {
                **pct,
                "discount_value": Decimal(5),
                "category_ids": [category.pk, 999_999],
            },
            ("category_ids", "NOT_FOUND"),
        ),
        (
            {**pct, "discount_value": Decimal(5), "collection_ids": [999_999]},
            ("collection_ids", "NOT_FOUND"),
        ),
        ({**base, "points_multiplier": Decimal(0)}, ("points_multiplier", "INVALID")),
        (
            {**base, "points_multiplier": Decimal("10000")},
            ("points_multiplier", "INVALID"),
        ),
        ({**base, "threshold": None}, ("threshold", "REQUIRED")),
    ]


@pytest.fixture
def ladder(program):
    programs.create_tier(program, name="Regular", rank=0, threshold=0)
    silver = programs.create_tier(
        program,
        name="Silver",
        rank=1,
        threshold=Decimal(50),
        discount_type="percentage",
        discount_value=Decimal(5),
    )
    return program, silver


def test_tier_validation_on_create_writes_nothing(ladder, category):
    program, _ = ladder
    for values, expected in tier_cases(category):
        before = db_state()
        assert refused(programs.create_tier, program, **values) == expected, values
        assert db_state() == before


def test_tier_validation_on_update_writes_nothing(ladder, category):
    program, silver = ladder
    gold = programs.create_tier(
        program,
        name="Gold",
        rank=2,
        threshold=Decimal(100),
        discount_type="percentage",
        discount_value=Decimal(8),
    )
    for values, expected in tier_cases(category):
        before = db_state()
        snapshot = {f: getattr(gold, f) for f in (*programs.TIER_FIELDS, "voucher_id")}
        assert refused(programs.update_tier, gold, **values) == expected, values
        assert db_state() == before
        assert {
            f: getattr(gold, f) for f in (*programs.TIER_FIELDS, "voucher_id")
        } == snapshot


def test_ladder_of_different_metrics_and_whole_ladder_checks(ladder):
    program, silver = ladder
    # a rung on another metric is compared only with rungs of its own metric
    vip = programs.create_tier(
        program, name="VIP", rank=5, metric="paid_orders", threshold=Decimal(10)
    )
    assert refused(
        programs.create_tier,
        program,
        name="VIP+",
        rank=6,
        metric="paid_orders",
        threshold=Decimal(10),
    ) == ("threshold", "INVALID")
    # Silver moved up past VIP: on spend it is compared with Regular only
    programs.update_tier(silver, rank=4, threshold=Decimal(1))
    assert Tier.objects.get(pk=silver.pk).rank == 4
    # lowering Regular's threshold above Silver's breaks the ladder
    regular = Tier.objects.get(program=program, name="Regular")
    assert refused(programs.update_tier, regular, threshold=Decimal(1)) == (
        "threshold",
        "INVALID",
    )
    assert Tier.objects.get(pk=regular.pk).threshold == 0
    assert [t.name for t in program.tiers.order_by("rank")] == [
        "Regular",
        "Silver",
        "VIP",
    ]
    assert vip.metric == "paid_orders"


def test_a_failing_voucher_write_rolls_the_tier_back(ladder, monkeypatch):
    program, silver = ladder
    voucher_pk = silver.voucher_id

    def broken(tier):
        raise RuntimeError("voucher write failed")

    monkeypatch.setattr(programs, "sync_tier_voucher", broken)
    before = db_state()
    with pytest.raises(RuntimeError):
        programs.create_tier(
            program,
            name="Gold",
            rank=2,
            threshold=Decimal(100),
            discount_type="fixed",
            discount_value=Decimal(5),
        )
    with pytest.raises(RuntimeError):
        programs.update_tier(silver, discount_value=Decimal(9))
    assert db_state() == before
    assert silver.discount_value == Decimal(5) and silver.voucher_id == voucher_pk

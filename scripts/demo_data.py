"""Data for ``scripts/demo``: the demo database, the plugin's activation, a synthetic
customer and order history over ``populatedb``'s catalogue, and the summary.

Run with Saleor's Python from the Saleor checkout, with ``DATABASE_URL`` and Saleor's
settings in the environment (``scripts/demo`` does this)::

    python scripts/demo_data.py COMMAND... [options]

    ensure-db [--drop]   create (or drop and create) the database of DATABASE_URL
    state                print CATALOGUE=none|partial|full and DEMO_ORDERS=N
    activate             the plugin's PluginConfiguration row, active
    load [--seed N]      300 customers and ~2,000 orders (skipped if already loaded)
    summary [--example-env FILE]   what is in Saleor and in the CRM
    example              shell variables for the example (VIP) customer

Several commands run in one process, in the order given (Saleor is slow to start).

The history is written with Saleor's models and Saleor's own amount calculations
(transaction events -> transaction amounts -> the order's charge and authorize
status), never through mutations or the plugins manager: no plugin hook fires, as on
a store that has a past when the plugin is installed. ``crm_backfill`` imports it.
"""

from __future__ import annotations

import argparse
import os
import random
import shlex
import sys
import unicodedata
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

MARK = "crm_demo"  # private metadata key on demo users and orders: the persona kind
EXAMPLE_MARK = "crm_demo_example"
OLD_COUPON_RULE_NAME = "Dormant former regulars: 15 % for 30 days"  # before the channel
CUSTOMER_PASSWORD = "password"

# Accounts by behaviour (300), then guest buyers (orders placed without an account).
PERSONAS = {
    "never": 20,  # registered, never ordered
    "one_time": 140,
    "occasional": 75,  # 2-4 orders
    "regular": 40,  # 10-26 orders, until recently
    "vip": 10,  # 35-70 orders, big baskets
    "dormant": 15,  # 3-8 orders, none in the last 9 months
}
GUESTS = 200
ACCOUNT_GUEST_CHECKOUTS = 8  # account holders who sometimes check out as guests
DRAFTS = 3
DAYS = 730
# Orders by hour of the day (UTC): quiet at night, busiest in the evening.
HOURLY = [1, 1, 1, 1, 1, 1, 2, 3, 4, 5, 6, 6, 7, 6, 6, 6, 6, 7, 8, 9, 9, 7, 4, 2]


def _setup_django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "saleor.settings")
    import django

    django.setup()


# ---- ensure-db -----------------------------------------------------------------------


def ensure_db(drop: bool) -> None:
    from urllib.parse import unquote, urlsplit

    import psycopg
    from psycopg import sql

    url = os.environ["DATABASE_URL"]
    parts = urlsplit(url)
    name = unquote(parts.path.lstrip("/"))
    if not drop:
        try:
            psycopg.connect(url, connect_timeout=10).close()
            print(f"database {name} is there")
            return
        except psycopg.OperationalError as exc:
            if "does not exist" not in str(exc):
                sys.exit(f"cannot connect to the database: {exc}")
    admin_url = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=10) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if drop and exists:
            if "demo" not in name:
                sys.exit(
                    f"--reset would drop database {name!r}; refusing because its name "
                    "does not contain 'demo'. Drop it yourself or use another "
                    "DATABASE_URL."
                )
            conn.execute(
                sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name))
            )
            print(f"dropped database {name}")
            exists = None
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}")


# ---- state / activate ----------------------------------------------------------------


def state() -> None:
    _setup_django()
    from django.db import connection

    tables = set(connection.introspection.table_names())
    catalogue, demo_orders = "none", 0
    if {"product_product", "account_user", "channel_channel"} <= tables:
        from saleor.account.models import User
        from saleor.channel.models import Channel
        from saleor.order.models import Order
        from saleor.product.models import Product

        complete = (
            Product.objects.exists()
            and User.objects.filter(
                email="admin@example.com", is_superuser=True
            ).exists()
            # populatedb's last step creates staff members
            and User.objects.filter(is_staff=True, is_superuser=False).exists()
        )
        if complete:
            catalogue = "full"
        elif (
            Product.objects.exists()
            or Channel.objects.filter(slug="channel-pln").exists()
        ):
            catalogue = "partial"
        demo_orders = Order.objects.filter(private_metadata__has_key=MARK).count()
    print(f"CATALOGUE={catalogue}")
    print(f"DEMO_ORDERS={demo_orders}")


def activate() -> None:
    _setup_django()
    from saleor.plugins.models import PluginConfiguration

    from saleor_crm_plugin.plugin import CRMPlugin

    conf, created = PluginConfiguration.objects.get_or_create(
        identifier=CRMPlugin.PLUGIN_ID,
        channel=None,
        defaults={
            "name": CRMPlugin.PLUGIN_NAME,
            "description": CRMPlugin.PLUGIN_DESCRIPTION,
            "active": True,
            "configuration": CRMPlugin.DEFAULT_CONFIGURATION,
        },
    )
    if created:
        print(f"plugin {CRMPlugin.PLUGIN_ID} activated with its default configuration")
    elif not conf.active:
        conf.active = True
        conf.save(update_fields=["active"])
        print(f"plugin {CRMPlugin.PLUGIN_ID} re-activated (configuration kept)")
    else:
        print(f"plugin {CRMPlugin.PLUGIN_ID} already active (configuration kept)")


def loyalty() -> None:
    """A loyalty program in every channel with history — Regular / Silver (5 %) /
    Gold (10 %, free of the minimum) — created through the plugin's own services
    (with the tiers' Saleor vouchers), then a tier review that enrols the customers
    with paid orders and places them on the ladder. Idempotent."""
    _setup_django()
    from decimal import Decimal

    from django.db.models import Avg
    from saleor.channel.models import Channel

    from saleor_crm_plugin.loyalty import periodic as loyalty_periodic
    from saleor_crm_plugin.loyalty import programs
    from saleor_crm_plugin.models import CustomerProfile, LoyaltyProgram

    for channel in Channel.objects.filter(
        pk__in=CustomerProfile.objects.values("channel_id")
    ).order_by("slug"):
        if LoyaltyProgram.objects.filter(channel=channel).exists():
            print(f"loyalty program in {channel.slug} already there (kept)")
            continue
        # thresholds in the channel currency: about 3 and 10 average orders
        avg = CustomerProfile.objects.filter(
            channel=channel, paid_orders_count__gt=0
        ).aggregate(a=Avg("average_order_value_amount"))["a"] or Decimal(100)
        step = Decimal(avg).quantize(Decimal(1))
        program = programs.create_program(channel, window_months=12)
        programs.create_tier(program, name="Regular", rank=0, threshold=Decimal(0))
        programs.create_tier(
            program,
            name="Silver",
            rank=1,
            threshold=3 * step,
            discount_type="percentage",
            discount_value=Decimal(5),
            points_multiplier=Decimal("1.5"),
        )
        programs.create_tier(
            program,
            name="Gold",
            rank=2,
            threshold=10 * step,
            discount_type="percentage",
            discount_value=Decimal(10),
            points_multiplier=Decimal(2),
        )
        print(
            f"loyalty program in {channel.slug}: Silver from {3 * step}, "
            f"Gold from {10 * step} {channel.currency_code} net spend in 12 months"
        )
    result = loyalty_periodic.review_tiers()
    print(
        f"tier review: {result['enrolled']} customers enrolled, "
        f"{result['upgraded']} placed on a tier"
    )


def playbook() -> None:
    """Segments, RFM and a coupon rule per channel with history, through the
    plugin's own services: the ready-made segments of the repeat-purchase playbook,
    an RFM recompute, and a draft coupon rule for dormant former regulars (15 %,
    30 days, one per 180 days, 10 % control group) whose dry run is printed, then
    switched on and run — real Saleor voucher codes. Idempotent."""
    _setup_django()
    from decimal import Decimal

    from saleor.channel.models import Channel

    from saleor_crm_plugin.coupons import issuing as coupons
    from saleor_crm_plugin.coupons import rules as coupon_rules
    from saleor_crm_plugin.domain.segments import PRESETS
    from saleor_crm_plugin.models import CouponRule, CustomerProfile, Segment
    from saleor_crm_plugin.segments import membership as segments
    from saleor_crm_plugin.segments import rfm

    for channel in Channel.objects.filter(
        pk__in=CustomerProfile.objects.values("channel_id")
    ).order_by("slug"):
        scored = rfm.recompute(channel.pk)
        print(f"{channel.slug}: RFM scored {scored['scored']} customers")
        for key, preset in PRESETS.items():
            segment = Segment.objects.filter(channel=channel, preset=key).first()
            if segment is None:
                segment = Segment.objects.create(
                    name=preset.title,
                    channel=channel,
                    preset=key,
                    preset_params=dict(preset.defaults),
                    rule={},
                )
            result = segments.materialize(segment)
            print(f"  segment {preset.title:<34} {result['members']:>6} customers")
        # the channel in the name: the dashboard lists every channel's rules together
        name = f"Dormant former regulars, {channel.name}: 15 % for 30 days"
        existing = CouponRule.objects.filter(channel=channel).first()
        if existing is not None:
            if existing.name == OLD_COUPON_RULE_NAME:  # made by an earlier demo
                existing.name = name
                existing.save(update_fields=["name"])
            print(f"  coupon rule {existing.name!r} already there (kept)")
            continue
        dormant = Segment.objects.get(channel=channel, preset="dormant_former_regulars")
        rule = coupon_rules.save_rule(
            None,
            {
                "name": name,
                "channel": channel,
                "trigger": "schedule",
                "trigger_params": {"segment_id": dormant.pk},
                "discount_type": "percentage",
                "discount_value": Decimal(15),
                "validity_days": 30,
                "cooldown_days": 180,
                "max_per_customer": 3,
                "control_share": Decimal("0.1"),
                "delivery": ["csv"],
            },
        )
        dry = coupons.dry_run(rule)
        on, replay = dry.on_activation, dry.replayed_window
        print(f"  coupon rule {name!r}")
        print(
            f"  dry run: switching on issues {on.codes} codes "
            f"({on.held_out} held out, estimated cost {on.estimated_cost} "
            f"{dry.currency}); over the replayed window it would have issued "
            f"{replay.codes}"
        )
        coupon_rules.activate(rule)
        run = coupons.run_rule(rule)
        print(
            f"  switched on: {run.issued} Saleor codes issued, {run.held_out} held out"
        )


# ---- load: planning (pure, seeded) ---------------------------------------------------


@dataclass
class Buyer:
    kind: str
    channel: object
    first_name: str
    last_name: str
    email: str
    address: dict
    favourite_category: int | None
    times: list = field(default_factory=list)
    extra: list = field(default_factory=list)  # (channel, times) in a second channel
    user: object = None
    guest: bool = False
    example: bool = False


@dataclass
class Catalogue:
    channel: object
    country: str
    listings: list
    by_category: dict
    shipping: list  # (shipping method, price amount)
    warehouses: list
    stock_of: dict  # variant id -> Stock


def _ascii(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in text.lower() if c.isalnum())


def _catalogues():
    from django.conf import settings
    from saleor.channel.models import Channel
    from saleor.product import ProductTypeKind
    from saleor.product.models import ProductVariantChannelListing
    from saleor.shipping.models import ShippingMethodChannelListing
    from saleor.warehouse.models import Stock

    slugs = [settings.DEFAULT_CHANNEL_SLUG, "channel-pln"]
    channels = list(Channel.objects.filter(slug__in=slugs, is_active=True))
    channels.sort(key=lambda c: slugs.index(c.slug))
    if not channels:
        sys.exit(
            "no populatedb channels (default-channel, channel-pln): run populatedb"
        )
    result = []
    for channel in channels:
        country = str(channel.default_country.code or "US")
        listings = list(
            ProductVariantChannelListing.objects.filter(
                channel=channel,
                price_amount__isnull=False,
                price_amount__gt=0,
                variant__is_preorder=False,
                variant__product__product_type__is_shipping_required=True,
            )
            .exclude(variant__product__product_type__kind=ProductTypeKind.GIFT_CARD)
            .select_related(
                "variant__product__product_type",
                "variant__product__tax_class",
                "variant__product__category",
            )
            .order_by("variant_id")
        )
        if not listings:
            continue
        by_category = defaultdict(list)
        for listing in listings:
            by_category[listing.variant.product.category_id].append(listing)
        shipping_all = list(
            ShippingMethodChannelListing.objects.filter(channel=channel)
            .select_related("shipping_method__shipping_zone")
            # populatedb gives shipping methods random rates: the choice of method
            # is seeded, its price is whatever populatedb drew
            .order_by("shipping_method__shipping_zone__name", "shipping_method__name")
        )
        shipping = [
            (sl.shipping_method, sl.price_amount)
            for sl in shipping_all
            if country in [c.code for c in sl.shipping_method.shipping_zone.countries]
        ] or [(sl.shipping_method, sl.price_amount) for sl in shipping_all]
        if not shipping:
            continue
        warehouses = list(channel.warehouses.order_by("slug"))
        stock_of = {}
        for stock in Stock.objects.filter(
            warehouse__in=warehouses,
            product_variant_id__in=[lst.variant_id for lst in listings],
        ).order_by("warehouse__slug", "id"):
            stock_of.setdefault(stock.product_variant_id, stock)
        result.append(
            Catalogue(
                channel,
                country,
                listings,
                dict(by_category),
                shipping,
                warehouses,
                stock_of,
            )
        )
    if not result:
        sys.exit("populatedb's channels have no sellable products: run populatedb")
    return result


class Planner:
    def __init__(self, seed: int, catalogues, now: datetime, taken_emails: set[str]):
        from faker import Faker

        self.rng = random.Random(seed)
        self.cats = catalogues
        self.now = now
        self.start = now - timedelta(days=DAYS)
        self.taken = set(taken_emails)
        self.fakers = {}
        for i, cat in enumerate(catalogues):
            locale = "pl_PL" if cat.country == "PL" else "en_US"
            fake = Faker(locale)
            fake.seed_instance(seed + i)
            self.fakers[cat.channel.pk] = fake

    # -- time
    def _season(self, t: datetime) -> float:
        return {11: 1.6, 12: 1.8, 1: 0.8, 2: 0.8, 7: 0.9, 8: 0.9}.get(t.month, 1.0)

    def moment(self, lo: datetime, hi: datetime) -> datetime:
        """A purchase time in [lo, hi): more in November-December, mostly daytime."""
        rng = self.rng
        hi = min(hi, self.now - timedelta(minutes=10))
        lo = min(lo, hi - timedelta(minutes=1))
        while True:
            t = lo + (hi - lo) * rng.random()
            if rng.random() * 1.8 <= self._season(t):
                break
        hour = rng.choices(range(24), weights=HOURLY)[0]
        t = t.replace(
            hour=hour,
            minute=rng.randrange(60),
            second=rng.randrange(60),
            microsecond=rng.randrange(1000000),
        )
        return min(max(t, lo), hi)

    def times(self, n: int, lo: datetime, hi: datetime) -> list[datetime]:
        return sorted(self.moment(lo, hi) for _ in range(n))

    def schedule(self, kind: str) -> list[datetime]:
        rng, now, start = self.rng, self.now, self.start
        day = timedelta(days=1)
        if kind == "never":
            return []
        if kind == "one_time":
            return self.times(1, start, now)
        if kind == "occasional":
            return self.times(rng.randint(2, 4), start, now)
        if kind == "regular":
            first = start + day * rng.uniform(0, 300)
            last = now - day * rng.uniform(0, 45)
            return self.times(rng.randint(10, 26), first, last)
        if kind == "vip":
            first = start + day * rng.uniform(0, 120)
            last = now - day * rng.uniform(0, 14)
            return self.times(rng.randint(35, 70), first, last)
        if kind == "dormant":
            first = start + day * rng.uniform(0, 150)
            last = now - day * rng.uniform(270, 420)
            return self.times(rng.randint(3, 8), first, last)
        if kind == "guest":
            n = rng.choices([1, 2, 3, 4, 5], weights=[75, 12, 8, 3, 2])[0]
            return self.times(n, start, now)
        raise ValueError(kind)

    # -- people
    def channel_for(self):
        weights = [75, 25][: len(self.cats)] + [10] * max(0, len(self.cats) - 2)
        return self.rng.choices(self.cats, weights=weights)[0]

    def person(self, cat: Catalogue, kind: str, guest: bool = False) -> Buyer:
        fake, rng = self.fakers[cat.channel.pk], self.rng
        first, last = fake.first_name(), fake.last_name()
        domain = rng.choice(["example.com", "example.org", "example.net"])
        base = f"{_ascii(first)}.{_ascii(last)}"
        email, n = f"{base}@{domain}", 1
        while email in self.taken:
            n += 1
            email = f"{base}{n}@{domain}"
        self.taken.add(email)
        address = {
            "first_name": first,
            "last_name": last,
            "street_address_1": fake.street_address(),
            "city": fake.city(),
            "country": cat.country,
        }
        if cat.country == "US":
            state = fake.state_abbr(include_territories=False)
            address["country_area"] = state
            address["postal_code"] = fake.postalcode_in_state(state)
            address["city"] = address["city"].upper()
        else:
            address["postal_code"] = fake.postcode()
            address["city"] = address["city"].upper()
        # A favourite category, the bigger ones more often (65% of their lines).
        categories = sorted(cat.by_category)
        favourite = (
            rng.choices(
                categories, weights=[len(cat.by_category[c]) for c in categories]
            )[0]
            if categories
            else None
        )
        return Buyer(
            kind, cat.channel, first, last, email, address, favourite, guest=guest
        )

    def buyers(self) -> list[Buyer]:
        rng = self.rng
        people = []
        for kind, count in PERSONAS.items():
            for _ in range(count):
                cat = self.channel_for()
                buyer = self.person(cat, kind)
                buyer.times = self.schedule(kind)
                # A few loyal customers also buy in the other channel.
                if kind in ("occasional", "regular", "vip") and len(self.cats) > 1:
                    if rng.random() < 0.08:
                        other = next(c for c in self.cats if c.channel != cat.channel)
                        buyer.extra.append((other, self.schedule("occasional")))
                people.append(buyer)
        # The example customer: a VIP of the first (default) channel.
        for buyer in people:
            if buyer.kind == "vip" and buyer.channel == self.cats[0].channel:
                buyer.example = True
                break
        for _ in range(GUESTS):
            cat = self.channel_for()
            buyer = self.person(cat, "guest", guest=True)
            buyer.times = self.schedule("guest")
            people.append(buyer)
        return people

    # -- orders
    def basket(self, cat: Catalogue, buyer: Buyer):
        rng = self.rng
        if buyer.kind == "vip":
            n_lines = rng.choices([2, 3, 4, 5], weights=[30, 35, 25, 10])[0]
            qty_w = ([1, 2, 3, 4], [60, 25, 10, 5])
        elif buyer.kind in ("one_time", "guest"):
            n_lines = rng.choices([1, 2, 3], weights=[60, 30, 10])[0]
            qty_w = ([1, 2, 3], [85, 12, 3])
        else:
            n_lines = rng.choices([1, 2, 3, 4], weights=[45, 35, 15, 5])[0]
            qty_w = ([1, 2, 3], [80, 15, 5])
        favourites = cat.by_category.get(buyer.favourite_category) or cat.listings
        chosen, seen = [], set()
        for _ in range(n_lines * 3):
            if len(chosen) == n_lines:
                break
            pool = favourites if rng.random() < 0.65 else cat.listings
            listing = rng.choice(pool)
            if listing.variant_id in seen:
                continue
            seen.add(listing.variant_id)
            chosen.append((listing, rng.choices(*qty_w)[0]))
        return chosen

    def lifecycle(self, cat: Catalogue, placed: datetime) -> dict:
        """What happened to the order after it was placed."""
        rng, now = self.rng, self.now
        age = now - placed
        plan = {
            "status": "fulfilled",
            "charged": True,
            "authorized_only": False,
            "refund": None,
            "fulfilled_at": None,
            "refund_at": None,
        }
        auth_flow = cat.channel.default_transaction_flow_strategy == "authorization"
        roll = rng.random()
        if roll < 0.03:
            plan.update(status="canceled", charged=False)
            return plan
        if age < timedelta(days=2) and roll < 0.15:
            plan.update(status="unconfirmed", charged=False)
            return plan
        if age < timedelta(days=3):
            # Placed, not shipped yet; with an authorization flow the card is only
            # charged when the order ships.
            plan.update(
                status="unfulfilled", authorized_only=auth_flow and rng.random() < 0.6
            )
            if plan["authorized_only"]:
                plan["charged"] = False
            return plan
        plan["fulfilled_at"] = placed + timedelta(hours=rng.uniform(6, 72))
        refund_roll = rng.random()
        if refund_roll < 0.07:
            refund_at = plan["fulfilled_at"] + timedelta(days=rng.uniform(3, 25))
            if refund_at < now - timedelta(hours=1):
                plan["refund"] = "full" if refund_roll < 0.04 else "partial"
                plan["refund_at"] = refund_at
        return plan


# ---- load: writing (Saleor's models and Saleor's calculations) -----------------------


class Writer:
    def __init__(self, now: datetime, rng: random.Random):
        from saleor.app.models import App

        self.now, self.rng = now, rng
        self.app = App.objects.filter(identifier="saleor.io.dummy-payment-app").first()
        self.order_events = []
        self.counts = Counter()

    def user(self, buyer: Buyer, joined: datetime, last_login):
        from saleor.account.models import Address, User
        from saleor.account.search import update_user_search_vector
        from saleor.account.utils import get_default_customer_type

        address = Address.objects.create(**buyer.address)
        user = User(
            email=buyer.email,
            first_name=buyer.first_name,
            last_name=buyer.last_name,
            is_active=True,
            is_confirmed=True,
            date_joined=joined,
            last_login=last_login,
            default_billing_address=address,
            default_shipping_address=address,
            customer_type=get_default_customer_type(),
            language_code="pl" if buyer.address["country"] == "PL" else "en",
            private_metadata={
                MARK: buyer.kind,
                **({EXAMPLE_MARK: "1"} if buyer.example else {}),
            },
        )
        if buyer.example:
            user.set_password(CUSTOMER_PASSWORD)
        else:
            user.set_unusable_password()
        user.save()
        user.addresses.add(address)
        update_user_search_vector(user)
        self.counts["customers"] += 1
        return user

    def order(
        self,
        cat: Catalogue,
        buyer: Buyer,
        placed: datetime,
        basket,
        plan,
        email: str,
        as_guest: bool,
        status_override=None,
    ):
        from measurement.measures import Weight
        from prices import Money, TaxedMoney
        from saleor.account.models import Address
        from saleor.order import (
            FulfillmentStatus,
            OrderEvents,
            OrderOrigin,
            OrderStatus,
        )
        from saleor.order.models import (
            Fulfillment,
            FulfillmentLine,
            Order,
            OrderLine,
        )
        from saleor.payment.utils import update_order_with_transaction_details
        from saleor.tax.utils import get_tax_class_kwargs_for_order_line
        from saleor.warehouse.management import increase_stock

        rng = self.rng
        channel = cat.channel
        currency = channel.currency_code
        status = (
            status_override
            or {
                "fulfilled": OrderStatus.FULFILLED,
                "unfulfilled": OrderStatus.UNFULFILLED,
                "unconfirmed": OrderStatus.UNCONFIRMED,
                "canceled": OrderStatus.CANCELED,
            }[plan["status"]]
        )
        user = None if as_guest else buyer.user
        shipping_address = Address.objects.create(**buyer.address)
        billing_address = Address.objects.create(**buyer.address)
        method, ship_amount = rng.choice(cat.shipping)
        ship = Money(ship_amount, currency)

        subtotal = Decimal(0)
        weight = Weight(kg=0)
        line_rows = []
        for listing, quantity in basket:
            variant = listing.variant
            product = variant.product
            unit = Money(listing.price_amount, currency)
            total = unit * quantity
            subtotal += total.amount
            weight += (variant.get_weight() or Weight(kg=0)) * quantity
            fulfilled = quantity if status == OrderStatus.FULFILLED else 0
            line_rows.append(
                OrderLine(
                    product_name=str(product),
                    variant_name=str(variant),
                    product_sku=variant.sku,
                    product_variant_id=variant.get_global_id(),
                    product_type_id=product.product_type_id,
                    is_shipping_required=variant.is_shipping_required(),
                    is_gift_card=variant.is_gift_card(),
                    quantity=quantity,
                    quantity_fulfilled=fulfilled,
                    variant=variant,
                    currency=currency,
                    unit_price=TaxedMoney(unit, unit),
                    total_price=TaxedMoney(total, total),
                    undiscounted_unit_price=TaxedMoney(unit, unit),
                    undiscounted_total_price=TaxedMoney(total, total),
                    base_unit_price=unit,
                    undiscounted_base_unit_price=unit,
                    tax_rate=Decimal(0),
                    **get_tax_class_kwargs_for_order_line(product.tax_class),
                )
            )
        order_total = Money(subtotal, currency) + ship
        order = Order.objects.create(
            created_at=placed,
            status=status,
            origin=OrderOrigin.DRAFT
            if status == OrderStatus.DRAFT
            else OrderOrigin.CHECKOUT,
            user=user,
            user_email=email,
            channel=channel,
            currency=currency,
            language_code="pl" if cat.country == "PL" else "en",
            billing_address=billing_address,
            shipping_address=shipping_address,
            shipping_method=method,
            shipping_method_name=method.name,
            shipping_price=TaxedMoney(ship, ship),
            base_shipping_price=ship,
            undiscounted_base_shipping_price=ship,
            shipping_tax_rate=Decimal(0),
            subtotal=TaxedMoney(Money(subtotal, currency), Money(subtotal, currency)),
            total=TaxedMoney(order_total, order_total),
            undiscounted_total=TaxedMoney(order_total, order_total),
            lines_count=len(line_rows),
            weight=weight,
            checkout_token=""
            if status == OrderStatus.DRAFT
            else str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            customer_note=rng.choice(
                ["Please leave at the door.", "Gift, no invoice please."]
            )
            if rng.random() < 0.04
            else "",
            should_refresh_prices=status == OrderStatus.DRAFT,
            private_metadata={MARK: buyer.kind},
        )
        for line in line_rows:
            line.order = order
        lines = OrderLine.objects.bulk_create(line_rows)
        for line in lines:  # created_at is auto_now_add: set it afterwards
            line.created_at = placed
        OrderLine.objects.bulk_update(lines, ["created_at"])
        self.counts[f"orders_{status}"] += 1
        if as_guest:
            self.counts["guest_orders"] += 1

        if status == OrderStatus.DRAFT:
            return order
        self._event(order, placed, OrderEvents.PLACED, user)

        txn = self._payments(order, placed, plan, lines, user)

        if status == OrderStatus.FULFILLED:
            fulfillment = Fulfillment(
                order=order,
                status=FulfillmentStatus.FULFILLED,
                tracking_number=f"1Z{rng.randrange(10**15):015d}",
            )
            fulfillment.save()
            fulfillment.created_at = plan["fulfilled_at"]
            fulfillment.save(update_fields=["created_at"])
            FulfillmentLine.objects.bulk_create(
                [
                    FulfillmentLine(
                        order_line=line,
                        fulfillment=fulfillment,
                        quantity=line.quantity,
                        stock=cat.stock_of.get(line.variant_id),
                    )
                    for line in lines
                ]
            )
            self._event(
                order,
                plan["fulfilled_at"],
                OrderEvents.FULFILLMENT_FULFILLED_ITEMS,
                None,
                {"fulfilled_items": [str(line.pk) for line in lines]},
            )
        elif (
            status in (OrderStatus.UNFULFILLED, OrderStatus.UNCONFIRMED)
            and cat.warehouses
        ):
            # Open orders hold allocations, as after a checkout (Saleor's own helper:
            # it adds the allocated quantity to the stock, leaving availability as is).
            for line in lines:
                stock = cat.stock_of.get(line.variant_id)
                warehouse = stock.warehouse if stock else cat.warehouses[0]
                increase_stock(line, warehouse, line.quantity, allocate=True)
        if status == OrderStatus.CANCELED:
            self._event(
                order,
                placed + timedelta(hours=rng.uniform(1, 30)),
                OrderEvents.CANCELED,
                None,
            )
        if txn is not None:
            # Saleor's own calculation of total_charged / charge_status /
            # total_authorized / authorize_status (and the search vector).
            update_order_with_transaction_details(order)
        else:
            from saleor.order.search import update_order_search_vector

            update_order_search_vector(order)
        return order

    def _event(self, order, when, kind, user, parameters=None):
        from saleor.order.models import OrderEvent

        self.order_events.append(
            OrderEvent(
                order=order,
                date=when,
                type=kind,
                user=user,
                parameters=parameters or {},
            )
        )

    def _payments(self, order, placed, plan, lines, user):
        from saleor.order import OrderEvents, OrderGrantedRefundStatus, OrderStatus
        from saleor.order.models import OrderGrantedRefund, OrderGrantedRefundLine
        from saleor.payment import TransactionAction
        from saleor.payment import TransactionEventType as T
        from saleor.payment.models import TransactionEvent, TransactionItem
        from saleor.payment.transaction_item_calculations import (
            recalculate_transaction_amounts,
        )

        rng = self.rng
        amount = order.total_gross_amount
        auth_flow = order.channel.default_transaction_flow_strategy == "authorization"
        status = order.status
        if status == OrderStatus.UNCONFIRMED or (
            status == OrderStatus.CANCELED and not auth_flow
        ):
            return None
        identifier = self.app.identifier if self.app else "saleor.io.dummy-payment-app"
        txn = TransactionItem.objects.create(
            name="Credit card",
            order_id=order.pk,
            currency=order.currency,
            app=self.app,
            app_identifier=identifier,
            psp_reference=f"psp_{uuid.UUID(int=rng.getrandbits(128)).hex[:20]}",
            available_actions=[],
        )
        txn.created_at = placed
        txn.save(update_fields=["created_at"])
        events = []

        def pair(kind_request, kind_success, value, when, message, granted=None):
            psp = f"psp_{uuid.UUID(int=rng.getrandbits(128)).hex[:20]}"
            common = dict(
                transaction=txn,
                currency=order.currency,
                psp_reference=psp,
                app=self.app,
                app_identifier=identifier,
                related_granted_refund=granted,
            )
            events.append(
                TransactionEvent(
                    type=kind_request,
                    amount_value=value,
                    created_at=when,
                    include_in_calculations=False,
                    **common,
                )
            )
            events.append(
                TransactionEvent(
                    type=kind_success,
                    amount_value=value,
                    created_at=when + timedelta(seconds=2),
                    include_in_calculations=True,
                    message=message,
                    **common,
                )
            )

        pay_at = placed + timedelta(seconds=rng.randint(5, 90))
        if auth_flow:
            pair(
                T.AUTHORIZATION_REQUEST,
                T.AUTHORIZATION_SUCCESS,
                amount,
                pay_at,
                "Authorization success",
            )
        if status == OrderStatus.CANCELED:
            pair(
                T.CANCEL_REQUEST,
                T.CANCEL_SUCCESS,
                amount,
                placed + timedelta(hours=rng.uniform(1, 30)),
                "Authorization released",
            )
        elif plan["charged"]:
            charge_at = (
                plan["fulfilled_at"] if auth_flow and plan["fulfilled_at"] else pay_at
            )
            pair(
                T.CHARGE_REQUEST, T.CHARGE_SUCCESS, amount, charge_at, "Charge success"
            )
            self._event(order, charge_at, OrderEvents.ORDER_FULLY_PAID, None)
        if plan["refund"]:
            if plan["refund"] == "full":
                refund_value, refund_lines, shipping = amount, lines, True
            else:
                line = rng.choice(lines)
                refund_value, refund_lines, shipping = (
                    line.unit_price_gross_amount,
                    [line],
                    False,
                )
            granted = OrderGrantedRefund.objects.create(
                order=order,
                amount_value=refund_value,
                currency=order.currency,
                reason=rng.choice(
                    ["Returned by the customer", "Damaged in transit", "Wrong size"]
                ),
                shipping_costs_included=shipping,
                transaction_item=txn,
                status=OrderGrantedRefundStatus.SUCCESS,
                created_at=plan["refund_at"],
            )
            OrderGrantedRefundLine.objects.bulk_create(
                [
                    OrderGrantedRefundLine(
                        order_line=line,
                        granted_refund=granted,
                        quantity=line.quantity if shipping else 1,
                    )
                    for line in refund_lines
                ]
            )
            pair(
                T.REFUND_REQUEST,
                T.REFUND_SUCCESS,
                refund_value,
                plan["refund_at"] + timedelta(minutes=5),
                "Refund success",
                granted,
            )
            self.counts[f"refunds_{plan['refund']}"] += 1
        TransactionEvent.objects.bulk_create(events)
        recalculate_transaction_amounts(txn)
        if txn.charged_value > 0:
            txn.available_actions = [TransactionAction.REFUND]
        elif txn.authorized_value > 0:
            txn.available_actions = [TransactionAction.CHARGE, TransactionAction.CANCEL]
        txn.save(update_fields=["available_actions"])
        return txn

    def flush_events(self):
        from saleor.order.models import OrderEvent

        OrderEvent.objects.bulk_create(self.order_events, batch_size=1000)
        self.order_events = []


def load(seed: int) -> None:
    _setup_django()
    import time

    from django.db import transaction
    from django.db.models import Count, OuterRef, Subquery, Value
    from django.db.models.functions import Coalesce
    from django.utils import timezone
    from saleor.account.models import User
    from saleor.core.db.connection import allow_writer
    from saleor.order.models import Order

    from saleor_crm_plugin.models import CustomerProfile
    from saleor_crm_plugin.models import OrderEvent as CRMFact

    started = time.monotonic()
    if Order.objects.filter(private_metadata__has_key=MARK).exists():
        print("demo history already loaded (use scripts/demo --reset to reload)")
        return
    now = timezone.now().replace(second=0, microsecond=0)
    catalogues = _catalogues()
    planner = Planner(
        seed, catalogues, now, set(User.objects.values_list("email", flat=True))
    )
    buyers = planner.buyers()
    rng = planner.rng
    cat_of = {c.channel.pk: c for c in catalogues}

    # Every order to write, in time order (order numbers then follow time).
    specs = []  # (placed, buyer, catalogue, as_guest, email)
    for buyer in buyers:
        cat = cat_of[buyer.channel.pk]
        for t in buyer.times:
            specs.append((t, buyer, cat, buyer.guest, buyer.email))
        for other, times in buyer.extra:
            for t in times:
                specs.append((t, buyer, other, False, buyer.email))
    # Some account holders check out without signing in, typing their email in
    # another case: the CRM attributes those orders to the account.
    holders = [b for b in buyers if b.kind in ("occasional", "regular")]
    for buyer in rng.sample(holders, min(ACCOUNT_GUEST_CHECKOUTS, len(holders))):
        cat = cat_of[buyer.channel.pk]
        local, domain = buyer.email.split("@")
        typed = f"{local.title()}@{domain.capitalize()}"
        for t in planner.times(rng.randint(1, 2), planner.start, now):
            specs.append((t, buyer, cat, True, typed))
    specs.sort(key=lambda s: s[0])
    plans = [planner.lifecycle(s[2], s[0]) for s in specs]
    baskets = [planner.basket(s[2], s[1]) for s in specs]
    first_order = {}
    last_order = {}
    for placed, buyer, *_ in specs:
        first_order.setdefault(buyer.email, placed)
        last_order[buyer.email] = placed

    facts_before = CRMFact.objects.count()
    profiles_before = CustomerProfile.objects.count()
    writer = Writer(now, rng)
    with allow_writer(), transaction.atomic():
        for buyer in buyers:
            if buyer.guest:
                continue
            first = first_order.get(buyer.email)
            joined = (
                first - timedelta(days=rng.uniform(0, 20), hours=rng.uniform(0, 5))
                if first
                else planner.moment(planner.start, now)
            )
            last = last_order.get(buyer.email)
            buyer.user = writer.user(buyer, min(joined, first or joined), last)
        for i, ((placed, buyer, cat, as_guest, email), plan, basket) in enumerate(
            zip(specs, plans, baskets), 1
        ):
            writer.order(cat, buyer, placed, basket, plan, email, as_guest)
            if i % 250 == 0:
                print(f"  {i:,}/{len(specs):,} orders", flush=True)
        # A few draft orders a merchant has started for customers.
        accounts = [b for b in buyers if b.user is not None and b.kind != "never"]
        for buyer in rng.sample(accounts, DRAFTS):
            cat = cat_of[buyer.channel.pk]
            placed = now - timedelta(hours=rng.uniform(2, 48))
            writer.order(
                cat,
                buyer,
                placed,
                planner.basket(cat, buyer),
                {"status": "draft"},
                buyer.email,
                False,
                status_override="draft",
            )
        writer.flush_events()
        User.objects.filter(private_metadata__has_key=MARK).update(
            number_of_orders=Coalesce(
                Subquery(
                    Order.objects.filter(user=OuterRef("pk"))
                    .exclude(status="draft")
                    .values("user")
                    .annotate(n=Count("id"))
                    .values("n")
                ),
                Value(0),
            )
        )
        if CRMFact.objects.count() != facts_before or (
            CustomerProfile.objects.count() != profiles_before
        ):
            raise RuntimeError("a CRM hook fired while loading the demo history")
    counts = writer.counts
    total = sum(v for k, v in counts.items() if k.startswith("orders_"))
    print(
        f"loaded {counts['customers']} customers and {total:,} orders "
        f"({counts['guest_orders']} guest orders) in {time.monotonic() - started:.1f}s"
    )
    print(
        "  by status: "
        + ", ".join(
            f"{k.removeprefix('orders_')} {v}"
            for k, v in sorted(counts.items())
            if k.startswith("orders_")
        )
    )
    print(
        f"  refunds: {counts['refunds_full']} full, {counts['refunds_partial']} partial"
    )
    print("  no CRM hook fired (no CRM facts or profiles were written)")


# ---- summary / example ---------------------------------------------------------------


def summary() -> None:
    _setup_django()
    from django.db.models import Avg, Count, Sum
    from saleor.account.models import User
    from saleor.order.models import Order

    from saleor_crm_plugin.models import CustomerOrder, CustomerProfile

    orders = Order.objects.all()
    by_status = dict(orders.values_list("status").annotate(n=Count("id")).order_by())
    print(
        f"Saleor: {User.objects.filter(is_staff=False).count()} customer accounts, "
        f"{orders.count():,} orders ("
        + ", ".join(f"{k} {v}" for k, v in sorted(by_status.items()))
        + "), "
        f"{orders.filter(user__isnull=True).count()} without an account"
    )
    print(
        f"CRM:    {CustomerProfile.objects.count()} profiles "
        f"({CustomerProfile.objects.filter(user__isnull=True).count()} guest), "
        f"{CustomerOrder.objects.count():,} orders imported"
    )
    if not CustomerProfile.objects.exists():
        return
    key = "user__private_metadata__" + MARK
    for slug, currency in (
        CustomerProfile.objects.values_list("channel__slug", "currency")
        .distinct()
        .order_by("channel__slug")
    ):
        in_channel = CustomerProfile.objects.filter(channel__slug=slug)
        print(f"\nCRM profiles in {slug} by demo persona:")
        print(
            f"  {'persona':<12}{'profiles':>9}{'avg orders':>11}{'avg paid':>9}"
            f"{'avg net spent':>18}{'median last order':>19}"
        )
        rows = (
            in_channel.filter(**{key + "__isnull": False})
            .values(key)
            .annotate(
                n=Count("id"),
                orders=Avg("orders_count"),
                paid=Avg("paid_orders_count"),
                net=Avg("net_spent_amount"),
            )
            .order_by("-net")
        )
        guests = in_channel.filter(user__isnull=True).aggregate(
            n=Count("id"),
            orders=Avg("orders_count"),
            paid=Avg("paid_orders_count"),
            net=Avg("net_spent_amount"),
        )
        for kind, row in [(r[key], r) for r in rows] + [("(guests)", guests)]:
            if not row["n"]:
                continue
            qs = (
                in_channel.filter(user__isnull=True)
                if kind == "(guests)"
                else (in_channel.filter(**{key: kind}))
            )
            lasts = sorted(d for d in qs.values_list("last_order_at", flat=True) if d)
            median = lasts[len(lasts) // 2].date().isoformat() if lasts else "-"
            print(
                f"  {kind:<12}{row['n']:>9}{row['orders']:>11.1f}{row['paid']:>9.1f}"
                f"{row['net']:>14.2f} {currency}{median:>19}"
            )
        print("  top 5 by net spent:")
        for p in in_channel.select_related("user").order_by("-net_spent_amount")[:5]:
            who = p.user.email if p.user else f"{p.email} (guest)"
            print(
                f"    {who:<44}{p.orders_count:>4} orders {p.net_spent_amount:>10.2f} "
                f"{p.currency}"
            )
    refunded = CustomerProfile.objects.filter(total_refunded_amount__gt=0).count()
    cancelled = CustomerProfile.objects.filter(cancelled_orders_count__gt=0).count()
    print(
        f"\n{refunded} profiles with refunds, {cancelled} with cancelled orders; "
        f"{CustomerProfile.objects.aggregate(s=Sum('orders_count'))['s']:,} orders "
        "counted in profiles"
    )


def example_env() -> str:
    _setup_django()
    import graphene
    from django.conf import settings
    from saleor.account.models import User

    user = (
        User.objects.filter(private_metadata__has_key=EXAMPLE_MARK).first()
        or User.objects.filter(private_metadata__has_key=MARK)
        .order_by("-number_of_orders")
        .first()
        or User.objects.filter(is_staff=False).first()
    )
    values = {
        "EXAMPLE_ID": graphene.Node.to_global_id("User", user.pk) if user else "",
        "EXAMPLE_EMAIL": user.email if user else "",
        "EXAMPLE_NAME": user.get_full_name() if user else "",
        "EXAMPLE_CHANNEL": settings.DEFAULT_CHANNEL_SLUG,
    }
    return "".join(f"{key}={shlex.quote(value)}\n" for key, value in values.items())


COMMANDS = (
    "ensure-db",
    "state",
    "activate",
    "load",
    "loyalty",
    "playbook",
    "summary",
    "example",
)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(
        description="Demo data for scripts/demo; commands run in the order given."
    )
    parser.add_argument(
        "commands",
        nargs="+",
        choices=COMMANDS,
        metavar="COMMAND",
        help=", ".join(COMMANDS),
    )
    parser.add_argument(
        "--drop", action="store_true", help="ensure-db: drop the database first"
    )
    parser.add_argument("--seed", type=int, default=42, help="load: random seed")
    parser.add_argument(
        "--example-env",
        metavar="FILE",
        help="summary: also write the example customer as shell variables",
    )
    args = parser.parse_args(argv)
    for command in args.commands:
        if command == "ensure-db":
            ensure_db(args.drop)
        elif command == "load":
            load(args.seed)
        elif command == "summary":
            summary()
            if args.example_env:
                with open(args.example_env, "w") as out:
                    out.write(example_env())
        elif command == "example":
            print(example_env(), end="")
        else:
            {
                "state": state,
                "activate": activate,
                "loyalty": loyalty,
                "playbook": playbook,
            }[command]()


if __name__ == "__main__":
    main()

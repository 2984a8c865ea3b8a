"""A synthetic Saleor 3.23 store for benchmarks.

    DATABASE_URL=postgres://saleor:saleor@127.0.0.1:5432/crm_bench \\
    ~/saleor-3.23/.venv/bin/python bench/synth.py \\
        --database-url postgres://saleor:saleor@127.0.0.1:5432/crm_bench --scale 1.0

or, from another bench script: ``from synth import generate; generate(url, scale)``.

What it makes (``scale`` multiplies customers and orders; 1.0 = 100,000 customers and
1,000,000 orders; 0.01 = 1k / 10k for quick runs):

* the database itself if absent, and Saleor's schema (``migrate``) if not applied;
* with Saleor's ORM, a small catalogue: channels ``bench-usd`` (USD) and
  ``bench-jpy`` (JPY, no decimals) with their tax configuration, a warehouse, a
  shipping zone with two methods, a product type, 20 categories (4 roots with 4
  children each), 10 collections, 2,000 products with one variant each, channel
  listings in both channels, stock, and collection memberships;
* set-based SQL (``INSERT ... SELECT generate_series``) for the bulk, never one ORM
  save per row: ``account_user`` (customers ``c{n}@bench.example``), ``order_order``
  with 1-4 ``order_orderline`` rows each, ``payment_transactionitem`` (one charge
  transaction per paid order, carrying the refund where there is one, or with
  ``transactions="refunds"`` only for refunded orders) and
  ``order_ordergrantedrefund`` for the refunds.

The order history: 10% of customers never ordered, 30% once, 20% 2-4 times, 17% 5-9
times and 23% are regulars with 10-50 orders; the rest of the orders (about 10%) are
guest checkouts (no user), 30% of them with a customer's email (a fifth of those typed
with other letter case), the others with guest emails that partly repeat. Orders spread
over the last three years (customers' activity windows lean to recent times); each is in
one channel (a customer's home channel 92% of the time) in that channel's currency.
Statuses: 1% draft, 1% unconfirmed, 3% canceled, 0.2% expired, the rest fulfilled,
except for the last three days (mostly unfulfilled, some partially fulfilled). Paid
orders have ``charge_status`` 'full' and a charged amount equal to the total less any
granted refund (Saleor's own rule); ~1% of the rest are unpaid ('none') or half paid
('partial'), as are a quarter of the last days' unfulfilled ones. ~0.3% of orders are
free (a 100% voucher: total 0). ~2% of orders have a refund (40% of them full, status
'returned'; the others partial, half of those 'partially_returned').

Deterministic: every random draw is a hash of (seed, row key, purpose) computed in
PostgreSQL, so the same seed, scale and ``now`` give the same store. Python's memory
stays small: the rows are generated in the database (in temporary tables), never in
Python. The bulk load runs in one transaction that drops the secondary indexes and
the foreign keys of the tables it fills and re-creates them at the end (a failure
rolls all of it back), then ``VACUUM (FREEZE, ANALYZE)`` those tables.

Not generated: addresses, order events, fulfillments, transaction events and payments
(the legacy ``payment_payment``); products' search vectors are left for Saleor to
update (``search_index_dirty``).

Environment: SALEOR_DIR (default /root/saleor-3.23) is put on ``sys.path``;
DJANGO_SETTINGS_MODULE defaults to ``saleor.settings`` and SECRET_KEY to ``bench``;
DATABASE_URL is set from ``database_url``.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

SALEOR_DIR = os.environ.get("SALEOR_DIR", "/root/saleor-3.23")

CUSTOMERS_AT_SCALE_1 = 100_000
ORDERS_AT_SCALE_1 = 1_000_000
PRODUCTS = 2_000
HISTORY_DAYS = 3 * 365
TAX_RATE = Decimal("0.10")  # prices are entered with tax (gross); net = gross / 1.1

# slot -> channel; the order of this list is the "slot" used in the SQL below
CHANNELS = [
    # slug, name, currency, decimals, country, shipping (standard, express),
    # free standard shipping from this subtotal, price multiplier (from USD)
    ("bench-usd", "Bench USD", "USD", 2, "US", ("7.99", "19.99"), 100, 1),
    ("bench-jpy", "Bench JPY", "JPY", 0, "JP", ("800", "2000"), 15000, 150),
]

FIRST_NAMES = (
    "Ada Alan Alice Amir Anna Ben Bo Carla Chen Chloe Dan Diego Elif Emma Eva Felix "
    "Grace Hana Hugo Ines Ivan Jack Jana Ken Lea Leo Lina Luca Maya Mei Mia Nina Noah "
    "Nora Olga Omar Oscar Paul Rosa Ravi Sara Sofia Tom Uma Vera Yuki Zoe Kai Liam Ola"
).split()
LAST_NAMES = (
    "Abe Berg Brown Costa Cruz Dahl Diaz Evans Fischer Garcia Gomez Hall Ito Jansen "
    "Kato Kim Kowalski Lee Lopez Martin Meyer Moreau Muller Nagy Novak Olsen Park "
    "Patel Perez Rossi Sato Schmidt Silva Smith Suzuki Tanaka Taylor Novak Wang Weber "
    "White Wilson Wong Yamada Young Zhang Baker Clark Lewis Walker"
).split()
ADJECTIVES = (
    "Classic Organic Vintage Compact Deluxe Eco Smart Rustic Urban Nordic Bold Soft "
    "Bright Silent Swift Golden Silver Tiny Grand Wild"
).split()
NOUNS = (
    "Mug Lamp Backpack Notebook Hoodie Sneaker Teapot Blanket Candle Watch Bottle "
    "Scarf Jacket Speaker Wallet Chair Pillow Plant Poster Cap Kettle Bowl Vase "
    "Glove Pen"
).split()
SIZES = ("S", "M", "L", "XL", "One size")
CATEGORY_TREE = {
    "Apparel": ["Tops", "Outerwear", "Footwear", "Accessories"],
    "Home": ["Kitchen", "Decor", "Bedding", "Lighting"],
    "Outdoors": ["Camping", "Garden", "Sport", "Travel"],
    "Office": ["Stationery", "Bags", "Tech", "Furniture"],
}
COLLECTIONS = (
    "Summer Sale",
    "New Arrivals",
    "Best Sellers",
    "Gift Ideas",
    "Eco Picks",
    "Staff Favourites",
    "Winter Warmers",
    "Under 20",
    "Premium",
    "Back to School",
)


def log(verbose: bool, *args) -> None:
    if verbose:
        print(*args, flush=True)


# ---------------------------------------------------------------- database / Django


def _dbname(database_url: str) -> str:
    from psycopg.conninfo import conninfo_to_dict

    name = conninfo_to_dict(database_url).get("dbname")
    if not name:
        raise ValueError(f"no database name in {database_url!r}")
    return name


def ensure_database(database_url: str, recreate: bool = False, verbose: bool = True):
    """Create the database (from the server's ``postgres`` database) if absent; with
    ``recreate`` drop it first. Returns True when it was created."""
    import psycopg
    from psycopg import sql

    name = _dbname(database_url)
    with psycopg.connect(database_url, dbname="postgres", autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (name,)
        ).fetchone()
        if exists and recreate:
            log(verbose, f"dropping database {name}")
            conn.execute(
                sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name))
            )
            exists = None
        if not exists:
            log(verbose, f"creating database {name}")
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            return True
    return False


def setup_django(database_url: str) -> None:
    """Point Saleor's settings at ``database_url`` and set Django up (once)."""
    if SALEOR_DIR not in sys.path:
        sys.path.insert(0, SALEOR_DIR)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "saleor.settings")
    os.environ.setdefault("SECRET_KEY", "bench")

    from django.apps import apps

    if apps.ready:
        from django.conf import settings

        configured = settings.DATABASES["default"]["NAME"]
        if configured != _dbname(database_url):
            raise RuntimeError(
                f"Django is already set up for database {configured!r}, not "
                f"{_dbname(database_url)!r}"
            )
        return
    os.environ["DATABASE_URL"] = database_url
    os.environ["DATABASE_URL_REPLICA"] = database_url
    import django

    django.setup()


def ensure_schema(verbose: bool = True) -> bool:
    """Run ``migrate`` when migrations are missing. Returns True when it ran."""
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if not plan:
        return False
    log(verbose, f"applying {len(plan)} migrations (Saleor's schema) ...")
    call_command("migrate", interactive=False, verbosity=0)
    return True


# ---------------------------------------------------------------- catalogue (ORM)


def _money(value: float, decimals: int) -> Decimal:
    return Decimal(str(round(value, decimals))) if decimals else Decimal(round(value))


def create_channel(slug: str, name: str, currency: str, country: str):
    """An active channel with its tax configuration (Saleor's ORM)."""
    from saleor.channel.models import Channel
    from saleor.tax.models import TaxConfiguration

    channel = Channel.objects.create(
        name=name,
        slug=slug,
        currency_code=currency,
        default_country=country,
        is_active=True,
    )
    TaxConfiguration.objects.create(channel=channel)
    return channel


def create_catalogue(rng: random.Random, now: datetime) -> dict:
    """Channels, warehouse, shipping, product type, categories, collections and
    products (one variant each) with their listings, through Saleor's ORM."""
    from django.db import transaction
    from django.utils.text import slugify
    from saleor.account.models import Address
    from saleor.product import ProductTypeKind
    from saleor.product.models import (
        Category,
        Collection,
        CollectionChannelListing,
        CollectionProduct,
        Product,
        ProductChannelListing,
        ProductType,
        ProductVariant,
        ProductVariantChannelListing,
    )
    from saleor.shipping import ShippingMethodType
    from saleor.shipping.models import (
        ShippingMethod,
        ShippingMethodChannelListing,
        ShippingZone,
    )
    from saleor.warehouse.models import ChannelWarehouse, Stock, Warehouse

    since = now - timedelta(days=HISTORY_DAYS + 30)
    with transaction.atomic():
        channels = [
            create_channel(slug, name, currency, country)
            for slug, name, currency, _dec, country, *_ in CHANNELS
        ]

        address = Address.objects.create(
            company_name="Bench Fulfilment",
            street_address_1="1 Bench Way",
            city="Springfield",
            postal_code="12345",
            country="US",
        )
        warehouse = Warehouse.objects.create(
            name="Bench warehouse",
            slug="bench-warehouse",
            address=address,
            email="warehouse@bench.example",
        )
        for i, channel in enumerate(channels):
            ChannelWarehouse.objects.create(
                channel=channel, warehouse=warehouse, sort_order=i
            )
        zone = ShippingZone.objects.create(
            name="Bench zone", countries=[c[4] for c in CHANNELS]
        )
        zone.channels.add(*channels)
        warehouse.shipping_zones.add(zone)
        methods = []
        for m, method_name in enumerate(("Standard", "Express")):
            method = ShippingMethod.objects.create(
                name=method_name,
                type=ShippingMethodType.PRICE_BASED,
                shipping_zone=zone,
            )
            for channel, spec in zip(channels, CHANNELS, strict=True):
                ShippingMethodChannelListing.objects.create(
                    shipping_method=method,
                    channel=channel,
                    currency=spec[2],
                    price_amount=Decimal(spec[5][m]),
                    minimum_order_price_amount=Decimal(0),
                )
            methods.append(method)

        product_type = ProductType.objects.create(
            name="Bench goods",
            slug="bench-goods",
            kind=ProductTypeKind.NORMAL,
            has_variants=False,
            is_shipping_required=True,
        )

        leaves = []
        for root_name, children in CATEGORY_TREE.items():
            root = Category.objects.create(
                name=root_name, slug=f"bench-{slugify(root_name)}"
            )
            for child in children:
                leaves.append(
                    Category.objects.create(
                        name=child,
                        slug=f"bench-{slugify(root_name)}-{slugify(child)}",
                        parent=root,
                    )
                )

        collections = Collection.objects.bulk_create(
            Collection(name=name, slug=f"bench-{slugify(name)}") for name in COLLECTIONS
        )
        CollectionChannelListing.objects.bulk_create(
            CollectionChannelListing(
                collection=c, channel=ch, is_published=True, published_at=since
            )
            for c in collections
            for ch in channels
        )

        products, variants, usd_prices = [], [], []
        for i in range(PRODUCTS):
            name = f"{rng.choice(ADJECTIVES)} {rng.choice(NOUNS)} {i + 1}"
            products.append(
                Product(
                    product_type=product_type,
                    name=name,
                    slug=f"bench-product-{i + 1}",
                    category=rng.choice(leaves),
                    description_plaintext=f"{name}, a synthetic product.",
                    search_index_dirty=True,
                )
            )
            # log-normal prices around 30 USD, x.99
            usd = min(max(rng.lognormvariate(3.4, 0.8), 2), 900)
            usd_prices.append(int(usd) + 0.99)
        products = Product.objects.bulk_create(products)
        for i, product in enumerate(products):
            variants.append(
                ProductVariant(
                    product=product,
                    sku=f"BENCH-{i + 1:05d}",
                    name=rng.choice(SIZES),
                )
            )
        variants = ProductVariant.objects.bulk_create(variants)
        for product, variant in zip(products, variants, strict=True):
            product.default_variant = variant
        Product.objects.bulk_update(products, ["default_variant"])

        product_listings, variant_listings = [], []
        for channel, spec in zip(channels, CHANNELS, strict=True):
            currency, decimals, multiplier = spec[2], spec[3], spec[7]
            for product, variant, usd in zip(
                products, variants, usd_prices, strict=True
            ):
                if decimals:
                    price = _money(usd * multiplier, decimals)
                else:  # round yen prices to tens
                    price = Decimal(round(usd * multiplier, -1))
                product_listings.append(
                    ProductChannelListing(
                        product=product,
                        channel=channel,
                        currency=currency,
                        is_published=True,
                        published_at=since,
                        visible_in_listings=True,
                        available_for_purchase_at=since,
                        discounted_price_amount=price,
                    )
                )
                variant_listings.append(
                    ProductVariantChannelListing(
                        variant=variant,
                        channel=channel,
                        currency=currency,
                        price_amount=price,
                        discounted_price_amount=price,
                        cost_price_amount=_money(float(price) * 0.6, decimals),
                    )
                )
        ProductChannelListing.objects.bulk_create(product_listings)
        ProductVariantChannelListing.objects.bulk_create(variant_listings)
        Stock.objects.bulk_create(
            Stock(warehouse=warehouse, product_variant=v, quantity=1000)
            for v in variants
        )
        memberships = []
        for product in products:
            k = rng.choices((0, 1, 2), weights=(4, 4, 2))[0]
            for n, c in enumerate(rng.sample(collections, k)):
                memberships.append(
                    CollectionProduct(collection=c, product=product, sort_order=n)
                )
        CollectionProduct.objects.bulk_create(memberships)

    return {
        "channels": [c.id for c in channels],
        "shipping_methods": [m.id for m in methods],
        "warehouse": warehouse.id,
        "products": len(products),
        "variants": len(variants),
        "categories": len(leaves) + len(CATEGORY_TREE),
        "collections": len(collections),
        "collection_products": len(memberships),
    }


# ---------------------------------------------------------------- bulk (SQL)

BULK_TABLES = (
    "account_user",
    "order_order",
    "order_orderline",
    "payment_transactionitem",
    "order_ordergrantedrefund",
)


# The columns of Saleor 3.23's customer and order rows that a set-based populator
# must give (NOT NULL without a database default), as the head of an
# ``INSERT ... SELECT``; the benchmarks' populators add their own SELECT.
SALEOR_USER_INSERT = """
INSERT INTO "{user}" (is_superuser, email, is_staff, is_active, password,
    date_joined, first_name, last_name, private_metadata, metadata, jwt_token_key,
    language_code, search_document, updated_at, uuid, is_confirmed,
    number_of_orders)
"""
SALEOR_ORDER_INSERT = """
INSERT INTO "{order}" (id, number, created_at, updated_at, status,
    authorize_status, charge_status, user_id, language_code, tracking_client_id,
    user_email, origin, currency, channel_id, shipping_price_net_amount,
    shipping_price_gross_amount, base_shipping_price_amount,
    undiscounted_base_shipping_price_amount, checkout_token, lines_count,
    total_net_amount, total_gross_amount, undiscounted_total_net_amount,
    undiscounted_total_gross_amount, total_charged_amount, total_authorized_amount,
    subtotal_net_amount, subtotal_gross_amount, display_gross_prices, customer_note,
    weight, search_document, should_refresh_prices, tax_exemption, use_old_id,
    metadata, private_metadata)
"""


def bulk_steps(cursor, steps, names: dict, params: dict) -> dict:
    """Runs each ``(label, sql, bulk_tables)`` of ``steps`` in its own transaction
    (without JIT, with 1 GB of maintenance memory), ``sql`` formatted with
    ``names``; the secondary indexes and foreign keys of ``bulk_tables`` are
    dropped during the step and rebuilt after it (:class:`_DroppedIndexes`).
    Returns each step's seconds. The benchmarks' set-based populators share it."""
    from django.db import transaction

    seconds = {}
    for label, sql, bulk in steps:
        t0 = time.perf_counter()
        with transaction.atomic():
            cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
            cursor.execute("SET LOCAL jit = off")
            dropped = _DroppedIndexes(cursor, bulk) if bulk else None
            cursor.execute(sql.format(**names), params)
            if dropped:
                dropped.restore()
        seconds[label] = round(time.perf_counter() - t0, 1)
    return seconds


class _DroppedIndexes:
    """Drops the secondary (non-constraint) indexes and the foreign keys of
    ``tables`` and re-creates them on ``restore()``; the caller's transaction makes
    both sides all-or-nothing."""

    def __init__(self, cursor, tables):
        self.cursor = cursor
        cursor.execute(
            """
            SELECT i.relname, pg_get_indexdef(x.indexrelid)
            FROM pg_index x
            JOIN pg_class i ON i.oid = x.indexrelid
            JOIN pg_class t ON t.oid = x.indrelid
            JOIN pg_namespace ns ON ns.oid = t.relnamespace
            WHERE t.relname = ANY(%s) AND ns.nspname = current_schema()
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c
                              WHERE c.conindid = x.indexrelid)
            """,
            [list(tables)],
        )
        self.indexes = cursor.fetchall()
        cursor.execute(
            """
            SELECT t.relname, c.conname, pg_get_constraintdef(c.oid)
            FROM pg_constraint c
            JOIN pg_class t ON t.oid = c.conrelid
            JOIN pg_namespace ns ON ns.oid = t.relnamespace
            WHERE c.contype = 'f' AND t.relname = ANY(%s)
              AND ns.nspname = current_schema()
            """,
            [list(tables)],
        )
        self.fks = cursor.fetchall()
        for table, name, _ in self.fks:
            cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
        for name, _ in self.indexes:
            cursor.execute(f'DROP INDEX "{name}"')

    def restore(self):
        for _, definition in self.indexes:
            self.cursor.execute(definition)
        for table, name, definition in self.fks:
            self.cursor.execute(
                f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}'
            )


def _channel_case(column: str, values) -> str:
    """``CASE slot WHEN 0 THEN v0 ... END`` over the channel slots."""
    whens = " ".join(f"WHEN {i} THEN {v}" for i, v in enumerate(values))
    return f"(CASE {column} {whens} END)"


def _bulk_sql(
    *, seed, n_customers, n_orders, now, catalogue, customer_type_id, transactions
):
    """The statements of the bulk load, in order: (label, sql)."""
    ch = catalogue["channels"]
    dec = [c[3] for c in CHANNELS]
    channel_id = _channel_case("slot", ch)
    currency = _channel_case("slot", [f"'{c[2]}'" for c in CHANNELS])
    decimals = _channel_case("slot", dec)
    std_price = _channel_case("s.slot", [c[5][0] for c in CHANNELS])
    exp_price = _channel_case("s.slot", [c[5][1] for c in CHANNELS])
    free_from = _channel_case("s.slot", [c[6] for c in CHANNELS])
    std_id, exp_id = catalogue["shipping_methods"]
    now_sql = f"'{now.isoformat()}'::timestamptz"
    start_sql = f"({now_sql} - interval '{HISTORY_DAYS} days')"
    span = f"interval '{HISTORY_DAYS} days'"
    fn = "ARRAY[" + ",".join(f"'{n}'" for n in FIRST_NAMES) + "]"
    ln = "ARRAY[" + ",".join(f"'{n}'" for n in LAST_NAMES) + "]"
    recent = f"({now_sql} - interval '3 days')"
    R = "pg_temp.rnd"

    steps = []
    add = lambda label, sql: steps.append((label, sql))  # noqa: E731

    add(
        "random function",
        f"""
        CREATE FUNCTION pg_temp.rnd(bigint, integer) RETURNS double precision
        LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
          SELECT (hashint8extended($1, {int(seed)}::bigint * 1000003 + $2)
                  & 4503599627370495)::float8 / 4503599627370496.0
        $$""",
    )

    add(
        "variants",
        f"""
        CREATE TEMP TABLE synth_variant AS
        SELECT (row_number() OVER (ORDER BY pv.id) - 1)::int AS idx,
               pv.id AS variant_id, p.name AS product_name, pv.name AS variant_name,
               pv.sku, p.product_type_id,
               encode(convert_to('ProductVariant:' || pv.id, 'UTF8'), 'base64')
                   AS variant_gid,
               l0.price_amount AS price0, l1.price_amount AS price1
        FROM product_productvariant pv
        JOIN product_product p ON p.id = pv.product_id
        JOIN product_productvariantchannellisting l0
          ON l0.variant_id = pv.id AND l0.channel_id = {ch[0]}
        JOIN product_productvariantchannellisting l1
          ON l1.variant_id = pv.id AND l1.channel_id = {ch[1]}
        WHERE p.slug LIKE 'bench-product-%%';
        CREATE UNIQUE INDEX ON synth_variant (idx);
        ANALYZE synth_variant""",
    )

    # customers: k = number of orders; activity window [first_at, last_at]
    add(
        "customers (staging)",
        f"""
        CREATE TEMP TABLE synth_cust AS
        SELECT n, base.id + n AS user_id, 'c' || n || '@bench.example' AS email,
               k, slot, first_at, last_at,
               first_at - {R}(n, 6) * interval '30 days' AS joined,
               ({fn})[1 + floor({R}(n, 7) * {len(FIRST_NAMES)})::int] AS first_name,
               ({ln})[1 + floor({R}(n, 8) * {len(LAST_NAMES)})::int] AS last_name
        FROM (
            SELECT n, k, slot, first_at,
                   -- half the repeat buyers are still active, the others stopped
                   first_at + ({now_sql} - first_at) * CASE WHEN k <= 1 THEN 0
                       WHEN {R}(n, 17) < 0.5 THEN 1
                       ELSE 0.2 + 0.8 * {R}(n, 5) END AS last_at
            FROM (
                SELECT n,
                       CASE WHEN u < 0.10 THEN 0 WHEN u < 0.40 THEN 1
                            WHEN u < 0.60 THEN 2 + floor(v * 3)
                            WHEN u < 0.77 THEN 5 + floor(v * 5)
                            ELSE 10 + floor(v * 41) END::int AS k,
                       CASE WHEN {R}(n, 3) < 0.7 THEN 0 ELSE 1 END AS slot,
                       {start_sql} + {span} * power({R}(n, 4), 0.9)
                           * CASE WHEN u < 0.40 THEN 1 ELSE 0.95 END AS first_at
                FROM (SELECT n, {R}(n, 1) AS u, {R}(n, 2) AS v
                      FROM generate_series(1, {n_customers}) n) r
            ) a
        ) c,
        (SELECT COALESCE(max(id), 0) AS id FROM account_user) base""",
    )

    # registered customers' orders, then guest orders up to n_orders in all
    add(
        "orders (staging)",
        f"""
        CREATE TEMP TABLE synth_order_raw AS
        SELECT c.n::bigint * 64 + i AS key, c.user_id, c.email, c.first_name,
               c.last_name,
               CASE WHEN {R}(c.n::bigint * 64 + i, 9) < 0.92 THEN c.slot
                    ELSE 1 - c.slot END AS slot,
               CASE WHEN i = 1 THEN c.first_at
                    ELSE c.first_at + (c.last_at - c.first_at)
                         * {R}(c.n::bigint * 64 + i, 10) END AS created_at
        FROM synth_cust c, generate_series(1, c.k) i;

        INSERT INTO synth_order_raw
        SELECT -m, NULL,
               CASE WHEN {R}(-m, 11) < 0.3 AND {n_customers} > 0 THEN
                        CASE WHEN {R}(-m, 12) < 0.2 THEN 'C%%s@Bench.example'
                             ELSE 'c%%s@bench.example' END
                    ELSE 'g%%s@guest.example' END,
               NULL, NULL,
               CASE WHEN {R}(-m, 13) < 0.7 THEN 0 ELSE 1 END,
               {start_sql} + {span} * power({R}(-m, 14), 0.9)
        FROM generate_series(1, GREATEST(
            {n_orders} - (SELECT count(*) FROM synth_order_raw), 0)) m;

        UPDATE synth_order_raw SET email = format(email,
            CASE WHEN email LIKE 'g%%' THEN 1 + floor(power({R}(key, 15), 1.5)
                      * GREATEST({n_orders} * 0.075, 1))::bigint
                 ELSE 1 + floor({R}(key, 16) * {max(n_customers, 1)})::bigint END)
        WHERE user_id IS NULL""",
    )

    add(
        "orders (statuses)",
        f"""
        CREATE TEMP TABLE synth_order AS
        SELECT s.*,
               CASE WHEN refund IS NULL THEN status0
                    WHEN refund = 'full' THEN 'returned'
                    WHEN {R}(o, 26) < 0.5 THEN 'partially_returned'
                    ELSE status0 END AS status,
               CASE WHEN refund IS NOT NULL THEN LEAST({now_sql},
                        created_at + interval '3 days'
                        + {R}(o, 27) * interval '40 days') END AS refunded_at
        FROM (
            SELECT s.*,
                   CASE WHEN status0 IN ('fulfilled') AND pay = 'full' AND NOT zero
                             AND created_at < {recent} AND {R}(o, 24) < 0.0215
                        THEN CASE WHEN {R}(o, 25) < 0.4 THEN 'full' ELSE 'partial' END
                        END AS refund
            FROM (
                SELECT s.*,
                       CASE WHEN status0 IN ('draft', 'unconfirmed', 'canceled',
                                             'expired') THEN 'none'
                            WHEN zero THEN 'full'
                            WHEN status0 = 'unfulfilled' AND {R}(o, 22) < 0.25
                                THEN 'none'
                            WHEN {R}(o, 23) < 0.007 THEN 'none'
                            WHEN {R}(o, 23) < 0.010 THEN 'partial'
                            ELSE 'full' END AS pay
                FROM (
                    SELECT s.*,
                           CASE WHEN r < 0.010 THEN 'draft'
                                WHEN r < 0.020 THEN 'unconfirmed'
                                WHEN r < 0.050 THEN 'canceled'
                                WHEN r < 0.052 THEN 'expired'
                                WHEN created_at >= {recent} THEN
                                    CASE WHEN {R}(o, 21) < 0.7 THEN 'unfulfilled'
                                         WHEN {R}(o, 21) < 0.8 AND nlines > 1
                                             THEN 'partially_fulfilled'
                                         WHEN {R}(o, 21) < 0.8 THEN 'unfulfilled'
                                         ELSE 'fulfilled' END
                                ELSE 'fulfilled' END AS status0
                    FROM (
                        SELECT s.*, {R}(o, 20) AS r,
                               {R}(o, 28) < 0.003 AS zero,
                               CASE WHEN {R}(o, 29) < 0.55 THEN 1
                                    WHEN {R}(o, 29) < 0.80 THEN 2
                                    WHEN {R}(o, 29) < 0.93 THEN 3 ELSE 4 END AS nlines,
                               {R}(o, 30) < 0.1 AS express,
                               md5('{seed}:order:' || o)::uuid AS id
                        FROM (
                            SELECT row_number() OVER (ORDER BY created_at, key) AS o,
                                   user_id, email, first_name, last_name, slot,
                                   created_at
                            FROM synth_order_raw
                        ) s
                    ) s
                ) s
            ) s
        ) s;
        DROP TABLE synth_order_raw;
        CREATE UNIQUE INDEX ON synth_order (o);
        ANALYZE synth_order""",
    )

    # lines: distinct variants within an order (popular ones more often)
    n_var = "(SELECT count(*) FROM synth_variant)"
    add(
        "lines (staging)",
        f"""
        CREATE TEMP TABLE synth_line AS
        SELECT l.*, round(unit_gross / 1.1, dec) AS unit_net,
               unit_gross * quantity AS total_gross,
               round(unit_gross * quantity / 1.1, dec) AS total_net,
               round(price / 1.1, dec) AS price_net,
               price * quantity AS undisc_total_gross,
               round(price * quantity / 1.1, dec) AS undisc_total_net
        FROM (
            SELECT s.o, j, s.id AS order_id, s.created_at, s.status, s.slot,
                   {decimals} AS dec, {currency} AS currency, s.zero,
                   md5('{seed}:line:' || s.o || ':' || j)::uuid AS id,
                   v.variant_id, v.product_name, v.variant_name, v.sku,
                   v.product_type_id, v.variant_gid,
                   CASE WHEN {R}(s.o * 8 + j, 32) < 0.8 THEN 1
                        WHEN {R}(s.o * 8 + j, 32) < 0.95 THEN 2 ELSE 3 END AS quantity,
                   CASE s.slot WHEN 0 THEN v.price0 ELSE v.price1 END AS price,
                   CASE WHEN s.zero THEN 0
                        ELSE CASE s.slot WHEN 0 THEN v.price0 ELSE v.price1 END
                        END AS unit_gross
            FROM synth_order s
            CROSS JOIN LATERAL generate_series(1, s.nlines) j
            CROSS JOIN (SELECT {n_var}::int AS n) nv
            JOIN synth_variant v ON v.idx = (
                floor(nv.n * power({R}(s.o, 31), 2))::int
                + (j - 1) * (1 + floor({R}(s.o, 33) * (nv.n / 4 - 1))::int)
            ) %% nv.n
        ) l;
        CREATE TEMP TABLE synth_total AS
        SELECT o, sum(total_gross) AS sub_gross, sum(total_net) AS sub_net,
               sum(undisc_total_gross) AS usub_gross,
               sum(undisc_total_net) AS usub_net, count(*)::int AS lines_count,
               sum(quantity)::int AS quantity,
               min(total_gross) FILTER (WHERE j = 1) AS first_line_gross
        FROM synth_line GROUP BY o;
        CREATE UNIQUE INDEX ON synth_total (o);
        ANALYZE synth_line; ANALYZE synth_total""",
    )

    add(
        "order amounts (staging)",
        f"""
        CREATE TEMP TABLE synth_amount AS
        SELECT o, ship_list, ship, ship_net,
               sub_gross + ship AS total_gross,
               sub_net + ship_net AS total_net,
               usub_gross + ship_list AS undisc_total_gross,
               usub_net + round(ship_list / 1.1, dec) AS undisc_total_net,
               refund
        FROM (
            SELECT s.o, t.sub_gross, t.sub_net, t.usub_gross, t.usub_net, d.dec,
                   ship_list,
                   CASE WHEN s.zero THEN 0 ELSE ship_list END AS ship,
                   CASE WHEN s.zero THEN 0 ELSE round(ship_list / 1.1, d.dec)
                        END AS ship_net,
                   CASE s.refund WHEN 'full' THEN t.sub_gross + ship_list
                        WHEN 'partial' THEN CASE WHEN t.lines_count > 1
                            THEN t.first_line_gross
                            ELSE GREATEST(round((t.sub_gross + ship_list) * 0.3, d.dec),
                                          1) END
                        END AS refund
            FROM synth_order s
            JOIN synth_total t ON t.o = s.o
            CROSS JOIN LATERAL (SELECT {_channel_case("s.slot", dec)} AS dec) d
            CROSS JOIN LATERAL (SELECT CASE WHEN s.express THEN {exp_price}
                                            WHEN t.usub_gross >= {free_from} THEN 0
                                            ELSE {std_price} END::numeric AS ship_list
                               ) sh
        ) x;
        CREATE UNIQUE INDEX ON synth_amount (o);
        ANALYZE synth_amount""",
    )

    add(
        "account_user",
        f"""
        INSERT INTO account_user (
            id, is_superuser, email, is_staff, is_active, password, date_joined,
            last_login, first_name, last_name, private_metadata, metadata,
            jwt_token_key, language_code, search_document, updated_at, uuid,
            is_confirmed, number_of_orders, search_vector, customer_type_id)
        SELECT c.user_id, false, c.email, false, true,
               '!' || md5('{seed}:password:' || c.n) , c.joined,
               CASE WHEN c.k > 0 THEN c.last_at END,
               c.first_name, c.last_name, '{{}}', '{{}}',
               substr(md5('{seed}:jwt:' || c.n), 1, 12), 'en', '',
               GREATEST(c.joined, c.last_at), md5('{seed}:user:' || c.n)::uuid, true,
               COALESCE(cnt.n, 0),
               setweight(to_tsvector('simple', c.first_name || ' ' || c.last_name), 'A')
               || setweight(to_tsvector('simple', c.email), 'A')
               || setweight(to_tsvector('simple', 'bench.example'), 'B'),
               {customer_type_id if customer_type_id is not None else "NULL"}
        FROM synth_cust c
        LEFT JOIN (SELECT user_id, count(*) AS n FROM synth_order
                   WHERE status <> 'draft' AND user_id IS NOT NULL
                   GROUP BY user_id) cnt ON cnt.user_id = c.user_id
        ORDER BY c.n;
        SELECT setval(pg_get_serial_sequence('account_user', 'id'),
                      GREATEST((SELECT max(id) FROM account_user), 1))""",
    )

    add(
        "order_order",
        f"""
        INSERT INTO order_order (
            id, number, created_at, updated_at, expired_at, status, authorize_status,
            charge_status, user_id, language_code, tracking_client_id, user_email,
            origin, currency, channel_id, shipping_method_id, shipping_method_name,
            shipping_price_net_amount, shipping_price_gross_amount,
            base_shipping_price_amount, undiscounted_base_shipping_price_amount,
            shipping_tax_rate, shipping_tax_class_metadata,
            shipping_tax_class_private_metadata, shipping_method_metadata,
            shipping_method_private_metadata, checkout_token, lines_count,
            total_net_amount, total_gross_amount, undiscounted_total_net_amount,
            undiscounted_total_gross_amount, total_charged_amount,
            total_authorized_amount, subtotal_net_amount, subtotal_gross_amount,
            voucher_code, display_gross_prices, customer_note, weight,
            search_document, search_vector, should_refresh_prices, tax_exemption,
            use_old_id, metadata, private_metadata, draft_save_billing_address,
            draft_save_shipping_address)
        SELECT s.id, base.number + s.o, s.created_at,
               COALESCE(s.refunded_at, LEAST({now_sql},
                        s.created_at + {R}(s.o, 40) * interval '3 days')),
               CASE WHEN s.status = 'expired' THEN s.created_at + interval '1 day' END,
               s.status,
               CASE s.pay WHEN 'full' THEN 'full' WHEN 'partial' THEN 'partial'
                    ELSE 'none' END,
               s.pay, s.user_id, 'en', '', s.email,
               CASE WHEN s.status = 'draft' OR {R}(s.o, 41) < 0.01 THEN 'draft'
                    ELSE 'checkout' END,
               {currency}, {channel_id},
               CASE WHEN s.express THEN {exp_id} ELSE {std_id} END,
               CASE WHEN s.express THEN 'Express' ELSE 'Standard' END,
               a.ship_net, a.ship, a.ship, a.ship_list, {TAX_RATE}, '{{}}', '{{}}',
               '{{}}', '{{}}',
               CASE WHEN s.status = 'draft' OR {R}(s.o, 41) < 0.01 THEN ''
                    ELSE md5('{seed}:checkout:' || s.o)::uuid::text END,
               t.lines_count, a.total_net, a.total_gross, a.undisc_total_net,
               a.undisc_total_gross,
               CASE s.pay WHEN 'full' THEN a.total_gross - COALESCE(a.refund, 0)
                          WHEN 'partial' THEN round(a.total_gross / 2, {decimals})
                          ELSE 0 END,
               0, t.sub_net, t.sub_gross,
               CASE WHEN s.zero THEN 'BENCHFREE' END, true, '',
               t.quantity * 500.0, '',
               setweight(to_tsvector('simple', (base.number + s.o)::text), 'A')
               || setweight(to_tsvector('simple', encode(convert_to(
                      'Order:' || s.id, 'UTF8'), 'base64')), 'A')
               || setweight(to_tsvector('simple', s.email), 'A')
               || setweight(to_tsvector('simple', split_part(s.email, '@', 2)), 'B')
               || COALESCE(setweight(to_tsvector('simple', s.first_name), 'A'), '')
               || COALESCE(setweight(to_tsvector('simple', s.last_name), 'A'), ''),
               s.status IN ('draft', 'unconfirmed'), false, false, '{{}}', '{{}}',
               NULL, NULL
        FROM synth_order s
        JOIN synth_total t ON t.o = s.o
        JOIN synth_amount a ON a.o = s.o,
        (SELECT COALESCE(max(number), 0) AS number FROM order_order) base
        ORDER BY s.o;
        SELECT setval('order_order_number_seq',
                      GREATEST((SELECT max(number) FROM order_order), 1))""",
    )

    add(
        "order_orderline",
        f"""
        INSERT INTO order_orderline (
            id, order_id, created_at, variant_id, product_name, variant_name,
            translated_product_name, translated_variant_name, product_sku,
            product_variant_id, product_type_id, is_shipping_required, is_gift_card,
            is_gift, quantity, quantity_fulfilled, currency,
            unit_discount_amount, unit_discount_value, unit_discount_type,
            unit_discount_reason, unit_price_net_amount, unit_price_gross_amount,
            total_price_net_amount, total_price_gross_amount,
            undiscounted_unit_price_net_amount, undiscounted_unit_price_gross_amount,
            undiscounted_total_price_net_amount, undiscounted_total_price_gross_amount,
            base_unit_price_amount, undiscounted_base_unit_price_amount, tax_rate,
            tax_class_metadata, tax_class_private_metadata, voucher_code, metadata,
            private_metadata)
        SELECT l.id, l.order_id, l.created_at, l.variant_id, l.product_name,
               l.variant_name, '', '', l.sku, l.variant_gid, l.product_type_id, true,
               false, false, l.quantity,
               CASE WHEN l.status IN ('fulfilled', 'returned', 'partially_returned')
                         OR (l.status = 'partially_fulfilled' AND l.j = 1)
                    THEN l.quantity ELSE 0 END,
               l.currency,
               CASE WHEN l.zero THEN l.price ELSE 0 END,
               CASE WHEN l.zero THEN 100 ELSE 0 END,
               CASE WHEN l.zero THEN 'percentage' END,
               CASE WHEN l.zero THEN 'Voucher code: BENCHFREE' END,
               l.unit_net, l.unit_gross, l.total_net, l.total_gross,
               l.price_net, l.price, l.undisc_total_net, l.undisc_total_gross,
               l.unit_gross, l.price, {TAX_RATE}, '{{}}', '{{}}',
               CASE WHEN l.zero THEN 'BENCHFREE' END, '{{}}', '{{}}'
        FROM synth_line l
        ORDER BY l.o, l.j""",
    )

    txn_filter = (
        "s.pay IN ('full', 'partial') AND a.total_gross > 0"
        if transactions == "all"
        else "a.refund IS NOT NULL"
    )
    add(
        "payment_transactionitem",
        f"""
        INSERT INTO payment_transactionitem (
            token, created_at, modified_at, name, message, psp_reference,
            available_actions, currency, charged_value, authorized_value,
            refunded_value, canceled_value, charge_pending_value,
            authorize_pending_value, refund_pending_value, cancel_pending_value,
            order_id, user_id, use_old_id, last_refund_success, payment_method_type,
            payment_method_name, cc_brand, cc_last_digits, cc_exp_month, cc_exp_year,
            metadata, private_metadata)
        SELECT md5('{seed}:transaction:' || s.o)::uuid, s.created_at,
               COALESCE(s.refunded_at, s.created_at),
               'Bench Pay', '', 'bench_' || s.o,
               CASE WHEN o.total_charged_amount > 0 THEN ARRAY['refund']::varchar[]
                    ELSE ARRAY[]::varchar[] END,
               o.currency, o.total_charged_amount, 0, COALESCE(a.refund, 0),
               0, 0, 0, 0, 0, s.id, s.user_id, false, true, 'card', 'Credit card',
               (ARRAY['visa', 'mastercard', 'amex', 'jcb'])
                   [1 + floor({R}(s.o, 50) * 4)::int],
               lpad(floor({R}(s.o, 51) * 10000)::int::text, 4, '0'),
               1 + floor({R}(s.o, 52) * 12)::int,
               extract(year FROM s.created_at)::int + 1 + floor({R}(s.o, 53) * 4)::int,
               '{{}}', '{{}}'
        FROM synth_order s
        JOIN synth_amount a ON a.o = s.o
        JOIN order_order o ON o.id = s.id
        WHERE {txn_filter}
        ORDER BY s.o""",
    )

    add(
        "order_ordergrantedrefund",
        f"""
        INSERT INTO order_ordergrantedrefund (
            created_at, updated_at, amount_value, currency, reason, order_id,
            shipping_costs_included, transaction_item_id, status)
        SELECT s.refunded_at, s.refunded_at, a.refund, {currency},
               CASE WHEN s.refund = 'full' THEN 'Returned by the customer'
                    ELSE 'Damaged item' END,
               s.id, s.refund = 'full', ti.id, 'success'
        FROM synth_order s
        JOIN synth_amount a ON a.o = s.o
        JOIN payment_transactionitem ti
          ON ti.token = md5('{seed}:transaction:' || s.o)::uuid
        WHERE a.refund IS NOT NULL
        ORDER BY s.o""",
    )
    return steps


def _counts(cursor) -> dict:
    def one(sql):
        cursor.execute(sql, [])
        return cursor.fetchone()[0]

    cursor.execute(
        "SELECT status, count(*) FROM order_order o JOIN channel_channel c "
        "ON c.id = o.channel_id WHERE c.slug LIKE 'bench-%%' GROUP BY status "
        "ORDER BY 2 DESC",
        [],
    )
    statuses = dict(cursor.fetchall())
    return {
        "customers": one(
            "SELECT count(*) FROM account_user WHERE email LIKE '%%@bench.example'"
        ),
        "customers_with_orders": one(
            "SELECT count(*) FROM account_user WHERE email LIKE '%%@bench.example' "
            "AND number_of_orders > 0"
        ),
        "orders": sum(statuses.values()),
        "orders_by_status": statuses,
        "guest_orders": one("SELECT count(*) FROM order_order WHERE user_id IS NULL"),
        "zero_total_orders": one(
            "SELECT count(*) FROM order_order WHERE total_gross_amount = 0"
        ),
        "order_lines": one("SELECT count(*) FROM order_orderline"),
        "transaction_items": one("SELECT count(*) FROM payment_transactionitem"),
        "refunded_orders": one(
            "SELECT count(DISTINCT order_id) FROM payment_transactionitem "
            "WHERE refunded_value > 0"
        ),
        "granted_refunds": one("SELECT count(*) FROM order_ordergrantedrefund"),
    }


def generate(
    database_url: str,
    scale: float,
    seed: int = 1,
    *,
    recreate: bool = False,
    transactions: str = "all",
    now: datetime | None = None,
    verbose: bool = True,
) -> dict:
    """Build the synthetic store in ``database_url``; return the counts created
    (and ``seconds``, the time it all took, and ``seconds_by_step``).

    ``recreate`` drops and re-creates the database first; without it, a database
    that already holds a synthetic store (channel ``bench-usd``) is refused.
    ``transactions``: "all" (a charge transaction for every paid order) or
    "refunds" (only the refunded orders get one). ``now`` anchors the dates
    (default: the current hour)."""
    if transactions not in ("all", "refunds"):
        raise ValueError("transactions must be 'all' or 'refunds'")
    if scale <= 0:
        raise ValueError("scale must be positive")
    started = time.perf_counter()
    timings: dict[str, float] = {}

    def step(label):
        timings[label] = round(time.perf_counter() - step.t, 2)
        log(verbose, f"  {label}: {timings[label]:.1f} s")
        step.t = time.perf_counter()

    step.t = started
    ensure_database(database_url, recreate=recreate, verbose=verbose)
    setup_django(database_url)
    ensure_schema(verbose=verbose)
    step("database and schema")

    from django.db import connection, transaction
    from saleor.account.models import CustomerType
    from saleor.channel.models import Channel

    if Channel.objects.filter(slug=CHANNELS[0][0]).exists():
        raise RuntimeError(
            f"database {_dbname(database_url)!r} already has a synthetic store "
            "(channel bench-usd); use recreate=True / --recreate"
        )
    now = (now or datetime.now(UTC)).replace(minute=0, second=0, microsecond=0)
    n_customers = round(CUSTOMERS_AT_SCALE_1 * scale)
    n_orders = round(ORDERS_AT_SCALE_1 * scale)
    log(
        verbose,
        f"synthetic store: scale {scale} ({n_customers:,} customers, "
        f"{n_orders:,} orders), seed {seed}, now {now.isoformat()}",
    )

    catalogue = create_catalogue(random.Random(seed), now)
    step("catalogue (ORM)")
    default_type = CustomerType.objects.filter(is_default=True).first()

    steps = _bulk_sql(
        seed=seed,
        n_customers=n_customers,
        n_orders=n_orders,
        now=now,
        catalogue=catalogue,
        customer_type_id=default_type and default_type.pk,
        transactions=transactions,
    )
    with transaction.atomic(), connection.cursor() as cursor:
        for setting in (
            "work_mem = '256MB'",
            "maintenance_work_mem = '1GB'",
            "synchronous_commit = off",
        ):
            cursor.execute(f"SET LOCAL {setting}")
        try:  # only possible before the session's first temporary table
            with transaction.atomic():
                cursor.execute("SET LOCAL temp_buffers = '1GB'")
        except Exception:  # noqa: BLE001
            pass
        dropped = _DroppedIndexes(cursor, BULK_TABLES)
        step(
            f"dropped {len(dropped.indexes)} indexes and {len(dropped.fks)} "
            "foreign keys"
        )
        for label, sql in steps:
            # one statement at a time (psycopg sends a string with parameters as
            # one prepared statement); '%%' in the SQL is a literal '%'
            for statement in sql.split(";"):
                if statement.strip():
                    cursor.execute(statement, [])
            step(label)
        dropped.restore()
        step("indexes and foreign keys re-created")
        for table in (
            "synth_line",
            "synth_total",
            "synth_amount",
            "synth_order",
            "synth_cust",
            "synth_variant",
        ):
            cursor.execute(f"DROP TABLE {table}")
        counts = _counts(cursor)
    step("commit")
    with connection.cursor() as cursor:
        for table in BULK_TABLES:
            cursor.execute(f'VACUUM (FREEZE, ANALYZE) "{table}"')
    step("vacuum (freeze, analyze)")

    counts.update({k: v for k, v in catalogue.items() if isinstance(v, int)})
    counts.update(
        {
            "scale": scale,
            "seed": seed,
            "now": now.isoformat(),
            "transactions": transactions,
            "seconds": round(time.perf_counter() - started, 1),
            "seconds_by_step": timings,
        }
    )
    return counts


def table_sizes(tables=BULK_TABLES) -> dict:
    """Total size (table + indexes + toast) and row estimate of ``tables``."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, pg_size_pretty(pg_total_relation_size(oid)), "
            "pg_size_pretty(pg_indexes_size(oid)), reltuples::bigint "
            "FROM pg_class WHERE relname = ANY(%s) AND relkind = 'r' ORDER BY 1",
            [list(tables)],
        )
        return {
            name: {"total": total, "indexes": idx, "rows": rows}
            for name, total, idx, rows in cursor.fetchall()
        }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_DATABASE_URL",
            os.environ.get(
                "DATABASE_URL", "postgres://saleor:saleor@127.0.0.1:5432/crm_bench"
            ),
        ),
    )
    parser.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="1.0 = 100k customers, 1M orders (default)",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--recreate", action="store_true", help="drop and re-create the database first"
    )
    parser.add_argument(
        "--transactions",
        choices=("all", "refunds"),
        default="all",
        help="payment transactions for every paid order (default) "
        "or for the refunded ones only",
    )
    parser.add_argument(
        "--now",
        type=datetime.fromisoformat,
        default=None,
        help="anchor of the dates (ISO, with time zone; default now)",
    )
    args = parser.parse_args(argv)

    counts = generate(
        args.database_url,
        args.scale,
        args.seed,
        recreate=args.recreate,
        transactions=args.transactions,
        now=args.now,
    )
    print()
    print(f"created in {counts['seconds']:.1f} s:")
    for key, value in counts.items():
        if key not in ("seconds", "seconds_by_step", "orders_by_status"):
            print(
                f"  {key}: {value:,}" if isinstance(value, int) else f"  {key}: {value}"
            )
    print(
        "  orders by status: "
        + ", ".join(f"{k} {v:,}" for k, v in counts["orders_by_status"].items())
    )
    print("table sizes:")
    for name, size in table_sizes().items():
        print(
            f"  {name}: {size['rows']:,} rows, {size['total']} "
            f"(indexes {size['indexes']})"
        )


if __name__ == "__main__":
    main()

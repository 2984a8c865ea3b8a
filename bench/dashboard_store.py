"""A committed store of 1,000,000 CRM profiles in one channel for
``bench_dashboard.py``'s live count at scale (issue 16: the live count <= 1 s
after the last edit at 1M profiles).

    SALEOR_DIR=~/saleor-3.23 PYTHONPATH=$PWD:$HOME/saleor-3.23 \\
    ~/saleor-3.23/.venv/bin/python bench/dashboard_store.py \\
        --database-url postgres://saleor:saleor@127.0.0.1:5432/crm_bench_dashboard_1m

then (the live count only; see bench_dashboard.py)::

    BENCH_DASHBOARD_DATABASE_URL=<the same URL> \\
    BENCH_DASHBOARD_STAFF=bench-staff@example.com:bench-staff \\
    BENCH_DASHBOARD_SCREENS=none BENCH_DASHBOARD_OUT=bench/results/dashboard_1m.json \\
    bench/run bench_dashboard.py

What it makes, each step skipped when already done (a second run changes
nothing; ``--recreate`` drops the database first):

* the database if absent, and Saleor's schema with the plugin's tables
  (``migrate``, in this process: ``synth.ensure_database`` / ``setup_django`` /
  ``ensure_schema``, as ``synth.py`` and ``backfill.py`` do);
* the plugin's ``PluginConfiguration`` row, active (``scripts/demo_data.py``'s
  ``activate``);
* one channel, ``bench-usd`` (USD, with its tax configuration:
  ``synth.create_channel``), beside the empty ``default-channel`` Saleor's
  migrations make; the app opens on the first active channel by slug, so the
  segment builder counts in ``bench-usd``;
* a staff account (``--staff EMAIL:PASSWORD``, default
  ``bench-staff@example.com:bench-staff``) in a permission group "CRM bench
  staff" with the permissions the app asks for (``MANAGE_USERS``,
  ``MANAGE_DISCOUNTS``: ``dashboard.manifest.APP_PERMISSIONS``), access to all
  channels;
* ``--profiles`` customers (default 1,000,000) with the segments benchmark's
  populator (``segments_store.populate``: set-based SQL): the accounts with
  1-4 Saleor orders each (about 2.5M, all paid), one CRM profile each with the
  figures of those orders (``paid_orders_count`` 1-4, what "Paid orders at least
  N" reads), and 1 to ``--facts-max`` CRM order rows each (default 4: about
  2.5M, with their purchase facts; 19 gives the segments benchmark's ~10M and
  takes about 8 minutes more on 2 cores). The live count reads the profiles and
  the per-channel profile count the database keeps (``ProfileCount``).

Not made: a catalogue, loyalty programs, segments, coupon rules, analytics
rollups — the other screens of bench_dashboard.py need the demo store.

On the 2-core benchmark machine the whole build took 7 minutes (migrate 171 s,
populate 242 s, with other work running; 3.8 GB); it prints each step's seconds
and the store's size.

Environment: SALEOR_DIR (default /root/saleor-3.23); BENCH_DASHBOARD_DATABASE_URL
is the default of --database-url.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DEFAULT_URL = "postgres://saleor:saleor@127.0.0.1:5432/crm_bench_dashboard_1m"
CHANNEL = ("bench-usd", "Bench USD", "USD", "US")
STAFF = "bench-staff@example.com:bench-staff"
GROUP = "CRM bench staff"


def ensure_staff(email: str, password: str):
    """A staff account with the app's permissions (through a permission group
    with access to every channel), its password set. Returns the user."""
    from django.db import transaction
    from saleor.account.models import Group, User
    from saleor.permission.models import Permission

    from saleor_crm_plugin.dashboard.manifest import APP_PERMISSIONS

    with transaction.atomic():
        group, _ = Group.objects.get_or_create(
            name=GROUP, defaults={"restricted_access_to_channels": False}
        )
        codenames = [p.lower() for p in APP_PERMISSIONS]
        permissions = list(Permission.objects.filter(codename__in=codenames))
        assert len(permissions) == len(codenames), (codenames, permissions)
        group.permissions.add(*permissions)
        user = User.objects.filter(email=email).first() or User(email=email)
        user.is_staff = True
        user.is_active = True
        user.set_password(password)
        user.save()
        user.groups.add(group)
    return user


def ensure_channel():
    from saleor.channel.models import Channel
    from synth import create_channel

    slug, name, currency, country = CHANNEL
    return Channel.objects.filter(slug=slug).first() or create_channel(
        slug, name, currency, country
    )


def store_size(channel) -> dict:
    from django.db import connection

    from saleor_crm_plugin.core.tables import db_tables

    t = db_tables()
    with connection.cursor() as cursor:

        def one(sql, *params):
            cursor.execute(sql, params)
            return cursor.fetchone()[0]

        return {
            "database": connection.settings_dict["NAME"],
            "database_size": one(
                "SELECT pg_size_pretty(pg_database_size(current_database()))"
            ),
            "customer accounts": one(
                f'SELECT count(*) FROM "{t["user"]}" WHERE NOT is_staff'
            ),
            "Saleor orders": one(f'SELECT count(*) FROM "{t["order"]}"'),
            "CRM profiles in the channel": one(
                f'SELECT count(*) FROM "{t["profile"]}" WHERE channel_id = %s',
                channel.pk,
            ),
            "CRM order rows": one(f'SELECT count(*) FROM "{t["corder"]}"'),
            "purchase facts": one(f'SELECT count(*) FROM "{t["purchase_fact"]}"'),
            "profiles by paid orders": dict(
                one(
                    "SELECT array_agg(ARRAY[paid_orders_count, n] ORDER BY 1)"
                    " FROM (SELECT paid_orders_count, count(*) AS n"
                    f' FROM "{t["profile"]}" WHERE channel_id = %s'
                    " GROUP BY 1) x",
                    channel.pk,
                )
                or []
            ),
        }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DASHBOARD_DATABASE_URL", DEFAULT_URL),
    )
    parser.add_argument("--profiles", type=int, default=1_000_000)
    parser.add_argument("--facts-max", type=int, default=4)
    parser.add_argument("--staff", default=STAFF, metavar="EMAIL:PASSWORD")
    parser.add_argument(
        "--recreate", action="store_true", help="drop the database first"
    )
    args = parser.parse_args(argv)
    email, password = args.staff.split(":", 1)

    sys.path[:0] = [str(HERE), str(ROOT / "scripts")]
    from synth import ensure_database, ensure_schema, setup_django

    steps = {}
    started = t0 = time.perf_counter()
    ensure_database(args.database_url, recreate=args.recreate)
    setup_django(args.database_url)
    ensure_schema()
    steps["schema"] = round(time.perf_counter() - t0, 1)

    from demo_data import activate
    from django.utils import timezone

    from saleor_crm_plugin.models import CustomerProfile

    activate()
    channel = ensure_channel()
    ensure_staff(email, password)
    print(f"channel {channel.slug}, staff {email} ({GROUP})", flush=True)

    if CustomerProfile.objects.filter(channel=channel).exists():
        print("profiles already there: not populated again", flush=True)
    else:
        print(
            f"populating {args.profiles:,} customers (CRM order rows 1-"
            f"{args.facts_max} each) ...",
            flush=True,
        )
        import segments_store

        t0 = time.perf_counter()
        steps["populate"] = segments_store.populate(
            channel, args.profiles, timezone.now(), facts_max=args.facts_max
        )
        steps["populate_total"] = round(time.perf_counter() - t0, 1)
    steps["total"] = round(time.perf_counter() - started, 1)
    print(f"seconds: {steps}")
    for label, value in store_size(channel).items():
        print(
            f"  {label}: {value:,}" if isinstance(value, int) else f"  {label}: {value}"
        )
    print(f"staff login: {email}:{password}")


if __name__ == "__main__":
    main()

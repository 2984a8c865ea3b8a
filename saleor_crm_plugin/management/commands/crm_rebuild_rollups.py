import sys
import time

from django.core.management.base import BaseCommand, CommandError
from saleor.core.db.connection import allow_writer

from ...analytics.rollups import rebuild
from ...domain.analytics import AnalyticsError


class Command(BaseCommand):
    help = (
        "Recompute the KPI rollups from the CRM tables (after a backfill, or to "
        "count a channel's days in another time zone). Chunked by profile id; "
        "idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--channel",
            action="append",
            default=[],
            metavar="SLUG",
            help="Only this channel (repeatable; default: all).",
        )
        parser.add_argument(
            "--time-zone",
            metavar="ZONE",
            help="IANA zone of the channels' days (default: the one "
            "set before, else the channel's loyalty program's, "
            "else UTC).",
        )
        parser.add_argument(
            "--chunk",
            type=int,
            default=20000,
            metavar="N",
            help="Profiles per statement (default 20000).",
        )
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, **options):
        from saleor.channel.models import Channel

        channel_ids = None
        if options["channel"]:
            found = dict(
                Channel.objects.filter(slug__in=options["channel"]).values_list(
                    "slug", "pk"
                )
            )
            missing = sorted(set(options["channel"]) - set(found))
            if missing:
                raise CommandError(f"Unknown channel: {', '.join(missing)}")
            channel_ids = list(found.values())
        if not 100 <= options["chunk"] <= 200000:
            raise CommandError("--chunk must be from 100 to 200000.")

        def progress(channel_id, done, last):
            if not options["no_progress"]:
                sys.stderr.write(
                    f"\rchannel {channel_id}: profiles up to {done} of {last}"
                )

        started = time.monotonic()
        try:
            with allow_writer():
                result = rebuild(
                    channel_ids,
                    time_zone=options["time_zone"],
                    chunk=options["chunk"],
                    progress=progress,
                )
        except AnalyticsError as exc:
            raise CommandError(str(exc)) from exc
        if not options["no_progress"]:
            sys.stderr.write("\n")
        self.stdout.write(
            f"Rebuilt the rollups of {result['channels']} channel(s): "
            f"{result['rows']} profile-day rows in "
            f"{time.monotonic() - started:.1f} s."
        )

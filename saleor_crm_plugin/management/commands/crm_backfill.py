import sys
import time
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from saleor.core.db.connection import allow_writer

from ...analytics.rollups import refresh_profile_range
from ...profiles.backfill import BackfillOptions, analyze, run_backfill

SKIP_LABELS = {
    "skipped_draft": "skipped: draft",
    "skipped_unconfirmed": "skipped: unconfirmed",
    "skipped_expired": "skipped: expired",
    "skipped_no_customer": "skipped: no user and no email",
    "excluded": "excluded (erased customer / guests off)",
}


class Command(BaseCommand):
    help = (
        "Import Saleor's historical orders into CRM profiles. Chunked with bounded "
        "memory, resumable after an interruption (run it again), idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--channel",
            action="append",
            default=[],
            metavar="SLUG",
            help="Only this channel (repeatable).",
        )
        parser.add_argument(
            "--since",
            type=date.fromisoformat,
            metavar="YYYY-MM-DD",
            help="Only orders created on or after this date.",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            metavar="N",
            help="Orders per chunk (default: the plugin's batch size setting).",
        )
        parser.add_argument(
            "--restart",
            action="store_true",
            help="Forget the progress of an earlier run with the same filters.",
        )
        parser.add_argument(
            "--no-progress", action="store_true", help="No progress bar."
        )

    def handle(self, *args, **options):
        if (
            options["batch_size"] is not None
            and not 1 <= options["batch_size"] <= 100000
        ):
            raise CommandError("--batch-size must be between 1 and 100000.")
        opts = BackfillOptions(
            channels=options["channel"],
            since=options["since"],
            batch_size=options["batch_size"],
            restart=options["restart"],
        )
        progress = None if options["no_progress"] else _ProgressBar(sys.stderr)
        try:
            with allow_writer():
                stats = run_backfill(
                    opts, progress=progress, after_range=refresh_profile_range
                )
                analyze()
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        finally:
            if progress:
                progress.close()
        self._summary(stats)

    def _summary(self, stats):
        out = self.stdout
        out.write(self.style.SUCCESS(f"CRM backfill finished in {stats['seconds']}s"))
        rows = [
            ("orders scanned (this run)", stats.get("scanned", 0)),
            ("imported", stats.get("imported", 0)),
            *[(label, stats.get(key, 0)) for key, label in SKIP_LABELS.items()],
            ("guest orders", stats.get("guest_orders", 0)),
            ("zero-total orders", stats.get("zero_total_orders", 0)),
            ("profiles", stats.get("profiles", 0)),
        ]
        for key in sorted(k for k in stats if k.startswith("currency_")):
            rows.append((f"orders in {key.removeprefix('currency_')}", stats[key]))
        for label, value in rows:
            out.write(f"  {label:<42}{value:>12,}")
        for phase, seconds in stats.get("phase_seconds", {}).items():
            out.write(f"  {'seconds: ' + phase:<42}{seconds:>12,.2f}")


class _ProgressBar:
    def __init__(self, stream, width=30):
        self.stream, self.width, self.start = stream, width, time.monotonic()
        self.phase = None

    def __call__(self, phase, done, total, stats):
        if phase != self.phase:
            if self.phase:
                self.stream.write("\n")
            self.phase, self.start = phase, time.monotonic()
        frac = done / total if total else 1.0
        elapsed = time.monotonic() - self.start
        rate = done / elapsed if elapsed > 0 else 0
        eta = (total - done) / rate if rate else 0
        bar = "#" * int(frac * self.width)
        self.stream.write(
            f"\r{phase:<9}[{bar:<{self.width}}] {frac:6.1%} {done:,}/{total:,} "
            f"{rate:,.0f}/s ETA {eta:,.0f}s "
        )
        self.stream.flush()

    def close(self):
        if self.phase:
            self.stream.write("\n")

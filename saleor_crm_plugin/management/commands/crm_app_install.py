from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from saleor.core.db.connection import allow_writer

from ...dashboard.install import default_public_url, install, uninstall
from ...dashboard.manifest import app_url, manifest_url
from ...domain.config import ConfigError, parse_config


class Command(BaseCommand):
    help = (
        "Install the CRM Dashboard app as a Saleor App (or update the installed "
        "one): the app, its Dashboard extensions and an app token, from the "
        "manifest the plugin serves, validated by Saleor's manifest validation. "
        "Idempotent. --uninstall removes it as Saleor's appDelete does."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--public-url",
            metavar="URL",
            help="Where the Dashboard reaches Saleor, e.g. https://shop.example.com "
            "(default: the plugin's app_public_url, else Saleor's PUBLIC_URL, "
            "else the Site's domain).",
        )
        parser.add_argument(
            "--uninstall", action="store_true", help="Remove the installed app."
        )

    @allow_writer()
    def handle(self, *args, **options):
        if options["uninstall"]:
            removed = uninstall()
            if removed:
                self.stdout.write(f"Removed the CRM app ({len(removed)}).")
            else:
                self.stdout.write("The CRM app is not installed.")
            return
        public_url = options["public_url"]
        if public_url is not None:
            try:
                public_url = parse_config({"app_public_url": public_url}).app_public_url
            except ConfigError as exc:
                raise CommandError(
                    f"--public-url: {exc.errors['app_public_url']}"
                ) from exc
        public_url = public_url or default_public_url()
        try:
            result = install(public_url)
        except ValidationError as exc:
            raise CommandError(f"Saleor refused the app manifest: {exc}") from exc
        verb = "Installed" if result.created else "Updated"
        self.stdout.write(f"{verb} the CRM app (Saleor App id {result.app.pk}).")
        self.stdout.write(f"App URL (standalone): {app_url(public_url)}")
        self.stdout.write(f"Manifest URL: {manifest_url(public_url)}")
        if result.token:
            self.stdout.write(
                f"App token (shown once; Saleor keeps only a hash): {result.token}"
            )

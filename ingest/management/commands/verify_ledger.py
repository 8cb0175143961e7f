"""manage.py verify_ledger: check the ledger's chain and every record against it."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from ingest.ledger import ledger_verify


class Command(BaseCommand):
    help = "Walk the tamper-evident ledger and name the first record or entry that does not match."

    def handle(self, *args, **options) -> None:
        report = ledger_verify()
        if not report.ok:
            raise CommandError(report.problem)
        self.stdout.write(
            _(
                "Ledger sound: {entries} entries; {matched} records match their latest entry."
            ).format(entries=report.entries, matched=report.records - report.unledgered)
        )
        if report.unledgered:
            self.stdout.write(
                _(
                    "{count} records have no ledger entry (written before the ledger or by a bulk "
                    "load)."
                ).format(count=report.unledgered)
            )

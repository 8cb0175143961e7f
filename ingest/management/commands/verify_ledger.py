"""manage.py verify_ledger: check the ledger's chain, its head and every row against it; and the
operator's steps: adopt rows written before the ledger covered them, rekey the chain, reset a
lost head."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ingest.ledger import (
    LEDGER_TYPES,
    RekeyRefused,
    ledger_adopt,
    ledger_head_reset,
    ledger_rekey,
)
from ingest.ledger_verify import ledger_verify


class Command(BaseCommand):
    help = (
        "Verify the tamper-evident ledger: every finding is listed and the exit status is 1 "
        "when there is one. --adopt, --rekey and --reset-head are one-off operator steps."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--adopt",
            action="store_true",
            help="enter every row that has no ledger entry as it now is (data loaded before the "
            "ledger covered it); only after checking that nobody wrote it behind perf's back",
        )
        parser.add_argument(
            "--rekey",
            action="store_true",
            help="re-hash the chain under PERF_LEDGER_KEY; it must verify first under "
            "PERF_LEDGER_PREVIOUS_KEY (or, unset, the unkeyed hashes of perf before keys)",
        )
        parser.add_argument(
            "--reset-head",
            action="store_true",
            help="write the chain's present end to the head file (after the file was lost)",
        )

    def handle(self, *args, adopt: bool, rekey: bool, reset_head: bool, **options) -> None:
        if rekey:
            previous = settings.PERF_LEDGER_PREVIOUS_KEY.encode() or None
            try:
                count = ledger_rekey(previous_key=previous)
            except RekeyRefused as refused:
                raise CommandError(
                    _(
                        "Ledger entry #{id} does not verify under the previous key: the chain "
                        "was not rekeyed."
                    ).format(id=refused.args[0])
                ) from refused
            self.stdout.write(_("Rekeyed {count} ledger entries.").format(count=count))
        if reset_head:
            head = ledger_head_reset()
            self.stdout.write(
                _("The ledger's head is entry #{id}.").format(id=head.entry_id if head else 0)
            )
        if adopt:
            counts = ledger_adopt(actor="verify_ledger --adopt")
            for key, count in counts.items():
                label = capfirst(str(LEDGER_TYPES[key].label))
                self.stdout.write(_("{type}: adopted {count}.").format(count=count, type=label))
        report = ledger_verify()
        self.stdout.write(
            _("Ledger: {entries} entries, {records} rows checked.").format(
                entries=report.entries, records=report.records
            )
        )
        for note in report.notes:
            self.stdout.write(note)
        if report.findings:
            count = len(report.findings)
            heading = ngettext(
                "The ledger has {count} finding:", "The ledger has {count} findings:", count
            ).format(count=count)
            raise CommandError(heading + "\n" + report.problem)
        self.stdout.write(_("Ledger sound: every row matches its latest entry."))

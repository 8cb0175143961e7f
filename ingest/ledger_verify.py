"""Verifying the ledger: its chain entry by entry under the key, its end against the head kept
outside the database, and every ledgered row against its latest entry. Each kind of problem is
a finding in words, with counts and a few ids, never only a number."""

import json
from dataclasses import dataclass, field

from django.db import connection
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from ingest.ledger import (
    GENESIS_HASH,
    LEDGER_TYPES,
    HeadUnreadable,
    LedgerType,
    canonical_contents,
    content_hash,
    head_path,
    head_read,
    keyed_hasher,
    ledger_key,
)
from ingest.models import LedgerEntry
from ingest.records import record_values

# Ids named per finding; the count is always given.
IDS_SHOWN = 5


@dataclass(frozen=True)
class Finding:
    kind: str  # chain, head, changed, unledgered, gone
    message: str


@dataclass
class LedgerReport:
    """What ``ledger_verify`` found: counts, findings (empty when sound) and notes."""

    entries: int = 0
    records: int = 0
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    unledgered: int = 0
    last_id: int | None = None  # the chain's end as walked (up to a break)

    @property
    def ok(self) -> bool:
        return not self.findings

    @property
    def problem(self) -> str:
        """Every finding, one a line (empty when sound)."""
        return "\n".join(finding.message for finding in self.findings)

    def kinds(self) -> set[str]:
        return {finding.kind for finding in self.findings}

    def add(self, kind: str, message: str) -> None:
        self.findings.append(Finding(kind, message))


def _ids(ids: list[int]) -> str:
    shown = ", ".join(f"#{pk}" for pk in sorted(ids)[:IDS_SHOWN])
    return shown + (" …" if len(ids) > IDS_SHOWN else "")


def _differing_fields(recorded: str, current: str) -> str:
    before, after = json.loads(recorded), json.loads(current)
    names = before.keys() | after.keys()
    return ", ".join(sorted(name for name in names if before.get(name) != after.get(name)))


def _chain_walk(report: LedgerReport) -> dict[tuple[str, int], tuple[int, str]]:
    """Check every entry against the one before it and under the key; returns each row's
    latest entry (id, content hash). The first break is a finding (what follows a break
    cannot be told apart from a forgery, so it is not walked further)."""
    keyed = keyed_hasher(ledger_key())
    entries = LedgerEntry.objects.order_by("id").values_list(
        "id",
        "record_type",
        "record_id",
        "action",
        "content",
        "content_hash",
        "previous_hash",
        "entry_hash",
        "actor",
        "recorded_at",
    )
    previous = GENESIS_HASH
    latest: dict[tuple[str, int], tuple[int, str]] = {}
    last_id = None
    for (
        pk,
        record_type,
        record_id,
        action,
        content,
        digest,
        before,
        stated,
        actor,
        at,
    ) in entries.iterator(chunk_size=20_000):
        report.entries += 1
        problem = ""
        if before != previous:
            problem = _(
                "Ledger entry #{id} does not follow the entry before it: entries were deleted, "
                "inserted or reordered."
            )
        elif content_hash(content) != digest:
            problem = _(
                "Ledger entry #{id} holds content that does not match its hash: the entry was "
                "rewritten."
            )
        else:
            text = f"{previous}|{record_type}|{record_id}|{action}|{digest}|{actor}|"
            if keyed((text + at.isoformat()).encode()) != stated:
                problem = _(
                    "Ledger entry #{id} does not match its own keyed hash: the entry was "
                    "rewritten or written without the ledger key."
                )
        if problem:
            report.add("chain", problem.format(id=pk))
            break
        previous, last_id = stated, pk
        latest[(record_type, record_id)] = (pk, digest)
    report.last_id = last_id
    return latest


def _head_check(report: LedgerReport, chain_broken: bool) -> None:
    """Compare the chain's end with the head kept outside the database."""
    last_id = report.last_id
    path = head_path()
    try:
        head = head_read()
    except HeadUnreadable as error:
        message = _("The ledger's head file cannot be read ({error}).").format(error=error)
        report.add("head", message)
        return
    if head is None:
        if report.entries:
            report.add(
                "head",
                _(
                    "The ledger's head file {path} is missing, so entries deleted from the end "
                    "of the chain could not be noticed. If it was lost, run verify_ledger "
                    "--reset-head once the chain is otherwise sound."
                ).format(path=path),
            )
        return
    if head.database != str(connection.settings_dict["NAME"]):
        report.add(
            "head",
            _("The ledger's head file {path} belongs to database {name}, not this one.").format(
                path=path, name=head.database
            ),
        )
        return
    if chain_broken:
        return  # the chain's own finding says more
    stored = LedgerEntry.objects.filter(pk=head.entry_id).values_list("entry_hash", flat=True)
    stored_hash = stored.first()
    if stored_hash is None:
        if last_id is None or head.entry_id > last_id:
            report.add(
                "head",
                _(
                    "The ledger ends at entry #{last} but its head kept outside the database is "
                    "entry #{head}: the latest entries were deleted."
                ).format(last=last_id or 0, head=head.entry_id),
            )
        else:
            report.add(
                "head",
                _("Ledger entry #{head}, the head kept outside the database, is gone.").format(
                    head=head.entry_id
                ),
            )
    elif stored_hash != head.entry_hash:
        report.add(
            "head",
            _(
                "Ledger entry #{head} does not match the head kept outside the database: the "
                "chain was rewritten up to it."
            ).format(head=head.entry_id),
        )
    elif last_id is not None and last_id > head.entry_id:
        report.notes.append(
            _(
                "{count} entries were appended after the head file was last written (a commit "
                "whose head write failed, or one in progress); they verify under the key."
            ).format(count=LedgerEntry.objects.filter(pk__gt=head.entry_id).count())
        )


def _rows_check(
    report: LedgerReport, spec: LedgerType, latest: dict[tuple[str, int], tuple[int, str]]
) -> None:
    """Compare one type's rows with their latest entries (one query for the rows)."""
    label = capfirst(str(spec.label))
    if spec.verify is not None:
        checked, found = spec.verify(latest)
        report.records += checked
        _found_add(report, label, found, changed=found.get("changed", []))
        return
    rows = record_values(spec, spec.model.objects.all())
    report.records += len(rows)
    contents = canonical_contents(spec, rows)
    unledgered, changed, first_change = [], [], None
    for record_id, content in zip(rows["id"].tolist(), contents.tolist(), strict=True):
        entry = latest.pop((spec.key, record_id), None)
        if entry is None:
            unledgered.append(record_id)
        elif entry[1] != content_hash(content):
            changed.append(record_id)
            first_change = first_change or (record_id, entry[0], content)
    gone = [record_id for (key, record_id) in latest if key == spec.key]
    for record_id in gone:
        del latest[(spec.key, record_id)]
    detail = ""
    if changed:
        record_id, entry_id, content = first_change
        recorded = LedgerEntry.objects.values_list("content", flat=True).get(pk=entry_id)
        detail = _("#{id} differs from its entry #{entry} in: {fields}.").format(
            id=record_id, entry=entry_id, fields=_differing_fields(recorded, content)
        )
    found = {"unledgered": unledgered, "gone": gone}
    _found_add(report, label, found, changed=changed, detail=detail)


def _found_add(
    report: LedgerReport,
    label: str,
    found: dict[str, list[int]],
    *,
    changed: list[int],
    detail: str = "",
) -> None:
    """One finding per kind of problem a type's rows have, with the count and a few ids."""
    if changed:
        message = _("{label}: {count} changed without a ledger entry ({ids}).").format(
            label=label, count=len(changed), ids=_ids(changed)
        )
        report.add("changed", f"{message} {detail}".strip())
    unledgered = found.get("unledgered", [])
    if unledgered:
        report.unledgered += len(unledgered)
        report.add(
            "unledgered",
            _(
                "{label}: {count} have no ledger entry ({ids}): written behind perf's back, or "
                "loaded before the ledger covered them (verify_ledger --adopt enters those)."
            ).format(label=label, count=len(unledgered), ids=_ids(unledgered)),
        )
    gone = found.get("gone", [])
    if gone:
        report.add(
            "gone",
            _("{label}: {count} with ledger entries no longer exist ({ids}).").format(
                label=label, count=len(gone), ids=_ids(gone)
            ),
        )


def ledger_verify() -> LedgerReport:
    """Walk the ledger's chain under the key, compare its end with the head file, and compare
    every ledgered row with its latest entry. Findings: a broken or forged chain; a head file
    that is missing, unreadable, or ahead of the chain (entries deleted); rows changed without
    an entry; rows with no entry at all (inserted behind perf's back, or never adopted); entries
    of rows that are gone. Rows of a type the ledger does not know are not read."""
    report = LedgerReport()
    latest = _chain_walk(report)
    _head_check(report, chain_broken="chain" in report.kinds())
    for spec in LEDGER_TYPES.values():
        _rows_check(report, spec, latest)
    unknown = sorted({key for key, _id in latest})
    if unknown:
        report.add(
            "gone",
            _("Ledger entries name record types perf does not know: {types}.").format(
                types=", ".join(unknown)
            ),
        )
    return report

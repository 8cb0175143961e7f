"""Evidence files: checked (name, kind by content, size) before anything is kept, kept privately
under a generated name, and shown back only to people who may see the appeal. Evidence is
hostile input: what may be previewed in the browser is decided here, by the kind checked at
upload, never by the name or the type the client claimed."""

import re
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.files import File
from django.utils.translation import gettext as _

from appeals.access import may_add_evidence
from appeals.errors import AppealRefused
from appeals.models import Appeal, Evidence

# Evidence: the kinds of file accepted, by extension, and how each kind's content begins.
EVIDENCE_KINDS = {
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".gif": ("image/gif", (b"GIF87a", b"GIF89a")),
    ".webp": ("image/webp", (b"RIFF",)),
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        (b"PK\x03\x04",),
    ),
}
# What the browser may show in the page (raster images and PDF; never SVG, HTML or anything
# that runs script): everything else is only downloaded.
IMAGE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}
PREVIEW_TYPES = IMAGE_TYPES | {"application/pdf"}
UNSAFE_NAME = re.compile(r"[\\/\x00-\x1f]|\.\.")


@dataclass(frozen=True)
class CheckedUpload:
    upload: File
    name: str
    content_type: str


def evidence_checked(upload: File, client_name: str | None = None) -> CheckedUpload:
    """The upload, if it may be kept; refused with a clear message: a name with folders or
    ``..`` in it, a kind other than image, PDF or XLSX (checked on the content, not only the
    name), or a file above the size limit."""
    name = client_name if client_name is not None else upload.name or ""
    if not name or UNSAFE_NAME.search(name) or name.startswith(".") or len(name) > 200:
        raise AppealRefused(
            _("The file name {name!r} is not allowed: use a plain name without folders.").format(
                name=name
            )
        )
    kind = EVIDENCE_KINDS.get(PurePath(name).suffix.lower())
    if kind is None:
        raise AppealRefused(
            _("{name} is not an accepted kind of file: send an image, a PDF or an XLSX.").format(
                name=name
            )
        )
    limit = settings.PERF_APPEALS["max_evidence_mb"] * 1024 * 1024
    if upload.size > limit:
        raise AppealRefused(
            _("{name} is {size:.1f} MB; the limit is {limit} MB.").format(
                name=name,
                size=upload.size / 1024 / 1024,
                limit=settings.PERF_APPEALS["max_evidence_mb"],
            )
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    content_type, signatures = kind
    if not any(head.startswith(signature) for signature in signatures):
        raise AppealRefused(
            _("{name} does not hold what its name says; send the original file.").format(name=name)
        )
    return CheckedUpload(upload, name, content_type)


def evidence_store(*, appeal: Appeal, user: AbstractBaseUser, checked: CheckedUpload) -> Evidence:
    """Keep a checked file under a generated name (the uploaded name is kept only as data)."""
    evidence = Evidence(
        appeal=appeal,
        original_name=checked.name,
        content_type=checked.content_type,
        size=checked.upload.size,
        uploaded_by=user,
    )
    evidence.file.save(checked.name, checked.upload, save=False)
    evidence.save()
    return evidence


def evidence_add(
    *, appeal: Appeal, user: AbstractBaseUser, upload: File, client_name: str | None = None
) -> Evidence:
    """Add one evidence file to an open appeal the user filed (``evidence_checked`` says what
    is refused)."""
    if not may_add_evidence(user, appeal):
        raise AppealRefused(_("Only the person who filed an open appeal adds evidence to it."))
    checked = evidence_checked(upload, client_name)
    return evidence_store(appeal=appeal, user=user, checked=checked)

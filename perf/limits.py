"""Request body limits: a body larger than its view accepts is refused with 413 and a clear
message before anything reads it.

Django's ``DATA_UPLOAD_MAX_MEMORY_SIZE`` only guards ``request.body`` and form fields; DRF's
parsers read the stream itself, so a JSON body of any size would be parsed (an 8 MB matrix took
30 s). This middleware checks the declared length (``Content-Length``; a body without one is
read as empty by Django) against the view's bound: ``PERF_MAX_BODY_BYTES`` for forms and JSON,
bigger bounds for the few views that take files or row pushes (``PERF_BODY_LIMITS``, by URL
name). Django's own refusals of too much form data become the same answer.
"""

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from org.import_files import MAX_UPLOAD_BYTES

MIB = 1024 * 1024


def _upload_bound() -> int:
    # The upload forms refuse files above their own limit with a form error; the body (that
    # file plus the multipart envelope) is let through up to a mebibyte beyond it.
    return MAX_UPLOAD_BYTES + MIB


def _evidence_bound() -> int:
    return settings.PERF_APPEALS["max_evidence_mb"] * MIB + MIB


def _filing_bound() -> int:
    # The appeal form carries its evidence files: each up to the evidence limit.
    appeals = settings.PERF_APPEALS
    return appeals["max_evidence_files"] * appeals["max_evidence_mb"] * MIB + MIB


# URL name → the view's bound in bytes (a number from settings or a function of them).
BOUNDS: dict[str, Callable[[], int]] = {
    "ingest:source_detail": _upload_bound,
    "org:people_import": _upload_bound,
    "api-employees-bulk": lambda: settings.PERF_MAX_PUSH_BYTES,
    "appeals:evidence_add": _evidence_bound,
    "appeals:new": _filing_bound,
    "api-appeal-evidence": _evidence_bound,
    "api-source-webhook": lambda: settings.PERF_MAX_PUSH_BYTES,
}


def body_limit(request: HttpRequest) -> int:
    """The largest body the view the request is routed to accepts, in bytes."""
    match = request.resolver_match
    bound = BOUNDS.get(match.view_name) if match else None
    return bound() if bound else settings.PERF_MAX_BODY_BYTES


def _declared_length(request: HttpRequest) -> int:
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0


def too_large(request: HttpRequest, message: str, status: int = 413) -> HttpResponse:
    """The refusal, as JSON for the API and as a page for people."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=status)
    return render(request, "request_refused.html", {"message": message}, status=status)


class BodyLimitMiddleware:
    """Refuse a body above the view's bound with 413 before the view (or the CSRF check) reads
    it; turn Django's refusals of too many form fields or files into the same kind of answer."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        size, limit = _declared_length(request), body_limit(request)
        if size <= limit:
            return None
        return too_large(
            request,
            _("The request is too large: %(size)s sent, at most %(limit)s accepted here.")
            % {"size": filesizeformat(size), "limit": filesizeformat(limit)},
        )

    def process_exception(self, request: HttpRequest, exception: Exception):
        if isinstance(exception, RequestDataTooBig):
            return too_large(
                request,
                _("The form sent is too large: at most %(limit)s of form data is accepted.")
                % {"limit": filesizeformat(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)},
            )
        if isinstance(exception, TooManyFieldsSent):
            return too_large(
                request,
                _("Too many form fields were sent: at most %(limit)d are accepted.")
                % {"limit": settings.DATA_UPLOAD_MAX_NUMBER_FIELDS},
                status=400,
            )
        if isinstance(exception, TooManyFilesSent):
            return too_large(
                request,
                _("Too many files were sent: at most %(limit)d are accepted.")
                % {"limit": settings.DATA_UPLOAD_MAX_NUMBER_FILES},
                status=400,
            )
        return None

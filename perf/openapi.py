"""The OpenAPI schema's error answers, declared once for every operation (a drf-spectacular
postprocessing hook, SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]).

Every error perf's API answers has one of two bodies: DRF's `{"detail": "…"}`, or for invalid
input an object keyed by the path to the input at fault (`goals[0].target`, `coefficients.junior`;
`non_field_errors` for the whole body) whose values are lists of messages, flat in every app
(`org.refusals.api_exception_handler`). Which statuses an operation can answer
follows from its shape: 400 where it reads a body or query parameters, 401/403 where it needs a
caller, 404 where a path names an object or a list is paged, 429 where a throttle applies; the
few that answer more say so in EXTRA.
"""

from typing import Any

from django.utils.translation import gettext_lazy as _

DETAIL = "ErrorDetail"
FIELD_ERRORS = "FieldErrors"

# Statuses a view answers beyond those its shape implies, by operationId.
EXTRA: dict[str, dict[str, Any]] = {
    # A disabled source cannot be synced; the broker being down answers 503 (no run left queued).
    "v1_sources_sync_create": {
        "409": _("The source is disabled."),
        "503": _("The task queue cannot be reached; nothing was started."),
    },
    "v1_score_runs_create": {
        "503": _("The task queue cannot be reached; nothing was started."),
    },
    # A scheme whose judgments are inconsistent (CR ≥ 0.10) or incomplete is not activated.
    "v1_weight_schemes_activate_create": {"400": _("The scheme cannot be activated, and why.")},
    # More rows in one call than a webhook push takes.
    "v1_sources_webhook_create": {"413": _("Too many rows in one call.")},
    # A bonus pool that is locked, or whose cycle's results are not computed, is refused.
    "v1_bonus_pools_compute_create": {"400": _("The pool cannot be computed now, and why.")},
    "v1_bonus_pools_lock_create": {"400": _("The pool cannot be locked now, and why.")},
    "v1_bonus_pools_overrides_destroy": {"400": _("The pool is locked: nothing changes.")},
    # A cycle that cannot move on yet (not whole, its deadline passed, in another state).
    "v1_reviews_cycles_open_create": {"400": _("The cycle cannot be opened, and why.")},
    "v1_reviews_cycles_compute_create": {"400": _("The results cannot be computed now, and why.")},
    # A weight-scheme pilot is cancelled once.
    "weight_lab_pilot_cancel": {"400": _("The pilot was cancelled already.")},
}

MESSAGES = {
    "400": _("Invalid input: each field named with what is wrong with it."),
    "401": _("Not signed in, or the credentials were not accepted."),
    "403": _("Signed in, but not allowed to do this."),
    "404": _("No such object that the caller may see, or no such page."),
    "429": _("Too many requests: try again later."),
}


def _content(component: str) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{component}"}}}


def _components() -> dict[str, Any]:
    return {
        DETAIL: {
            "type": "object",
            "properties": {"detail": {"type": "string"}},
            "required": ["detail"],
        },
        FIELD_ERRORS: {
            "type": "object",
            "description": str(
                _(
                    "Path to the input at fault (templates[1].competencies[0].weight, "
                    "coefficients.junior) → list of messages; non_field_errors for the body "
                    "as a whole, detail for a request refused as a whole."
                )
            ),
            "additionalProperties": {
                "oneOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string"}]
            },
        },
    }


def _throttled(generator: Any) -> set[tuple[str, str]]:
    """(path, method) of the endpoints with a throttle."""
    found = set()
    for path, _regex, method, callback in getattr(generator, "endpoints", None) or []:
        view_class = getattr(callback, "cls", None)
        if view_class is not None and getattr(view_class, "throttle_classes", None):
            found.add((path, method.lower()))
    return found


def _statuses(path: str, method: str, operation: dict[str, Any], throttled: bool) -> set[str]:
    parameters = operation.get("parameters", [])
    query = [p for p in parameters if p.get("in") == "query"]
    statuses = set(EXTRA.get(operation.get("operationId", ""), {}))
    if operation.get("requestBody") or query:
        statuses.add("400")
    if any(requirement for requirement in operation.get("security", [{}])):
        statuses |= {"401", "403"}
    if "{" in path or any(p["name"] == "page" for p in query):
        statuses.add("404")
    if throttled:
        statuses.add("429")
    return statuses


def document_errors(result: dict[str, Any], generator: Any, **kwargs: Any) -> dict[str, Any]:
    """Add the error answers of every operation to the schema (those already declared stay)."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.update(_components())
    throttled = _throttled(generator)
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            extra = EXTRA.get(operation.get("operationId", ""), {})
            responses = operation["responses"]
            for code in sorted(_statuses(path, method, operation, (path, method) in throttled)):
                if code in responses:
                    continue
                responses[code] = {
                    "description": str(extra.get(code) or MESSAGES[code]),
                    "content": _content(FIELD_ERRORS if code == "400" else DETAIL),
                }
    return result

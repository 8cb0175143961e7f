"""Hooks the lower layers send and the upper ones connect to (in their ``AppConfig.ready``), so
that no layer imports one above it (see docs/architecture.md)."""

from django.dispatch import Signal

# Something pages show changed without a model save the dashboards see (a bulk update, a record
# corrected by COPY or by ``record_save``): the dashboards retire their kept pages.
pages_stale = Signal()

"""What ingest announces to the layers above it. They connect in their ``AppConfig.ready``;
ingest never imports them (see docs/architecture.md)."""

from django.dispatch import Signal

# Records were written by a sync, a push, an upload or a replay. Keyword arguments: ``periods``
# (the months, ``org.periods.Period``, whose records changed) and ``reason`` (who or what wrote
# them, in words shown on the score runs this starts). Scoring rescores those periods.
records_changed = Signal()

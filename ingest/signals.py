"""What ingest announces to the layers above it. They connect in their ``AppConfig.ready``;
ingest never imports them (see docs/architecture.md)."""

from django.dispatch import Signal

# Records were written by a sync, a push, an upload or a replay. Keyword arguments: ``periods``
# (the months, ``org.periods.Period``, whose records changed) and ``reason`` (who or what wrote
# them, in words shown on the score runs this starts). Scoring rescores those periods.
records_changed = Signal()

# HR or an admin accepted a source's value over an approved appeal's correction (the record took
# it). Keyword arguments: ``periods`` (the months the record falls in, before and after),
# ``reason`` (in words, for the score runs) and ``user`` (who decided). Appeals rescores them as
# it rescored the correction.
source_value_accepted = Signal()

"""What scoring announces to the layers above it (appeals, dashboards), which connect in their
``AppConfig.ready``."""

from django.dispatch import Signal

# A score run published its results (sent once its transaction has committed). Keyword
# argument: ``run`` (the ScoreRun). Appeals records the totals after their corrections.
scores_published = Signal()

# A provisional run kept the period so far (sent once its transaction has committed; nothing
# was published). Keyword argument: ``run``. The dashboards show the month to date.
scores_provisional_kept = Signal()

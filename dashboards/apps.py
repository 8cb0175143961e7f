from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# What the dashboards show, or whom they show it to: a save or delete of any of these retires
# everything ``dashboards.cache`` keeps (values, fragments and pages).
PAGE_SOURCES = [
    "auth.User",
    "org.Employee",
    "org.Team",
    "scoring.ScoreRun",
    "indicators.IndicatorDefinition",
    "ingest.Source",
    "ingest.SyncRun",
    "appeals.Appeal",
    "appeals.Correction",
    "appeals.Notification",
    # The reviews still to write, shown where people land.
    "reviews.ReviewCycle",
    "reviews.Review",
]


def retire_pages(**kwargs) -> None:
    """Signal receiver (module level: signals keep only weak references to receivers)."""
    from dashboards.cache import dashboards_invalidate

    dashboards_invalidate()


class DashboardsConfig(AppConfig):
    name = "dashboards"
    verbose_name = _("Dashboards")

    def ready(self) -> None:
        from django.apps import apps
        from django.contrib.auth import get_user_model
        from django.db.models.signals import m2m_changed, post_delete, post_save

        for label in PAGE_SOURCES:
            model = get_user_model() if label == "auth.User" else apps.get_model(label)
            post_save.connect(retire_pages, sender=model, dispatch_uid=f"pages:save:{label}")
            post_delete.connect(retire_pages, sender=model, dispatch_uid=f"pages:delete:{label}")
        m2m_changed.connect(
            retire_pages,
            sender=get_user_model().groups.through,
            dispatch_uid="pages:roles",
        )
        # What the lower layers write without a model save (bulk loads, bulk updates), and a
        # run's results, published once its transaction commits.
        from ingest.signals import records_changed
        from org.signals import pages_stale
        from scoring.signals import scores_provisional_kept, scores_published

        pages_stale.connect(retire_pages, dispatch_uid="pages:stale")
        records_changed.connect(retire_pages, dispatch_uid="pages:records")
        scores_published.connect(retire_pages, dispatch_uid="pages:scores")
        # The month to date shows the newest provisional run as soon as it is kept.
        scores_provisional_kept.connect(retire_pages, dispatch_uid="pages:scores-so-far")

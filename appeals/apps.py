from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppealsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "appeals"
    verbose_name = _("Appeals")

    def ready(self) -> None:
        from appeals.services import appeal_scores_after_keep, source_value_accepted_rescore
        from ingest.signals import source_value_accepted
        from scoring.signals import scores_published

        scores_published.connect(appeal_scores_after_keep, dispatch_uid="appeals:scores-after")
        source_value_accepted.connect(
            source_value_accepted_rescore, dispatch_uid="appeals:source-value-accepted"
        )

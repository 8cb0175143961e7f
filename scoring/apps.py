from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScoringConfig(AppConfig):
    name = "scoring"
    verbose_name = _("Scoring")

    def ready(self) -> None:
        from indicators.selectors import measured_shares_register
        from ingest.ledger import ledger_type_register
        from ingest.signals import records_changed
        from scoring.ledger import SCORE_LEDGER
        from scoring.selectors import measured_shares
        from scoring.services import records_changed_rescore

        records_changed.connect(records_changed_rescore, dispatch_uid="scoring:rescore")
        ledger_type_register(SCORE_LEDGER)  # published score rows are ledgered too
        measured_shares_register(measured_shares)  # the indicator manual shows them

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScoringConfig(AppConfig):
    name = "scoring"
    verbose_name = _("Scoring")

    def ready(self) -> None:
        from indicators.hooks import Rescoring, measured_shares_register, rescoring_register
        from ingest.ledger import ledger_type_register
        from ingest.signals import records_changed
        from scoring.closing import periods_closed, scored_periods_between
        from scoring.ledger import SCORE_LEDGER
        from scoring.selectors import measured_shares
        from scoring.services import records_changed_rescore, scheme_change_rescore

        records_changed.connect(records_changed_rescore, dispatch_uid="scoring:rescore")
        ledger_type_register(SCORE_LEDGER)  # published score rows are ledgered too
        # A weight scheme's activation lists the scored periods it changes and rescores them.
        rescoring_register(
            Rescoring(
                scored_between=scored_periods_between,
                closed=periods_closed,
                rescore=scheme_change_rescore,
            )
        )
        measured_shares_register(measured_shares)  # the indicator manual shows them

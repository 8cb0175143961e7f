from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BonusConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "bonus"
    verbose_name = _("Bonus pools")

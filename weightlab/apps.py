from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WeightlabConfig(AppConfig):
    name = "weightlab"
    verbose_name = _("Weight lab")

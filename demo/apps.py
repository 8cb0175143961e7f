from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo and bench companies (seed, ``seed_demo``) and the benchmarks (``bench``): the top
    layer, which may use every app and which no app uses."""

    name = "demo"
    verbose_name = _("Demo company")

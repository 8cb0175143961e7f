"""The reference data perf's data migrations write (roles, the indicator catalog, its dated
settings and the default schemes), written again after a flush emptied it: the bench company's
reseed and the transactional tests, whose clean-up empties every table."""

import importlib

from django.apps import apps

# (migration module, function), in migration order.
REFERENCE_DATA = [
    ("org.migrations.0002_roles", "create_roles"),
    ("indicators.migrations.0002_builtin_catalog", "create_catalog"),
    ("indicators.migrations.0003_builtin_schemes_from_2000", "forwards"),
    ("indicators.migrations.0004_indicator_min_volume", "minimum_volumes"),
    ("indicators.migrations.0005_indicator_settings", "first_versions"),
    ("indicators.migrations.0008_sentiment_manual_figures_round4", "forward"),
    ("indicators.migrations.0009_compliance_rule_in_words", "describe"),
    ("indicators.migrations.0010_scheme_names_per_language", "builtin_names_per_language"),
]


def reference_data_restore(*, only: str = "") -> None:
    """Write the reference data again (only that of the apps whose label starts ``only``)."""
    for module, creator in REFERENCE_DATA:
        if module.startswith(only):
            getattr(importlib.import_module(module), creator)(apps, None)

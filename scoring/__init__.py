"""Scoring: the pure engine (``scoring.engine``) and, with the scoring issue, runs and results."""

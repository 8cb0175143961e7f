from django.urls import path

from scoring.api import (
    ReopeningListApi,
    RunDetailApi,
    RunListApi,
    RunRangeApi,
    ScorecardApi,
    ScoreListApi,
)

urlpatterns = [
    path("scores/", ScoreListApi.as_view(), name="api-scores"),
    path("scores/<int:employee_id>/", ScorecardApi.as_view(), name="api-scorecard"),
    path("score-runs/", RunListApi.as_view(), name="api-score-runs"),
    path("score-runs/range/", RunRangeApi.as_view(), name="api-score-run-range"),
    path("period-reopenings/", ReopeningListApi.as_view(), name="api-period-reopenings"),
    path("score-runs/<int:run_id>/", RunDetailApi.as_view(), name="api-score-run"),
]

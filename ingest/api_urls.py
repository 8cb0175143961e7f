from django.urls import path
from rest_framework.routers import SimpleRouter

from ingest.api import (
    SourceViewSet,
    SourceWebhookApi,
    SyncRunDetailApi,
    SyncRunListApi,
    SyncRunRejectedRowsApi,
)
from ingest.api_conflicts import (
    CorrectionConflictAcceptApi,
    CorrectionConflictDetailApi,
    CorrectionConflictDismissApi,
    CorrectionConflictListApi,
)

router = SimpleRouter()
router.register("sources", SourceViewSet, basename="source")

urlpatterns = [
    *router.urls,
    path("sources/<int:source_id>/webhook/", SourceWebhookApi.as_view(), name="api-source-webhook"),
    path("sync-runs/", SyncRunListApi.as_view(), name="api-sync-runs"),
    path("sync-runs/<int:run_id>/", SyncRunDetailApi.as_view(), name="api-sync-run"),
    path(
        "sync-runs/<int:run_id>/rejected-rows/",
        SyncRunRejectedRowsApi.as_view(),
        name="api-sync-run-rejected-rows",
    ),
    path(
        "correction-conflicts/",
        CorrectionConflictListApi.as_view(),
        name="api-correction-conflicts",
    ),
    path(
        "correction-conflicts/<int:conflict_id>/",
        CorrectionConflictDetailApi.as_view(),
        name="api-correction-conflict",
    ),
    path(
        "correction-conflicts/<int:conflict_id>/accept/",
        CorrectionConflictAcceptApi.as_view(),
        name="api-correction-conflict-accept",
    ),
    path(
        "correction-conflicts/<int:conflict_id>/dismiss/",
        CorrectionConflictDismissApi.as_view(),
        name="api-correction-conflict-dismiss",
    ),
]

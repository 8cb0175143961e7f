from django.urls import path
from rest_framework.routers import SimpleRouter

from ingest.api import (
    SourceViewSet,
    SourceWebhookApi,
    SyncRunDetailApi,
    SyncRunListApi,
    SyncRunRejectedRowsApi,
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
]

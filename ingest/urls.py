from django.urls import path

from ingest import views

app_name = "ingest"
urlpatterns = [
    path("", views.source_list, name="source_list"),
    path("<int:source_id>/", views.source_detail, name="source_detail"),
    path("<int:source_id>/sync/", views.source_sync, name="source_sync"),
    path("<int:source_id>/replay/", views.source_replay, name="source_replay"),
    path("runs/<int:run_id>/", views.run_detail, name="run_detail"),
    path(
        "conflicts/<int:conflict_id>/accept/",
        views.conflict_decide,
        {"decision": "accept"},
        name="conflict_accept",
    ),
    path(
        "conflicts/<int:conflict_id>/dismiss/",
        views.conflict_decide,
        {"decision": "dismiss"},
        name="conflict_dismiss",
    ),
]

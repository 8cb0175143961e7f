from django.urls import path

from appeals import views

app_name = "appeals"
urlpatterns = [
    path("", views.appeal_list, name="list"),
    path("new/", views.appeal_new, name="new"),
    path("review/", views.appeal_bulk_review, name="bulk_review"),
    path("<int:appeal_id>/", views.appeal_detail, name="detail"),
    path("<int:appeal_id>/act/", views.appeal_act, name="act"),
    path("<int:appeal_id>/comment/", views.appeal_comment, name="comment"),
    path("<int:appeal_id>/evidence/", views.appeal_evidence_add, name="evidence_add"),
    path(
        "<int:appeal_id>/evidence/<int:evidence_id>/",
        views.evidence_download,
        name="evidence",
    ),
    path(
        "<int:appeal_id>/evidence/<int:evidence_id>/view/",
        views.evidence_preview,
        name="evidence_preview",
    ),
]

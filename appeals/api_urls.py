from django.urls import path

from appeals.api import (
    AppealCommentApi,
    AppealDetailApi,
    AppealEvidenceApi,
    AppealListApi,
    AppealTransitionApi,
)

urlpatterns = [
    path("appeals/", AppealListApi.as_view(), name="api-appeals"),
    path("appeals/<int:appeal_id>/", AppealDetailApi.as_view(), name="api-appeal"),
    path(
        "appeals/<int:appeal_id>/transition/",
        AppealTransitionApi.as_view(),
        name="api-appeal-transition",
    ),
    path(
        "appeals/<int:appeal_id>/comments/", AppealCommentApi.as_view(), name="api-appeal-comment"
    ),
    path(
        "appeals/<int:appeal_id>/evidence/", AppealEvidenceApi.as_view(), name="api-appeal-evidence"
    ),
]

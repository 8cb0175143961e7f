from django.urls import path

from plans.api import (
    CheckInReplyApi,
    CoachingNoteApi,
    PlanCheckInApi,
    PlanCloseApi,
    PlanDetailApi,
    PlanExtendApi,
    PlanListCreateApi,
)

urlpatterns = [
    path("plans/", PlanListCreateApi.as_view(), name="api-plans"),
    path("plans/<int:plan_id>/", PlanDetailApi.as_view(), name="api-plan"),
    path("plans/<int:plan_id>/check-ins/", PlanCheckInApi.as_view(), name="api-plan-check-ins"),
    path(
        "plans/<int:plan_id>/check-ins/<int:check_in_id>/reply/",
        CheckInReplyApi.as_view(),
        name="api-plan-check-in-reply",
    ),
    path("plans/<int:plan_id>/extend/", PlanExtendApi.as_view(), name="api-plan-extend"),
    path("plans/<int:plan_id>/close/", PlanCloseApi.as_view(), name="api-plan-close"),
    path("coaching-notes/", CoachingNoteApi.as_view(), name="api-coaching-notes"),
]

from django.urls import path

from weightlab.api import WeightLabView
from weightlab.pilot_api import PilotCancelApi, PilotDetailApi, PilotListApi

urlpatterns = [
    path("weight-lab/", WeightLabView.as_view(), name="weight-lab"),
    path("weight-lab/pilots/", PilotListApi.as_view(), name="weight-lab-pilots"),
    path("weight-lab/pilots/<int:pilot_id>/", PilotDetailApi.as_view(), name="weight-lab-pilot"),
    path(
        "weight-lab/pilots/<int:pilot_id>/cancel/",
        PilotCancelApi.as_view(),
        name="weight-lab-pilot-cancel",
    ),
]

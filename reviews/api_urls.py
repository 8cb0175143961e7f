from django.urls import path

from reviews.api import (
    CycleComputeApi,
    CycleDetailApi,
    CycleResultListApi,
    CycleReviewApi,
    IncidentListApi,
    MyReviewListApi,
    ResultAcknowledgeApi,
    ResultCalibrateApi,
    ResultDetailApi,
)
from reviews.calibration_api import CycleDistributionApi
from reviews.setup_api import CycleListCreateApi, CycleOpenApi

urlpatterns = [
    path("reviews/cycles/", CycleListCreateApi.as_view(), name="api-review-cycles"),
    path("reviews/cycles/<int:cycle_id>/", CycleDetailApi.as_view(), name="api-review-cycle"),
    path(
        "reviews/cycles/<int:cycle_id>/reviews/",
        CycleReviewApi.as_view(),
        name="api-review-submit",
    ),
    path(
        "reviews/cycles/<int:cycle_id>/results/",
        CycleResultListApi.as_view(),
        name="api-review-results",
    ),
    path("reviews/cycles/<int:cycle_id>/open/", CycleOpenApi.as_view(), name="api-review-open"),
    path(
        "reviews/cycles/<int:cycle_id>/compute/",
        CycleComputeApi.as_view(),
        name="api-review-compute",
    ),
    path(
        "reviews/cycles/<int:cycle_id>/distribution/",
        CycleDistributionApi.as_view(),
        name="api-review-distribution",
    ),
    path("reviews/mine/", MyReviewListApi.as_view(), name="api-reviews-mine"),
    path("reviews/incidents/", IncidentListApi.as_view(), name="api-review-incidents"),
    path("reviews/results/<int:result_id>/", ResultDetailApi.as_view(), name="api-review-result"),
    path(
        "reviews/results/<int:result_id>/calibrate/",
        ResultCalibrateApi.as_view(),
        name="api-review-calibrate",
    ),
    path(
        "reviews/results/<int:result_id>/acknowledge/",
        ResultAcknowledgeApi.as_view(),
        name="api-review-acknowledge",
    ),
]

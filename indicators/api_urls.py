from django.urls import path
from rest_framework.routers import SimpleRouter

from indicators.api import AhpEvaluateApi, IndicatorViewSet, WeightSchemeViewSet

router = SimpleRouter()
router.register("indicators", IndicatorViewSet, basename="indicator")
router.register("weight-schemes", WeightSchemeViewSet, basename="weight-scheme")

urlpatterns = [
    path("ahp/evaluate/", AhpEvaluateApi.as_view(), name="api-ahp-evaluate"),
    *router.urls,
]

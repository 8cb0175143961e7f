from django.urls import path

from bonus.api import (
    CyclePoolListApi,
    MyLineListApi,
    PoolCoefficientsApi,
    PoolComputeApi,
    PoolDetailApi,
    PoolExportApi,
    PoolLineListApi,
    PoolLockApi,
    PoolOverrideApi,
    PoolOverrideListApi,
)

urlpatterns = [
    path("bonus/cycles/<int:cycle_id>/pools/", CyclePoolListApi.as_view(), name="api-bonus-pools"),
    path("bonus/pools/<int:pool_id>/", PoolDetailApi.as_view(), name="api-bonus-pool"),
    path(
        "bonus/pools/<int:pool_id>/coefficients/",
        PoolCoefficientsApi.as_view(),
        name="api-bonus-coefficients",
    ),
    path(
        "bonus/pools/<int:pool_id>/overrides/",
        PoolOverrideListApi.as_view(),
        name="api-bonus-overrides",
    ),
    path(
        "bonus/pools/<int:pool_id>/overrides/<int:employee_id>/",
        PoolOverrideApi.as_view(),
        name="api-bonus-override",
    ),
    path("bonus/pools/<int:pool_id>/compute/", PoolComputeApi.as_view(), name="api-bonus-compute"),
    path("bonus/pools/<int:pool_id>/lock/", PoolLockApi.as_view(), name="api-bonus-lock"),
    path("bonus/pools/<int:pool_id>/lines/", PoolLineListApi.as_view(), name="api-bonus-lines"),
    path("bonus/pools/<int:pool_id>/export/", PoolExportApi.as_view(), name="api-bonus-export"),
    path("bonus/mine/", MyLineListApi.as_view(), name="api-bonus-mine"),
]

from django.urls import path

from bonus import views

app_name = "bonus"
urlpatterns = [
    path("mine/", views.my_bonus, name="mine"),
    path("cycles/<int:cycle_id>/", views.cycle_pools, name="cycle"),
    path("cycles/<int:cycle_id>/new/", views.pool_new, name="new"),
    path("pools/<int:pool_id>/", views.pool_detail, name="pool"),
    path("pools/<int:pool_id>/edit/", views.pool_edit, name="edit"),
    path("pools/<int:pool_id>/overrides/", views.override_add, name="override"),
    path(
        "pools/<int:pool_id>/overrides/<int:employee_id>/remove/",
        views.override_delete,
        name="override_remove",
    ),
    path("pools/<int:pool_id>/compute/", views.pool_compute_view, name="compute"),
    path("pools/<int:pool_id>/lock/", views.pool_lock_view, name="lock"),
    path("pools/<int:pool_id>/export/", views.pool_export, name="export"),
]

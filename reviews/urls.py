from django.urls import path

from reviews import calibration_views, incident_views, setup_views, views

app_name = "reviews"
urlpatterns = [
    path("", views.cycle_list, name="list"),
    path("new/", setup_views.cycle_new, name="new"),
    path("<int:cycle_id>/open/", setup_views.cycle_open_view, name="open"),
    path("<int:cycle_id>/", views.cycle_detail, name="detail"),
    path("<int:cycle_id>/compute/", views.cycle_compute, name="compute"),
    path("<int:cycle_id>/close/", views.cycle_close_view, name="close"),
    path("<int:cycle_id>/review/<int:employee_id>/", views.review_form, name="review"),
    path(
        "<int:cycle_id>/calibration/",
        calibration_views.cycle_calibration,
        name="calibration",
    ),
    path(
        "<int:cycle_id>/calibration/<int:result_id>/move/",
        calibration_views.calibration_move_view,
        name="calibration_move",
    ),
    path("results/<int:result_id>/", calibration_views.result_detail, name="result"),
    path("people/<int:employee_id>/incidents/", incident_views.incident_log, name="incidents"),
    path(
        "results/<int:result_id>/acknowledge/",
        calibration_views.result_acknowledge_view,
        name="result_acknowledge",
    ),
]

from django.urls import path

from reviews import setup_views, views

app_name = "reviews"
urlpatterns = [
    path("", views.cycle_list, name="list"),
    path("new/", setup_views.cycle_new, name="new"),
    path("<int:cycle_id>/open/", setup_views.cycle_open_view, name="open"),
    path("<int:cycle_id>/", views.cycle_detail, name="detail"),
    path("<int:cycle_id>/compute/", views.cycle_compute, name="compute"),
    path("<int:cycle_id>/close/", views.cycle_close_view, name="close"),
    path("<int:cycle_id>/review/<int:employee_id>/", views.review_form, name="review"),
]

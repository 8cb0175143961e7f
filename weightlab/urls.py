from django.urls import path

from weightlab import pilot_views, views

app_name = "weightlab"

urlpatterns = [
    path("", views.lab, name="lab"),
    path("pilots/", pilot_views.pilot_list, name="pilots"),
    path("pilots/<int:pilot_id>/", pilot_views.pilot_detail, name="pilot"),
    path("pilots/<int:pilot_id>/cancel/", pilot_views.pilot_cancel_view, name="pilot_cancel"),
]

from django.urls import path

from scoring import views

app_name = "scoring"
urlpatterns = [
    path("runs/", views.runs, name="runs"),
    path("runs/range/", views.range_start, name="range_start"),
    path("reopenings/", views.reopen, name="reopen"),
    path("reopenings/<int:reopening_id>/close/", views.close_again, name="close_again"),
]

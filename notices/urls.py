from django.urls import path

from notices import views

app_name = "notices"
urlpatterns = [
    path("", views.today, name="today"),
    path("read/", views.read, name="read"),
]

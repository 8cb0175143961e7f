from django.urls import path

from org import views

app_name = "org"
urlpatterns = [
    path("", views.home, name="home"),
    path("no-role/", views.no_role, name="no_role"),
    path("signins/locked/", views.signin_lockouts_page, name="lockouts"),
]

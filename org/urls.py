from django.urls import path

from org import views

app_name = "org"
urlpatterns = [
    path("", views.home, name="home"),
    path("me/", views.my_workspace, name="my_workspace"),
    path("team/", views.team_overview, name="team_overview"),
    path("hr/", views.hr_overview, name="hr_overview"),
    path("no-role/", views.no_role, name="no_role"),
]

from django.urls import path

from dashboards import views

app_name = "dashboards"
urlpatterns = [
    path("manage/", views.admin_home, name="admin_home"),
    path("me/", views.me, name="me"),
    path("people/<int:employee_id>/", views.scorecard, name="scorecard"),
    path("people/<int:employee_id>/indicators/<slug:code>/", views.drilldown, name="drilldown"),
    path("team/", views.team, name="team"),
    path("team/export.xlsx", views.team_export, name="team_export"),
    path("hr/", views.company, name="company"),
    path("hr/export.xlsx", views.company_export, name="company_export"),
]

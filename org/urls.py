from django.urls import path

from org import people_views, views

app_name = "org"
urlpatterns = [
    path("", views.home, name="home"),
    path("no-role/", views.no_role, name="no_role"),
    path("signins/locked/", views.signin_lockouts_page, name="lockouts"),
    path("people/import/", people_views.people_import_page, name="people_import"),
    path(
        "people/import/template-<str:language>.xlsx",
        people_views.people_template,
        name="people_template",
    ),
]

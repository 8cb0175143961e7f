from django.urls import path

from indicators import views

app_name = "indicators"
urlpatterns = [
    path("", views.manual, name="manual"),
    path("schemes/", views.scheme_list, name="scheme_list"),
    path("schemes/<int:scheme_id>/", views.scheme_edit, name="scheme_edit"),
    path("schemes/<int:scheme_id>/judgments/", views.scheme_judgments, name="scheme_judgments"),
    path("schemes/<int:scheme_id>/settings/", views.scheme_settings, name="scheme_settings"),
    path("schemes/<int:scheme_id>/activate/", views.scheme_activate, name="scheme_activate"),
]

from django.urls import path

from plans import views

app_name = "plans"
urlpatterns = [
    path("", views.plan_list, name="list"),
    path("new/<int:employee_id>/", views.plan_new, name="new"),
    path("<int:plan_id>/", views.plan_detail, name="detail"),
    path("<int:plan_id>/check-in/", views.plan_check_in, name="check_in"),
    path("<int:plan_id>/check-ins/<int:check_in_id>/reply/", views.plan_reply, name="reply"),
    path("<int:plan_id>/extend/", views.plan_extend_view, name="extend"),
    path("<int:plan_id>/close/", views.plan_close_view, name="close"),
    path("people/<int:employee_id>/notes/", views.coaching_notes, name="notes"),
]

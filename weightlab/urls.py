from django.urls import path

from weightlab import views

app_name = "weightlab"

urlpatterns = [path("", views.lab, name="lab")]

from django.urls import path

from org.api import EmployeesBulkApi, MeApi

urlpatterns = [
    path("me/", MeApi.as_view(), name="api-me"),
    path("employees/bulk/", EmployeesBulkApi.as_view(), name="api-employees-bulk"),
]

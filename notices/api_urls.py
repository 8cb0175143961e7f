from django.urls import path

from notices.api import NoticeListApi, NoticeReadApi, WorkTodayApi

urlpatterns = [
    path("notices/", NoticeListApi.as_view(), name="api-notices"),
    path("notices/read/", NoticeReadApi.as_view(), name="api-notices-read"),
    path("work-today/", WorkTodayApi.as_view(), name="api-work-today"),
]

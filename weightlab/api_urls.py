from django.urls import path

from weightlab.api import WeightLabView

urlpatterns = [path("weight-lab/", WeightLabView.as_view(), name="weight-lab")]

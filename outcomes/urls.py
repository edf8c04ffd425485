from django.urls import path

from . import views

app_name = "outcomes"

urlpatterns = [
    path("petugas/makan/capaian/", views.figures, name="figures"),
    path("dampak/", views.impact, name="impact"),
]

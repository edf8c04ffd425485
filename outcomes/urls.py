from django.urls import path

from . import views

app_name = "outcomes"

urlpatterns = [
    path("petugas/makan/capaian/", views.figures, name="figures"),
    path("petugas/makan/capaian/target/", views.targets, name="targets"),
    path("petugas/makan/capaian/orang/<str:kind>/", views.people, name="people"),
    path("dampak/", views.impact, name="impact"),
]

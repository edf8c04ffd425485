from django.urls import path

from . import views

app_name = "outcomes"

urlpatterns = [
    path("petugas/makan/capaian/", views.figures, name="figures"),
    path("petugas/makan/capaian/target/", views.targets, name="targets"),
    path("petugas/makan/capaian/laporan/", views.report, name="report"),
    path("petugas/makan/capaian/laporan/pdf/", views.report_pdf, name="report_pdf"),
    path("petugas/makan/capaian/orang/<str:kind>/", views.people, name="people"),
    path("dampak/", views.impact, name="impact"),
]

from django.urls import path

from . import views

app_name = "meals"

urlpatterns = [
    path("petugas/keuangan/warung/", views.warung_list, name="warung_list"),
    path("petugas/keuangan/warung/baru/", views.warung_new, name="warung_create"),
]

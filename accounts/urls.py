from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("akun/saya/", views.home, name="home"),
    path("akun/saya/mulai/", views.start, name="start"),
    path("akun/saya/data/", views.data_export, name="data_export"),
    path("akun/saya/hapus/", views.delete, name="delete"),
    path("petugas/audit/", views.audit_log, name="audit_log"),
]

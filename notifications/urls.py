from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("akun/saya/notifikasi/", views.preferences, name="preferences"),
    path("notifikasi/berhenti/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("petugas/notifikasi/", views.outbox, name="outbox"),
]

from django.urls import path

from . import views

app_name = "attention"

urlpatterns = [
    path("petugas/perhatian/", views.queue, name="queue"),
    path("petugas/perhatian/<int:pk>/", views.item, name="item"),
    path("petugas/perhatian/<int:pk>/ambil/", views.take, name="take"),
]

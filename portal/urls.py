from django.urls import path

from . import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("privasi/", views.privacy, name="privacy"),
    path("petugas/", views.officials_home, name="officials_home"),
    path("petugas/wilayah/", views.region_list, name="region_list"),
    path("petugas/wilayah/<str:code>/", views.region_detail, name="region_detail"),
]

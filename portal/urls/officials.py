from django.urls import path

from ..views import officials

urlpatterns = [
    path("petugas/", officials.officials_home, name="officials_home"),
    path("petugas/wilayah/", officials.region_list, name="region_list"),
    path("petugas/wilayah/<str:code>/", officials.region_detail, name="region_detail"),
]

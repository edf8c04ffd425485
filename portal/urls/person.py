from django.urls import path

from ..views import person

urlpatterns = [
    path("petugas/lansia/<str:public_id>/", person.person, name="person"),
]

from django.urls import path

from ..views import person

urlpatterns = [
    path("petugas/orang/<str:public_id>/", person.person, name="person"),
]

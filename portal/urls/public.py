from django.urls import path

from ..views import public

urlpatterns = [
    path("", public.home, name="home"),
    path("privasi/", public.privacy, name="privacy"),
    path("lansia/", public.listing_list, name="listing_list"),
    path("lansia/<str:public_id>/", public.listing_detail, name="listing_detail"),
    path("lansia/<str:public_id>/foto/", public.listing_photo, name="listing_photo"),
    path(
        "lansia/<str:public_id>/og-<slug:version>.png",
        public.listing_share_image,
        name="listing_share_image",
    ),
]

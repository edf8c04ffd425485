from django.urls import path

from ..views import review

RECORD = "petugas/registri/<str:public_id>/"

urlpatterns = [
    path("petugas/registri/", review.queue, name="review_queue"),
    path(RECORD, review.record, name="review_record"),
    path(f"{RECORD}nik/", review.reveal, name="review_reveal"),
    path(f"{RECORD}identitas/", review.identity, name="review_identity"),
    path(f"{RECORD}profil/", review.profile, name="review_profile"),
    path(f"{RECORD}foto/", review.photo, name="review_photo"),
    path(f"{RECORD}foto/persetujuan/", review.photo_consent, name="review_photo_consent"),
    path(f"{RECORD}foto/tarik/", review.photo_withdraw, name="review_photo_withdraw"),
    path(f"{RECORD}peringatan/", review.warnings, name="review_warnings"),
    path(f"{RECORD}status/<str:to_status>/", review.transition, name="review_transition"),
]

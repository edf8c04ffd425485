from django.urls import path

from .views import officials, public

app_name = "community"

REFERRAL = "petugas/rujukan/<str:reference>/"
CONCERN = "petugas/keluhan/<str:reference>/"
RIGHTS = "petugas/hak-data/<str:reference>/"

urlpatterns = [
    # The public: report an elderly neighbour, report a listing, type back the code.
    path("laporkan/", public.referral_create, name="referral_create"),
    path("laporkan/kode/<str:token>/", public.report_code, name="report_code"),
    path("laporkan/terima-kasih/", public.report_done, name="report_done"),
    path("laporkan/terima-kasih/<str:token>/", public.report_received, name="report_received"),
    path("laporkan/status/<str:token>/", public.report_status, name="report_status"),
    path("lansia/<str:public_id>/laporkan/", public.concern_create, name="concern_create"),
    # Data officers: the referrals queue.
    path("petugas/rujukan/", officials.referral_list, name="referral_list"),
    path(REFERRAL, officials.referral_detail, name="referral_detail"),
    path(f"{REFERRAL}foto/", officials.referral_photo, name="referral_photo"),
    path(f"{REFERRAL}verifikasi/", officials.referral_verify_view, name="referral_verify"),
    # Reviewers: concerns about listings, and the data rights of the people listed.
    path("petugas/keluhan/", officials.concern_list, name="concern_list"),
    path(CONCERN, officials.concern_detail, name="concern_detail"),
    path("petugas/hak-data/", officials.rights_list, name="rights_list"),
    path("petugas/hak-data/baru/", officials.rights_create, name="rights_create"),
    path(RIGHTS, officials.rights_detail, name="rights_detail"),
    path(f"{RIGHTS}ekspor/", officials.rights_export, name="rights_export"),
]

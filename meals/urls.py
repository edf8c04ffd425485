from django.urls import path

from .views import delivery, officials, warung

app_name = "meals"

ROOT = "petugas/makan/"

urlpatterns = [
    # Warung partners (the finance officers' payees).
    path("petugas/keuangan/warung/", warung.warung_list, name="warung_list"),
    path("petugas/keuangan/warung/baru/", warung.warung_new, name="warung_create"),
    # Inspections, meal plans, deliveries.
    path(ROOT, officials.home, name="home"),
    path(f"{ROOT}warung/<int:pk>/", officials.warung_detail, name="warung"),
    path(f"{ROOT}warung/<int:pk>/daftar/<str:day>/", officials.warung_print, name="warung_print"),
    path(f"{ROOT}warung/<int:pk>/inspeksi/", officials.inspection_new, name="inspection_create"),
    path(f"{ROOT}inspeksi/<int:pk>/", officials.inspection_detail, name="inspection"),
    path(
        f"{ROOT}inspeksi/<int:pk>/foto/<int:photo_id>/",
        officials.inspection_photo_download,
        name="inspection_photo",
    ),
    path(f"{ROOT}rencana/baru/<str:public_id>/", officials.plan_new, name="plan_create"),
    path(f"{ROOT}rencana/<int:pk>/", officials.plan_detail, name="plan"),
    path(f"{ROOT}rencana/<int:pk>/status/<str:to_status>/", officials.plan_move, name="plan_move"),
    # The warung's signed link (no account).
    path("antar/<str:token>/", delivery.delivery_list, name="delivery_list"),
    path("antar/<str:token>/cetak/", delivery.delivery_print, name="delivery_print"),
    path(
        "antar/<str:token>/tandai/<int:plan_id>/", delivery.delivery_mark_view, name="delivery_mark"
    ),
]

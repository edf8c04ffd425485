from django.urls import path

from .views import officials, public, students

app_name = "volunteers"

BOOKING = "kunjungan/pemesanan/<int:pk>/"

urlpatterns = [
    # A student's own pages.
    path("kunjungan/", students.home, name="home"),
    path("kunjungan/daftar/", students.signup, name="signup"),
    path("kunjungan/izin-wali/kirim/", students.guardian_request, name="guardian_request"),
    path("kunjungan/izin-wali/kirim-ulang/", students.guardian_resend, name="guardian_resend"),
    path("kunjungan/jadwal/", students.slot_list, name="slot_list"),
    path("kunjungan/jadwal/<int:pk>/", students.slot_detail, name="slot_detail"),
    path(BOOKING, students.booking_detail, name="booking_detail"),
    path(f"{BOOKING}batal/", students.booking_cancel_view, name="booking_cancel"),
    path(f"{BOOKING}laporan/", students.booking_report, name="booking_report"),
    path(f"{BOOKING}kalender/", students.booking_ics, name="booking_ics"),
    path("kunjungan/kalender/", students.calendar_settings, name="calendar_settings"),
    path("kunjungan/sertifikat/", students.certificates, name="certificates"),
    path("kunjungan/sertifikat/<int:pk>/", students.certificate_pdf_view, name="certificate_pdf"),
    # Without an account.
    path("kunjungan/izin-wali/<str:token>/", public.guardian_consent, name="guardian_consent"),
    path("kunjungan/kalender/<str:token>/", public.calendar_feed, name="calendar_feed"),
    path("sertifikat/cek/", public.certificate_verify, name="certificate_verify"),
    # Officials.
    path("petugas/kunjungan/", officials.slots, name="official_slots"),
    path("petugas/kunjungan/baru/", officials.slot_new, name="official_slot_new"),
    path("petugas/kunjungan/<int:pk>/", officials.slot_manage, name="official_slot"),
    path(
        "petugas/kunjungan/<int:pk>/batal/", officials.slot_cancel_view, name="official_slot_cancel"
    ),
    path("petugas/kunjungan/laporan/", officials.reports, name="official_reports"),
    path("petugas/kunjungan/laporan/<int:pk>/", officials.report_detail, name="official_report"),
    path("petugas/kunjungan/lansia/", officials.people, name="official_people"),
    path("petugas/sekolah/", officials.school, name="school"),
    path("petugas/sekolah/ekspor/", officials.school_export, name="school_export"),
    path(
        "petugas/sekolah/siswa/<int:pk>/keluarkan/",
        officials.school_student_remove,
        name="school_student_remove",
    ),
]

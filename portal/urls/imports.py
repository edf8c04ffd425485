from django.urls import path

from ..views import imports

urlpatterns = [
    path("petugas/impor/", imports.import_upload, name="import_upload"),
    path("petugas/impor/riwayat/", imports.import_history, name="import_history"),
    path("petugas/impor/baru/", imports.manual_entry, name="manual_entry"),
    path("petugas/impor/format/", imports.import_format, name="import_format"),
    path("petugas/impor/templat/<str:kind>/", imports.import_template, name="import_template"),
    path("petugas/impor/<int:pk>/", imports.import_detail, name="import_detail"),
    path("petugas/impor/<int:pk>/laporan/", imports.import_report, name="import_report"),
]

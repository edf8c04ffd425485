"""The finance officers' pages, under /petugas/keuangan/."""

urlpatterns: list = []

"""/api/v1/: the open data (public listings) and Diskominfo's batch import."""

urlpatterns: list = []

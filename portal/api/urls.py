"""/api/v1/: the open data (public listings) and Diskominfo's batch import."""

from . import batches, listings

urlpatterns = [*listings.urlpatterns, *batches.urlpatterns]

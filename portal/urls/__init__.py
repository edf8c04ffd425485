"""The portal's pages. Each part of the registry keeps its routes in a module of its own."""

from . import imports, officials, person, public, review

app_name = "portal"

urlpatterns = [
    *public.urlpatterns,
    *officials.urlpatterns,
    *imports.urlpatterns,
    *review.urlpatterns,
    *person.urlpatterns,
]

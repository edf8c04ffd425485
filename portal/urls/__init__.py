"""The portal's pages. Each part of the registry keeps its routes in a module of its own."""

from . import officials, public

app_name = "portal"

urlpatterns = [*public.urlpatterns, *officials.urlpatterns]

from .officials import urlpatterns as officials
from .public import urlpatterns as public

app_name = "donations"

urlpatterns = public + officials

from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from donations.views.webhook import midtrans_notification, stripe_webhook
from portal.views.health import healthz
from portal.views.public import robots_txt, sitemap_xml
from portal.views.site import favicon

# Machine endpoints: outside i18n_patterns, one address whatever the language.
urlpatterns = [
    path("healthz/", healthz, name="healthz"),
    path("favicon.ico", favicon, name="favicon"),
    path("robots.txt", robots_txt, name="robots_txt"),
    path("sitemap.xml", sitemap_xml, name="sitemap"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("portal.api.urls")),
    path("api/v1/", include("outcomes.api")),  # outcome figures (open data)
    path("api/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("donations/stripe/webhook/", stripe_webhook, name="donations_webhook"),
    path(
        "donations/midtrans/notification/",
        midtrans_notification,
        name="donations_midtrans_notification",
    ),
]

# Pages people read: Indonesian unprefixed, English under /en/.
urlpatterns += i18n_patterns(
    # The public pages first: every route before the one asked for is tried in turn, so the
    # pages most visited are found soonest (the order changes no match:
    # tests/core/test_url_order.py).
    path("", include("portal.urls")),
    path("", include("outcomes.urls")),  # the impact page and the officials' figures
    path("", include("donations.urls")),
    path("akun/", include("allauth.urls")),
    path("", include("accounts.urls")),
    path("", include("notifications.urls")),
    path("", include("meals.urls")),  # warung, inspections, meal plans, deliveries
    path("", include("volunteers.urls")),  # student visits
    path("", include("community.urls")),  # community reports and data rights
    path("", include("attention.urls")),  # the officials' attention queue
    prefix_default_language=False,
)

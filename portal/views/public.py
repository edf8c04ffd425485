"""The public site: home, the listings of people waiting for meals, robots.txt, the sitemap.

Everything about a person comes from portal.selectors.public; these views parse the request
and render.
"""

from django import forms
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps.views import sitemap
from django.core.files.storage import default_storage
from django.http import FileResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from core.pagecache import cache_public_page
from donations.selectors.progress import public_listings_progress

from ..models import Need
from ..selectors.public import (
    QUERY_MAX_LENGTH,
    public_counts,
    public_kecamatan_choices,
    public_latest,
    public_listing_index,
    public_listing_page,
    public_photo_name,
    public_profile_get,
)


@require_GET
@cache_public_page
def home(request):
    latest = public_latest(limit=3)
    return render(
        request,
        "portal/home.html",
        {
            "counts": public_counts(),
            "latest": latest,
            # This month's takings and sponsors of every card, in one query (no N+1).
            "listings_progress": public_listings_progress(latest),
        },
    )


@require_GET
def privacy(request):
    return render(request, "portal/privacy.html")


class ListingFilterForm(forms.Form):
    kecamatan = forms.ChoiceField(label=_("Kecamatan"), required=False)
    need = forms.ChoiceField(
        label=_("Need"), required=False, choices=[("", _("All needs")), *Need.choices]
    )
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=QUERY_MAX_LENGTH,
        widget=forms.TextInput(attrs={"type": "search"}),
    )

    def __init__(self, *args, kecamatan_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kecamatan"].choices = [
            ("", _("All kecamatan")),
            *((k.code, f"{k.name} ({k.listed})") for k in kecamatan_choices),
        ]

    def filters(self) -> dict[str, str]:
        """The valid filters; an invalid one (a hand-edited address) is simply dropped."""
        self.is_valid()  # cleaned_data then holds the fields that are valid
        data = self.cleaned_data
        return {
            "kecamatan_code": data.get("kecamatan") or None,  # type: ignore[dict-item]
            "need": data.get("need") or None,  # type: ignore[dict-item]
            "query": data.get("q") or None,  # type: ignore[dict-item]
        }


@require_GET
@cache_public_page
def listing_list(request):
    form = ListingFilterForm(request.GET, kecamatan_choices=public_kecamatan_choices())
    filters = form.filters()
    page = public_listing_page(**filters, page=request.GET.get("page") or 1)
    return render(
        request,
        "portal/public/listing_list.html",
        {
            "form": form,
            "page": page,
            "filtered": any(filters.values()),
            "listings_progress": public_listings_progress(page.object_list),
        },
    )


@require_GET
@cache_public_page
def listing_detail(request, public_id: str):
    profile = public_profile_get(public_id)
    return render(
        request,
        "portal/public/listing_detail.html",
        {"profile": profile, "progress": public_listings_progress([profile])[public_id]},
    )


@require_GET
@cache_control(max_age=3600, public=True)
def robots_txt(request):
    return render(
        request,
        "portal/public/robots.txt",
        {"sitemap_url": request.build_absolute_uri(reverse("sitemap"))},
        content_type="text/plain; charset=utf-8",
    )


class PublicPagesSitemap(Sitemap):
    i18n = True
    alternates = True
    x_default = True
    changefreq = "daily"

    def items(self) -> list[str]:
        return ["portal:home", "portal:listing_list"]

    def location(self, item: str) -> str:
        return reverse(item)


class ListingSitemap(Sitemap):
    i18n = True
    alternates = True
    x_default = True
    changefreq = "weekly"

    def items(self):
        return list(public_listing_index())

    def location(self, item) -> str:
        public_id, _published = item
        return reverse("portal:listing_detail", args=[public_id])

    def lastmod(self, item):
        return item[1]


SITEMAPS = {"pages": PublicPagesSitemap, "listings": ListingSitemap}


@require_GET
def sitemap_xml(request):
    return sitemap(request, sitemaps=SITEMAPS)


@require_GET
def listing_photo(request, public_id: str):
    name = public_photo_name(public_id)
    response = FileResponse(default_storage.open(name, "rb"), content_type="image/jpeg")
    # Short-lived: a withdrawn consent must take the photo down within minutes everywhere.
    response["Cache-Control"] = "public, max-age=300"
    return response

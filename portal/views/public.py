"""The public site: home, the listings of people waiting for meals, a listing's share image,
robots.txt, the sitemap.

Everything about a person comes from portal.selectors.public; these views parse the request
and render. The month's figures come from donations' selectors and the visits from the
volunteers' (through portal.registry): docs/architecture.md lists these reads upward.
"""

import logging

from django import forms
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps.views import sitemap
from django.core.cache import caches
from django.core.files.storage import default_storage
from django.http import FileResponse, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import conditional_escape
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from core.fragments import cached_fragments
from core.numbers import format_percent
from core.pagecache import (
    IMPACT,
    LIST_PREFIX_MAX,
    LISTS,
    cache_public_page,
    depends_on_list,
    listing,
)
from donations.selectors.progress import least_funded_first, public_listings_progress
from donations.selectors.public import public_current_permit, public_listing_messages

from ..models import Need
from ..registry import impact_summary, listing_visits_this_month
from ..selectors.public import (
    QUERY_MAX_LENGTH,
    public_counts,
    public_first,
    public_kecamatan_choices,
    public_listing_index,
    public_listing_page,
    public_listing_rows,
    public_photo_name,
    public_profile_get,
    rows_up_to_page,
)
from ..share_images import SIZE, share_card, share_image_png
from ..sharing import absolute, share_links

logger = logging.getLogger(__name__)

HOME_LISTINGS = 3


@require_safe
@cache_public_page(LISTS, IMPACT)
def home(request):
    # The people least funded this month (docs/architecture.md, "Definitions used everywhere"):
    # a gift to one of them changes the page, a gift to anyone else does not (core.pagecache).
    depends_on_list(lambda: public_listing_rows(order=least_funded_first, count=HOME_LISTINGS))
    least_funded = public_first(limit=HOME_LISTINGS, order=least_funded_first)
    page_url = absolute(reverse("portal:home"))
    return render(
        request,
        "portal/home.html",
        {
            "counts": public_counts(),
            "least_funded": least_funded,
            # This month's takings and donors of every card, in one query (no N+1).
            "listings_progress": public_listings_progress(least_funded),
            "impact": impact_summary(),
            "permit": public_current_permit(),
            "page_url": page_url,
            "share_links": share_links(
                page_url,
                gettext(
                    "Rantang Kasih brings a warm meal every day to poor elderly people in "
                    "Banyuwangi. Help them with me:"
                ),
            ),
        },
    )


@require_safe
def privacy(request):
    return render(request, "portal/privacy.html")


LEAST_FUNDED, NEWEST = "least_funded", "newest"


class ListingFilterForm(forms.Form):
    order = forms.ChoiceField(
        label=_("Order"),
        required=False,
        choices=[(LEAST_FUNDED, _("Least funded this month first")), (NEWEST, _("Newest first"))],
    )
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

    def chosen_order(self) -> str:
        """The order asked for; least funded first unless another valid one was chosen."""
        self.is_valid()
        return self.cleaned_data.get("order") or LEAST_FUNDED


LISTING_PARAMS = frozenset(ListingFilterForm.base_fields) | {"page"}


@require_safe
@cache_public_page(LISTS, params=LISTING_PARAMS)
def listing_list(request):
    # The listings are the same for everyone who asks for this query string: a signed-in
    # person, whom the page cache cannot serve, gets them from the fragment cache. A parameter
    # the page does not know is rendered, not kept: random query strings must not fill Redis.
    fragments = cached_fragments(
        "listing-list",
        scopes=[LISTS],
        vary=None if set(request.GET) - LISTING_PARAMS else [request.GET.urlencode()],
        build=lambda: {"content": _listing_results(request.GET)},
    )
    return render(request, "portal/public/listing_list.html", {"fragments": fragments})


def _listing_results(query: QueryDict) -> str:
    form = ListingFilterForm(query, kecamatan_choices=public_kecamatan_choices())
    filters = form.filters()
    order = form.chosen_order()
    ordering = least_funded_first if order == LEAST_FUNDED else None
    number = query.get("page") or 1
    # The page changes with a gift to anyone on it or before it in its order (core.pagecache).
    count = rows_up_to_page(number, limit=LIST_PREFIX_MAX)

    def rows() -> list[str] | None:
        if count is None:
            return None
        return public_listing_rows(**filters, order=ordering, count=count)

    depends_on_list(rows)
    page = public_listing_page(**filters, order=ordering, page=number)
    return render_to_string(
        "portal/public/_listing_results.html",
        {
            "form": form,
            "page": page,
            "order": order,
            "filtered": any(filters.values()),
            "listings_progress": public_listings_progress(page.object_list),
            "query": query,
        },
    )


@require_safe
@cache_public_page(listing)
def listing_detail(request, public_id: str):
    # A person's money, sponsors and messages raise their own scope (core.pagecache).
    fragments = cached_fragments(
        "listing-detail",
        scopes=[listing(public_id)],
        vary=[public_id],
        build=lambda: _listing_detail_fragments(public_id),
    )
    return render(request, "portal/public/listing_detail.html", {"fragments": fragments})


def _listing_detail_fragments(public_id: str) -> dict[str, str]:
    profile = public_profile_get(public_id)
    progress = public_listings_progress([profile])[public_id]
    card = share_card(profile, raised=progress.raised, need=progress.need)
    page_url = absolute(reverse("portal:listing_detail", args=[public_id]))
    context = {
        "profile": profile,
        "progress": progress,
        "messages_of_support": public_listing_messages(public_id),
        "visits": listing_visits_this_month(public_id),
        "page_url": page_url,
        "share_image_url": absolute(
            reverse("portal:listing_share_image", args=[public_id, card.version])
        ),
        "share_image_size": SIZE,
        "share_links": share_links(page_url, _share_text(profile.pseudonym, progress)),
    }
    return {
        "pseudonym": conditional_escape(profile.pseudonym),
        "kecamatan": conditional_escape(profile.kecamatan),
        "share_tags": render_to_string("portal/public/_listing_detail_share_tags.html", context),
        "content": render_to_string("portal/public/_listing_detail_content.html", context),
    }


def _share_text(pseudonym: str, progress) -> str:
    if progress.reached:
        return gettext(
            "%(name)s has this month's daily meals thanks to kind people. See their story:"
        ) % {"name": pseudonym}
    return gettext(
        "%(name)s is waiting for daily meals: %(percent)s of this month is raised. Help with me:"
    ) % {"name": pseudonym, "percent": format_percent(progress.percent)}


# The share image of a listing: a messenger fetches it once per address, which changes with the
# progress. An hour's caching elsewhere, so a listing that leaves the site takes its card along
# soon; here, the drawn bytes are kept by their content's digest (the page cache's alias, which
# never falls back to one process's memory: these are too big for it).
SHARE_IMAGE_CACHE_SECONDS = 3600
_SHARE_IMAGE_KEEP_SECONDS = 7 * 24 * 3600


@require_safe
def listing_share_image(request, public_id: str, version: str):
    profile = public_profile_get(public_id)
    progress = public_listings_progress([profile])[public_id]
    card = share_card(profile, raised=progress.raised, need=progress.need)
    if version != card.version:
        # An old address (the figures moved since it was shared): the current card.
        moved = redirect("portal:listing_share_image", public_id, card.version)
        moved["Cache-Control"] = "public, max-age=300"
        return moved
    key = f"share-image:{card.version}"
    png = None
    try:
        png = caches["pages"].get(key)
    except Exception:
        logger.warning("share image cache unavailable", exc_info=True)
    if png is None:
        png = share_image_png(card)
        try:
            caches["pages"].set(key, png, _SHARE_IMAGE_KEEP_SECONDS)
        except Exception:
            logger.warning("share image cache unavailable", exc_info=True)
    response = HttpResponse(png, content_type="image/png")
    response["Cache-Control"] = f"public, max-age={SHARE_IMAGE_CACHE_SECONDS}"
    return response


@require_safe
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


@require_safe
def sitemap_xml(request):
    return sitemap(request, sitemaps=SITEMAPS)


@require_safe
def listing_photo(request, public_id: str):
    name = public_photo_name(public_id)
    response = FileResponse(default_storage.open(name, "rb"), content_type="image/jpeg")
    # Short-lived: a withdrawn consent must take the photo down within minutes everywhere.
    response["Cache-Control"] = "public, max-age=300"
    return response

"""What the public may see of an elderly person: the one place that decides it.

docs/architecture.md, "What the public may see of an elderly person": a pseudonym, an age band, the
kecamatan, the village only when enough people are published there, generic needs, the story
an official wrote, a photo only with consent, and the monthly need. Public templates, the
sitemap and the open-data API get a ``PublicProfile``, never a ``Recipient``.

Rows are read with ``.values()`` on public columns only: the encrypted identity fields decrypt
when a model instance is loaded, and a public page has no business holding them even in memory.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from regions.models import Kecamatan, Village

from .. import illustrations
from ..models import AgeBand, Need, Recipient, Status
from ..services.lifecycle import PUBLIC_STATUSES

PAGE_SIZE = 12
QUERY_MAX_LENGTH = 100

# An order of published people, given by the caller: the public pages pass donations'
# ``least_funded_first`` (the portal does not import the apps above it); without one, the
# most recently listed come first.
Ordering = Callable[[QuerySet[Recipient]], QuerySet[Recipient]]

# The only columns a public read may touch. Every one of them is in clear and public by
# decision; adding a column here is a privacy decision, not a refactoring.
_PUBLIC_COLUMNS = (
    "pk",
    "public_id",
    "pseudonym",
    "age_band",
    "kecamatan__code",
    "kecamatan__name",
    "village_id",
    "village__name",
    "public_needs",
    "story",
    "photo",
    "photo_consent_id",
    "photo_consent__recipient_id",
    "photo_consent__withdrawn_at",
    "monthly_need",
    "published_at",
)


@dataclass(frozen=True)
class PublicProfile:
    public_id: str
    pseudonym: str
    age_band: str  # the label of AgeBand, as people read it
    kecamatan: str
    kecamatan_code: str
    village: str | None  # None unless PUBLIC_VILLAGE_MIN_LISTINGS are published there
    needs: tuple[str, ...]  # labels of Need, in the order the official chose
    need_codes: tuple[str, ...]  # the matching Need values, for filters and open data
    story: str
    photo_url: str | None  # None without a photo or without a standing consent
    monthly_need: int  # whole rupiah
    published_at: datetime.date | None

    @property
    def illustration(self) -> str:
        """The drawing chosen by the needs (portal.illustrations): never a likeness."""
        return illustrations.choose(self.need_codes)

    @property
    def illustration_path(self) -> str:
        return illustrations.static_path(self.illustration)


@dataclass(frozen=True)
class KecamatanChoice:
    code: str
    name: str
    listed: int


def monthly_meal_cost() -> int:
    """What a month of meals costs for one person (Rp720.000 by default)."""
    return settings.PORTION_COST_RUPIAH * settings.MEALS_PER_DAY * settings.DAYS_PER_MONTH


def _published() -> QuerySet[Recipient]:
    return Recipient.objects.filter(status__in=PUBLIC_STATUSES)


def _rows(queryset: QuerySet[Recipient]) -> QuerySet[Recipient, dict[str, Any]]:
    rows: QuerySet[Recipient, dict[str, Any]] = queryset.values(*_PUBLIC_COLUMNS)
    return rows


def _published_per_village(village_ids: Iterable[int]) -> dict[int, int]:
    """How many people are published in each of these villages: one aggregate query."""
    ids = set(village_ids)
    if not ids:
        return {}
    counts = (
        _published()
        .filter(village_id__in=ids)
        .order_by()
        .values("village_id")
        .annotate(listed=Count("pk"))
    )
    return {row["village_id"]: row["listed"] for row in counts}


def _photo_url(row: Mapping[str, Any]) -> str | None:
    if not row["photo"] or row["photo_consent_id"] is None:
        return None
    # The consent must be this person's own, and still stand.
    if row["photo_consent__recipient_id"] != row["pk"]:
        return None
    if row["photo_consent__withdrawn_at"] is not None:
        return None
    # Served by portal.views.public.listing_photo, which checks all of this again: a photo
    # leaves the site with its listing or its consent, whatever a cache or a link still holds.
    # The file's random name in the query string makes a new photo a new address.
    version = row["photo"].rsplit("/", 1)[-1].split(".")[0]
    return reverse("portal:listing_photo", args=[row["public_id"]]) + f"?v={version}"


def _profile(row: Mapping[str, Any], village_counts: dict[int, int]) -> PublicProfile:
    # Only known generic needs are shown: whatever else the column may hold stays hidden.
    codes = tuple(dict.fromkeys(c for c in row["public_needs"] or () if c in Need.values))
    listed_in_village = village_counts.get(row["village_id"], 0)
    band = row["age_band"]
    return PublicProfile(
        public_id=row["public_id"],
        pseudonym=row["pseudonym"],
        age_band=str(AgeBand(band).label) if band in AgeBand.values else "",
        kecamatan=row["kecamatan__name"],
        kecamatan_code=row["kecamatan__code"],
        village=(
            row["village__name"]
            if listed_in_village >= settings.PUBLIC_VILLAGE_MIN_LISTINGS
            else None
        ),
        needs=tuple(str(Need(code).label) for code in codes),
        need_codes=codes,
        story=row["story"],
        photo_url=_photo_url(row),
        monthly_need=int(row["monthly_need"] or monthly_meal_cost()),
        published_at=_local_date(row["published_at"]),
    )


def _local_date(moment: datetime.datetime | None) -> datetime.date | None:
    # Dates people read are in WIB.
    return timezone.localdate(moment) if moment else None


def _profiles(rows: Iterable[Mapping[str, Any]]) -> list[PublicProfile]:
    rows = list(rows)
    counts = _published_per_village(row["village_id"] for row in rows)
    return [_profile(row, counts) for row in rows]


def _ordered(queryset: QuerySet[Recipient], order: Ordering | None) -> QuerySet[Recipient]:
    return order(queryset) if order else queryset.order_by("-published_at", "-pk")


def _filtered(
    *, kecamatan_code: str | None, need: str | None, query: str | None
) -> QuerySet[Recipient]:
    queryset = _published()
    if kecamatan_code:
        queryset = queryset.filter(kecamatan__code=kecamatan_code)
    if need:
        if need not in Need.values:
            return queryset.none()
        # The quoted value matches one whole element of the JSON list, on SQLite (which has
        # no JSON containment) as on PostgreSQL.
        queryset = queryset.filter(public_needs__icontains=json.dumps(need))
    query = (query or "").strip()[:QUERY_MAX_LENGTH]
    if query:
        queryset = queryset.filter(
            Q(pseudonym__icontains=query)
            | Q(story__icontains=query)
            | Q(kecamatan__name__icontains=query)
        )
    return queryset


def public_listing_page(
    *,
    kecamatan_code: str | None = None,
    need: str | None = None,
    query: str | None = None,
    order: Ordering | None = None,
    page: int | str = 1,
) -> Page[PublicProfile]:
    """One page (12) of published people in ``order`` (newest first without one), as
    PublicProfiles.

    A page number that is not a number gives the first page, one past the end the last page
    (``Page.number`` says which was given). Three queries whatever the page holds: the count,
    the rows with their kecamatan and village, and the village counts.
    """
    filtered = _filtered(kecamatan_code=kecamatan_code, need=need, query=query)
    queryset = _rows(_ordered(filtered, order))
    rows = Paginator(queryset, PAGE_SIZE).get_page(page)
    # django-stubs' Page ties its rows' type to its paginator's; this page hands out the
    # paginator's value rows as profiles, which the stub cannot say.
    result: Page[PublicProfile] = rows  # type: ignore[assignment]
    result.object_list = _profiles(rows.object_list)
    return result


def public_listing_rows(
    *,
    kecamatan_code: str | None = None,
    need: str | None = None,
    query: str | None = None,
    order: Ordering | None = None,
    count: int,
) -> list[str]:
    """The public ids of the first ``count`` published people of a list (the filters and order
    of ``public_listing_page``), in its order: what a cached list page is keyed on
    (core.pagecache.depends_on_list). One query of one column."""
    filtered = _filtered(kecamatan_code=kecamatan_code, need=need, query=query)
    return list(_ordered(filtered, order).values_list("public_id", flat=True)[:count])


def rows_up_to_page(page: int | str, *, limit: int) -> int | None:
    """How many rows of a list come up to the end of ``page`` as ``public_listing_page`` reads
    it (not a number: the first page); None for a page past ``limit`` rows or below the first
    (which a list shows as its last page)."""
    try:
        number = int(page)
    except (TypeError, ValueError):
        number = 1
    if number < 1 or number * PAGE_SIZE > limit:
        return None
    return number * PAGE_SIZE


def public_first(*, limit: int = 3, order: Ordering | None = None) -> list[PublicProfile]:
    """The first ``limit`` published people in ``order`` (newest first without one)."""
    return _profiles(_rows(_ordered(_published(), order))[:limit])


def public_profile_get(public_id: str) -> PublicProfile:
    """The public profile of a published person; Http404 for anybody else."""
    row = _rows(_published().filter(public_id=public_id)).first()
    if row is None:
        raise Http404(_("No published listing has this address."))
    return _profiles([row])[0]


def public_recipient_id(public_id: str) -> int:
    """The row id of a published person (to earmark a gift), Http404 for anybody else."""
    pk = _published().filter(public_id=public_id).values_list("pk", flat=True).first()
    if pk is None:
        raise Http404(_("No published listing has this address."))
    return pk


def public_photo_name(public_id: str) -> str:
    """The stored photo of a published person with a standing consent; Http404 otherwise."""
    row = (
        _published()
        .filter(public_id=public_id)
        .values(
            "pk",
            "photo",
            "photo_consent_id",
            "photo_consent__recipient_id",
            "photo_consent__withdrawn_at",
            "public_id",
        )
        .first()
    )
    if row is None or _photo_url(row) is None:
        raise Http404(_("No photo is published at this address."))
    return str(row["photo"])  # the stored name: a values() row holds no FieldFile


def public_listing_index() -> Iterator[tuple[str, datetime.date | None]]:
    """(public_id, published date) of every published person, for the sitemap."""
    rows = _published().order_by("-published_at", "-pk").values_list("public_id", "published_at")
    for public_id, published_at in rows.iterator(chunk_size=2000):
        yield public_id, _local_date(published_at)


def public_kecamatan_choices() -> list[KecamatanChoice]:
    """All 25 kecamatan with how many people are published in each (for the filter)."""
    return [
        KecamatanChoice(code=k.code, name=k.name, listed=k.listed)
        for k in Kecamatan.objects.annotate(
            listed=Count("recipients", filter=Q(recipients__status__in=PUBLIC_STATUSES))
        )
        .only("code", "name")
        .order_by("name")
    ]


def public_counts() -> dict[str, int]:
    """Figures for the home page: people listed, people reached, the area, a month's cost."""
    people = Recipient.objects.aggregate(
        listed=Count("pk", filter=Q(status__in=PUBLIC_STATUSES)),
        reached=Count("pk", filter=Q(status=Status.REACHED)),
    )
    return {
        "listed": people["listed"],
        "reached": people["reached"],
        "kecamatan": Kecamatan.objects.count(),
        "villages": Village.objects.count(),
        "monthly_cost": monthly_meal_cost(),
    }

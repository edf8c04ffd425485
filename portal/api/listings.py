"""Open data: the public listings, read-only, for anybody.

Built from portal.selectors.public.PublicProfile, never from the Recipient model: the open data
carries exactly what the public pages show, and a new model field cannot leak into it.
"""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.decorators import (
    api_view,
    authentication_classes,
    permission_classes,
    renderer_classes,
    throttle_classes,
)
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.utils.urls import remove_query_param, replace_query_param

from ..models import Need
from ..selectors.public import (
    QUERY_MAX_LENGTH,
    PublicProfile,
    public_listing_page,
    public_profile_get,
)


def open_data(view):
    """Anybody may read, without a token, at the anonymous rate, as JSON.

    The settings' default is "knox token required": open data is the exception, stated here.
    No authentication at all, so that a token sent along changes nothing (and costs no query).
    """
    for decorator in (
        renderer_classes([JSONRenderer]),
        throttle_classes([AnonRateThrottle]),
        permission_classes([AllowAny]),
        authentication_classes([]),
    ):
        view = decorator(view)
    return view


class ListingFilterSerializer(serializers.Serializer):
    kecamatan = serializers.RegexField(
        r"^\d{2}\.\d{2}\.\d{2}$",
        required=False,
        help_text=_("Kecamatan code (Kepmendagri), e.g. 35.10.09 for Genteng."),
    )
    need = serializers.ChoiceField(choices=Need.choices, required=False)
    q = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=QUERY_MAX_LENGTH,
        help_text=_("Words searched in the pseudonym, the story and the kecamatan's name."),
    )
    page = serializers.IntegerField(required=False, min_value=1, default=1)


class ListingSerializer(serializers.Serializer):
    """A PublicProfile, as the public pages show it."""

    public_id = serializers.CharField()
    url = serializers.SerializerMethodField(help_text=_("The listing's public page."))
    pseudonym = serializers.CharField()
    age_band = serializers.CharField(help_text=_("The age band, e.g. 70–79."))
    kecamatan = serializers.CharField()
    kecamatan_code = serializers.CharField()
    village = serializers.CharField(
        allow_null=True,
        help_text=_(
            "Named only when enough people are listed in the village that none stands out."
        ),
    )
    needs = serializers.ListField(
        child=serializers.CharField(), help_text=_("The needs, as people read them.")
    )
    need_codes = serializers.ListField(
        child=serializers.ChoiceField(choices=Need.choices),
        help_text=_("The needs, as codes (those of the need filter)."),
    )
    story = serializers.CharField()
    photo_url = serializers.CharField(
        allow_null=True, help_text=_("Only when the person consented to a photo.")
    )
    monthly_need = serializers.IntegerField(help_text=_("Whole rupiah a month."))
    published_at = serializers.DateField(allow_null=True)

    def get_url(self, profile: PublicProfile) -> str:
        return self._absolute(reverse("portal:listing_detail", args=[profile.public_id]))

    def to_representation(self, profile: PublicProfile) -> dict:
        data = super().to_representation(profile)
        if data["photo_url"]:
            data["photo_url"] = self._absolute(data["photo_url"])
        return data

    def _absolute(self, location: str) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(location) if request else location


class ListingPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = ListingSerializer(many=True)


@extend_schema(
    operation_id="listings_list",
    summary=_("Published listings, newest first (12 a page)"),
    parameters=[ListingFilterSerializer],
    responses={200: ListingPageSerializer, 404: OpenApiResponse(description=_("No such page."))},
    auth=[],
    tags=["open data"],
)
@api_view(["GET", "HEAD"])
@open_data
def listing_list(request):
    params = ListingFilterSerializer(data=request.query_params)
    params.is_valid(raise_exception=True)
    filters = params.validated_data
    number = filters["page"]
    page = public_listing_page(
        kecamatan_code=filters.get("kecamatan"),
        need=filters.get("need"),
        query=filters.get("q"),
        page=number,
    )
    if page.number != number:
        raise NotFound(_("No such page."))
    here = request.build_absolute_uri()
    return Response(
        {
            "count": page.paginator.count,
            "next": replace_query_param(here, "page", number + 1) if page.has_next() else None,
            "previous": _previous(here, number) if page.has_previous() else None,
            "results": ListingSerializer(
                page.object_list, many=True, context={"request": request}
            ).data,
        }
    )


def _previous(url: str, number: int) -> str:
    return (
        remove_query_param(url, "page")
        if number == 2
        else replace_query_param(url, "page", number - 1)
    )


@extend_schema(
    operation_id="listings_retrieve",
    summary=_("One published listing"),
    responses={200: ListingSerializer, 404: OpenApiResponse(description=_("Not published."))},
    auth=[],
    tags=["open data"],
)
@api_view(["GET", "HEAD"])
@open_data
def listing_detail(request, public_id: str):
    profile = public_profile_get(public_id)
    return Response(ListingSerializer(profile, context={"request": request}).data)


urlpatterns = [
    path("listings/", listing_list, name="api_listing_list"),
    path("listings/<str:public_id>/", listing_detail, name="api_listing_detail"),
]

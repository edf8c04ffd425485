"""Open data of the outcome figures: /api/v1/outcomes/ (JSON) and /api/v1/outcomes/csv/.

Counts only, from the stored monthly figures (outcomes.selectors.public.PUBLIC_FIGURES): what
the public impact page shows, never a person.
"""

from __future__ import annotations

import csv
import datetime
import io

from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import (
    api_view,
    authentication_classes,
    permission_classes,
    renderer_classes,
    throttle_classes,
)
from rest_framework.permissions import AllowAny
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle

from .selectors.public import PUBLIC_FIGURES, public_outcomes, stored_months

COLUMNS = ("month", "kecamatan_code", "kecamatan", *PUBLIC_FIGURES, "visits_per_reached_person")


class CSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        buffer = io.StringIO()
        if isinstance(data, dict) and "rows" in data:
            writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
            writer.writeheader()
            writer.writerows(data["rows"])
        else:  # an error: its detail as one line
            buffer.write(f"{data}\n")
        return buffer.getvalue().encode("utf-8")


class OutcomeFilterSerializer(serializers.Serializer):
    month = serializers.RegexField(
        r"^\d{4}-(0[1-9]|1[0-2])$",
        required=False,
        help_text=_("A month as YYYY-MM; all stored months when absent."),
    )


class OutcomeSerializer(serializers.Serializer):
    month = serializers.CharField(help_text=_("YYYY-MM, in WIB."))
    kecamatan_code = serializers.CharField(help_text=_("Empty for the whole regency."))
    kecamatan = serializers.CharField()
    listed = serializers.IntegerField(help_text=_("People listed at the month's end."))
    reached = serializers.IntegerField(help_text=_("People reached at the month's end."))
    funded = serializers.IntegerField(help_text=_("Listed people whose monthly need was given."))
    meals_planned = serializers.IntegerField()
    meals_delivered = serializers.IntegerField()
    warung_active = serializers.IntegerField()
    warung_valid = serializers.IntegerField(help_text=_("Warung with a valid inspection."))
    visits = serializers.IntegerField(help_text=_("Student visits held."))
    referrals_verified = serializers.IntegerField()
    visits_per_reached_person = serializers.FloatField(allow_null=True)


def _rows(request) -> list[dict]:
    params = OutcomeFilterSerializer(data=request.query_params)
    params.is_valid(raise_exception=True)
    month = params.validated_data.get("month")
    months = [datetime.date.fromisoformat(month + "-01")] if month else sorted(stored_months())
    return [outcome.as_dict() for m in months for outcome in public_outcomes(m)]


def _open(renderer):
    def decorate(view):
        for decorator in (
            renderer_classes([renderer]),
            throttle_classes([AnonRateThrottle]),
            permission_classes([AllowAny]),
            authentication_classes([]),
        ):
            view = decorator(view)
        return view

    return decorate


@extend_schema(
    operation_id="outcomes_list",
    summary=_("Outcome figures per month, for the regency and each kecamatan"),
    parameters=[OutcomeFilterSerializer],
    responses={200: OutcomeSerializer(many=True)},
    auth=[],
    tags=["open data"],
)
@api_view(["GET", "HEAD"])
@_open(JSONRenderer)
def outcomes_json(request):
    return Response(_rows(request))


@extend_schema(
    operation_id="outcomes_csv",
    summary=_("Outcome figures per month, as CSV"),
    parameters=[OutcomeFilterSerializer],
    responses={(200, "text/csv"): str},
    auth=[],
    tags=["open data"],
)
@api_view(["GET", "HEAD"])
@_open(CSVRenderer)
def outcomes_csv(request):
    response = Response({"rows": _rows(request)})
    response["Content-Disposition"] = 'attachment; filename="rantang-kasih-dampak.csv"'
    return response


urlpatterns = [
    path("outcomes/", outcomes_json, name="api_outcomes"),
    path("outcomes/csv/", outcomes_csv, name="api_outcomes_csv"),
]

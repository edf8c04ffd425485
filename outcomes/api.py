"""Open data of the outcome figures: /api/v1/outcomes/ (JSON) and /api/v1/outcomes/csv/.

Counts only, from the stored monthly figures (outcomes.selectors.public.PUBLIC_FIGURES): what
the public impact page shows, never a person. Each row also carries the five indicators and
the target in force at that month's end (``<indicator>_target``; empty when none was set).
"""

from __future__ import annotations

import csv
import datetime
import io
from typing import Any

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

from .models import Indicator
from .selectors.public import PUBLIC_FIGURES, public_outcomes, stored_months
from .selectors.targets import targets_in_force

INDICATOR_COLUMNS = tuple(
    column for indicator in Indicator.values for column in (indicator, f"{indicator}_target")
)
COLUMNS = (
    "month",
    "kecamatan_code",
    "kecamatan",
    *PUBLIC_FIGURES,
    "visits_per_reached_person",
    *INDICATOR_COLUMNS,
)


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
    reached_visited = serializers.IntegerField(
        help_text=_("Reached people whom students visited in the month.")
    )
    newly_reached = serializers.IntegerField(help_text=_("People reached for the first time."))
    reached_share = serializers.FloatField(allow_null=True, help_text=_("Percent."))
    reached_share_target = serializers.FloatField(allow_null=True)
    delivered_share = serializers.FloatField(allow_null=True, help_text=_("Percent."))
    delivered_share_target = serializers.FloatField(allow_null=True)
    visited_share = serializers.FloatField(allow_null=True, help_text=_("Percent."))
    visited_share_target = serializers.FloatField(allow_null=True)
    funded_share = serializers.FloatField(allow_null=True, help_text=_("Percent."))
    funded_share_target = serializers.FloatField(allow_null=True)
    days_to_reach = serializers.FloatField(
        allow_null=True,
        help_text=_("Median days from listing to reached; empty when fewer than five people."),
    )
    days_to_reach_target = serializers.FloatField(allow_null=True)


def _rows(request) -> list[dict]:
    params = OutcomeFilterSerializer(data=request.query_params)
    params.is_valid(raise_exception=True)
    month = params.validated_data.get("month")
    months = [datetime.date.fromisoformat(month + "-01")] if month else sorted(stored_months())
    rows: list[dict[str, Any]] = []
    for m in months:
        targets = targets_in_force(m)
        rows.extend(outcome.as_dict(targets) for outcome in public_outcomes(m))
    return rows


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

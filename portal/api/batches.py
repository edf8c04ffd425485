"""POST /api/v1/recipients/batches/: Diskominfo's system sends rows of its export as JSON.

Knox token of a data officer required. The rows go through the one import pipeline
(portal.services.api_batches → portal.services.imports); a repeated ``batch_id`` returns the
first result and imports nothing.
"""

from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from knox.auth import TokenAuthentication
from rest_framework import serializers, status
from rest_framework.decorators import (
    api_view,
    authentication_classes,
    parser_classes,
    permission_classes,
    renderer_classes,
    throttle_classes,
)
from rest_framework.exceptions import APIException
from rest_framework.parsers import JSONParser
from rest_framework.permissions import BasePermission
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.throttling import UserRateThrottle

from ..models import ImportBatch
from ..permissions import may_use_batch_api
from ..selectors.import_batches import import_report_lines
from ..services.api_batches import MAX_ROWS, api_batch_import

# At most this many shape errors are listed: a sender with a systematic mistake needs a few.
MAX_SHAPE_ERRORS = 20


class IsDataOfficer(BasePermission):
    message = gettext_lazy("Only a data officer's token may send batches.")

    def has_permission(self, request, view) -> bool:
        return may_use_batch_api(request.user)


class BatchTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_many_rows"


@extend_schema_field(
    {
        "type": "array",
        "minItems": 1,
        "maxItems": MAX_ROWS,
        "items": {
            "type": "object",
            "description": (
                "One person: the columns of the Diskominfo format (NIK, NAMA, JENIS KELAMIN, "
                "TANGGAL LAHIR, ALAMAT, KODE DESA or DESA + KECAMATAN, ...), matched like a "
                "file's headers (case, spaces, underscores and hyphens ignored). Values are "
                "text, numbers or null; unknown keys are ignored and reported."
            ),
            "additionalProperties": {},
        },
    }
)
class RowsField(serializers.Field):
    default_error_messages = {
        "not_a_list": gettext_lazy("“rows” must be a list of objects."),
        "empty": gettext_lazy("“rows” is empty: send at least one row."),
    }

    def to_internal_value(self, data):
        if not isinstance(data, list):
            self.fail("not_a_list")
        if not data:
            self.fail("empty")
        if len(data) > MAX_ROWS:
            raise BatchTooLarge(
                _("A batch may hold at most %(max)d rows, this one has %(count)d: split it.")
                % {"max": MAX_ROWS, "count": len(data)}
            )
        errors = []
        for number, record in enumerate(data, start=1):
            if not isinstance(record, dict):
                errors.append(
                    _("Row %(row)d is not an object of column names and values.") % {"row": number}
                )
            else:
                nested = [k for k, v in record.items() if isinstance(v, dict | list)]
                if nested:
                    errors.append(
                        _("Row %(row)d: the value of %(column)s must be text, a number or null.")
                        % {"row": number, "column": nested[0]}
                    )
            if len(errors) >= MAX_SHAPE_ERRORS:
                break
        if errors:
            raise serializers.ValidationError(errors)
        return data

    def to_representation(self, value):
        return value


class BatchRequestSerializer(serializers.Serializer):
    batch_id = serializers.CharField(
        min_length=1,
        max_length=100,
        help_text="The sender's own id for this batch: sending it again returns the first result.",
    )
    rows = RowsField(help_text=f"At most {MAX_ROWS} rows; row numbers are 1-based positions.")


class CountsSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    rejected = serializers.IntegerField()
    warned = serializers.IntegerField(help_text="Accepted rows flagged for an official's review.")


class RowOutcomeSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="1-based position in `rows`.")
    nik = serializers.CharField(help_text="Masked: the region and the serial only.")
    reason = serializers.CharField()


class BatchResultSerializer(serializers.Serializer):
    batch_id = serializers.CharField()
    import_id = serializers.IntegerField(help_text="The portal's record of this import.")
    received_at = serializers.DateTimeField()
    counts = CountsSerializer()
    rejected_rows = RowOutcomeSerializer(many=True, help_text="Not imported, with the reason.")
    warned_rows = RowOutcomeSerializer(
        many=True, help_text="Imported and flagged for review: one entry per warning."
    )
    notes = serializers.ListField(
        child=serializers.CharField(), help_text="About the whole batch (unknown columns)."
    )


def batch_result(batch: ImportBatch) -> dict:
    lines, _more = import_report_lines(batch=batch)
    return {
        "batch_id": batch.external_id,
        "import_id": batch.pk,
        "received_at": batch.started_at,
        "counts": {
            "created": batch.created,
            "updated": batch.updated,
            "unchanged": batch.unchanged,
            "rejected": batch.rejected,
            "warned": batch.warned,
        },
        "rejected_rows": [
            {"row": line.row, "nik": line.nik, "reason": line.reason}
            for line in lines
            if line.row and line.rejected
        ],
        "warned_rows": [
            {"row": line.row, "nik": line.nik, "reason": line.reason}
            for line in lines
            if line.row and not line.rejected
        ],
        "notes": [line.reason for line in lines if not line.row],
    }


@extend_schema(
    operation_id="recipients_batches_create",
    summary="Import a batch of recipients (Diskominfo)",
    description=(
        "The rows of a Diskominfo export as JSON, through the same validation as an uploaded "
        "file. 201: imported now. 200: this token's owner already sent this `batch_id`; the "
        "first result is returned and nothing is imported again (whatever the rows)."
    ),
    request=BatchRequestSerializer,
    responses={
        201: OpenApiResponse(BatchResultSerializer, description="Imported now."),
        200: OpenApiResponse(
            BatchResultSerializer,
            description="This batch_id was received before: its first result, nothing imported.",
        ),
        400: OpenApiResponse(description="Not JSON, or not the shape above: nothing written."),
        401: OpenApiResponse(description="No token, or an invalid or expired one."),
        403: OpenApiResponse(description="The token's owner is not a data officer."),
        413: OpenApiResponse(description=f"More than {MAX_ROWS} rows: nothing written."),
    },
    # Invented people only: "Contoh" (example) names, made-up addresses and NIKs that no demo
    # record or real resident should carry. The schema is public; a demo row copied here
    # would read as a real person's data (tests/portal/test_api_batches.py checks both).
    examples=[
        OpenApiExample(
            "Two people",
            request_only=True,
            value={
                "batch_id": "diskominfo-2026-11-03-01",
                "rows": [
                    {
                        "NIK": "3510096310380777",
                        "NAMA": "Contoh Lansia Pertama",
                        "JENIS KELAMIN": "P",
                        "TANGGAL LAHIR": "23-10-1938",
                        "ALAMAT": "Dusun Contoh",
                        "RT": "009",
                        "RW": "009",
                        "KODE DESA": "35.10.09.2001",
                    },
                    {
                        "nik": "3510090711410888",
                        "nama": "Contoh Lansia Kedua",
                        "jenis_kelamin": "L",
                        "tanggal_lahir": "1941-11-07",
                        "alamat": "Jl. Contoh No. 99",
                        "desa": "Kembiritan",
                        "kecamatan": "Genteng",
                        "kondisi": "hidup_sendiri;sakit_kronis",
                    },
                ],
            },
        )
    ],
    tags=["import"],
)
@api_view(["POST"])
@authentication_classes([TokenAuthentication])
@permission_classes([IsDataOfficer])
@parser_classes([JSONParser])
@renderer_classes([JSONRenderer])
@throttle_classes([UserRateThrottle])
def recipient_batch_create(request):
    body = BatchRequestSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    batch, imported = api_batch_import(
        actor=request.user,
        batch_id=body.validated_data["batch_id"],
        records=body.validated_data["rows"],
    )
    return Response(
        BatchResultSerializer(batch_result(batch)).data,
        status=status.HTTP_201_CREATED if imported else status.HTTP_200_OK,
    )


urlpatterns = [
    path("recipients/batches/", recipient_batch_create, name="api_recipient_batches"),
]

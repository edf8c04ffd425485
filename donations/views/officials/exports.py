"""CSV exports (gifts, disbursements with their lines, ledger entries), each on record."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from accounts.decorators import official_required
from core.forms import posted

from ...exports import donations_export
from ...forms_officials import ExportForm
from ...permissions import FINANCE_WORK_ROLES


@official_required(*FINANCE_WORK_ROLES)
@require_http_methods(["GET", "HEAD", "POST"])
def export(request):
    today = timezone.localdate()
    form = ExportForm(
        posted(request),
        initial={"kind": ExportForm.GIFTS, "start": today.replace(day=1), "end": today},
    )
    if request.method == "POST" and form.is_valid():
        text, file_name = donations_export(actor=request.user, **form.cleaned_data)
        # A byte-order mark: spreadsheet programs then read the file as UTF-8.
        response = HttpResponse("\ufeff" + text, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{file_name}"'
        response["Cache-Control"] = "private, no-store"
        return response
    return render(request, "donations/officials/export.html", {"form": form})

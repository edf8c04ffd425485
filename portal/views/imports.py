"""Officials' doors into the import pipeline: the upload page (stage, preview, confirm or
discard), the record of imports with their reports, the format and its templates, and the
manual entry of one person."""

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from accounts.decorators import official_required
from accounts.storage import private_file_response
from core.forms import add_refusal, posted

from ..import_format import (
    TEMPLATE_FILE_NAME,
    XLSX_CONTENT_TYPE,
    column_guide,
    template_csv,
    template_xlsx,
)
from ..import_forms import ImportUploadForm, ManualEntryForm
from ..models import Recipient
from ..permissions import IMPORT_ROLES, REGISTRY_ROLES
from ..selectors.import_batches import (
    entry_villages_for_user,
    import_batch_get,
    import_batch_list,
)
from ..services.imports import FileRefused
from ..services.imports.reading import HEADER_SEARCH_ROWS
from ..services.manual_entry import EntryRefused, manual_entry_create
from ..services.staging import (
    StagingError,
    import_confirm,
    import_discard,
    import_preview,
    import_report_download,
    import_stage,
)

HISTORY_PAGE_SIZE = 25


@official_required(*IMPORT_ROLES)
@require_http_methods(["GET", "HEAD", "POST"])
def import_upload(request):
    form = ImportUploadForm(posted(request), posted(request, files=True))
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch = import_stage(stream=upload, file_name=upload.name, actor=request.user)
        except FileRefused as error:
            form.add_error("file", str(error))
        else:
            return redirect("portal:import_detail", pk=batch.pk)
    return render(
        request,
        "portal/imports/upload.html",
        {"form": form, "max_mb": settings.IMPORT_MAX_BYTES // (1024 * 1024)},
    )


@official_required(*IMPORT_ROLES)
@require_http_methods(["GET", "HEAD", "POST"])
def import_detail(request, pk: int):
    batch = import_batch_get(user=request.user, pk=pk)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "confirm":
            try:
                batch, imported = import_confirm(batch_id=batch.pk, actor=request.user)
            except StagingError as error:
                messages.error(request, str(error))
            else:
                if imported:
                    messages.success(
                        request,
                        _(
                            "The file was imported: %(created)d created, %(updated)d updated, "
                            "%(skipped)d skipped."
                        )
                        % {
                            "created": batch.created,
                            "updated": batch.updated,
                            "skipped": batch.skipped,
                        },
                    )
                elif batch.refusal:
                    messages.error(request, batch.refusal)
                else:
                    messages.info(request, _("This file is no longer waiting: nothing was done."))
        elif action == "discard":
            if import_discard(batch_id=batch.pk, actor=request.user):
                messages.success(request, _("The file was discarded: nothing was imported."))
            else:
                messages.info(request, _("This file is no longer waiting: nothing was done."))
        return redirect("portal:import_detail", pk=batch.pk)
    return render(
        request,
        "portal/imports/detail.html",
        {"preview": import_preview(batch=batch), "queue_filter": f"batch={batch.pk}"},
    )


@official_required(*IMPORT_ROLES)
@require_safe
def import_format(request):
    return render(
        request,
        "portal/imports/format.html",
        {
            "guide": column_guide(),
            "max_mb": settings.IMPORT_MAX_BYTES // (1024 * 1024),
            "header_rows": HEADER_SEARCH_ROWS,
            "min_age": settings.LANSIA_MIN_AGE,
        },
    )


TEMPLATES = {
    "csv": (template_csv, "text/csv; charset=utf-8"),
    "xlsx": (template_xlsx, XLSX_CONTENT_TYPE),
}


@official_required(*IMPORT_ROLES)
@require_safe
def import_template(request, kind: str):
    if kind not in TEMPLATES:
        raise Http404
    make, content_type = TEMPLATES[kind]
    response = HttpResponse(make(), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{TEMPLATE_FILE_NAME}.{kind}"'
    return response


@official_required(*IMPORT_ROLES)
def import_history(request):
    page = Paginator(import_batch_list(user=request.user), HISTORY_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "portal/imports/history.html", {"page": page})


@official_required(*IMPORT_ROLES)
def import_report(request, pk: int):
    batch = import_batch_get(user=request.user, pk=pk)
    name, download_name = import_report_download(batch=batch, actor=request.user)
    return private_file_response(name, download_name=download_name)


@official_required(*REGISTRY_ROLES)
@require_http_methods(["GET", "HEAD", "POST"])
def manual_entry(request):
    form = ManualEntryForm(posted(request), villages=entry_villages_for_user(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            recipient, warnings = manual_entry_create(raw=form.raw_row(), actor=request.user)
        except EntryRefused as error:
            add_refusal(form, error)
        else:
            messages.success(
                request, _("Saved: a record for NIK %(nik)s.") % {"nik": recipient.nik_masked}
            )
            for warning in warnings:
                messages.warning(request, warning)
            return redirect(_after_entry(recipient))
    return render(request, "portal/imports/manual_entry.html", {"form": form})


def _after_entry(recipient: Recipient) -> str:
    # The review page belongs to another part of the portal and may not exist yet.
    try:
        return reverse("portal:review_record", kwargs={"public_id": recipient.public_id})
    except NoReverseMatch:
        return reverse("portal:officials_home")

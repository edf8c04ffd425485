"""The officials' attention queue: the list, an item, take and resolve."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.decorators import official_required

from .forms import ResolveForm
from .permissions import QUEUE_ROLES, TAKE_ROLES
from .selectors import item_get_for_user, item_queue, may_take, subject_url, with_subject_urls
from .services import item_resolve, item_take

PAGE_SIZE = 50


@official_required(*QUEUE_ROLES)
@require_safe
def queue(request):
    live = request.GET.get("closed") != "1"
    page = Paginator(item_queue(request.user, live=live), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "attention/queue.html",
        {
            "page": page,
            "items": with_subject_urls(request.user, page),
            "live": live,
            "now": timezone.now(),
        },
    )


@official_required(*QUEUE_ROLES)
@require_http_methods(["GET", "HEAD", "POST"])
def item(request, pk: int):
    found = item_get_for_user(request.user, pk=pk)
    found.subject_url = subject_url(request.user, found)  # type: ignore[attr-defined]
    form = ResolveForm(request.POST or None)
    if request.method == "POST":
        if not may_take(request.user, found):
            raise PermissionDenied
        if form.is_valid():
            try:
                item_resolve(item=found, actor=request.user, note=form.cleaned_data["note"])
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("The item is resolved."))
                return redirect("attention:item", pk=found.pk)
    return render(
        request,
        "attention/item.html",
        {
            "item": found,
            "form": form,
            "can_take": may_take(request.user, found),
            "history": found.transitions.select_related("actor"),
            "now": timezone.now(),
        },
        status=400 if form.errors else 200,
    )


@official_required(*TAKE_ROLES)
@require_POST
def take(request, pk: int):
    found = item_get_for_user(request.user, pk=pk)
    try:
        item_take(item=found, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("You took the item."))
    return redirect("attention:item", pk=found.pk)

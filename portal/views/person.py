"""The person page for officials: one elderly person's support across agencies."""

from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from accounts.decorators import official_required

from ..permissions import PERSON_PAGE_ROLES
from ..selectors.person import person_page


@official_required(*PERSON_PAGE_ROLES)
@require_safe
@never_cache
def person(request, public_id: str):
    page = person_page(request.user, public_id)
    return render(
        request,
        "portal/person.html",
        {"page": page, "recipient": page.recipient, "access": page.access},
    )

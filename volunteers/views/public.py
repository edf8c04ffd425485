"""Pages without an account: a guardian's consent, a student's calendar feed (its address is
the key), the public check of a certificate's code."""

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from ..documents import calendar_bytes
from ..forms import CertificateCheckForm
from ..selectors.students import certificate_verify as certificate_lookup
from ..selectors.students import feed_bookings, student_by_feed_token
from ..services.students import (
    guardian_consent_from_token,
    guardian_consent_give,
    guardian_consent_withdraw,
)


@require_http_methods(["GET", "HEAD", "POST"])
@never_cache
def guardian_consent(request, token: str):
    try:
        consent = guardian_consent_from_token(token)
    except ValidationError as error:
        return render(
            request,
            "volunteers/public/guardian_invalid.html",
            {"message": error.messages[0]},
            status=400,
        )
    done = ""
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "withdraw":
            consent = guardian_consent_withdraw(token=token)
            done = "withdrawn"
        elif request.POST.get("agree") == "on":
            try:
                consent = guardian_consent_give(token=token)
            except ValidationError as error:
                return render(
                    request,
                    "volunteers/public/guardian_invalid.html",
                    {"message": error.messages[0]},
                    status=400,
                )
            done = "given"
        else:
            done = "missing"
    student = consent.student
    return render(
        request,
        "volunteers/public/guardian_consent.html",
        {
            "consent": consent,
            "student_name": student.user.name or student.user.email,
            "school": student.school.name,
            "done": done,
        },
        status=400 if done == "missing" else 200,
    )


@require_safe
def calendar_feed(request, token: str):
    student = student_by_feed_token(token)
    if student is None:
        raise Http404
    content = calendar_bytes(feed_bookings(student), name=_("Rantang Kasih visits"))
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="kunjungan.ics"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_safe
def certificate_verify(request):
    form = CertificateCheckForm(request.GET or None)
    certificate = None
    checked = False
    if form.is_valid():
        checked = True
        certificate = certificate_lookup(form.cleaned_data["code"])
    return render(
        request,
        "volunteers/public/certificate_verify.html",
        {"form": form, "certificate": certificate, "checked": checked},
        status=404 if checked and certificate is None else 200,
    )

"""The public's doors: "Laporkan lansia" (a referral), "Laporkan" on a listing (a concern),
and the page where the reporter types back the code. No account is needed."""

from django.core import signing
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from core.forms import add_refusal, posted
from portal.selectors.public import public_profile_get

from ..forms import CodeForm, ConcernForm, ReferralForm
from ..models import Concern, ContactChannel, Referral
from ..selectors import report_steps
from ..services.concerns import concern_code_resend, concern_confirm, concern_submit
from ..services.contacts import CodeRefused
from ..services.referrals import referral_code_resend, referral_confirm, referral_submit
from ..services.status import (
    StatusLinkRefused,
    report_from_status_token,
    status_path,
    status_token,
)
from ..throttle import address_limited, address_spend

TOKEN_SALT = "community.code"  # noqa: S105 (a signing salt, not a secret)
KINDS = {"referral": Referral, "concern": Concern}


def code_token(report) -> str:
    kind = "referral" if isinstance(report, Referral) else "concern"
    return signing.dumps({"k": kind, "r": report.reference}, salt=TOKEN_SALT)


def _report_from_token(token: str):
    try:
        data = signing.loads(token, salt=TOKEN_SALT, max_age=7 * 24 * 3600)
        model = KINDS[data["k"]]
        return model.objects.get(reference=data["r"])  # type: ignore[attr-defined]
    except (signing.BadSignature, KeyError, TypeError, Referral.DoesNotExist, Concern.DoesNotExist):
        raise Http404 from None


def mask_contact(address: str) -> str:
    """+62812•••••890 or s•••@example.org: enough for the reporter to recognise it."""
    if "@" in address:
        local, _at, domain = address.partition("@")
        return f"{local[:1]}•••@{domain}"
    return address[:6] + "•" * max(len(address) - 9, 0) + address[-3:]


def _too_many(request, template: str, context: dict):
    context["form"].add_error(
        None, _("Too many reports from this connection. Please try again in an hour.")
    )
    return render(request, template, context, status=429)


@require_http_methods(["GET", "HEAD", "POST"])
@never_cache
def referral_create(request):
    form = ReferralForm(posted(request), posted(request, files=True))
    template = "community/public/referral_form.html"
    if request.method == "POST":
        if address_limited(request):
            return _too_many(request, template, {"form": form})
        if form.is_valid():
            address_spend(request)
            if form.is_bot:
                # Answer as if it worked: a bot learns nothing, and nothing is written or sent.
                return redirect("community:report_done")
            data = form.cleaned_data
            try:
                referral = referral_submit(
                    village=data["village"],
                    hamlet=data["hamlet"],
                    landmark=data["landmark"],
                    needs=data["needs"],
                    situation=data["situation"],
                    photo=data["photo"],
                    phone=data["phone"],
                    email=data["email"],
                    consent=data["consent"],
                    language=get_language(),
                )
            except ValidationError as error:
                add_refusal(form, error)
            else:
                return redirect("community:report_code", token=code_token(referral))
    return render(request, template, {"form": form})


@require_http_methods(["GET", "HEAD", "POST"])
@never_cache
def concern_create(request, public_id: str):
    profile = public_profile_get(public_id)  # 404 unless published
    form = ConcernForm(posted(request))
    template = "community/public/concern_form.html"
    context = {"form": form, "profile": profile}
    if request.method == "POST":
        if address_limited(request):
            return _too_many(request, template, context)
        if form.is_valid():
            address_spend(request)
            if form.is_bot:
                return redirect("community:report_done")
            data = form.cleaned_data
            try:
                concern = concern_submit(
                    public_id=public_id,
                    kind=data["kind"],
                    message=data["message"],
                    phone=data["phone"],
                    email=data["email"],
                    consent=data["consent"],
                    language=get_language(),
                )
            except ValidationError as error:
                add_refusal(form, error)
            else:
                return redirect("community:report_code", token=code_token(concern))
    return render(request, template, context)


@require_http_methods(["GET", "HEAD", "POST"])
@never_cache
def report_code(request, token: str):
    report = _report_from_token(token)
    if report.is_verified:
        return redirect("community:report_received", token=status_token(report))
    resend = request.method == "POST" and request.POST.get("action") == "resend"
    form = CodeForm(None if resend else posted(request))
    sent_again, resend_problems = False, []
    if resend:
        try:
            if isinstance(report, Referral):
                referral_code_resend(referral=report)
            else:
                concern_code_resend(concern=report)
        except ValidationError as error:
            resend_problems = error.messages
        else:
            sent_again = True
    elif request.method == "POST" and form.is_valid():
        try:
            if isinstance(report, Referral):
                referral_confirm(referral=report, code=form.cleaned_data["code"])
            else:
                concern_confirm(concern=report, code=form.cleaned_data["code"])
        except (CodeRefused, ValidationError) as error:
            add_refusal(form, error)
        else:
            return redirect("community:report_received", token=status_token(report))
    return render(
        request,
        "community/public/code.html",
        {
            "form": form,
            "report": report,
            "by_phone": report.contact_channel == "phone",
            "contact_masked": mask_contact(report.contact),
            "sent_again": sent_again,
            "resend_problems": resend_problems,
        },
    )


@require_safe
def report_done(request):
    return render(request, "community/public/done.html")


def _refused_link(request, error: StatusLinkRefused):
    # An unknown report is a 404; a forged, altered or expired link a 400. Either way the
    # page says what happened in words, and nothing about any report.
    return render(
        request,
        "community/public/status_invalid.html",
        {"message": error.messages[0]},
        status=404 if error.code == "unknown" else 400,
    )


@require_safe
@never_cache
def report_received(request, token: str):
    """The last page of a report: its number and the signed link to follow it."""
    try:
        report = report_from_status_token(token)
    except StatusLinkRefused as error:
        return _refused_link(request, error)
    return render(
        request,
        "community/public/done.html",
        {
            "report": report,
            "kind": "referral" if isinstance(report, Referral) else "concern",
            "status_link": request.build_absolute_uri(status_path(report, language=get_language())),
            "by_email": report.contact_channel == ContactChannel.EMAIL,
        },
    )


@require_safe
@never_cache
def report_status(request, token: str):
    """A report's steps through its signed link: never a detail of the person reported."""
    try:
        report = report_from_status_token(token)
    except StatusLinkRefused as error:
        return _refused_link(request, error)
    return render(request, "community/public/status.html", {"status": report_steps(report)})

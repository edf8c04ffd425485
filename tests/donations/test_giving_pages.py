"""The giving pages: the form refuses bad amounts before any gateway is called, a double
submit is one gift, the sandbox is labelled, a bank transfer gets its reference and takes a
proof, the thank-you page records nothing, and a listing's progress follows the money."""

import io
import re
import uuid

import pytest
from django.urls import reverse
from PIL import Image

from donations.models import Entry, Gift, SandboxSession, Sponsorship
from tests.factories import UserFactory
from tests.factories.donations import on_commit, sandbox_session


def give_url(recipient) -> str:
    return reverse("donations:give_listing", args=[recipient.public_id])


def form_data(**overrides) -> dict:
    data = {
        "amount": "50.000",
        "frequency": "once",
        "method": "card",
        "email": "dermawan@example.org",
        "name": "",
        "message": "",
        "attempt": str(uuid.uuid4()),
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def nothing_created() -> bool:
    return (
        not Gift.objects.exists()
        and not Sponsorship.objects.exists()
        and not SandboxSession.objects.exists()
    )


def text(response) -> str:
    return response.content.decode()


# --- The form ---------------------------------------------------------------------------------


def test_the_listing_form_shows_the_pseudonym_need_progress_minimum_and_sandbox(client, recipient):
    response = client.get(give_url(recipient))
    assert response.status_code == 200
    html = text(response)
    assert recipient.pseudonym in html
    assert "Rp720.000" in html
    assert 'data-raised="0"' in html
    assert 'data-sponsors="0"' in html
    assert "Rp10.000" in html  # the minimum, stated
    assert "SANDBOX" in html
    for name in ("amount", "frequency", "method", "email", "name", "show_name", "message"):
        assert f'name="{name}"' in html, name
    # Nothing about the person but the public profile.
    for secret in (recipient.name, recipient.nik, recipient.address, recipient.family_phone):
        assert secret not in html


def test_the_fund_form_needs_no_listing(client, db):
    response = client.get(reverse("donations:give_fund"))
    assert response.status_code == 200
    assert 'name="amount"' in text(response)


def test_the_sandbox_label_goes_when_the_sandbox_is_off(client, recipient, settings):
    settings.PAYMENTS_SANDBOX = False
    assert "SANDBOX" not in text(client.get(give_url(recipient)))


def test_the_sandbox_note_names_each_way_to_pay_the_sandboxes_take(client, recipient):
    """The give page offers every way: the note speaks of the Midtrans sandbox's methods and
    of cards; a thank-you page speaks of the one its gift went through."""
    from django.utils import translation

    from tests.factories.donations import gift_start, midtrans_gift_start

    def note(name, *args) -> str:
        with translation.override("en"):
            url = reverse(name, args=args)
        (found,) = re.findall(
            r'<p class="message sandbox-note"[^>]*>(.*?)</p>', text(client.get(url)), re.S
        )
        return found

    give = note("donations:give_listing", recipient.public_id)
    assert "QRIS, e-wallets and virtual accounts go to a test page standing in for Midtrans" in give
    assert "cards to a test checkout standing in for Stripe" in give
    assert "no card is charged" in give
    card = gift_start(recipient=recipient)
    thanks = note("donations:thanks", card.public_ref)
    assert "card payments here go to a test checkout" in thanks and "QRIS" not in thanks
    qris = midtrans_gift_start("qris", recipient=recipient)
    thanks = note("donations:thanks", qris.public_ref)
    assert "QRIS, e-wallet and virtual-account payments here go to a test page" in thanks
    assert "card" not in thanks


def test_a_listing_that_is_not_published_has_no_giving_page(client, db):
    from tests.factories.portal import RecipientFactory

    candidate = RecipientFactory(publishable=True)
    assert client.get(give_url(candidate)).status_code == 404


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("0", "smallest gift"),
        ("-50.000", "sign"),
        ("5.000", "smallest gift"),
        ("9.999", "smallest gift"),
        ("100.000.001", "largest gift"),
        ("10,000", "comma"),
        ("10.5", "dot separates thousands"),
        ("sepuluh ribu", "digits"),
        ("", "required"),
    ],
)
def test_a_bad_amount_is_refused_clearly_and_no_gateway_is_called(client, recipient, amount, words):
    response = client.post(f"/en{give_url(recipient)}", form_data(amount=amount))
    assert response.status_code == 200
    errors = response.context["form"].errors["amount"]
    assert any(words in error for error in errors), errors
    assert words in text(response)
    assert nothing_created()


@pytest.mark.parametrize("amount", ["Rp 10.000", "Rp10.000", "10.000", "10000", "rp 10.000"])
def test_rp_10_000_is_ten_thousand(client, recipient, amount):
    response = client.post(give_url(recipient), form_data(amount=amount))
    assert response.status_code == 302
    gift = Gift.objects.get()
    assert gift.amount == 10_000
    assert sandbox_session(gift).amount_sen == 1_000_000
    assert response["Location"] == reverse(
        "donations:sandbox_checkout", args=[gift.checkout_session_id]
    )


def test_the_server_decides_the_amount_whatever_else_the_browser_sends(client, recipient):
    client.post(
        give_url(recipient), {**form_data(amount="20.000"), "amount_sen": "1", "price": "1"}
    )
    assert Gift.objects.get().amount == 20_000


def test_a_double_submit_of_the_same_attempt_is_one_gift(client, recipient):
    data = form_data()
    first = client.post(give_url(recipient), data)
    second = client.post(give_url(recipient), data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Gift.objects.count() == 1
    assert SandboxSession.objects.count() == 1


def test_two_attempts_are_two_gifts(client, recipient):
    client.post(give_url(recipient), form_data())
    client.post(give_url(recipient), form_data())
    assert Gift.objects.count() == 2


def test_monthly_by_bank_transfer_is_refused(client, recipient):
    response = client.post(
        f"/en{give_url(recipient)}", form_data(frequency="monthly", method="bank")
    )
    assert response.status_code == 200
    assert "Monthly gifts are by card" in " ".join(response.context["form"].errors["method"])
    assert nothing_created()


def test_a_guest_must_give_an_email_address(client, recipient):
    response = client.post(give_url(recipient), form_data(email=None))
    assert response.status_code == 200
    assert "email" in response.context["form"].errors
    assert nothing_created()


def test_a_shown_name_must_be_written(client, recipient):
    response = client.post(give_url(recipient), form_data(show_name="on", name=""))
    assert "name" in response.context["form"].errors
    assert nothing_created()


def test_a_signed_in_donor_gives_with_their_account_address(client, recipient):
    person = UserFactory()
    client.force_login(person)
    html = text(client.get(give_url(recipient)))
    assert 'name="email"' not in html
    response = client.post(give_url(recipient), form_data(email=None))
    assert response.status_code == 302
    gift = Gift.objects.get()
    assert gift.donor.email == person.email
    assert gift.donor.user == person


def test_monthly_by_card_opens_a_subscription_checkout(client, recipient):
    response = client.post(give_url(recipient), form_data(frequency="monthly", amount="100.000"))
    assert response.status_code == 302
    sponsorship = Sponsorship.objects.get()
    assert sponsorship.amount == 100_000
    session = sandbox_session(sponsorship)
    assert session.mode == "subscription"
    assert session.amount_sen == 10_000_000
    assert not Gift.objects.exists()


def test_the_checkout_description_carries_the_pseudonym_only(client, recipient):
    client.post(give_url(recipient), form_data())
    description = SandboxSession.objects.get().description
    assert recipient.pseudonym in description
    assert recipient.name not in description


# --- The sandbox checkout ---------------------------------------------------------------------


def test_the_sandbox_checkout_is_labelled_and_offers_the_four_outcomes(client, recipient):
    client.post(give_url(recipient), form_data())
    gift = Gift.objects.get()
    html = text(client.get(reverse("donations:sandbox_checkout", args=[gift.checkout_session_id])))
    assert "SANDBOX" in html
    assert "Rp50.000" in html
    for outcome in ("pay", "delayed_success", "delayed_failure", "cancel"):
        assert f'name="outcome" value="{outcome}"' in html


def test_the_sandbox_checkout_is_gone_when_the_sandbox_is_off(client, recipient, settings):
    client.post(give_url(recipient), form_data())
    gift = Gift.objects.get()
    settings.PAYMENTS_SANDBOX = False
    url = reverse("donations:sandbox_checkout", args=[gift.checkout_session_id])
    assert client.get(url).status_code == 404
    assert client.post(url, {"outcome": "pay"}).status_code == 404
    gift.refresh_from_db()
    assert gift.status == Gift.Status.PENDING


@pytest.mark.parametrize(
    ("outcome", "status"),
    [
        ("pay", Gift.Status.PAID),
        ("delayed_success", Gift.Status.PAID),
        ("delayed_failure", Gift.Status.FAILED),
        ("cancel", Gift.Status.PENDING),
    ],
)
def test_each_sandbox_outcome_goes_through_the_webhook(client, recipient, outcome, status):
    client.post(give_url(recipient), form_data())
    gift = Gift.objects.get()
    with on_commit():
        response = client.post(
            reverse("donations:sandbox_checkout", args=[gift.checkout_session_id]),
            {"outcome": outcome},
        )
    assert response.status_code == 302
    gift.refresh_from_db()
    assert gift.status == status
    if outcome == "cancel":
        assert response["Location"].endswith(give_url(recipient))
    else:
        assert response["Location"].endswith(reverse("donations:thanks", args=[gift.public_ref]))


# --- Thank-you page ---------------------------------------------------------------------------


def test_the_thank_you_page_records_nothing(client, recipient):
    client.post(give_url(recipient), form_data())
    gift = Gift.objects.get()
    response = client.get(f"/en{reverse('donations:thanks', args=[gift.public_ref])}")
    assert response.status_code == 200
    html = text(response)
    assert "receipt comes by e-mail once the payment is confirmed" in html
    assert 'data-status="pending"' in html
    gift.refresh_from_db()
    assert gift.status == Gift.Status.PENDING
    assert not Entry.objects.exists()


def test_the_thank_you_page_of_an_unknown_reference_is_404(client, db):
    assert client.get(reverse("donations:thanks", args=[uuid.uuid4()])).status_code == 404


# --- Bank transfer ----------------------------------------------------------------------------


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 100, 50)).save(buffer, "PNG")
    return buffer.getvalue()


def bank_gift(client, recipient) -> Gift:
    response = client.post(give_url(recipient), form_data(method="bank", amount="75.000"))
    gift = Gift.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("donations:transfer", args=[gift.public_ref])
    return gift


def test_a_bank_transfer_shows_the_account_the_exact_amount_and_the_reference(
    client, recipient, settings
):
    gift = bank_gift(client, recipient)
    assert not SandboxSession.objects.exists()  # no card gateway for a transfer
    assert re.fullmatch(r"RK-[2-9A-HJKMNP-Z]{8}", gift.bank_reference)
    html = text(client.get(reverse("donations:transfer", args=[gift.public_ref])))
    assert gift.bank_reference in html
    assert 'id="transfer-reference"' in html
    assert gift.base_amount == 75_000
    assert f"Rp75.{gift.transfer_code:03d}" in html  # the unique code is part of the amount
    assert settings.BANK_TRANSFER_ACCOUNT_NUMBER in html
    assert settings.BANK_TRANSFER_ACCOUNT_NAME in html
    assert 'enctype="multipart/form-data"' in html


def test_a_proof_is_taken_and_the_transfer_waits_for_the_officers(client, recipient):
    from django.core.files.uploadedfile import SimpleUploadedFile

    gift = bank_gift(client, recipient)
    url = reverse("donations:transfer", args=[gift.public_ref])
    upload = SimpleUploadedFile("bukti.png", png_bytes(), content_type="image/png")
    response = client.post(url, {"proof": upload})
    assert response.status_code == 302
    gift.refresh_from_db()
    assert gift.status == Gift.Status.PROOF_SUBMITTED
    assert gift.proof_content_type == "image/jpeg"
    assert not Entry.objects.exists()


@pytest.mark.parametrize(
    ("name", "content"),
    [("bukti.txt", b"not a picture at all"), ("bukti.png", b"\x89PNG\r\n\x1a\nbroken")],
)
def test_a_proof_that_is_not_a_picture_or_pdf_is_refused(client, recipient, name, content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    gift = bank_gift(client, recipient)
    url = f"/en{reverse('donations:transfer', args=[gift.public_ref])}"
    response = client.post(url, {"proof": SimpleUploadedFile(name, content)})
    assert response.status_code == 200
    assert "photo (JPEG, PNG, WebP) or a PDF" in " ".join(response.context["form"].errors["proof"])
    gift.refresh_from_db()
    assert gift.status == Gift.Status.AWAITING_TRANSFER
    assert not gift.proof


def test_a_proof_too_large_is_refused(client, recipient, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.DONATION_PROOF_MAX_BYTES = 1024
    gift = bank_gift(client, recipient)
    url = f"/en{reverse('donations:transfer', args=[gift.public_ref])}"
    response = client.post(url, {"proof": SimpleUploadedFile("b.png", png_bytes() + b"\0" * 2048)})
    assert response.status_code == 200
    assert "larger than" in " ".join(response.context["form"].errors["proof"])
    gift.refresh_from_db()
    assert gift.status == Gift.Status.AWAITING_TRANSFER


def test_one_address_may_send_only_so_many_proofs_an_hour(
    client, recipient, settings, private_root
):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import translation

    settings.DONATION_PROOFS_PER_IP_PER_HOUR = 2
    gift = bank_gift(client, recipient)
    url = f"/en{reverse('donations:transfer', args=[gift.public_ref])}"
    for _ in range(2):
        upload = SimpleUploadedFile("bukti.png", png_bytes(), content_type="image/png")
        assert client.post(url, {"proof": upload}).status_code == 302
    gift.refresh_from_db()
    kept = (gift.proof.name, gift.proof_uploaded_at)
    stored = sorted(p.name for p in private_root.rglob("*") if p.is_file())

    upload = SimpleUploadedFile("bukti.png", png_bytes(), content_type="image/png")
    response = client.post(url, {"proof": upload})
    assert response.status_code == 429
    with translation.override("en"):
        assert response.context["form"].non_field_errors() == [
            "Too many uploads from this connection. Please try again in an hour."
        ]
    gift.refresh_from_db()
    assert (gift.proof.name, gift.proof_uploaded_at) == kept
    assert sorted(p.name for p in private_root.rglob("*") if p.is_file()) == stored
    # Another address is not held back.
    upload = SimpleUploadedFile("bukti.png", png_bytes(), content_type="image/png")
    assert client.post(url, {"proof": upload}, REMOTE_ADDR="10.1.2.3").status_code == 302


# --- Progress on the listing ------------------------------------------------------------------


def figures(client, recipient) -> tuple[int, int]:
    html = text(client.get(reverse("portal:listing_detail", args=[recipient.public_id])))
    raised = int(re.search(r'data-raised="(-?\d+)"', html).group(1))
    sponsors = int(re.search(r'data-sponsors="(\d+)"', html).group(1))
    return raised, sponsors


@pytest.mark.parametrize("cache_seconds", [0, 300])
def test_a_listings_progress_changes_after_a_sandbox_payment(
    client, recipient, settings, cache_seconds
):
    settings.PUBLIC_PAGE_CACHE_SECONDS = cache_seconds
    visitor = client_class_new()
    assert figures(visitor, recipient) == (0, 0)
    client.post(give_url(recipient), form_data(frequency="monthly", amount="100.000"))
    sponsorship = Sponsorship.objects.get()
    with on_commit():
        client.post(
            reverse("donations:sandbox_checkout", args=[sponsorship.checkout_session_id]),
            {"outcome": "pay"},
        )
    assert figures(visitor, recipient) == (100_000, 1)
    client.post(give_url(recipient), form_data(amount="50.000"))
    gift = Gift.objects.get(sponsorship__isnull=True)
    with on_commit():
        client.post(
            reverse("donations:sandbox_checkout", args=[gift.checkout_session_id]),
            {"outcome": "pay"},
        )
    assert figures(visitor, recipient) == (150_000, 1)


def client_class_new():
    """A visitor without cookies (the anonymous page cache serves such visitors)."""
    from django.test import Client

    return Client()


def test_the_listing_cards_show_progress_and_a_giving_button(client, recipient):
    html = text(client.get(reverse("portal:listing_list")))
    assert give_url(recipient) in html
    assert 'data-raised="0"' in html
    html = text(client.get(reverse("portal:home")))
    assert give_url(recipient) in html


def test_the_donation_pages_need_no_inline_script_or_style(client, recipient):
    from donations.services.receipts import donor_token

    client.post(give_url(recipient), form_data())
    gift = Gift.objects.get()
    pages = [
        give_url(recipient),
        reverse("donations:give_fund"),
        reverse("donations:thanks", args=[gift.public_ref]),
        reverse("donations:sandbox_checkout", args=[gift.checkout_session_id]),
        reverse("donations:donor_link", args=[donor_token(gift.donor)]),
        reverse("donations:donor_link", args=["forged"]),
        reverse("donations:transparency"),
    ]
    for url in pages:
        for prefix in ("", "/en"):
            response = client.get(prefix + url)
            assert response.status_code in (200, 404), url
            html = text(response)
            # Scripts only from the portal's own static files, nothing between the tags.
            for attributes, body in re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S):
                assert re.search(r'\bsrc="/static/js/[\w.-]+\.js"', attributes), url
                assert not body.strip(), url
            assert html.count("<script") == len(
                re.findall(r"<script[^>]*>.*?</script>", html, re.S)
            )
            assert "style=" not in html, url
            assert "Content-Security-Policy" in response.headers


def _form_action(response) -> set[str]:
    policy = response["Content-Security-Policy"]
    directive = next(p for p in policy.split(";") if p.strip().startswith("form-action"))
    return set(directive.split()[1:])


def test_only_the_giving_pages_may_post_on_to_stripe_checkout(client, recipient):
    """Chrome checks form-action on the redirect after the form's POST (docs/architecture.md).
    Tests run with Midtrans's sandbox key: its Snap page is the sandbox API's, never both."""
    giving = {"'self'", "https://checkout.stripe.com", "https://app.sandbox.midtrans.com"}
    assert _form_action(client.get(give_url(recipient))) == giving
    assert _form_action(client.get(reverse("donations:give_fund"))) == giving
    assert _form_action(client.get(reverse("portal:listing_list"))) == {"'self'"}


def test_a_bank_transfer_donor_gets_the_instructions_and_the_proof_link_by_e_mail(
    client, recipient
):
    """The donor may close the page before transferring: the account, the exact amount, the
    reference and the link to send the proof come by e-mail, once per gift."""
    from notifications.models import Notification

    data = form_data(method="bank", amount="75.000")
    client.post(give_url(recipient), data)
    client.post(give_url(recipient), data)  # the same attempt again
    gift = Gift.objects.get()
    (note,) = Notification.objects.filter(template="transfer_instructions")
    assert note.context["reference"] == gift.bank_reference
    assert gift.base_amount == 75_000
    assert note.context["amount"] == gift.amount  # with the transfer's unique code
    assert note.context["link"].endswith(reverse("donations:transfer", args=[gift.public_ref]))

"""A donor's personal data: the name frozen on each gift, what the data download holds (gifts
of verified addresses only), what erasure wipes and what it keeps (receipts, for finance
officers only), and a signed-in donor's page gathering every gift of their verified
addresses."""

import importlib
import json

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from accounts.registry import AccountOwner, Subject, personal_data
from accounts.selectors import account_owner
from donations.models import Donor, Gift, MessageStatus, Sponsorship
from donations.selectors.personal_data import donations_export, recipient_donations_export
from donations.services.erasure import donations_erase
from donations.services.receipts import donor_token, receipt_pdf
from tests.donations.test_receipts import pdf_text
from tests.factories import UserFactory, make_official
from tests.factories.donations import active_sponsorship, on_commit, outbox, paid_gift

EMAIL = "sari.dewi@example.org"


def transparency_html(client: Client) -> str:
    return client.get(reverse("donations:transparency")).content.decode()


def owner_of(user) -> AccountOwner:
    return account_owner(user)


# --- The frozen name ---------------------------------------------------------------------------


def test_an_issued_receipt_keeps_its_name_after_a_later_gift_under_another_name(client, recipient):
    first = paid_gift(recipient=recipient, email=EMAIL, name="Sari Dewi", show_name=True)
    later = paid_gift(recipient=recipient, email=EMAIL, name="Bu Wulandari", show_name=True)
    assert later.donor_id == first.donor_id  # the same address is the same donor
    first.refresh_from_db()
    text = pdf_text(receipt_pdf(first))
    assert "Sari Dewi" in text
    assert "Wulandari" not in text
    assert "Bu Wulandari" in pdf_text(receipt_pdf(later))
    html = transparency_html(client)
    # Indonesian by default: "dari <name>".
    assert "Sari Dewi" in html
    assert "Bu Wulandari" in html


def test_a_monthly_gift_is_issued_under_the_name_the_sponsorship_was_made_with(recipient):
    sponsorship = active_sponsorship(recipient=recipient, email=EMAIL, name="Sari Dewi")
    paid_gift(recipient=recipient, email=EMAIL, name="Bu Wulandari")
    (month,) = Gift.objects.filter(sponsorship=sponsorship)
    assert month.donor_name == "Sari Dewi"
    assert "Sari Dewi" in pdf_text(receipt_pdf(month))


def test_the_migration_copies_todays_donor_name_onto_existing_gifts(recipient):
    gift = paid_gift(recipient=recipient, email=EMAIL, name="Sari Dewi")
    sponsorship = active_sponsorship(recipient=recipient, email=EMAIL, name="Sari Dewi")
    Gift.objects.update(donor_name="")
    Sponsorship.objects.update(donor_name="")
    migration = importlib.import_module("donations.migrations.0007_frozen_donor_name")
    migration.copy_donor_names(apps, None)
    gift.refresh_from_db()
    sponsorship.refresh_from_db()
    assert gift.donor_name == "Sari Dewi"
    assert sponsorship.donor_name == "Sari Dewi"


# --- The data download -------------------------------------------------------------------------


def test_donations_registers_its_account_and_recipient_steps():
    (account,) = [e for e in personal_data(Subject.ACCOUNT) if e.app_label == "donations"]
    assert account.export is donations_export and account.erase is donations_erase
    assert "donations.Donor" in account.models and "donations.Gift" in account.models
    assert dict(account.exempt)["donations.Entry"]
    (elderly,) = [e for e in personal_data(Subject.RECIPIENT) if e.app_label == "donations"]
    assert elderly.export is recipient_donations_export and elderly.erase is None


def test_the_export_holds_the_guest_gifts_of_verified_addresses_only(recipient):
    person = UserFactory(email=EMAIL)
    EmailAddress.objects.create(user=person, email="Kedua@Example.org", verified=True)
    EmailAddress.objects.create(user=person, email="belum@example.org", verified=False)
    guest = paid_gift(recipient=recipient, email=EMAIL, name="Sari Dewi", message="Sehat, Mbah")
    second = paid_gift(recipient=recipient, email="kedua@example.org")
    unproven = paid_gift(recipient=recipient, email="belum@example.org")
    from_account = paid_gift(recipient=recipient, user=person)
    sponsorship = active_sponsorship(recipient=recipient, email="kedua@example.org")

    export = donations_export(owner_of(person))
    dumped = json.dumps(export)  # JSON-ready as it is
    receipts = {row["receipt_number"] for row in export["gifts"]}
    assert {guest.receipt_number, second.receipt_number, from_account.receipt_number} <= receipts
    assert unproven.receipt_number not in receipts
    assert "belum@example.org" not in dumped
    assert {row["email"].lower() for row in export["donors"]} == {EMAIL, "kedua@example.org"}
    (row,) = [row for row in export["gifts"] if row["receipt_number"] == guest.receipt_number]
    assert row["name_on_receipt"] == "Sari Dewi"
    assert row["message"] == "Sehat, Mbah"
    assert row["history"][-1]["to"] == "paid"
    assert [row["reference"] for row in export["sponsorships"]] == [str(sponsorship.public_ref)]
    assert recipient.name not in dumped and recipient.nik not in dumped


def test_the_recipient_export_gives_monthly_totals_and_no_donor(recipient):
    paid_gift(recipient=recipient, amount=50_000, email=EMAIL, name="Sari Dewi")
    paid_gift(recipient=recipient, amount=25_000, email="lain@example.org")
    export = recipient_donations_export(recipient)
    (month,) = export["donations_per_month"]
    assert month["given"] == 75_000
    dumped = json.dumps(export)
    assert EMAIL not in dumped and "Sari" not in dumped


# --- Erasure -----------------------------------------------------------------------------------


def every_value_in_donations() -> list[tuple[str, str, str]]:
    """(model, column, value as read) of every row of every donations table: encrypted
    columns read decrypted, so a wiped value is really gone and not just unreadable."""
    found = []
    for model in apps.get_app_config("donations").get_models():
        columns = [field.attname for field in model._meta.concrete_fields]
        for row in model.objects.values_list(*columns):
            for column, value in zip(columns, row, strict=True):
                found.append((model.__name__, column, json.dumps(value, default=str)))
    return found


@pytest.fixture
def erased(db, recipient):
    """A signed-in donor with guest gifts, a message shown, an active sponsorship and a gift
    never paid, erased; and a browser that had opened their signed link before."""
    from donations.services.giving import gift_message_moderate

    person = UserFactory(email=EMAIL)
    gift = paid_gift(
        recipient=recipient, email=EMAIL, name="Sari Dewi", show_name=True, message="Sehat, Mbah"
    )
    officer = make_official(Role.FINANCE_OFFICER)
    gift_message_moderate(gift=gift, actor=officer, approve=True)
    sponsorship = active_sponsorship(recipient=recipient, email=EMAIL, name="Sari Dewi")
    from tests.factories.donations import gift_start

    unpaid = gift_start(recipient=recipient, email=EMAIL, name="Sari Dewi", show_name=True)
    browser = Client()
    token = donor_token(gift.donor)
    assert browser.get(reverse("donations:donor_link", args=[token])).status_code == 200
    receipt_url = reverse("donations:receipt_pdf", args=[gift.public_ref])
    assert browser.get(receipt_url).status_code == 200
    before = Client()
    assert "Sari Dewi" in transparency_html(before)
    with on_commit():
        donations_erase(owner_of(person))
    gift.refresh_from_db()
    return {
        "person": person,
        "gift": gift,
        "sponsorship": sponsorship,
        "unpaid": unpaid,
        "officer": officer,
        "browser": browser,
        "token": token,
        "receipt_url": receipt_url,
    }


def test_erasure_wipes_the_address_and_the_name_everywhere_but_issued_receipts(erased):
    leaks = []
    for model, column, value in every_value_in_donations():
        if "sari" in value.lower() or "sehat, mbah" in value.lower():
            leaks.append((model, column, value))
    # The name stays only on the gifts whose receipts were issued under it.
    receipted = Gift.objects.filter(receipt_number__isnull=False)
    allowed = [("Gift", "donor_name", json.dumps("Sari Dewi"))] * receipted.count()
    assert sorted(leaks) == sorted(allowed), leaks
    (donor,) = Donor.objects.all()
    assert donor.email == "" and donor.name == "" and donor.user_id is None
    assert donor.erased_at is not None and donor.key.startswith("erased:")
    erased["unpaid"].refresh_from_db()
    assert erased["unpaid"].donor_name == ""
    assert erased["gift"].message_status == MessageStatus.NONE


def test_after_erasure_the_public_page_shows_the_gift_as_anonymous(client, erased):
    html = transparency_html(client)
    assert "Sari Dewi" not in html
    assert "Sehat, Mbah" not in html
    assert "dari seseorang yang baik hati" in html


def test_after_erasure_the_receipt_keeps_its_name_and_opens_only_for_finance_officers(erased):
    gift = erased["gift"]
    assert "Sari Dewi" in pdf_text(receipt_pdf(gift))
    browser = erased["browser"]
    # The donor's signed link and the session it opened reach nothing any more.
    assert browser.get(erased["receipt_url"]).status_code == 404
    assert browser.get(reverse("donations:donor_link", args=[erased["token"]])).status_code == 404
    own = Client()
    own.force_login(erased["person"])
    assert own.get(erased["receipt_url"]).status_code == 404
    assert gift.receipt_number not in own.get(reverse("donations:donor_home")).content.decode()
    officer = Client()
    officer.force_login(erased["officer"])
    finance_url = reverse("donations:fin_gift_receipt", args=[gift.public_ref])
    detail = officer.get(reverse("donations:fin_gift", args=[gift.public_ref])).content.decode()
    assert finance_url in detail
    response = officer.get(finance_url)
    assert response.status_code == 200
    assert "Sari Dewi" in pdf_text(response.content)
    administrator = Client()
    administrator.force_login(make_official(Role.ADMINISTRATOR))
    assert administrator.get(finance_url).status_code == 403


def test_erasure_stops_the_monthly_sponsorship_at_the_gateway(erased):
    sponsorship = erased["sponsorship"]
    sponsorship.refresh_from_db()
    assert sponsorship.status == Sponsorship.Status.ENDED
    assert sponsorship.donor_name == "" and not sponsorship.updates
    assert not list(outbox("sponsorship_ended"))  # no address is left to tell


def test_a_later_gift_from_an_erased_address_makes_a_new_donor(erased, recipient):
    gift = paid_gift(recipient=recipient, email=EMAIL, name="Sari")
    assert gift.donor_id != erased["gift"].donor_id
    assert Donor.objects.count() == 2


# --- The signed-in donor's page ----------------------------------------------------------------


def test_my_gifts_shows_the_guest_gifts_of_my_verified_addresses_after_sign_in(
    client, recipient, time_machine
):
    # The cancel link's signed token carries a timestamp in seconds: the clock stands still so
    # the page's token and the one built here are the same under load.
    time_machine.move_to(timezone.now(), tick=False)
    guest = paid_gift(recipient=recipient, email="Tamu@Example.org")
    sponsorship = active_sponsorship(recipient=recipient, email="tamu@example.org")
    unproven = paid_gift(recipient=recipient, email="belum@example.org")
    person = UserFactory(email="tamu@example.org")
    EmailAddress.objects.create(user=person, email="belum@example.org", verified=False)
    client.force_login(person)
    html = client.get(reverse("donations:donor_home")).content.decode()
    assert guest.receipt_number in html
    assert unproven.receipt_number not in html
    # Stopped through the link of the donor record it belongs to.
    cancel = reverse(
        "donations:sponsorship_cancel",
        args=[donor_token(sponsorship.donor), sponsorship.public_ref],
    )
    assert cancel in html
    assert client.get(reverse("donations:receipt_pdf", args=[guest.public_ref])).status_code == 200
    assert (
        client.get(reverse("donations:receipt_pdf", args=[unproven.public_ref])).status_code == 404
    )


def test_the_account_menu_links_to_my_gifts(client, db):
    url = reverse("donations:donor_home")
    assert f'href="{url}"' not in client.get(reverse("portal:home")).content.decode()
    client.force_login(UserFactory())
    html = client.get(reverse("portal:home")).content.decode()
    assert f'href="{url}">Donasi saya<' in html
    english = client.get("/en" + reverse("portal:home")).content.decode()
    assert f'href="/en{url}">My gifts<' in english


def test_erasure_is_refused_while_the_gateway_cannot_stop_a_sponsorship(recipient, monkeypatch):
    from django.core.exceptions import ValidationError

    from donations.gateways import GatewayError
    from donations.gateways.sandbox import SandboxGateway

    person = UserFactory(email=EMAIL)
    sponsorship = active_sponsorship(recipient=recipient, email=EMAIL, name="Sari Dewi")

    def unreachable(self, subscription_id: str) -> None:
        raise GatewayError("down")

    monkeypatch.setattr(SandboxGateway, "subscription_cancel", unreachable)
    with pytest.raises(ValidationError):
        donations_erase(owner_of(person))
    donor = Donor.objects.get(pk=sponsorship.donor_id)
    assert donor.erased_at is None and donor.email == EMAIL

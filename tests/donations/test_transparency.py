"""The public transparency page adds up to a hand-computed set of gifts, fees, costs, refunds
and disbursements, and shows no one's personal data."""

import datetime
import io
import re

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from donations.models import Gift, MessageStatus
from donations.selectors.transparency import transparency_report
from donations.services.funds import (
    LineInput,
    disbursement_decide,
    disbursement_record,
    operating_cost_record,
    refund_request,
)
from portal.models import Status
from tests.factories import GENTENG, MUNCAR, UserFactory
from tests.factories.donations import bank_gift_confirmed, gift_start, on_commit, sandbox_pay
from tests.factories.portal import RecipientFactory

# Mid-month in WIB, so that every posting of the fixture falls in one month.
NOW = datetime.datetime(2026, 11, 16, 3, 0, tzinfo=datetime.UTC)  # 10:00 WIB


def png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), (10, 120, 10)).save(buffer, "PNG")
    return SimpleUploadedFile("bukti.png", buffer.getvalue(), content_type="image/png")


def card_gift(*, amount, recipient=None, email, name="", show_name=False, message="") -> Gift:
    gift = gift_start(amount=amount, recipient=recipient, email=email, name=name, message=message)
    if show_name:
        Gift.objects.filter(pk=gift.pk).update(show_name=True)
    return sandbox_pay(gift)


@pytest.fixture
def books(db, officers, warung, period):
    """The fixture, with its figures computed by hand below.

    Sandbox fee: ceil(2.9 % of the amount) + Rp2.000.
      g1 Genteng  card 100.000  fee 4.900  named "Ibu Ratna", message approved; 20.000 refunded
      g2 Muncar   card  50.000  fee 3.450  anonymous, message still pending
      g3 fund     card 200.000  fee 7.800  gave a name but did not choose to show it
      g4 Muncar   bank  60.000  no fee
    Operating cost 5.000 (general fund). Disbursement to a Genteng warung: 72.000 for the
    Genteng person from their pot, 24.000 for the Muncar person from the general fund.
    """
    with time_machine.travel(NOW, tick=True):
        genteng = RecipientFactory(
            publishable=True, status=Status.PUBLISHED, kecamatan_code=GENTENG
        )
        muncar = RecipientFactory(publishable=True, status=Status.PUBLISHED, kecamatan_code=MUNCAR)
        g1 = card_gift(
            amount=100_000,
            recipient=genteng,
            email="ratna@example.org",
            name="Ibu Ratna",
            show_name=True,
            message="Semoga sehat selalu, Mbah",
        )
        Gift.objects.filter(pk=g1.pk).update(message_status=MessageStatus.APPROVED)
        card_gift(
            amount=50_000, recipient=muncar, email="anon@example.org", message="Pesan belum dicek"
        )
        card_gift(amount=200_000, email="hidden@example.org", name="Pak Tersembunyi")
        bank_gift_confirmed(
            amount=60_000, recipient=muncar, officers=officers, email="bank@example.org"
        )
        with on_commit():
            refund_request(gift=g1, actor=officers[0], amount=20_000, reason="salah nominal")
        today = datetime.date(2026, 11, 16)
        operating_cost_record(
            actor=officers[0],
            period=period,
            description="Biaya administrasi bank",
            amount=5_000,
            incurred_on=today,
        )
        disbursement = disbursement_record(
            actor=officers[0],
            warung=warung,
            reference="TRF-001",
            paid_on=today,
            proof=png(),
            proof_summary="Bukti transfer Bank Jatim 16-11-2026, 2 orang, 40 porsi",
            lines=[
                LineInput(
                    genteng.pk, datetime.date(2026, 11, 1), datetime.date(2026, 11, 15), 30, 72_000
                ),
                LineInput(
                    muncar.pk,
                    datetime.date(2026, 11, 1),
                    datetime.date(2026, 11, 5),
                    10,
                    24_000,
                    from_general=True,
                ),
            ],
        )
        disbursement_decide(disbursement=disbursement, actor=officers[1], approve=True)
    return {"genteng": genteng, "muncar": muncar, "warung": warung, "period": period}


def test_the_figures_equal_the_hand_computed_books(books):
    report = transparency_report()
    t = report.totals
    assert t.received == 410_000
    assert t.refunded == 20_000
    assert t.disputed == 0
    assert t.fees == 4_900 + 3_450 + 7_800
    assert t.costs == 5_000
    assert t.disbursed == 96_000
    assert t.held == 410_000 - 20_000 - 16_150 - 5_000 - 96_000
    assert t.share_percent == round(100 * 21_150 / 390_000, 1) == 5.4

    (period,) = report.periods
    assert (period.received, period.fees, period.costs) == (390_000, 16_150, 5_000)
    assert period.cap == 39_000
    assert not period.over_cap

    rows = {row.name: (row.given, row.disbursed) for row in report.kecamatan}
    assert rows == {"Genteng": (100_000, 72_000), "Muncar": (110_000, 24_000)}
    assert report.general_given == 200_000

    (month,) = report.months
    assert month.month == datetime.date(2026, 11, 1)
    assert (month.received, month.refunded, month.operating, month.disbursed) == (
        410_000,
        20_000,
        21_150,
        96_000,
    )

    (paid,) = report.disbursements
    assert paid.total == 96_000
    assert paid.people == 2
    assert paid.warung == books["warung"].name
    assert paid.kecamatan == "Genteng"
    assert (paid.period_start, paid.period_end) == (
        datetime.date(2026, 11, 1),
        datetime.date(2026, 11, 15),
    )
    assert paid.proof_summary.startswith("Bukti transfer")

    assert len(report.recent) == 4
    named = [gift for gift in report.recent if gift.donor_name]
    assert [gift.donor_name for gift in named] == ["Ibu Ratna"]
    assert [gift.message for gift in report.recent if gift.message] == ["Semoga sehat selalu, Mbah"]


def test_the_page_shows_the_figures(client, books):
    html = client.get(f"/en{reverse('donations:transparency')}").content.decode()
    for figure, value in {
        "received": "Rp410.000",
        "refunded": "Rp20.000",
        "disbursed": "Rp96.000",
        "fees": "Rp16.150",
        "costs": "Rp5.000",
        "share": "5.4%",
        "held": "Rp272.850",
    }.items():
        assert f'data-figure="{figure}">{value}<' in html, figure
    assert '<tr><th scope="row">Genteng</th><td>Rp100.000</td><td>Rp72.000</td></tr>' in html
    assert '<tr><th scope="row">Muncar</th><td>Rp110.000</td><td>Rp24.000</td></tr>' in html
    assert books["warung"].name in html
    assert "Bukti transfer Bank Jatim 16-11-2026, 2 orang, 40 porsi" in html
    assert "from Ibu Ratna" in html
    assert "Semoga sehat selalu, Mbah" in html
    assert books["genteng"].pseudonym in html
    assert "within the cap" in html
    assert "November 2026" in html


def test_the_page_shows_no_personal_data(client, books):
    html = client.get(reverse("donations:transparency")).content.decode()
    html += client.get(f"/en{reverse('donations:transparency')}").content.decode()
    for person in (books["genteng"], books["muncar"]):
        for secret in (person.name, person.nik, person.address, person.family_phone, person.rt):
            assert secret not in html, secret
        assert str(person.birth_date.year) not in re.sub(r"\b2026\b", "", html)
    warung = books["warung"]
    assert warung.owner_name not in html
    assert warung.address not in html
    for secret in ("Pak Tersembunyi", "Pesan belum dicek", "@example.org", "TRF-001"):
        assert secret not in html, secret


def test_a_person_no_longer_listed_is_not_named(client, books):
    from donations.models import Gift as GiftModel

    muncar = books["muncar"]
    muncar.status = Status.WITHDRAWN
    muncar.save(update_fields=["status"])
    report = transparency_report()
    pseudonyms = {gift.pseudonym for gift in report.recent}
    assert muncar.pseudonym not in pseudonyms
    assert GiftModel.objects.filter(recipient=muncar).count() == 2
    assert muncar.pseudonym not in client.get(reverse("donations:transparency")).content.decode()


def test_the_page_works_with_nothing_recorded(client, db):
    response = client.get(reverse("donations:transparency"))
    assert response.status_code == 200
    assert 'data-figure="received">Rp0<' in response.content.decode()


def test_the_footer_links_to_the_transparency_page(client, db):
    assert reverse("donations:transparency") in client.get("/").content.decode()


def test_the_cached_page_changes_with_every_posting(client, settings, officers, period):
    """The page is in the anonymous page cache: any ledger posting (here an operating cost,
    which touches no listing) must show at once."""
    settings.PUBLIC_PAGE_CACHE_SECONDS = 300
    first, _second = officers
    bank_gift_confirmed(amount=200_000, officers=officers)
    url = f"/en{reverse('donations:transparency')}"
    assert 'data-figure="costs">Rp0<' in client.get(url).content.decode()
    assert 'data-figure="costs">Rp0<' in client.get(url).content.decode()  # from the cache

    with on_commit():
        operating_cost_record(
            actor=first,
            period=period,
            description="Cetak brosur",
            amount=5_000,
            incurred_on=period.starts_on,
        )
    assert 'data-figure="costs">Rp5.000<' in client.get(url).content.decode()


def test_a_message_approved_on_a_gift_to_the_fund_shows_on_the_cached_page(
    client, settings, officers
):
    """Moderation moves no money: it raises the public pages' version itself, whether the
    gift was for a person or for the fund."""
    from donations.services.giving import gift_message_moderate

    settings.PUBLIC_PAGE_CACHE_SECONDS = 300
    gift = card_gift(amount=50_000, email="f@example.org", message="Sehat selalu, para lansia")
    url = reverse("donations:transparency")
    assert "Sehat selalu, para lansia" not in client.get(url).content.decode()
    gift_message_moderate(gift=gift, actor=officers[0], approve=True)
    assert "Sehat selalu, para lansia" in client.get(url).content.decode()


def test_an_erased_donor_leaves_the_cached_pages_at_once(client, settings, officers):
    """UU PDP's erasure: the name and message a donor chose to show leave every cached public
    page (the accounts, the person's page and its fragments) the moment they are erased, not
    when the cache expires."""
    from donations.models import Donor
    from donations.services.erasure import donor_erase
    from donations.services.giving import gift_message_moderate

    settings.PUBLIC_PAGE_CACHE_SECONDS = 300
    person = RecipientFactory(publishable=True, status=Status.PUBLISHED, kecamatan_code=GENTENG)
    gift = card_gift(
        amount=50_000,
        recipient=person,
        email="ratna@example.org",
        name="Ibu Ratna Terhapus",
        show_name=True,
        message="Salam hangat dari Ratna",
    )
    gift_message_moderate(gift=gift, actor=officers[0], approve=True)
    pages = [reverse("donations:transparency"), f"/lansia/{person.public_id}/"]
    signed_in = Client()
    signed_in.force_login(UserFactory())  # served the person's page from its fragments
    for url in pages:
        for visitor in (client, client, signed_in):
            assert "Ibu Ratna Terhapus" in visitor.get(url).content.decode(), url
    donor_erase(donor=Donor.objects.get(pk=gift.donor_id))
    for url in pages:
        for visitor in (client, signed_in):
            page = visitor.get(url).content.decode()
            assert "Ibu Ratna Terhapus" not in page and "Salam hangat" not in page, url

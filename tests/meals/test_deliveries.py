"""The warung's signed link, the courier's marks, the alerts they raise, and the
disbursement lines computed from them."""

import datetime

import pytest
import time_machine
from django.core import signing

from accounts.models import AuditEvent, Role
from meals.models import Delivery
from meals.selectors.deliveries import delivered_portions, disbursement_lines_from_deliveries
from meals.services.deliveries import LINK_SALT, delivery_link_token, delivery_mark
from notifications.models import Notification
from tests.factories import GENTENG, MUNCAR, make_official
from tests.factories.meals import plan_for, warung_in
from tests.factories.portal import RecipientFactory

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today()
DAY = datetime.timedelta(days=1)


def listed(code=GENTENG):
    return RecipientFactory(kecamatan_code=code, publishable=True, status="published")


@pytest.fixture
def reviewer():
    return make_official(Role.REVIEWER, kecamatan=(GENTENG,))


@pytest.fixture
def warung():
    return warung_in(GENTENG)


@pytest.fixture
def plan(warung, reviewer):
    return plan_for(listed(), warung, actor=reviewer, starts_on=TODAY - 5 * DAY)


def link(warung, day):
    return f"/antar/{delivery_link_token(warung=warung, day=day)}/"


def test_one_mark_per_plan_per_day_a_repeat_updates(plan):
    delivery_mark(plan=plan, day=TODAY, mark="not_home")
    delivery_mark(plan=plan, day=TODAY, mark="delivered")
    (only,) = Delivery.objects.filter(plan=plan)
    assert only.mark == "delivered" and only.portions == 2


def test_the_database_refuses_a_second_row_for_the_same_day(plan):
    from django.db import IntegrityError, transaction

    Delivery.objects.create(plan=plan, day=TODAY, mark="delivered", portions=2)
    with pytest.raises(IntegrityError), transaction.atomic():
        Delivery.objects.create(plan=plan, day=TODAY, mark="refused", portions=2)


def test_absence_alerts_on_the_second_in_a_row_not_the_first(plan, reviewer):
    delivery_mark(plan=plan, day=TODAY - 2 * DAY, mark="not_home")
    assert not Notification.objects.filter(template="delivery_alert").exists()
    delivery_mark(plan=plan, day=TODAY - DAY, mark="delivered")
    delivery_mark(plan=plan, day=TODAY, mark="not_home")
    assert not Notification.objects.filter(template="delivery_alert").exists()  # not in a row
    delivery_mark(plan=plan, day=TODAY + DAY, mark="not_home")
    (alert,) = Notification.objects.filter(template="delivery_alert")
    assert alert.user == reviewer and alert.context["reason"] == "not_home"
    # A third absence in the same run, or the same mark again, does not alert again.
    delivery_mark(plan=plan, day=TODAY + 2 * DAY, mark="not_home")
    delivery_mark(plan=plan, day=TODAY + 2 * DAY, mark="not_home")
    assert Notification.objects.filter(template="delivery_alert").count() == 1


def test_a_welfare_concern_alerts_once_without_its_words(plan, reviewer):
    delivery_mark(plan=plan, day=TODAY, mark="delivered", concern="Batuk darah, lemas")
    delivery_mark(plan=plan, day=TODAY, mark="delivered", concern="Batuk darah, lemas sekali")
    (alert,) = Notification.objects.filter(template="delivery_alert")
    assert alert.context["reason"] == "concern"
    assert "Batuk" not in str(alert.context)
    assert Delivery.objects.get().concern == "Batuk darah, lemas sekali"


def test_a_bad_mark_or_a_long_note_is_refused(plan):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        delivery_mark(plan=plan, day=TODAY, mark="eaten")
    with pytest.raises(ValidationError):
        delivery_mark(plan=plan, day=TODAY, mark="delivered", concern="x" * 501)
    assert not Delivery.objects.exists()


def test_the_link_shows_the_pseudonym_and_address_only_and_is_logged(client, plan, warung):
    person = plan.recipient
    response = client.get(link(warung, TODAY))
    assert response.status_code == 200
    page = response.content.decode()
    assert person.pseudonym in page and person.address in page
    for secret in (person.name, person.nik, person.family_phone):
        assert secret not in page
    assert response["Referrer-Policy"] == "no-referrer"
    assert "no-store" in response["Cache-Control"]
    event = AuditEvent.objects.get(action="pii.view", target=f"meals.warung:{warung.pk}")
    assert event.details["day"] == TODAY.isoformat() and event.actor_label == "courier:link"


def test_the_courier_marks_through_the_link(client, plan, warung):
    url = link(warung, TODAY)
    response = client.post(f"{url}tandai/{plan.pk}/", {"mark": "refused"})
    assert response.status_code == 302
    assert Delivery.objects.get(plan=plan, day=TODAY).mark == "refused"
    assert client.post(f"{url}tandai/{plan.pk}/", {"mark": "nonsense"}).status_code == 302
    assert Delivery.objects.get(plan=plan, day=TODAY).mark == "refused"


def test_the_link_is_valid_that_day_and_the_next_only(client, plan, warung):
    assert client.get(link(warung, TODAY - DAY)).status_code == 200
    assert client.get(link(warung, TODAY - 2 * DAY)).status_code == 404  # expired
    assert client.get(link(warung, TODAY + DAY)).status_code == 404  # not yet


def test_a_link_opens_nothing_else(client, plan, warung, reviewer):
    other_warung = warung_in(MUNCAR, name="Warung Lain")
    other_plan = plan_for(listed(MUNCAR), other_warung, actor=make_official(Role.LEAD_REVIEWER))
    url = link(warung, TODAY)
    # Another warung's plan through this warung's link.
    assert client.post(f"{url}tandai/{other_plan.pk}/", {"mark": "delivered"}).status_code == 404
    assert not Delivery.objects.filter(plan=other_plan).exists()
    # The other warung's list does not show this warung's people.
    page = client.get(link(other_warung, TODAY)).content.decode()
    assert plan.recipient.pseudonym not in page
    # Forged: another warung id or day with the old signature, another salt, garbage.
    token = delivery_link_token(warung=warung, day=TODAY)
    payload, rest = token.split(":", 1)
    forged = signing.dumps({"w": other_warung.pk, "d": TODAY.isoformat()}, salt="something-else")
    for bad in (f"x{payload}:{rest}", forged, "garbage", token[:-2] + "aa"):
        assert client.get(f"/antar/{bad}/").status_code == 404
    # Past the signature's age, even with a fitting day (a replayed old link).
    with time_machine.travel(datetime.datetime.now() + datetime.timedelta(days=4)):
        assert client.get(url).status_code == 404
    # A plan not active that day (paused) is not on the list and cannot be marked.
    from meals.services.plans import meal_plan_transition

    meal_plan_transition(plan=plan, actor=reviewer, to_status="paused", reason="travelling")
    assert client.post(f"{url}tandai/{plan.pk}/", {"mark": "delivered"}).status_code == 404


def test_a_valid_signature_for_another_purpose_opens_nothing(client, warung):
    other = signing.dumps({"w": warung.pk, "d": TODAY.isoformat()}, salt="volunteers.guardian")
    assert client.get(f"/antar/{other}/").status_code == 404
    ours = signing.dumps({"w": warung.pk, "d": TODAY.isoformat()}, salt=LINK_SALT)
    assert client.get(f"/antar/{ours}/").status_code == 200


def test_the_printable_list(client, plan, warung):
    response = client.get(f"{link(warung, TODAY)}cetak/")
    assert response.status_code == 200
    assert plan.recipient.pseudonym in response.content.decode()


def test_disbursement_lines_are_portions_confirmed_times_cost(plan, warung, settings):
    settings.PORTION_COST_RUPIAH = 12_000
    for offset, mark in ((5, "delivered"), (4, "not_home"), (3, "delivered"), (2, "refused")):
        delivery_mark(plan=plan, day=TODAY - offset * DAY, mark=mark)
    (line,) = disbursement_lines_from_deliveries(warung=warung, start=TODAY - 10 * DAY, end=TODAY)
    assert (line.portions, line.amount) == (4, 48_000)
    assert (line.period_start, line.period_end) == (TODAY - 5 * DAY, TODAY - 3 * DAY)
    assert line.public_id == plan.recipient.public_id
    assert delivered_portions(
        warung_id=warung.pk,
        lines=[
            (1, plan.recipient_id, TODAY - 4 * DAY, TODAY),
            (2, plan.recipient_id, TODAY, TODAY),
        ],
    ) == {1: 2, 2: 0}


def test_the_finance_form_is_filled_from_deliveries(client, plan, warung):
    delivery_mark(plan=plan, day=TODAY - DAY, mark="delivered")
    client.force_login(make_official(Role.FINANCE_OFFICER))
    response = client.get(
        "/petugas/keuangan/penyaluran/baru/",
        {
            "fill-warung": warung.pk,
            "fill-start": (TODAY - 3 * DAY).isoformat(),
            "fill-end": TODAY.isoformat(),
        },
    )
    assert response.status_code == 200
    formset = response.context["formset"]
    assert formset.initial == [
        {
            "person": plan.recipient.public_id,
            "period_start": TODAY - DAY,
            "period_end": TODAY - DAY,
            "portions": 2,
            "amount": 24_000,
        }
    ]


def test_a_disbursement_line_shows_the_portions_confirmed_delivered(client, plan, warung):
    import uuid

    from django.core.files.base import ContentFile

    from accounts.storage import private_storage
    from donations.models import Disbursement, DisbursementLine

    delivery_mark(plan=plan, day=TODAY - 2 * DAY, mark="delivered")
    delivery_mark(plan=plan, day=TODAY - DAY, mark="not_home")
    disbursement = Disbursement.objects.create(
        warung=warung,
        reference="TRF-1",
        proof=private_storage().save("donations/proofs/x", ContentFile(b"\xff\xd8\xff")),
        proof_summary="Transfer",
        paid_on=TODAY,
        recorded_by_ref=uuid.uuid4(),
    )
    DisbursementLine.objects.create(
        disbursement=disbursement,
        recipient=plan.recipient,
        period_start=TODAY - 3 * DAY,
        period_end=TODAY,
        portions=6,
        amount=72_000,
    )
    client.force_login(make_official(Role.FINANCE_OFFICER))
    response = client.get(f"/petugas/keuangan/penyaluran/{disbursement.pk}/")
    (row,) = response.context["lines"]
    assert (row.line.portions, row.delivered) == (6, 2)


def test_an_officials_print_list_shows_only_the_people_of_their_scope(client, plan, warung):
    """A Genteng warung may cook for a Muncar person: the Genteng reviewer's printable list
    leaves that person (and their address) out, as the warung's page does."""
    from django.urls import reverse

    reviewer = make_official(Role.REVIEWER, kecamatan=(GENTENG,))
    neighbour = plan_for(listed(MUNCAR), warung, actor=make_official(Role.LEAD_REVIEWER))
    client.force_login(reviewer)
    response = client.get(reverse("meals:warung_print", args=[warung.pk, TODAY.isoformat()]))
    assert response.status_code == 200
    page = response.content.decode()
    assert plan.recipient.pseudonym in page and plan.recipient.address in page
    assert neighbour.recipient.pseudonym not in page
    assert neighbour.recipient.address not in page
    assert [row.plan_id for row in response.context["rows"]] == [plan.pk]
    # The link itself still carries the whole day: the courier feeds both.
    courier = client.get(link(warung, TODAY)).content.decode()
    assert neighbour.recipient.address in courier


def test_the_signed_links_only_for_an_official_whose_scope_covers_the_whole_list(
    client, plan, warung
):
    from django.urls import reverse
    from django.utils import translation

    from core.time import today_wib

    url = reverse("meals:warung", args=[warung.pk])
    reviewer = make_official(Role.REVIEWER, kecamatan=(GENTENG,))
    client.force_login(reviewer)
    with translation.override("en"):
        assert "/antar/" in client.get(url).content.decode()
        plan_for(listed(MUNCAR), warung, actor=make_official(Role.LEAD_REVIEWER))
        page = client.get(url).content.decode()
        assert "/antar/" not in page
        assert "a lead reviewer hands this warung its link" in page
        # The printable list of their own people stays.
        today = today_wib().isoformat()
        assert reverse("meals:warung_print", args=[warung.pk, today]) in page
        client.force_login(make_official(Role.LEAD_REVIEWER))
        page = client.get(url).content.decode()
        assert "/antar/" in page and "a lead reviewer hands" not in page

"""The monthly update to sponsors: one per active sponsorship of a listed person and month,
with last month's figures, and nothing personal."""

import datetime

import time_machine
from django.core import mail

from donations.models import Sponsorship
from donations.services.updates import sponsor_updates_send
from notifications.models import Notification
from portal.models import Status
from tests.conftest import deliver_notifications
from tests.factories import UserFactory
from tests.factories.donations import active_sponsorship, outbox, paid_gift
from tests.factories.portal import RecipientFactory

OCTOBER = datetime.datetime(2026, 10, 20, 3, 0, tzinfo=datetime.UTC)
FIRST_OF_NOVEMBER = datetime.date(2026, 11, 1)


def test_one_update_per_active_sponsorship_even_when_run_twice(recipient):
    with time_machine.travel(OCTOBER, tick=True):
        first = active_sponsorship(recipient=recipient, amount=100_000, email="a@example.org")
        second = active_sponsorship(recipient=recipient, amount=200_000, email="b@example.org")
        paid_gift(recipient=recipient, amount=50_000, email="c@example.org")
    assert sponsor_updates_send(today=FIRST_OF_NOVEMBER) == 2
    assert sponsor_updates_send(today=FIRST_OF_NOVEMBER) == 0
    notes = outbox("sponsor_update")
    assert {note.to_address for note in notes} == {"a@example.org", "b@example.org"}
    for note in notes:
        assert note.context["pseudonym"] == recipient.pseudonym
        assert note.context["raised"] == 350_000  # October, the month that just ended
        assert note.context["need"] == 720_000
        assert note.context["sponsors"] == 2
        assert note.context["reached"] is False
        assert note.context["funded"] is False
        assert note.context["public_id"] == recipient.public_id
    assert {n.dedup_key for n in notes} == {
        f"sponsor-update:{first.pk}:2026-11",
        f"sponsor-update:{second.pk}:2026-11",
    }
    # Next month, a new update.
    assert sponsor_updates_send(today=datetime.date(2026, 12, 1)) == 2
    assert outbox("sponsor_update").count() == 4


def test_ended_sponsorships_and_unlisted_people_get_no_update(recipient):
    ended = active_sponsorship(recipient=recipient, email="ended@example.org")
    Sponsorship.objects.filter(pk=ended.pk).update(status=Sponsorship.Status.ENDED)
    withdrawn = RecipientFactory(publishable=True, status=Status.PUBLISHED)
    active_sponsorship(recipient=withdrawn, email="w@example.org")
    withdrawn.status = Status.WITHDRAWN
    withdrawn.save(update_fields=["status"])
    active_sponsorship(email="fund@example.org")  # the fund: no person to report on
    assert sponsor_updates_send(today=FIRST_OF_NOVEMBER) == 0
    assert not outbox("sponsor_update").exists()


def test_a_reached_person_is_reported_as_reached(recipient):
    active_sponsorship(recipient=recipient)
    recipient.status = Status.REACHED
    recipient.save(update_fields=["status"])
    assert sponsor_updates_send(today=FIRST_OF_NOVEMBER) == 1
    (note,) = outbox("sponsor_update")
    assert note.context["reached"] is True
    assert note.context["public_id"] == ""  # no longer on the public site


def test_the_update_mail_carries_the_figures_and_nothing_personal(recipient):
    with time_machine.travel(OCTOBER, tick=True):
        active_sponsorship(recipient=recipient, amount=720_000, language="en")
    sponsor_updates_send(today=FIRST_OF_NOVEMBER)
    assert deliver_notifications() == ["sent"]
    (message,) = [m for m in mail.outbox if recipient.pseudonym in m.subject]
    body = message.body
    assert "October 2026" in body
    assert "Rp720.000" in body
    assert "fully covered" in body
    assert f"/en/lansia/{recipient.public_id}/" in body
    assert "/en/donasi/saya/" in body
    for secret in (recipient.name, recipient.nik, recipient.address, recipient.family_phone):
        assert secret not in body
        assert secret not in message.alternatives[0][0]


def test_a_donor_with_an_account_can_refuse_the_updates(recipient):
    person = UserFactory()
    active_sponsorship(recipient=recipient, user=person)
    sponsor_updates_send(today=FIRST_OF_NOVEMBER)
    note = Notification.objects.get(template="sponsor_update")
    assert note.user == person
    assert not note.mandatory
    assert deliver_notifications() == ["sent"]
    message = next(m for m in mail.outbox if "List-Unsubscribe" in m.extra_headers)
    assert message.to == [person.email]


def test_the_beat_task_calls_the_service(recipient):
    from donations.tasks import sponsor_updates_task

    active_sponsorship(recipient=recipient)
    assert sponsor_updates_task.apply().get() == 1
    assert sponsor_updates_task.apply().get() == 0


def test_a_guest_sponsor_stops_the_updates_from_their_page_and_receipts_still_come(
    client, recipient
):
    """A guest has no account preferences: the link in every update opens their page, where
    the monthly update is turned off (and on again); a forged link changes nothing."""
    from django.urls import reverse

    from donations.services.receipts import donor_token

    sponsorship = active_sponsorship(recipient=recipient, email="guest@example.org")
    token = donor_token(sponsorship.donor)
    url = reverse("donations:sponsorship_updates", args=[token, sponsorship.public_ref])

    forged = reverse("donations:sponsorship_updates", args=[token + "x", sponsorship.public_ref])
    assert client.post(forged, {"updates": "off"}).status_code == 404
    assert client.post(url, {"updates": "off"}).status_code == 302
    sponsorship.refresh_from_db()
    assert sponsorship.updates is False
    assert sponsor_updates_send(today=FIRST_OF_NOVEMBER) == 0
    assert sponsorship.status == Sponsorship.Status.ACTIVE  # only the e-mail stops

    client.post(url, {"updates": "on"})
    assert sponsor_updates_send(today=FIRST_OF_NOVEMBER) == 1

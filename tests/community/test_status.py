"""A reporter follows their report: the last page and every message carry the report's number
and a signed link to its status page, which tells the steps with their dates and never a detail
of the person reported (nor what the reporter wrote about them)."""

import datetime
import re
from html import unescape

import pytest
import time_machine
from django.core import signing
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from accounts.models import Role
from community.models import Concern, Referral
from community.services.concerns import concern_answer
from community.services.referrals import referral_close
from community.services.status import STATUS_SALT, status_token
from community.views.public import code_token
from portal.models import Status
from portal.services.lifecycle import recipient_transition
from portal.services.review import recipient_profile_update
from tests.community.test_concerns import published, verified_concern
from tests.community.test_referrals import SITI, accepted, verify
from tests.factories import GENTENG, make_official
from tests.factories.community import (
    HAMLET,
    LANDMARK,
    PHONE_E164,
    SITUATION,
    confirm,
    rendered,
    sent_to,
)

pytestmark = pytest.mark.django_db


def status_path(report, view: str = "community:report_status") -> str:
    """The Indonesian (unprefixed) address, whatever language the last request left active."""
    token = report if isinstance(report, str) else status_token(report)
    with translation.override("id"):
        return reverse(view, args=[token])


def page_text(response) -> str:
    return unescape(response.content.decode())


def steps_of(response) -> list[tuple[str, str]]:
    """(step, state) of the status page, in order."""
    return re.findall(r'data-step="(\w+)" data-state="(\w+)"', response.content.decode())


# --- The number and the link ---------------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_the_last_page_shows_the_reports_number_and_a_link_that_opens_its_status(client, prefix):
    referral = accepted(client)
    response = client.get(prefix + status_path(referral, "community:report_received"))
    assert response.status_code == 200
    page = page_text(response)
    assert f'id="report-reference">{referral.reference}<' in page
    link = re.search(r'id="report-status-link" href="https?://[^/"]+(/[^"]+)"', page).group(1)
    assert link.startswith(f"{prefix}/laporkan/status/")
    opened = client.get(link)
    assert opened.status_code == 200
    assert f"{referral.reference}" in page_text(opened)
    assert opened.context["status"].reference == referral.reference


def test_the_code_page_of_an_accepted_report_leads_to_its_last_page(client):
    referral = accepted(client)
    response = client.get(reverse("community:report_code", args=[code_token(referral)]))
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "community:report_received", args=[status_token(referral)]
    )


def test_the_confirmation_message_carries_the_number_and_a_working_link(client):
    referral = accepted(client)
    (received,) = sent_to(PHONE_E164, "referral_update")
    assert received.context["reference"] == referral.reference
    url = received.context["status_url"]
    path = re.sub(r"^https?://[^/]+", "", url)
    assert path.startswith("/laporkan/status/")  # the reporter's language: Indonesian
    assert client.get(path).context["status"].reference == referral.reference
    # The e-mail carries both (WhatsApp keeps its approved template: docs/operations.md).
    received.channel = "email"
    text = rendered(received)
    assert referral.reference in text and url in text
    with translation.override("en"):
        received.language = "en"
        assert "Follow your report's steps" in rendered(received)


def test_an_english_reporter_gets_the_english_status_page(client):
    response = client.post(
        "/en" + reverse("community:referral_create"),
        {
            "village": "35.10.09.2001",
            "needs": ["daily_meals"],
            "email": "warga@example.org",
            "consent": "on",
            "website": "",
        },
    )
    assert response.status_code == 302
    referral = Referral.objects.get()
    assert confirm(client, referral).status_code == 302
    (received,) = sent_to("warga@example.org", "referral_update")
    assert "/en/laporkan/status/" in received.context["status_url"]


# --- Refused links -------------------------------------------------------------------------------


def test_a_tampered_link_is_refused_with_a_clear_page_and_nothing_of_the_report(client):
    referral = accepted(client)
    token = status_token(referral)
    tampered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    # Another report's number in the payload, with this report's signature.
    payload = signing.b64_encode(b'["r","ZZZZ2222"]').decode()
    other = ":".join([payload, *token.split(":")[1:]])
    for bad in (tampered, other, "not-a-token", code_token(referral)):
        for prefix in ("", "/en"):
            response = client.get(prefix + status_path(bad))
            assert response.status_code == 400, bad
            text = page_text(response)
            assert 'id="link-refused"' in text
            assert referral.reference not in text
    with translation.override("en"):
        english = client.get("/en" + status_path(tampered))
        assert "This link is not valid" in page_text(english)
    # The last page refuses the same links.
    assert client.get(status_path(tampered, "community:report_received")).status_code == 400


def test_a_link_signed_with_another_salt_is_refused(client):
    referral = accepted(client)
    forged = signing.dumps(["r", referral.reference], salt="community.code")
    assert client.get(status_path(forged)).status_code == 400
    genuine = signing.dumps(["r", referral.reference], salt=STATUS_SALT)
    assert client.get(status_path(genuine)).status_code == 200


def test_an_expired_link_says_so(client, settings):
    settings.COMMUNITY_STATUS_LINK_DAYS = 30
    referral = accepted(client)
    path = status_path(referral)
    with time_machine.travel(datetime.timedelta(days=29)):
        assert client.get(path).status_code == 200
    with time_machine.travel(datetime.timedelta(days=31)), translation.override("en"):
        response = client.get("/en" + path)
        assert response.status_code == 400
        assert "This link has expired" in page_text(response)
        assert referral.reference not in page_text(response)


def test_a_link_to_a_report_that_is_gone_is_404(client):
    referral = accepted(client)
    path = status_path(referral)
    Referral.objects.filter(pk=referral.pk).delete()
    response = client.get(path)
    assert response.status_code == 404
    assert 'id="link-refused"' in page_text(response)


# --- The steps follow the record ----------------------------------------------------------------


def test_an_open_referral_is_received_and_being_checked(client):
    referral = accepted(client)
    response = client.get(status_path(referral))
    assert steps_of(response) == [("received", "done"), ("checked", "now")]
    assert response.context["status"].closed is False
    received = response.context["status"].steps[0]
    assert received.at == referral.contact_verified_at


@pytest.mark.parametrize("outcome", ["already_known", "not_eligible", "not_found"])
def test_a_closed_referral_says_what_the_visit_found_and_that_it_is_closed(client, outcome):
    referral = accepted(client)
    officer = make_official(Role.DATA_OFFICER)
    referral_close(
        referral=referral, actor=officer, outcome=outcome, note="Catatan petugas 8812: Bu Painem"
    )
    referral.refresh_from_db()
    with translation.override("en"):
        response = client.get("/en" + status_path(referral))
    assert steps_of(response) == [("received", "done"), ("checked", "done")]
    assert response.context["status"].steps[1].at == referral.decided_at
    text = page_text(response)
    assert 'id="report-closed"' in text
    assert "Catatan petugas 8812" not in text and "Painem" not in text
    expected = {
        "already_known": "already knows this person",
        "not_eligible": "does not meet the programme's conditions",
        "not_found": "could not find them",
    }[outcome]
    assert expected in text


def test_a_verified_referral_follows_the_person_to_listed_and_reached(client):
    referral = accepted(client)
    officer = make_official(Role.DATA_OFFICER)
    client.force_login(officer)
    assert verify(client, referral).status_code == 302
    client.logout()
    referral.refresh_from_db()
    person = referral.recipient
    path = status_path(referral)
    assert steps_of(client.get(path)) == [
        ("received", "done"),
        ("checked", "done"),
        ("listed", "now"),
        ("reached", "next"),
    ]
    # The public profile first: a record goes for review only with it whole.
    recipient_profile_update(
        recipient=person,
        actor=make_official(Role.REVIEWER, kecamatan=(GENTENG,)),
        pseudonym="Mbah Sri Rahasia",
        public_needs=["daily_meals"],
        story="Cerita rahasia tentang sawah beliau.",
    )
    recipient_transition(recipient=person, to_status=Status.IN_REVIEW, actor=officer)
    approver = make_official(Role.REVIEWER, kecamatan=(GENTENG,))
    recipient_transition(recipient=person, to_status=Status.PUBLISHED, actor=approver)
    listed = client.get(path)
    assert steps_of(listed) == [
        ("received", "done"),
        ("checked", "done"),
        ("listed", "done"),
        ("reached", "now"),
    ]
    listed_at = person.transitions.get(to_status=Status.PUBLISHED).created_at
    assert listed.context["status"].steps[2].at == listed_at
    recipient_transition(recipient=person, to_status=Status.REACHED, actor=approver)
    reached = client.get(path)
    assert [state for _step, state in steps_of(reached)] == ["done"] * 4
    assert reached.context["status"].closed is True
    # Nothing of the person, nor what the reporter wrote, nor where: on the page in both
    # languages.
    person.refresh_from_db()
    secrets = [
        SITI["nik"],
        SITI["name"],
        SITI["address"],
        HAMLET,
        LANDMARK,
        SITUATION,
        "Painem",
        referral.village.name,
        referral.kecamatan.name,
        "Mbah Sri Rahasia",
        "Cerita rahasia",
        person.public_id,
        PHONE_E164,
        PHONE_E164[-4:],
    ]
    for prefix in ("", "/en"):
        text = page_text(client.get(prefix + path))
        for secret in secrets:
            assert secret not in text, (prefix, secret)


def test_the_status_page_never_reads_what_was_written_nor_the_persons_identity(client):
    referral = accepted(client)
    client.force_login(make_official(Role.DATA_OFFICER))
    assert verify(client, referral).status_code == 302
    client.logout()
    with CaptureQueriesContext(connection) as captured:
        assert client.get(status_path(referral)).status_code == 200
    sql = " ".join(q["sql"] for q in captured.captured_queries)
    for column in ("situation", "hamlet", "landmark", "contact", "photo"):
        assert f'"community_referral"."{column}"' not in sql, column
    # The person's record is not read at all: only the dates of their lifecycle's moves.
    assert '"portal_recipient"' not in sql


def test_a_concern_tells_the_take_down_and_the_answer_never_the_reply(client):
    person = published(kecamatan_code=GENTENG)
    concern = verified_concern(client, person, kind="privacy", message="Alamat rahasia 4471")
    path = status_path(concern)
    response = client.get(path)
    assert steps_of(response) == [("received", "done"), ("taken_down", "done"), ("answered", "now")]
    reviewer = make_official(Role.REVIEWER, kecamatan=(GENTENG,))
    concern_answer(
        concern=concern,
        actor=reviewer,
        reply="Balasan rahasia 5520 untuk Mbah",
        decision=Concern.Decision.REINSTATED,
    )
    concern.refresh_from_db()
    with translation.override("en"):
        answered = client.get("/en" + path)
    assert steps_of(answered) == [
        ("received", "done"),
        ("taken_down", "done"),
        ("answered", "done"),
    ]
    assert answered.context["status"].steps[-1].at == concern.answered_at
    text = page_text(answered)
    assert "sent to you by WhatsApp" in text
    for secret in (
        "Balasan rahasia 5520",
        "Alamat rahasia 4471",
        person.pseudonym,
        person.public_id,
    ):
        assert secret not in text, secret
    # The answer message carries the link too.
    answer = sent_to(PHONE_E164, "concern_update")[-1]
    assert answer.context["step"] == "answered"
    assert re.sub(r"^https?://[^/]+", "", answer.context["status_url"]).startswith(
        "/laporkan/status/"
    )


def test_a_concern_that_took_nothing_down_has_no_take_down_step(client):
    concern = verified_concern(client, published(), kind="wrong_information")
    assert steps_of(client.get(status_path(concern))) == [("received", "done"), ("answered", "now")]

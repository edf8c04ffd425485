"""Community reports: "Laporkan" on a public listing.

A privacy concern from a verified contact takes the listing down at once (fail safe) and it is
404 everywhere until a reviewer decides; one contact takes down at most a few listings a day;
a burst alerts the lead reviewers once; every concern is answered through the outbox; the
concerns queue is the kecamatan's."""

import datetime

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils.translation import gettext

from accounts.models import AuditEvent, Role
from community.models import Concern
from community.services.concerns import concern_answer, concern_confirm
from community.views.public import code_token
from notifications.models import Notification
from portal.models import Status
from tests.factories import GENTENG, MUNCAR, make_official
from tests.factories.community import (
    PHONE_E164,
    code_for,
    confirm,
    post_concern,
    rendered,
    sent_to,
)
from tests.factories.portal import PhotoConsentFactory, RecipientFactory

pytestmark = pytest.mark.django_db


def published(**fields):
    person = RecipientFactory(publishable=True, status=Status.PUBLISHED, **fields)
    consent = PhotoConsentFactory(recipient=person)
    person.photo.save("rumah123.jpg", ContentFile(b"\xff\xd8\xff fake jpeg"), save=False)
    person.photo_consent = consent
    person.save(update_fields=["photo", "photo_consent"])
    return person


def visible_at(client, person) -> dict[str, bool]:
    """Where a visitor finds ``person``: the page (both languages), the photo, the open-data
    API (one and the list), the listing page and the sitemap."""
    detail = f"/lansia/{person.public_id}/"
    return {
        "page": client.get(detail).status_code == 200,
        "page_en": client.get(f"/en{detail}").status_code == 200,
        "photo": client.get(f"{detail}foto/").status_code == 200,
        "api": client.get(f"/api/v1/listings/{person.public_id}/").status_code == 200,
        "api_list": person.public_id in client.get("/api/v1/listings/").content.decode(),
        "listing": person.public_id in client.get("/lansia/").content.decode(),
        "sitemap": person.public_id in client.get("/sitemap.xml").content.decode(),
    }


def verified_concern(client, person, **overrides) -> Concern:
    response = post_concern(client, person.public_id, **overrides)
    assert response.status_code == 302, response.context["form"].errors
    concern = Concern.objects.order_by("-pk").first()
    assert confirm(client, concern).status_code == 302
    concern.refresh_from_db()
    return concern


def test_every_listing_page_links_to_laporkan(client):
    person = published()
    html = client.get(f"/lansia/{person.public_id}/").content.decode()
    assert f'href="/lansia/{person.public_id}/laporkan/"' in html
    assert client.get(f"/lansia/{person.public_id}/laporkan/").status_code == 200


def test_there_is_no_laporkan_form_for_a_listing_that_is_not_published(client):
    hidden = RecipientFactory(publishable=True, status=Status.IN_REVIEW)
    assert client.get(f"/lansia/{hidden.public_id}/laporkan/").status_code == 404
    assert post_concern(client, hidden.public_id).status_code == 404
    assert not Concern.objects.exists()


def test_a_privacy_concern_without_a_verified_contact_takes_nothing_down(client):
    person = published()
    post_concern(client, person.public_id)
    person.refresh_from_db()
    assert person.status == Status.PUBLISHED
    assert Concern.objects.get().status == Concern.Status.UNVERIFIED
    assert all(visible_at(client, person).values())


def test_a_privacy_concern_takes_the_listing_down_at_once_until_a_reviewer_decides(client):
    person = published()
    assert all(visible_at(client, person).values())

    concern = verified_concern(client, person)

    person.refresh_from_db()
    assert person.status == Status.SUSPENDED
    assert concern.suspended_listing is True
    assert not any(visible_at(client, person).values())
    move = person.transitions.last()
    assert (move.actor, move.actor_label) == (None, "community:privacy_concern")
    assert concern.reference in move.reason
    steps = [n.context["step"] for n in sent_to(PHONE_E164, "concern_update")]
    assert steps == ["taken_down"]

    # The reviewer of the kecamatan decides: published again, and the reporter hears it.
    reviewer = make_official(Role.REVIEWER, kecamatan=(GENTENG,))
    client.force_login(reviewer)
    url = reverse("community:concern_detail", args=[concern.reference])
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"reply": "Foto sudah kami ganti dengan yang lebih umum.", "decision": "reinstated"}
    )
    assert response.status_code == 302
    client.logout()
    person.refresh_from_db()
    assert person.status == Status.PUBLISHED
    assert all(visible_at(client, person).values())
    concern.refresh_from_db()
    assert (concern.status, concern.decision, concern.answered_by) == (
        Concern.Status.ANSWERED,
        "reinstated",
        reviewer,
    )
    answer = sent_to(PHONE_E164, "concern_update")[-1]
    assert answer.context["step"] == "answered"
    answer.channel = "email"
    text = rendered(answer)
    assert "Foto sudah kami ganti" in text
    for secret in (person.name, person.nik, person.address):
        assert secret not in text


def test_a_reviewer_may_withdraw_the_listing_instead(client):
    person = published()
    concern = verified_concern(client, person)
    reviewer = make_official(Role.REVIEWER, kecamatan=(GENTENG,))
    concern_answer(concern=concern, actor=reviewer, reply="Ditarik.", decision="withdrawn")
    person.refresh_from_db()
    assert person.status == Status.WITHDRAWN
    assert not any(visible_at(client, person).values())


@pytest.mark.parametrize("kind", ["wrong_information", "already_helped", "fraud", "other"])
def test_other_concerns_leave_the_listing_up_and_wait_for_an_answer(client, kind):
    person = published()
    concern = verified_concern(client, person, kind=kind)
    person.refresh_from_db()
    assert person.status == Status.PUBLISHED
    assert (concern.status, concern.suspended_listing) == (Concern.Status.OPEN, False)
    assert [n.context["step"] for n in sent_to(PHONE_E164, "concern_update")] == ["received"]


def test_a_contact_takes_down_at_most_its_daily_share(client, settings):
    assert settings.COMMUNITY_SUSPENSIONS_PER_CONTACT_PER_DAY == 3
    settings.COMMUNITY_CODES_PER_CONTACT_PER_DAY = 10
    people = [published() for _ in range(4)]
    concerns = [verified_concern(client, person) for person in people]
    for person in people:
        person.refresh_from_db()
    assert [p.status for p in people] == [Status.SUSPENDED] * 3 + [Status.PUBLISHED]
    assert [c.suspended_listing for c in concerns] == [True, True, True, False]
    # The fourth waits for a reviewer like any other concern.
    assert concerns[3].status == Concern.Status.OPEN
    assert visible_at(client, people[3])["page"]
    # Another contact still may.
    other = verified_concern(client, people[3], phone="081298765432")
    people[3].refresh_from_db()
    assert (people[3].status, other.suspended_listing) == (Status.SUSPENDED, True)


def test_the_daily_share_is_counted_by_the_wib_day(client, settings):
    settings.COMMUNITY_SUSPENSIONS_PER_CONTACT_PER_DAY = 1
    settings.COMMUNITY_CODES_PER_CONTACT_PER_DAY = 10
    first, second = published(), published()
    # 16:30 UTC is 23:30 WIB: the second concern, 40 minutes later, falls on the next WIB day.
    with time_machine.travel(datetime.datetime(2026, 12, 1, 16, 30, tzinfo=datetime.UTC)):
        verified_concern(client, first)
    with time_machine.travel(datetime.datetime(2026, 12, 1, 17, 10, tzinfo=datetime.UTC)):
        verified_concern(client, second)
    second.refresh_from_db()
    assert second.status == Status.SUSPENDED


def test_a_burst_of_concerns_alerts_the_lead_reviewers_once(client, settings):
    settings.COMMUNITY_CONCERN_BURST_COUNT = 3
    settings.COMMUNITY_CODES_PER_CONTACT_PER_DAY = 20
    leads = [make_official(Role.LEAD_REVIEWER), make_official(Role.LEAD_REVIEWER)]
    make_official(Role.REVIEWER, kecamatan=(GENTENG,))
    person = published()
    for n in range(2):
        verified_concern(client, person, kind="fraud", phone=f"08129876540{n}")
    assert not Notification.objects.filter(template="concern_burst").exists()
    for n in range(2, 5):
        verified_concern(client, person, kind="fraud", phone=f"08129876540{n}")
    alerts = Notification.objects.filter(template="concern_burst")
    assert sorted(a.user_id for a in alerts) == sorted(lead.pk for lead in leads)


def test_every_concern_is_answered_and_the_answer_is_required(client):
    person = published()
    concern = verified_concern(client, person, kind="wrong_information")
    reviewer = make_official(Role.REVIEWER, kecamatan=(GENTENG,))
    client.force_login(reviewer)
    url = reverse("community:concern_detail", args=[concern.reference])
    refused = client.post(url, {"reply": "", "decision": ""})
    assert refused.status_code == 200
    assert refused.context["form"].errors["reply"]
    # Publishing again is only for a listing that was taken down.
    refused = client.post(url, {"reply": "ok", "decision": "reinstated"})
    assert refused.status_code == 200
    concern.refresh_from_db()
    assert concern.status == Concern.Status.OPEN
    done = client.post(url, {"reply": "Terima kasih, data sudah kami perbaiki.", "decision": ""})
    assert done.status_code == 302
    concern.refresh_from_db()
    assert concern.status == Concern.Status.ANSWERED
    assert sent_to(PHONE_E164, "concern_update")[-1].context["reply"].startswith("Terima kasih")
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.CONCERN_ANSWERED, target=f"community.concern:{concern.reference}"
    ).exists()
    # Answered once.
    assert client.post(url, {"reply": "again", "decision": ""}).status_code == 200
    assert len(sent_to(PHONE_E164, "concern_update")) == 2


def test_the_concerns_queue_is_the_kecamatans_and_others_get_404_and_an_audit_event(client):
    genteng = published()
    muncar = published(kecamatan_code=MUNCAR)
    in_genteng = verified_concern(client, genteng, kind="fraud")
    in_muncar = verified_concern(client, muncar, kind="fraud", phone="081298765430")
    reviewer = make_official(Role.REVIEWER, kecamatan=(GENTENG,))
    client.force_login(reviewer)
    queue = client.get(reverse("community:concern_list"))
    assert [c.reference for c in queue.context["page"]] == [in_genteng.reference]
    response = client.get(reverse("community:concern_detail", args=[in_muncar.reference]))
    assert response.status_code == 404
    event = AuditEvent.objects.get(action=AuditEvent.Action.SCOPE_DENIED)
    assert (event.actor_ref, event.target) == (
        reviewer.public_ref,
        f"community.concern:{in_muncar.reference}",
    )
    assert (
        client.post(
            reverse("community:concern_detail", args=[in_muncar.reference]),
            {"reply": "x", "decision": "withdrawn"},
        ).status_code
        == 404
    )
    muncar.refresh_from_db()
    assert muncar.status == Status.PUBLISHED
    # The lead reviewer sees the whole regency.
    client.force_login(make_official(Role.LEAD_REVIEWER))
    queue = client.get(reverse("community:concern_list"))
    assert {c.reference for c in queue.context["page"]} == {
        in_genteng.reference,
        in_muncar.reference,
    }


def test_a_concern_needs_a_kind_and_a_message_for_other(client):
    person = published()
    response = post_concern(client, person.public_id, kind="other", message="")
    assert response.status_code == 200
    assert response.context["form"].errors["message"] == [
        gettext("Say in a few words what the concern is.")
    ]
    response = post_concern(client, person.public_id, kind="nonsense")
    assert response.context["form"].errors["kind"]
    assert not Concern.objects.exists()


def test_the_honeypot_holds_on_the_concern_form_too(client):
    person = published()
    response = post_concern(client, person.public_id, website="x")
    assert response.status_code == 302
    assert not Concern.objects.exists()
    person.refresh_from_db()
    assert person.status == Status.PUBLISHED


def test_a_listing_withdrawn_while_the_code_was_on_its_way_is_not_touched(client):
    person = published()
    post_concern(client, person.public_id)
    concern = Concern.objects.get()
    reviewer = make_official(Role.REVIEWER, kecamatan=(GENTENG,))
    from portal.services.lifecycle import recipient_transition

    recipient_transition(recipient=person, to_status=Status.WITHDRAWN, actor=reviewer, reason="x")
    concern_confirm(concern=concern, code=code_for(concern))
    person.refresh_from_db()
    concern.refresh_from_db()
    assert person.status == Status.WITHDRAWN
    assert (concern.status, concern.suspended_listing) == (Concern.Status.OPEN, False)


def test_the_code_page_of_a_concern_accepts_a_resend(client):
    person = published()
    post_concern(client, person.public_id)
    concern = Concern.objects.get()
    url = reverse("community:report_code", args=[code_token(concern)])
    assert client.post(url, {"action": "resend"}).status_code == 200
    assert len(sent_to(PHONE_E164, "community_code")) == 2

"""A person chooses how notifications reach them, and can stop them from any e-mail."""

import pytest
from django.core import mail, signing
from django.test import Client
from django.urls import reverse
from django.utils import translation

from notifications.models import Channel, Notification, Preference
from notifications.services import notification_enqueue, unsubscribe_token
from tests.conftest import deliver_notifications
from tests.factories import UserFactory

DIGEST = {
    "in_review": 1,
    "candidates": 0,
    "warnings": 0,
    "waiting": 1,
    "kecamatan": "Genteng",
    "date": "2026-11-30",
}


def unsubscribe_path(user, channel=Channel.EMAIL) -> str:
    return reverse("notifications:unsubscribe", args=[unsubscribe_token(user.pk, channel)])


def preference_of(user) -> tuple[bool, bool, str] | None:
    found = Preference.objects.filter(user=user).first()
    return (found.email, found.whatsapp, found.whatsapp_number) if found else None


# --- The preferences page --------------------------------------------------------------------


def test_the_page_needs_a_sign_in(client, db):
    response = client.get(reverse("notifications:preferences"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_the_page_explains_what_is_always_sent_and_is_linked_from_the_account(client, user):
    client.force_login(user)
    account = client.get(reverse("accounts:home"))
    assert reverse("notifications:preferences") in account.content.decode()

    with translation.override("en"):
        response = client.get(reverse("notifications:preferences"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Receipts and security messages" in page
    assert 'type="tel"' in page
    assert '<label for="id_whatsapp_number">' in page
    form = response.context["form"]
    assert form["email"].value() is True
    assert form["whatsapp"].value() is False


def test_turning_e_mail_off_is_saved(client, user):
    client.force_login(user)
    response = client.post(reverse("notifications:preferences"))  # every box unticked
    assert response.status_code == 302
    assert preference_of(user) == (False, False, "")


@pytest.mark.parametrize("typed", ["0812-3456-7890", "+62 812 3456 7890", "6281234567890"])
def test_a_whatsapp_number_is_normalised_to_plus_62(client, user, typed):
    client.force_login(user)
    response = client.post(
        reverse("notifications:preferences"),
        {"email": "on", "whatsapp": "on", "whatsapp_number": typed},
    )
    assert response.status_code == 302
    assert preference_of(user) == (True, True, "+6281234567890")


@pytest.mark.parametrize("typed", ["", "12345", "0812", "+44 20 7946 0958"])
def test_whatsapp_without_a_valid_indonesian_number_is_refused_and_nothing_changes(
    client, user, typed
):
    Preference.objects.create(user=user, email=True, whatsapp=False)
    client.force_login(user)
    response = client.post(
        reverse("notifications:preferences"),
        {"email": "", "whatsapp": "on", "whatsapp_number": typed},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["whatsapp_number"]
    assert 'class="errorlist' in response.content.decode()
    assert preference_of(user) == (True, False, "")


def test_without_saved_choices_a_refused_form_writes_nothing(client, user):
    client.force_login(user)
    response = client.post(
        reverse("notifications:preferences"), {"whatsapp": "on", "whatsapp_number": "abc"}
    )
    assert response.status_code == 200
    assert not Preference.objects.exists()


def test_the_error_is_in_the_visitors_language(client, user):
    client.force_login(user)
    with translation.override("en"):
        url = reverse("notifications:preferences")
    response = client.post(url, {"whatsapp": "on", "whatsapp_number": ""})
    assert "give a valid WhatsApp number" in response.content.decode()


def test_a_chosen_whatsapp_number_routes_the_next_notification(client, user):
    client.force_login(user)
    client.post(
        reverse("notifications:preferences"),
        {"email": "on", "whatsapp": "on", "whatsapp_number": "081234567890"},
    )
    note = notification_enqueue(
        template="review_digest", dedup_key="digest:wa", user=user, context=DIGEST
    )
    assert (note.channel, note.to_address) == (Channel.WHATSAPP, "+6281234567890")


# --- Unsubscribing from an e-mail ------------------------------------------------------------


def test_the_link_shows_a_confirmation_and_changes_nothing_by_itself(client, user):
    response = client.get(unsubscribe_path(user))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'method="post"' in page
    assert "noindex" in page
    assert preference_of(user) is None


def altered(token: str) -> str:
    position = len(token) // 2
    return token[:position] + ("A" if token[position] != "A" else "B") + token[position + 1 :]


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_forged_or_altered_token_is_refused_and_changes_nothing(db, method):
    person = UserFactory()
    Preference.objects.create(user=person, email=True)
    valid = unsubscribe_token(person.pk, Channel.EMAIL)
    forged = [
        "not-a-token",
        altered(valid),
        valid + "x",
        signing.dumps({"u": person.pk, "c": "email"}),  # signed, but not for this purpose
        signing.dumps({"u": person.pk, "c": "email"}, salt="notifications.unsubscribe", key="x"),
    ]
    client = Client(enforce_csrf_checks=True)
    for token in forged:
        with translation.override("en"):
            url = reverse("notifications:unsubscribe", args=[token])
        response = getattr(client, method)(url)
        assert response.status_code == 400, token
        assert "Nothing has been changed" in response.content.decode()
    assert preference_of(person) == (True, False, "")


def test_a_valid_token_turns_off_only_that_persons_e_mail(client, db):
    person, other = UserFactory(), UserFactory()
    Preference.objects.create(user=other, email=True)
    response = client.post(unsubscribe_path(person))
    assert response.status_code == 200
    assert preference_of(person) == (False, False, "")
    assert preference_of(other) == (True, False, "")


def test_a_whatsapp_token_turns_off_only_whatsapp(client, db):
    person = UserFactory()
    Preference.objects.create(
        user=person, email=True, whatsapp=True, whatsapp_number="+6281234567890"
    )
    client.post(unsubscribe_path(person, Channel.WHATSAPP))
    assert preference_of(person) == (True, False, "+6281234567890")


def test_one_click_unsubscribe_works_without_csrf_or_session(db):
    person = UserFactory()
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        unsubscribe_path(person),
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert preference_of(person) == (False, False, "")


def test_the_token_of_a_deleted_account_does_no_harm(client, db):
    person = UserFactory()
    path = unsubscribe_path(person)
    person.delete()
    assert client.get(path).status_code == 200
    assert client.post(path).status_code == 200
    assert not Preference.objects.exists()


def test_after_unsubscribing_only_mail_that_cannot_be_refused_is_sent(client, db):
    person = UserFactory()
    notification_enqueue(
        template="review_digest", dedup_key="digest:1", user=person, context=DIGEST
    )
    assert deliver_notifications() == ["sent"]
    (digest,) = mail.outbox
    link = digest.extra_headers["List-Unsubscribe"].strip("<>")
    path = link.removeprefix(link.split("/notifikasi/")[0])
    mail.outbox.clear()

    # The mail client's one-click POST, straight from the header.
    assert Client(enforce_csrf_checks=True).post(path).status_code == 200

    refusable = notification_enqueue(
        template="review_digest", dedup_key="digest:2", user=person, context=DIGEST
    )
    mandatory = notification_enqueue(
        template="account_mail",
        dedup_key="account_mail:after",
        user=person,
        context={"subject": "Kode", "text": "Kode Anda: ABCD", "html": ""},
    )
    assert sorted(deliver_notifications()) == ["sent", "skipped"]
    refusable.refresh_from_db()
    mandatory.refresh_from_db()
    assert refusable.status == Notification.Status.SKIPPED
    assert mandatory.status == Notification.Status.SENT
    assert [m.subject for m in mail.outbox] == ["Kode"]
    assert mail.outbox[0].to == [person.email]

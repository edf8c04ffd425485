"""A signed-in person downloads their data and deletes their account (UU PDP)."""

import json

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.db import connection
from django.urls import reverse

from accounts.models import AuditEvent, Consent, Role, RoleGrant, User
from accounts.services import audit_record
from notifications.models import Notification
from notifications.services import notification_enqueue
from tests.factories import PASSWORD, UserFactory, make_official


def every_text_value_in_the_database() -> str:
    """All columns of all rows of all tables, as one string (the test is a small database)."""
    chunks = []
    with connection.cursor() as cursor:
        for model in apps.get_models(include_auto_created=True):
            table = connection.ops.quote_name(model._meta.db_table)
            cursor.execute(f"SELECT * FROM {table}")
            chunks.extend(str(value) for row in cursor.fetchall() for value in row)
    return "\n".join(chunks)


def test_the_download_holds_the_account_its_consents_and_no_secrets(client, db):
    user = make_official(Role.REVIEWER, kecamatan=("35.10.09",), email="siti@example.org")
    client.force_login(user)
    response = client.get(reverse("accounts:data_export"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["account"]["email"] == "siti@example.org"
    assert data["roles"][0]["role"] == "reviewer"
    assert data["roles"][0]["kecamatan"] == ["35.10.09"]
    assert data["consents"][0]["purpose"] == "privacy_notice"
    assert data["two_factor_authentication"][0]["type"] == "totp"
    body = response.content.decode()
    assert user.password not in body
    secret = Authenticator.objects.get(user=user, type="totp").data["secret"]
    assert secret not in body
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.DATA_EXPORTED, actor_ref=user.public_ref
    ).exists()


def test_the_download_needs_a_signed_in_person(client, db):
    response = client.get(reverse("accounts:data_export"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_deleting_the_account_removes_the_person_and_keeps_a_pseudonymous_trail(client, db):
    official = make_official(
        Role.REVIEWER,
        kecamatan=("35.10.09",),
        email="budi.santoso@example.org",
        name="Budi Santoso",
    )
    ref = official.public_ref
    # Mail the account received: its address is personal data too.
    notification_enqueue(
        template="review_digest", dedup_key="d", user=official, context={"waiting": 1}
    )
    # An administrator once edited the account in the Django admin: its history names it.
    admin = make_official(Role.ADMINISTRATOR)
    LogEntry.objects.log_actions(
        user_id=admin.pk, queryset=[official], action_flag=CHANGE, change_message="name"
    )
    audit_record(
        actor=official,
        action=AuditEvent.Action.PII_REVEAL,
        target="portal.test:1",
        reason="checking a duplicate",
    )
    client.force_login(official)

    response = client.post(reverse("accounts:delete"), {"password": PASSWORD, "confirm": "on"})
    assert response.status_code == 302
    assert not User.objects.filter(pk=official.pk).exists()
    assert not EmailAddress.objects.filter(email__icontains="budi").exists()
    assert not Authenticator.objects.filter(user_id=official.pk).exists()
    assert not RoleGrant.objects.filter(user_id=official.pk).exists()
    assert not Consent.objects.filter(user_id=official.pk).exists()
    assert not Notification.objects.filter(user_id=official.pk).exists()
    # Signed out.
    assert "_auth_user_id" not in client.session

    # The trail remains, under the pseudonymous reference only.
    trail = AuditEvent.objects.filter(actor_ref=ref)
    assert set(trail.values_list("action", flat=True)) >= {
        AuditEvent.Action.PII_REVEAL,
        AuditEvent.Action.ACCOUNT_DELETED,
    }
    assert LogEntry.objects.get(object_id=str(official.pk)).object_repr == f"accounts.user:{ref}"
    everything = every_text_value_in_the_database().lower()
    assert "budi" not in everything
    assert "santoso" not in everything


def test_a_wrong_password_deletes_nothing(client, db):
    user = UserFactory()
    client.force_login(user)
    response = client.post(reverse("accounts:delete"), {"password": "wrong", "confirm": "on"})
    assert response.status_code == 200
    assert response.context["form"].errors["password"]
    assert User.objects.filter(pk=user.pk).exists()
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.ACCOUNT_DELETED).exists()


def test_deletion_must_be_confirmed(client, db):
    user = UserFactory()
    client.force_login(user)
    response = client.post(reverse("accounts:delete"), {"password": PASSWORD})
    assert response.status_code == 200
    assert response.context["form"].errors["confirm"]
    assert User.objects.filter(pk=user.pk).exists()


def test_the_only_administrator_cannot_delete_their_account(client, db):
    admin = make_official(Role.ADMINISTRATOR)
    client.force_login(admin)
    response = client.post(reverse("accounts:delete"), {"password": PASSWORD, "confirm": "on"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert User.objects.filter(pk=admin.pk).exists()

    make_official(Role.ADMINISTRATOR)
    response = client.post(reverse("accounts:delete"), {"password": PASSWORD, "confirm": "on"})
    assert response.status_code == 302
    assert not User.objects.filter(pk=admin.pk).exists()


def test_news_consent_is_given_and_withdrawn_in_account_settings(client, db):
    user = UserFactory()
    client.force_login(user)
    client.post(reverse("accounts:home"), {"name": "Ani", "language": "en", "news": "on"})
    consent = Consent.objects.get(user=user, purpose=Consent.Purpose.NEWS)
    assert consent.withdrawn_at is None
    assert consent.notice_version

    client.post(reverse("accounts:home"), {"name": "Ani", "language": "en"})
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None
    user.refresh_from_db()
    assert user.language == "en"
    actions = set(
        AuditEvent.objects.filter(actor_ref=user.public_ref).values_list("action", flat=True)
    )
    assert {AuditEvent.Action.CONSENT_GIVEN, AuditEvent.Action.CONSENT_WITHDRAWN} <= actions


def test_a_bad_language_is_refused_and_nothing_changes(client, db):
    user = UserFactory(name="Ani")
    client.force_login(user)
    response = client.post(reverse("accounts:home"), {"name": "Other", "language": "xx"})
    assert response.status_code == 200
    assert response.context["form"].errors["language"]
    user.refresh_from_db()
    assert (user.name, user.language) == ("Ani", "id")


def test_consent_to_the_privacy_notice_is_withdrawn_only_by_deletion(db):
    from django.core.exceptions import ValidationError

    from accounts.services import consent_withdraw

    user = UserFactory()
    with pytest.raises(ValidationError):
        consent_withdraw(user=user, purpose=Consent.Purpose.PRIVACY_NOTICE)
    assert Consent.objects.get(user=user).withdrawn_at is None

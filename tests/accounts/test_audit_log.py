import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from accounts.models import AuditEvent, Role
from accounts.services import audit_record
from tests.factories import make_official


@pytest.fixture
def event(db):
    return audit_record(
        actor=None,
        actor_label="system",
        action=AuditEvent.Action.PII_REVEAL,
        target="portal.recipient:1",
        reason="checking a duplicate",
    )


def test_an_event_cannot_be_changed_or_deleted_through_the_orm(event):
    event.reason = "something else"
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        event.delete()
    with pytest.raises(TypeError):
        AuditEvent.objects.filter(pk=event.pk).update(reason="x")
    with pytest.raises(TypeError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).reason == "checking a duplicate"


def test_the_database_refuses_to_rewrite_an_event(event):
    table = AuditEvent._meta.db_table
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET reason = 'rewritten' WHERE id = %s", [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).reason == "checking a duplicate"


def test_postgresql_refuses_to_delete_an_event(postgres, event):
    table = AuditEvent._meta.db_table
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE id = %s", [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_the_administrator_reads_and_filters_the_log(client, db):
    admin = make_official(Role.ADMINISTRATOR)
    reviewer = make_official(Role.REVIEWER, kecamatan=("35.10.09",))
    audit_record(
        actor=reviewer,
        action=AuditEvent.Action.PII_REVEAL,
        target="portal.recipient:7",
        reason="family asked",
    )
    client.force_login(admin)

    page = client.get(reverse("accounts:audit_log"), {"action": "pii.reveal"})
    assert page.status_code == 200
    events = list(page.context["page"])
    assert [e.target for e in events] == ["portal.recipient:7"]
    assert b"family asked" in page.content

    by_actor = client.get(reverse("accounts:audit_log"), {"actor": str(reviewer.public_ref)})
    assert {e.actor_ref for e in by_actor.context["page"]} == {reviewer.public_ref}


def test_a_malformed_filter_is_ignored_with_a_message(client, db):
    client.force_login(make_official(Role.ADMINISTRATOR))
    response = client.get(reverse("accounts:audit_log"), {"actor": "not-a-uuid", "action": "zzz"})
    assert response.status_code == 200
    assert response.context["actor"] == ""
    assert response.context["action"] == ""
    assert list(response.context["messages"])


def test_an_anonymous_actor_is_recorded_as_such(db):
    from django.contrib.auth.models import AnonymousUser

    event = audit_record(
        actor=AnonymousUser(), action=AuditEvent.Action.ACCESS_DENIED, target="/x/"
    )
    assert event.actor_ref is None
    assert event.actor_label == "anonymous"

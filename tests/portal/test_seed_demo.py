from io import StringIO

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command

from accounts.models import Role, User


def row_counts() -> dict[str, int]:
    return {m._meta.label: m._default_manager.count() for m in apps.get_models()}


def test_seed_demo_twice_changes_nothing(db):
    call_command("seed_demo", stdout=StringIO())
    first = row_counts()
    call_command("seed_demo", stdout=StringIO())
    assert row_counts() == first
    assert first["accounts.User"] == 12  # with the two demo students of the visits
    assert first["accounts.AuditEvent"] > 0


def test_seed_demo_makes_an_official_for_every_role(db):
    call_command("seed_demo", stdout=StringIO())
    held = set()
    for user in User.objects.all():
        held |= user.roles
    assert held == set(Role.values) - {Role.DONOR}
    reviewer = User.objects.get(email="reviewer.genteng@demo.rantangkasih.id")
    assert list(reviewer.role_grants.get().kecamatan.values_list("name", flat=True)) == ["Genteng"]


def test_seed_demo_refuses_prod(db, settings):
    settings.PORTAL_ENV = "prod"
    with pytest.raises(CommandError, match="prod"):
        call_command("seed_demo", stdout=StringIO())
    assert not User.objects.exists()

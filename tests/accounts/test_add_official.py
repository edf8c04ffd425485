from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from django.core.management import CommandError, call_command
from django.utils import translation

from accounts.models import AuditEvent, Role, RoleGrant, User
from tests.factories import GENTENG, MUNCAR, PASSWORD, SchoolFactory, UserFactory

NEW_PASSWORD = "kata-sandi-baru-yang-panjang"


def add_official(*args: str, language: str = "en") -> list[str]:
    out = StringIO()
    with translation.override(language):
        call_command("add_official", *args, stdout=out)
    return out.getvalue().strip().splitlines()


def test_creates_an_official_and_prints_a_link_that_works_once(client, db):
    lines = add_official(
        "--email", "Reviewer@Example.org", "--role", "reviewer", "--kecamatan", GENTENG, MUNCAR
    )
    user = User.objects.get(email="reviewer@example.org")
    assert not user.has_usable_password()
    assert EmailAddress.objects.get(user=user).verified
    grant = RoleGrant.objects.get(user=user)
    assert grant.role == Role.REVIEWER
    assert sorted(grant.kecamatan.values_list("code", flat=True)) == [MUNCAR, GENTENG]

    link = lines[-1]
    assert link.startswith("http://")
    path = link.split("127.0.0.1:8000", 1)[1]
    # allauth moves the key into the session and redirects to a keyless URL.
    response = client.get(path, follow=True)
    assert response.status_code == 200
    form_url = response.redirect_chain[-1][0]
    response = client.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)

    # The same link again: refused, the password stays.
    client.logout()
    response = client.get(path, follow=True)
    assert response.context["token_fail"]
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)

    actions = list(AuditEvent.objects.order_by("id").values_list("action", "actor_label"))
    assert (AuditEvent.Action.ROLE_GRANTED, "cli:add_official") in actions
    assert (AuditEvent.Action.PASSWORD_LINK_ISSUED, "cli:add_official") in actions


def test_upgrades_an_existing_account_without_touching_its_password(db):
    user = UserFactory(email="guru@example.org")
    school = SchoolFactory(npsn="20525999")
    lines = add_official(
        "--email", "guru@example.org", "--role", "school_coordinator", "--school", "20525999"
    )
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert RoleGrant.objects.get(user=user).school_link.school == school
    assert not any(line.startswith("http") for line in lines)


def test_a_second_role_and_a_second_kecamatan_add_up(db):
    add_official("--email", "a@example.org", "--role", "reviewer", "--kecamatan", GENTENG)
    add_official("--email", "a@example.org", "--role", "reviewer", "--kecamatan", MUNCAR)
    add_official("--email", "a@example.org", "--role", "finance_officer")
    user = User.objects.get(email="a@example.org")
    assert user.roles == {Role.REVIEWER, Role.FINANCE_OFFICER}
    grant = RoleGrant.objects.get(user=user, role=Role.REVIEWER)
    assert grant.kecamatan.count() == 2


def test_an_administrator_gets_the_admin_flags(db):
    add_official("--email", "admin@example.org", "--role", "administrator")
    user = User.objects.get(email="admin@example.org")
    assert user.is_staff and user.is_superuser


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "reviewer"], "at least one kecamatan"),
        (["--role", "reviewer", "--kecamatan", "35.10.99"], "Unknown kecamatan code"),
        (["--role", "data_officer", "--kecamatan", GENTENG], "Only a reviewer"),
        (["--role", "school_coordinator"], "needs a school"),
        (["--role", "school_coordinator", "--school", "99999999"], "No school with NPSN"),
        (["--role", "finance_officer", "--school", "99999999"], "No school"),
    ],
)
def test_bad_arguments_are_refused_and_change_nothing(db, args, message):
    with pytest.raises(CommandError, match=message):
        add_official("--email", "x@example.org", *args)
    assert not User.objects.filter(email="x@example.org").exists()
    assert not AuditEvent.objects.exists()


def test_errors_are_in_indonesian_by_default(db):
    with pytest.raises(CommandError, match="minimal satu kecamatan"):
        add_official("--email", "x@example.org", "--role", "reviewer", language="id")


def test_an_invalid_email_is_refused(db):
    with pytest.raises(CommandError, match="not a valid e-mail"):
        add_official("--email", "not-an-email", "--role", "data_officer")
    assert not User.objects.exists()


def test_students_and_donors_are_not_made_with_add_official(db):
    with pytest.raises(CommandError):
        add_official("--email", "s@example.org", "--role", "student")
    assert not User.objects.exists()


def test_revoke_role_takes_a_role_away(db):
    add_official("--email", "a@example.org", "--role", "administrator")
    call_command(
        "revoke_role", "--email", "a@example.org", "--role", "administrator", stdout=StringIO()
    )
    user = User.objects.get(email="a@example.org")
    assert user.roles == frozenset()
    assert not (user.is_staff or user.is_superuser)
    with pytest.raises(CommandError, match="does not hold"):
        call_command("revoke_role", "--email", "a@example.org", "--role", "administrator")

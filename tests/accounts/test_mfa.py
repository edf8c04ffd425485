import pytest
from django.urls import reverse

from accounts.models import OFFICIAL_ROLES, Role
from tests.accounts.test_permissions import EXPECTED, SIGNED_IN_PAGES, sample_kwargs
from tests.factories import GENTENG, PASSWORD, UserFactory, make_official, totp_code


@pytest.mark.parametrize("role", sorted(OFFICIAL_ROLES))
def test_an_official_without_totp_is_sent_to_enrolment_from_every_official_url(client, db, role):
    official = make_official(
        role, kecamatan=(GENTENG,) if role == Role.REVIEWER else (), totp=False
    )
    samples = sample_kwargs()
    client.force_login(official)
    enrol = reverse("mfa_activate_totp")
    for name in [*EXPECTED, *SIGNED_IN_PAGES]:
        response = client.get(reverse(name, kwargs=samples.get(name)))
        assert response.status_code == 302, name
        assert response["Location"] == enrol, name
    admin = client.get("/admin/", follow=True)
    assert enrol in [url for url, _status in admin.redirect_chain]


def test_after_enrolment_the_official_page_opens(client, db):
    official = make_official(Role.DATA_OFFICER, totp=False)
    client.force_login(official)
    assert client.get(reverse("portal:officials_home")).status_code == 302
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    TOTP.activate(official, generate_totp_secret())
    assert client.get(reverse("portal:officials_home")).status_code == 200


def test_a_donor_is_never_pushed_to_enrol(client, db):
    client.force_login(UserFactory())
    assert client.get(reverse("portal:officials_home")).status_code == 403
    assert client.get(reverse("accounts:home")).status_code == 200


def test_signing_in_asks_an_enrolled_official_for_the_code(client, db):
    official = make_official(Role.DATA_OFFICER)
    response = client.post(
        reverse("account_login"), {"login": official.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    # Not signed in yet: the officials' area still wants a login.
    assert client.get(reverse("portal:officials_home")).status_code == 302

    wrong = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert wrong.status_code == 200
    assert "_auth_user_id" not in client.session

    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(official)})
    assert response.status_code == 302
    # A data officer lands on the page of their work (tests/accounts/test_landing.py).
    assert response["Location"] == reverse("portal:import_upload")
    assert client.get(reverse("portal:officials_home")).status_code == 200

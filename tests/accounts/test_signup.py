import re

from django.core import mail
from django.core.cache import cache
from django.urls import reverse
from django.utils import translation

from accounts.models import Consent, User
from tests.conftest import deliver_notifications
from tests.factories import PASSWORD as PASSWORD_OF_FACTORY
from tests.factories import UserFactory

PASSWORD = "sebuah-kata-sandi-panjang"


def signup(client, **extra):
    data = {"email": "warga@example.org", "password1": PASSWORD, "password2": PASSWORD}
    return client.post(reverse("account_signup"), {**data, **extra})


def test_signing_up_needs_consent_to_the_privacy_notice(client, db):
    response = signup(client)
    assert response.status_code == 200
    assert response.context["form"].errors["privacy_consent"]
    assert not User.objects.exists()
    assert len(mail.outbox) == 0


def test_signing_up_records_consent_and_needs_the_emailed_code(client, db, settings):
    response = signup(client, privacy_consent="on", name="Warga")
    assert response.status_code == 302
    user = User.objects.get(email="warga@example.org")
    assert user.roles == frozenset()  # never an official by signing up
    consent = Consent.objects.get(user=user)
    assert consent.purpose == Consent.Purpose.PRIVACY_NOTICE
    assert consent.notice_version == settings.PRIVACY_NOTICE_VERSION
    assert consent.withdrawn_at is None
    assert not Consent.objects.filter(purpose=Consent.Purpose.NEWS).exists()

    # Not signed in until the address is verified.
    assert client.get(reverse("accounts:home")).status_code == 302
    deliver_notifications()
    message = mail.outbox[-1]
    assert message.to == ["warga@example.org"]
    code = re.search(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", message.body, re.MULTILINE).group(1)

    response = client.post(reverse("account_email_verification_sent"), {"code": "WRONG1"})
    assert "_auth_user_id" not in client.session
    response = client.post(reverse("account_email_verification_sent"), {"code": code})
    assert response.status_code == 302
    assert client.get(reverse("accounts:home")).status_code == 200


def test_an_unverified_account_cannot_sign_in(client, db):
    signup(client, privacy_consent="on")
    client.logout()
    mail.outbox.clear()
    cache.clear()  # past the 3-minute limit on re-sending a verification code
    response = client.post(
        reverse("account_login"), {"login": "warga@example.org", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session
    deliver_notifications()
    assert mail.outbox[-1].to == ["warga@example.org"]  # a fresh code


def test_people_are_written_to_in_the_language_they_signed_up_in(client, db):
    response = client.post(
        "/en/akun/signup/",
        {
            "email": "visitor@example.org",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "privacy_consent": "on",
        },
    )
    assert response.status_code == 302
    assert User.objects.get(email="visitor@example.org").language == "en"
    deliver_notifications()
    assert "verification code" in mail.outbox[-1].body
    client.logout()
    translation.activate("id")
    indonesian = signup(client, privacy_consent="on")
    assert indonesian.status_code == 302
    assert User.objects.get(email="warga@example.org").language == "id"
    deliver_notifications()
    assert "Kode verifikasi" in mail.outbox[-1].body
    assert "Rantang Kasih Banyuwangi" in mail.outbox[-1].body


def test_failed_sign_ins_are_rate_limited(client, db):
    user = UserFactory()
    for _ in range(5):
        client.post(reverse("account_login"), {"login": user.email, "password": "wrong"})
    # Even the right password is refused while the limit holds.
    response = client.post(
        reverse("account_login"), {"login": user.email, "password": PASSWORD_OF_FACTORY}
    )
    assert "Terlalu banyak percobaan masuk" in str(response.context["form"].non_field_errors())
    assert "_auth_user_id" not in client.session


def test_a_forgotten_password_is_reset_through_an_emailed_link(client, db):
    user = UserFactory(email="lupa@example.org")
    response = client.post(reverse("account_reset_password"), {"email": "lupa@example.org"})
    assert response.status_code == 302
    deliver_notifications()
    link = re.search(r"https?://[^/\s]+(/\S+/)", mail.outbox[-1].body).group(1)
    form_url = client.get(link, follow=True).redirect_chain[-1][0]
    new = "kata-sandi-yang-baru-sekali"
    response = client.post(form_url, {"password1": new, "password2": new})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(new)
    # The link is spent.
    assert client.get(link, follow=True).context["token_fail"]


def test_a_reset_for_an_unknown_address_reveals_nothing(client, db):
    response = client.post(reverse("account_reset_password"), {"email": "siapa@example.org"})
    assert response.status_code == 302
    assert response["Location"] == reverse("account_reset_password_done")

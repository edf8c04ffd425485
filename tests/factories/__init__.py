"""The one home of the tests' builders: accounts, officials and schools here, one module per app
beside them (``portal``, ``volunteers``, ``meals``, ``donations``, ``finance``, ``community``).
A warung comes only from ``meals.warung_in``, with the passing inspection the rules require."""

import time

import factory
from allauth.account.models import EmailAddress
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)
from allauth.mfa.utils import decrypt

from accounts.models import Consent, Role, RoleGrant, User
from regions.models import Kecamatan
from volunteers.models import School, SchoolCoordinator

PASSWORD = "a-long-test-password-1"

GENTENG = "35.10.09"
MUNCAR = "35.10.05"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    name = factory.Sequence(lambda n: f"Person {n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified_email(self, create, extracted, **kwargs):
        if create:
            self.save()
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)
            Consent.objects.create(
                user=self,
                purpose=Consent.Purpose.PRIVACY_NOTICE,
                notice_version="test",
                method="factory",
            )


class SchoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = School
        django_get_or_create = ["npsn"]

    npsn = factory.Sequence(lambda n: f"{20500000 + n:08d}")
    name = factory.Sequence(lambda n: f"Sekolah Uji {n}")
    kecamatan = factory.LazyFunction(lambda: Kecamatan.objects.get(code=GENTENG))


def totp_code(user: User) -> str:
    """The current TOTP code of ``user``'s authenticator (as their phone would show it)."""
    counter = int(time.time()) // mfa_settings.TOTP_PERIOD
    return format_hotp_value(hotp_value(totp_secret(user), counter))


def totp_secret(user: User) -> str:
    stored = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP).data["secret"]
    return decrypt(stored)


def make_official(
    role: str = Role.DATA_OFFICER,
    *,
    kecamatan: tuple[str, ...] = (),
    school: School | None = None,
    totp: bool = True,
    **fields,
) -> User:
    """An official with one role, scope and (unless ``totp=False``) an enrolled TOTP device."""
    user = UserFactory(**fields)
    if role == Role.SCHOOL_COORDINATOR and school is None:
        school = SchoolFactory()
    grant = RoleGrant.objects.create(user=user, role=role)
    if school is not None:
        SchoolCoordinator.objects.create(grant=grant, school=school)
    if kecamatan:
        grant.kecamatan.set(Kecamatan.objects.filter(code__in=kecamatan))
    if role == Role.ADMINISTRATOR:
        user.is_staff = user.is_superuser = True
        user.save(update_fields=["is_staff", "is_superuser"])
    if totp:
        TOTP.activate(user, generate_totp_secret())
    user.__dict__.pop("roles", None)
    return user

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.models import Consent, Role, RoleGrant, User
from accounts.services import consent_give, role_grant
from portal.models import Kecamatan
from volunteers.models import School

DEMO_PASSWORD = "rantang-demo-2026"  # noqa: S105  (demo accounts exist only outside prod)
# The TOTP seed of every demo official. In dev the bypass code (MFA_DEV_BYPASS_CODE, 000000)
# works too; an authenticator app can also be given this seed.
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # noqa: S105
DOMAIN = "demo.rantangkasih.id"

SCHOOLS = [
    ("20525901", "SMA Negeri Demo 1 Genteng", "35.10.09"),
    ("20525902", "SMK Demo Muncar", "35.10.05"),
]

# (local part, name, role, kecamatan codes, school NPSN)
PEOPLE = [
    ("admin", "Admin Demo", Role.ADMINISTRATOR, [], None),
    ("data", "Petugas Data Demo", Role.DATA_OFFICER, [], None),
    ("reviewer.genteng", "Reviewer Genteng Demo", Role.REVIEWER, ["35.10.09"], None),
    ("reviewer.muncar", "Reviewer Muncar Demo", Role.REVIEWER, ["35.10.05"], None),
    ("lead", "Lead Reviewer Demo", Role.LEAD_REVIEWER, [], None),
    ("finance", "Keuangan Demo", Role.FINANCE_OFFICER, [], None),
    ("finance2", "Keuangan Dua Demo", Role.FINANCE_OFFICER, [], None),
    ("health", "Inspektur Kesehatan Demo", Role.HEALTH_INSPECTOR, [], None),
    ("coordinator", "Koordinator Sekolah Demo", Role.SCHOOL_COORDINATOR, [], "20525901"),
    ("donor", "Donatur Demo", None, [], None),
]


class Command(BaseCommand):
    help = "Load demonstration data (dev and test only). Running it again changes nothing."

    def handle(self, *args, **options):
        if settings.PORTAL_ENV == "prod":
            raise CommandError("seed_demo refuses to run in prod: demo data never goes live.")
        with transaction.atomic():
            created = self.seed()
        self.stdout.write(f"Demo data ready ({created} new records).")
        self.stdout.write(
            f"Sign in at {settings.PORTAL_BASE_URL}/akun/login/ as <name>@{DOMAIN} "
            f"(admin, data, reviewer.genteng, reviewer.muncar, lead, finance, finance2, health, "
            f"coordinator, donor) with the password {DEMO_PASSWORD}."
        )
        if getattr(settings, "MFA_TOTP_INSECURE_BYPASS_CODE", None):
            self.stdout.write(
                f"Officials' two-factor code in dev: {settings.MFA_TOTP_INSECURE_BYPASS_CODE}."
            )

    def seed(self) -> int:
        created = 0
        for npsn, name, code in SCHOOLS:
            _, new = School.objects.get_or_create(
                npsn=npsn, defaults={"name": name, "kecamatan": Kecamatan.objects.get(code=code)}
            )
            created += new
        for local, name, role, codes, npsn in PEOPLE:
            email = f"{local}@{DOMAIN}"
            user = User.objects.filter(email=email).first()
            if user is None:
                user = User.objects.create_user(email=email, password=DEMO_PASSWORD, name=name)
                EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
                consent_give(user=user, purpose=Consent.Purpose.PRIVACY_NOTICE, method="seed_demo")
                created += 1
            if role and not RoleGrant.objects.filter(user=user, role=role).exists():
                role_grant(
                    user=user,
                    role=role,
                    kecamatan=Kecamatan.objects.filter(code__in=codes),
                    school=School.objects.get(npsn=npsn) if npsn else None,
                    actor_label="cli:seed_demo",
                )
                created += 1
            if role and not Authenticator.objects.filter(user=user).exists():
                TOTP.activate(user, DEMO_TOTP_SECRET)
                RecoveryCodes.activate(user)
                created += 1
        return created

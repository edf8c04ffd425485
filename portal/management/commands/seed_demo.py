import datetime

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.models import Consent, Role, RoleGrant, User
from accounts.pii import keyed_hash
from accounts.services import consent_give, role_grant
from donations.demo import seed_donations
from meals.demo import seed_meals  # inspections, plans, deliveries
from outcomes.demo import seed_outcomes
from portal.models import ImportBatch, Recipient, Status
from portal.services.imports import import_rows
from portal.services.lifecycle import recipient_transition
from regions.models import Kecamatan
from volunteers.models import School, Student
from volunteers.services.slots import slot_create
from volunteers.services.students import student_decide, student_register

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


# Demo elderly residents: invented people (names, NIKs and addresses are made up), spread over
# a few kecamatan. (name, sex, birth date, address, village code, KONDISI, published profile)
# A profile is (pseudonym, needs, story) for those a reviewer has published.
RECIPIENTS = [
    ("Sumiati", "P", "1944-03-12", "Dusun Krajan RT 2", "35.10.09.2001", "hidup_sendiri",
     ("Mbah Sum", ["daily_meals", "companionship"],
      "Mbah Sum suka bercerita tentang masa mudanya sebagai penjual jamu keliling.")),
    ("Sutrisno", "L", "1948-08-17", "Dusun Krajan RT 5", "35.10.09.2001", "tidak_mampu_masak",
     ("Mbah Tris", ["daily_meals"],
      "Mbah Tris dulu tukang kayu; tangannya kini tak lagi kuat memasak.")),
    ("Kasiyem", "P", "1939-01-05", "Dusun Sukorejo RT 1", "35.10.09.2001", "sakit_kronis",
     ("Mbah Yem", ["daily_meals", "companionship"],
      "Mbah Yem senang ditemani mendengarkan radio di sore hari.")),
    ("Ngatiman", "L", "1951-11-30", "Dusun Sukorejo RT 4", "35.10.09.2001", "",
     ("Pak Man", ["daily_meals", "home_repair"],
      "Pak Man merawat kebun kecil di belakang rumahnya yang atapnya bocor.")),
    ("Painah", "P", "1946-06-21", "Dusun Krajan RT 3", "35.10.09.2001", "hidup_sendiri",
     ("Mbah Pai", ["daily_meals"], "Mbah Pai rajin menyapu halaman musala setiap pagi.")),
    ("Saminten", "P", "1942-09-09", "Dusun Kedungringin", "35.10.05.2001", "disabilitas",
     ("Mbah Min", ["daily_meals", "companionship"],
      "Mbah Min pandai menganyam tikar pandan dan senang mengajari cucu tetangga.")),
    ("Abdul Rahman", "L", "1949-04-02", "Dusun Sumberberas RT 6", "35.10.05.2001", "",
     ("Pak Dul", ["daily_meals"],
      "Pak Dul mantan nelayan Muncar yang senang bercerita tentang laut.")),
    ("Siti Fatimah", "P", "1955-12-25", "Jl. Kepiting 4", "35.10.16.1003", "tidak_mampu_masak",
     ("Bu Tim", ["daily_meals"], "Bu Tim dulu membuka warung kopi di dekat pelabuhan.")),
    ("Ma'ruf", "L", "1950-01-01", "Jl. Mawar 1", "35.10.09.2002", "sakit_kronis", None),
    ("Tumini", "P", "1945-07-01", "Dusun Krajan RT 7", "35.10.09.2003", "hidup_sendiri", None),
    ("Rusdi", "L", "1958-02-14", "Dusun Gumuk RT 2", "35.10.13.2001", "", None),
    ("Wagiyah", "P", "1937-10-10", "Dusun Kampunganyar", "35.10.15.2001", "rumah_tidak_layak",
     None),
]  # fmt: skip


def demo_nik(index: int, sex: str, birth: datetime.date, village_code: str) -> str:
    region = village_code.replace(".", "")[:6]
    day = birth.day + 40 if sex == "P" else birth.day
    return f"{region}{day:02d}{birth.month:02d}{birth.year % 100:02d}{9000 + index:04d}"


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
            f"coordinator, donor, student, student.minor) with the password {DEMO_PASSWORD}."
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
        for local, name, role, codes, npsn in PEOPLE:  # type: ignore[assignment]
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
        created += self.seed_recipients()
        created += seed_donations() + self.seed_visits()
        meals = seed_meals()
        if meals:
            seed_outcomes()
        return created + meals

    def seed_visits(self) -> int:
        """Student visits (volunteers/): an adult student of the Genteng school, confirmed; a
        16-year-old waiting for the school and her guardian; Saturday visits in Genteng."""
        if Student.objects.filter(user__email__endswith=f"@{DOMAIN}").exists():
            return 0  # seeded before
        school = School.objects.get(npsn="20525901")
        today = datetime.date.today()
        made = 0
        for local, name, age, guardian in [
            ("student", "Siswa Demo", 18, None),
            ("student.minor", "Siswi Muda Demo", 16, ("Ibu Demo", f"wali@{DOMAIN}", "ibu")),
        ]:
            user = User.objects.create_user(
                email=f"{local}@{DOMAIN}", password=DEMO_PASSWORD, name=name
            )
            EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
            consent_give(user=user, purpose=Consent.Purpose.PRIVACY_NOTICE, method="seed_demo")
            guardian_name, guardian_email, relationship = guardian or ("", "", "")
            student = student_register(
                user=user,
                school=school,
                class_name="XII IPA 1" if age >= 18 else "X-2",
                birth_date=today.replace(year=today.year - age) - datetime.timedelta(days=30),
                guardian_name=guardian_name,
                guardian_email=guardian_email,
                relationship=relationship,
            )
            if guardian is None:
                coordinator = User.objects.get(email=f"coordinator@{DOMAIN}")
                student_decide(
                    student=student, actor=coordinator, to_status=Student.Status.CONFIRMED
                )
            made += 1
        reviewer = User.objects.get(email=f"reviewer.genteng@{DOMAIN}")
        people = Recipient.objects.filter(
            kecamatan__code="35.10.09", status=Status.PUBLISHED
        ).order_by("pk")[:2]
        saturday = today + datetime.timedelta(days=(5 - today.weekday()) % 7 or 7)
        wib = datetime.timezone(datetime.timedelta(hours=7))
        for index, person in enumerate(people):
            made += len(
                slot_create(
                    actor=reviewer,
                    recipient=person,
                    starts_at=datetime.datetime.combine(
                        saturday, datetime.time(9 + 5 * index), wib
                    ),
                    duration_minutes=90,
                    capacity=4,
                    meeting_point="Balai Desa Kembiritan",
                    what_to_bring="Buah atau kue kecil, dan cerita",
                    repeat_weeks=3 if index == 0 else 0,
                )
            )
        return made

    def seed_recipients(self) -> int:
        """Demo elderly residents through the real import pipeline, some reviewed and
        published by the demo officials (a data officer submits, a reviewer approves)."""
        if ImportBatch.objects.filter(actor_label="cli:seed_demo").exists():
            return 0  # seeded before: running again changes nothing
        rows = []
        for index, (name, sex, birth, address, village, kondisi, _profile) in enumerate(RECIPIENTS):
            born = datetime.date.fromisoformat(birth)
            rows.append(
                (
                    index + 2,
                    {
                        "nik": demo_nik(index, sex, born, village),
                        "name": name,
                        "sex": sex,
                        "birth_date": born,
                        "address": address,
                        "village_code": village,
                        "conditions": kondisi,
                        "family_phone": f"08123400{index:04d}",
                    },
                )
            )
        batch = ImportBatch(
            channel=ImportBatch.Channel.CLI,
            state=ImportBatch.State.DONE,
            actor_label="cli:seed_demo",
            file_name="seed_demo",
        )
        outcome = import_rows(rows, batch=batch, actor=None)
        data_officer = User.objects.get(email=f"data@{DOMAIN}")
        lead = User.objects.get(email=f"lead@{DOMAIN}")
        reviewers = {
            "35.10.09": User.objects.get(email=f"reviewer.genteng@{DOMAIN}"),
            "35.10.05": User.objects.get(email=f"reviewer.muncar@{DOMAIN}"),
        }
        need = settings.PORTION_COST_RUPIAH * settings.MEALS_PER_DAY * settings.DAYS_PER_MONTH
        published = 0
        for (_n, raw), entry in zip(rows, RECIPIENTS, strict=True):
            profile = entry[-1]
            recipient = Recipient.objects.get(nik_hash=keyed_hash(raw["nik"]))  # type: ignore[arg-type]
            if profile is None or recipient.status != Status.CANDIDATE:
                continue
            reviewer = reviewers.get(recipient.kecamatan.code, lead)
            recipient.pseudonym, recipient.public_needs, recipient.story = profile
            recipient.monthly_need = need
            recipient.save(update_fields=["pseudonym", "public_needs", "story", "monthly_need"])
            recipient_transition(
                recipient=recipient, to_status=Status.IN_REVIEW, actor=data_officer
            )
            recipient_transition(recipient=recipient, to_status=Status.PUBLISHED, actor=reviewer)
            published += 1
        return outcome.created + published

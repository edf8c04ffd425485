"""Factories for the registry of recipients, shared by every part of the portal's tests.

RecipientFactory()                                   # a candidate in Genteng, no warnings
RecipientFactory(kecamatan_code=MUNCAR)              # the first village of Muncar
RecipientFactory(status=Status.PUBLISHED, publishable=True)
RecipientFactory(village=some_village, sex=Sex.FEMALE)
"""

import datetime

import factory
from django.utils import timezone

from accounts.pii import keyed_hash
from portal.models import PUBLISHED_OR_REACHED, PhotoConsent, Recipient, Sex, Source, Status
from portal.services.imports.rows import age_band
from regions.models import Village
from tests.factories import GENTENG

BIRTH_DATE = datetime.date(1950, 5, 12)


def nik_for(kecamatan_code: str, sex: str, birth: datetime.date, serial: int) -> str:
    """A NIK that the import accepts without a warning: the region of the kecamatan, the
    birth date (day + 40 for a woman) and a serial number other than 0000."""
    day = birth.day + (40 if sex == Sex.FEMALE else 0)
    region = kecamatan_code.replace(".", "")
    return f"{region}{day:02d}{birth.month:02d}{birth.year % 100:02d}{serial % 9999 + 1:04d}"


def village_of(kecamatan_code: str) -> Village:
    return Village.objects.filter(kecamatan__code=kecamatan_code).order_by("code").first()


class RecipientFactory(factory.django.DjangoModelFactory):
    """A valid recipient with encrypted identity set, as an import would create it.

    Parameters: ``kecamatan_code`` (default Genteng: the first village there), ``publishable``
    (a complete public profile: pseudonym, story, needs, monthly need). Pass ``status`` to put
    the record anywhere in the lifecycle; ``published_at`` follows for public statuses. One
    history row (from nothing to the initial status) is written, as the import does.
    """

    class Meta:
        model = Recipient
        skip_postgeneration_save = True

    class Params:
        kecamatan_code = GENTENG
        serial = factory.Sequence(lambda n: n)
        publishable = factory.Trait(
            pseudonym=factory.Sequence(lambda n: f"Mbah Sum {n}"),
            story="Suka menanam cabai di halaman dan bercerita tentang masa mudanya.",
            public_needs=["daily_meals", "companionship"],
            monthly_need=720_000,
        )

    status = Status.CANDIDATE
    source = Source.IMPORT
    sex = Sex.MALE
    birth_date = BIRTH_DATE
    nik = factory.LazyAttribute(
        lambda o: nik_for(
            o.village.kecamatan.code if o.village else o.kecamatan_code,
            o.sex,
            o.birth_date,
            o.serial,
        )
    )
    nik_hash = factory.LazyAttribute(lambda o: keyed_hash(o.nik))
    name = factory.Sequence(lambda n: f"Sumarno Wiryo {n}")
    address = factory.Sequence(lambda n: f"Jl. Melati No. {n + 1}")
    rt = "001"
    rw = "002"
    family_phone = "+6281234567890"
    conditions = "hidup_sendiri"
    notes = ""
    village = factory.LazyAttribute(lambda o: village_of(o.kecamatan_code))
    kecamatan = factory.LazyAttribute(lambda o: o.village.kecamatan)
    age_band = factory.LazyAttribute(lambda o: age_band(o.birth_date, timezone.localdate()))
    data_collected_on = factory.LazyFunction(timezone.localdate)
    published_at = factory.LazyAttribute(
        lambda o: timezone.now() if o.status in PUBLISHED_OR_REACHED else None
    )

    @factory.post_generation
    def history(self, create, extracted, **kwargs):
        if create and extracted is not False:
            from portal.services.lifecycle import history_start

            history_start(recipient=self, actor=None, actor_label="factory")


class PhotoConsentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PhotoConsent

    recipient = factory.SubFactory(RecipientFactory)
    given_by = "Siti (putri)"
    relationship = "daughter"
    given_on = factory.LazyFunction(timezone.localdate)
    recorded_by = None

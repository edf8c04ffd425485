"""Health inspections: the checklist and its score, photos without metadata, and the
suspension a failed or overdue inspection decides (no new plans, reviewers alerted once)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from PIL import Image

from accounts.models import AuditEvent, Role
from accounts.storage import private_storage
from meals.models import ChecklistItem, Inspection, Suspension
from meals.services.inspections import inspection_record, inspections_overdue_check
from meals.services.plans import PlanRefused
from notifications.models import Notification
from tests.factories import GENTENG, MUNCAR, make_official
from tests.factories.meals import jpeg_with_exif, plan_for, warung_in
from tests.factories.portal import RecipientFactory

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today()


@pytest.fixture
def inspector():
    return make_official(Role.HEALTH_INSPECTOR)


@pytest.fixture
def warung():
    return warung_in(GENTENG)


def record(inspector, warung, result="pass", **extra):
    values = {
        "actor": inspector,
        "warung": warung,
        "inspected_on": TODAY,
        "items_met": ChecklistItem.values,
        "result": result,
        "findings": "" if result == "pass" else "Dapur kotor",
        **extra,
    }
    return inspection_record(**values)


def listed(code=GENTENG):
    return RecipientFactory(kecamatan_code=code, publishable=True, status="published")


def test_the_score_is_the_share_of_the_checklist_met(inspector, warung):
    inspection = record(
        inspector, warung, items_met=ChecklistItem.values[:5], result="pass_with_notes"
    )
    assert inspection.score == round(100 * 5 / len(ChecklistItem.values))
    assert inspection.next_due == TODAY + datetime.timedelta(days=180)
    assert AuditEvent.objects.filter(action="meals.inspection_recorded").count() == 1


def test_photos_are_private_and_lose_their_metadata(inspector, warung):
    inspection = record(inspector, warung, photos=[jpeg_with_exif()])
    (photo,) = inspection.photos.all()
    with private_storage().open(photo.image.name, "rb") as stored:
        data = stored.read()
        stored.seek(0)
        with Image.open(stored) as image:
            assert not image.getexif()
    assert b"SecretCam" not in data
    with pytest.raises(NotImplementedError):
        photo.image.url  # noqa: B018  (private files have no URL)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"inspected_on": TODAY + datetime.timedelta(days=1)}, "future"),
        ({"items_met": ["golden_spoon"]}, "Unknown checklist item"),
        ({"result": "excellent"}, "Choose a result"),
        ({"result": "fail", "findings": "  "}, "findings"),
        ({"next_due": TODAY}, "due after"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(inspector, warung, extra, message):
    before = Inspection.objects.filter(warung=warung).count()
    with pytest.raises(ValidationError) as refused:
        record(inspector, warung, **extra)
    assert message in " ".join(refused.value.messages)
    assert Inspection.objects.filter(warung=warung).count() == before


def test_a_picture_that_is_not_one_is_refused(inspector, warung):
    before = Inspection.objects.filter(warung=warung).count()
    fake = jpeg_with_exif()
    fake.seek(0)
    fake = type(fake)(b"not a picture at all")
    with pytest.raises(ValidationError):
        record(inspector, warung, photos=[fake])
    assert Inspection.objects.filter(warung=warung).count() == before


def test_only_health_inspectors_record(warung):
    with pytest.raises(PermissionDenied):
        record(make_official(Role.LEAD_REVIEWER), warung)


def test_a_failed_inspection_suspends_blocks_new_plans_and_alerts_once(inspector, warung):
    reviewer = make_official(Role.REVIEWER, kecamatan=(GENTENG,))
    make_official(Role.REVIEWER, kecamatan=(MUNCAR,))  # another kecamatan: not told
    record(inspector, warung, result="fail")
    assert Suspension.objects.get(warung=warung).reason == "failed"
    with pytest.raises(PlanRefused, match="suspended"):
        plan_for(listed(), warung)
    # A second failure and the daily check change nothing and alert nobody again.
    record(inspector, warung, result="fail")
    inspections_overdue_check(today=TODAY + datetime.timedelta(days=30))
    alerts = Notification.objects.filter(template="warung_suspended")
    assert [n.user for n in alerts] == [reviewer]
    assert Suspension.objects.filter(warung=warung).count() == 1


def test_a_later_pass_lifts_the_suspension(inspector, warung):
    record(inspector, warung, result="fail")
    record(inspector, warung, result="pass")
    suspension = Suspension.objects.get(warung=warung)
    assert suspension.lifted_at is not None
    plan = plan_for(listed(), warung)
    assert plan.status == "active"


def test_an_overdue_inspection_suspends_once_on_the_daily_check(inspector, warung):
    make_official(Role.REVIEWER, kecamatan=(GENTENG,))
    record(inspector, warung, next_due=TODAY + datetime.timedelta(days=10))
    assert inspections_overdue_check(today=TODAY + datetime.timedelta(days=10)) == 0
    assert not Suspension.objects.exists()
    for days in (11, 12, 40):
        assert inspections_overdue_check(today=TODAY + datetime.timedelta(days=days)) == 1
    assert Suspension.objects.get().reason == "overdue"
    assert Notification.objects.filter(template="warung_suspended").count() == 1


def test_the_reviewers_of_the_kecamatan_are_told_or_the_lead_reviewers_when_none(inspector):
    lead = make_official(Role.LEAD_REVIEWER)
    record(inspector, warung_in(MUNCAR, name="Warung Muncar"), result="fail")
    assert [n.user for n in Notification.objects.filter(template="warung_suspended")] == [lead]

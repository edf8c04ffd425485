"""Health inspections: the checklist and its score, photos without metadata, and the
suspension a failed or overdue inspection decides (no new plans, reviewers alerted once)."""

import datetime
import re

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from PIL import Image

from accounts.models import AuditEvent, Role
from accounts.storage import private_storage
from core.time import today_wib
from meals.models import ChecklistItem, Inspection, Suspension
from meals.services.inspections import inspection_record, inspections_overdue_check
from meals.services.plans import PlanRefused
from notifications.models import Notification
from tests.factories import GENTENG, MUNCAR, make_official
from tests.factories.meals import jpeg_with_exif, plan_for, warung_in
from tests.factories.portal import RecipientFactory

pytestmark = pytest.mark.django_db
TODAY = today_wib()


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
        inspector, warung, items_met=ChecklistItem.values[:7], result="pass_with_notes"
    )
    assert inspection.score == round(100 * 7 / len(ChecklistItem.values)) == 64
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
        ({"inspected_on": TODAY + datetime.timedelta(days=1), "result": "fail"}, "future"),
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


# --- The result follows from the score (INSPECTION_PASS_SCORE, INSPECTION_PASS_WITH_NOTES_SCORE)


def met(count):
    return ChecklistItem.values[:count]


@pytest.mark.parametrize(
    ("count", "result", "needed"),
    [
        (8, "pass", 80),  # 73: a pass with notes at best
        (0, "pass", 80),
        (6, "pass_with_notes", 60),  # 55: a failure only
        (5, "pass_with_notes", 60),  # 45: the old demo's "Lulus dengan catatan (45/100)"
    ],
)
def test_a_result_the_score_does_not_allow_is_refused_changing_nothing(
    inspector, warung, count, result, needed
):
    score = round(100 * count / len(ChecklistItem.values))
    with pytest.raises(ValidationError) as refused:
        record(inspector, warung, items_met=met(count), result=result, findings="Catatan")
    assert list(refused.value.message_dict) == ["result"]
    (message,) = refused.value.messages
    assert f"A score of {score}/100 does not allow" in message
    assert f"at least {needed}/100" in message
    assert not Inspection.objects.filter(warung=warung, inspector=inspector).exists()
    assert not AuditEvent.objects.filter(action="meals.inspection_recorded").exists()
    assert not Suspension.objects.exists()


@pytest.mark.parametrize(
    ("count", "result"),
    [(9, "pass"), (11, "pass"), (7, "pass_with_notes"), (11, "pass_with_notes"), (0, "fail")],
)
def test_a_result_the_score_allows_is_recorded(inspector, warung, count, result):
    inspection = record(inspector, warung, items_met=met(count), result=result)
    assert inspection.result == result


def test_a_failure_is_allowed_at_any_score_with_its_reason(inspector, warung):
    with pytest.raises(ValidationError, match="findings"):
        record(inspector, warung, items_met=ChecklistItem.values, result="fail", findings="")
    assert not Inspection.objects.filter(inspector=inspector).exists()
    inspection = record(
        inspector,
        warung,
        items_met=ChecklistItem.values,
        result="fail",
        findings="Air untuk memasak dari sumur yang tercemar",
    )
    assert inspection.score == 100 and inspection.result == "fail"
    assert Suspension.objects.get(warung=warung).reason == "failed"


def test_the_thresholds_are_settings_and_a_threshold_is_met_at_its_score(
    inspector, warung, settings
):
    settings.INSPECTION_PASS_SCORE = 82  # 9 items
    settings.INSPECTION_PASS_WITH_NOTES_SCORE = 45  # 5 items
    assert Inspection.results_allowed(82) == ["pass", "pass_with_notes", "fail"]
    assert Inspection.results_allowed(81) == ["pass_with_notes", "fail"]
    assert Inspection.results_allowed(44) == ["fail"]
    record(inspector, warung, items_met=met(9), result="pass")
    record(inspector, warung, items_met=met(5), result="pass_with_notes")
    with pytest.raises(ValidationError, match="at least 82/100"):
        record(inspector, warung, items_met=met(8), result="pass")
    with pytest.raises(ValidationError, match="at least 45/100"):
        record(inspector, warung, items_met=met(4), result="pass_with_notes")


def test_inspections_recorded_before_the_rule_keep_their_result(inspector, warung):
    """History is not rewritten: a stored result the score would not allow today stays, the
    warung's standing still follows it, and its page shows it as it was recorded."""
    from meals.services.inspections import warung_standing_sync

    old = Inspection.objects.create(
        warung=warung,
        inspector=inspector,
        inspected_on=TODAY,
        items_met=met(5),
        score=45,
        result="pass_with_notes",
        findings="Sayur kurang bervariasi",
        next_due=TODAY + datetime.timedelta(days=180),
    )
    assert warung_standing_sync(warung=warung) is None  # still a pass: not suspended
    old.refresh_from_db()
    assert (old.score, old.result) == (45, "pass_with_notes")


# --- The form: the date pre-filled (WIB), the rule explained, the refusal on the page ----------


def form_url(warung, lang="/en"):
    return f"{lang}/petugas/makan/warung/{warung.pk}/inspeksi/"


def test_the_form_starts_at_today_in_wib_and_explains_the_rule(client, inspector, warung):
    # 18:30 UTC on 1 March is 01:30 WIB on 2 March: the inspector's today is the 2nd.
    with time_machine.travel(datetime.datetime(2026, 3, 1, 18, 30, tzinfo=datetime.UTC)):
        client.force_login(inspector)
        page = client.get(form_url(warung)).content.decode()
    assert 'name="inspected_on" value="2026-03-02"' in page
    assert 'max="2026-03-02"' in page
    assert "at least 80/100, a pass with notes at least 60/100" in page
    assert '<output id="inspection-score">0</output>/100' in page
    assert '<output id="inspection-allowed">Fail</output>' in page
    assert "js/inspection.js" in page


def test_the_form_refuses_a_result_the_score_does_not_allow_then_takes_an_allowed_one(
    client, inspector, warung
):
    client.force_login(inspector)
    data = {
        "inspected_on": TODAY.isoformat(),
        "items_met": met(8),
        "result": "pass",
        "findings": "Sayur kurang; tempat sampah terbuka; masakan pedas",
    }
    response = client.post(form_url(warung), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "A score of 73/100 does not allow “Pass”" in page
    assert "Not saved yet: correct what is marked below." in page  # said at the top
    # The help text now gives the score of the boxes ticked, computed by the server.
    assert '<output id="inspection-score">73</output>' in page
    assert '<output id="inspection-allowed">Pass with notes, Fail</output>' in page
    ticked = re.findall(r'<input type="checkbox" name="items_met"[^>]*>', page)
    assert sum(" checked" in box for box in ticked) == 8  # what was ticked stays ticked
    assert not Inspection.objects.filter(inspector=inspector).exists()
    response = client.post(form_url(warung), {**data, "result": "pass_with_notes"})
    inspection = Inspection.objects.get(inspector=inspector)
    assert response.status_code == 302 and response["Location"].endswith(
        f"/petugas/makan/inspeksi/{inspection.pk}/"
    )
    assert (inspection.score, inspection.result) == (73, "pass_with_notes")


def test_the_form_refuses_a_date_in_the_future_beside_the_date(client, inspector, warung):
    client.force_login(inspector)
    tomorrow = today_wib() + datetime.timedelta(days=1)
    response = client.post(
        form_url(warung),
        {"inspected_on": tomorrow.isoformat(), "items_met": ChecklistItem.values, "result": "pass"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["inspected_on"] == [
        "The inspection date cannot be in the future."
    ]
    assert not Inspection.objects.filter(inspector=inspector).exists()


def test_the_indonesian_form_states_the_rule_too(client, inspector, warung):
    client.force_login(inspector)
    response = client.post(
        form_url(warung, lang=""),
        {"inspected_on": TODAY.isoformat(), "items_met": met(8), "result": "pass"},
    )
    assert response.status_code == 200
    assert not Inspection.objects.filter(inspector=inspector).exists()
    assert '<output id="inspection-score">73</output>' in response.content.decode()

"""The manual entry form: one person, through the same pipeline as a Diskominfo file."""

import html

import pytest
from django.urls import NoReverseMatch, reverse
from django.utils import translation

from accounts.models import Role
from accounts.pii import keyed_hash
from portal.models import ImportBatch, Recipient, RecipientTransition, Source, Status
from regions.models import Village
from tests.factories import GENTENG, MUNCAR, UserFactory, make_official

ALLOWED = {Role.DATA_OFFICER, Role.REVIEWER, Role.LEAD_REVIEWER, Role.ADMINISTRATOR}
KEMBIRITAN = "35.10.09.2001"  # in Genteng

SITI = {
    "nik": "3510094107450003",
    "name": "Siti Aminah",
    "sex": "P",
    "birth_date": "1945-07-01",
    "address": "Dusun Krajan",
    "rt": "3",
    "rw": "1",
    "village": KEMBIRITAN,
    "family_phone": "081234567890",
    "conditions": ["hidup_sendiri", "sakit_kronis"],
    "notes": "Tinggal dekat masjid.",
    "data_collected_on": "2026-10-01",
    "service_status": "belum_terjangkau",
}


@pytest.fixture(autouse=True)
def _english(db):
    with translation.override("en"):
        yield


def enter(client, **changes):
    data = {**SITI, **changes}
    return client.post(reverse("portal:manual_entry"), {k: v for k, v in data.items() if v})


def expected_next(recipient) -> str:
    try:
        return reverse("portal:review_record", kwargs={"public_id": recipient.public_id})
    except NoReverseMatch:
        return reverse("portal:officials_home")


def nothing_written(private_root) -> bool:
    files = [p for p in private_root.rglob("*") if p.is_file()] if private_root.exists() else []
    return (
        not Recipient.objects.exists()
        and not ImportBatch.objects.exists()
        and not RecipientTransition.objects.exists()
        and not files
    )


def test_the_form_offers_villages_grouped_by_kecamatan(client, officer):
    page = client.get(reverse("portal:manual_entry")).content.decode()
    assert '<optgroup label="Genteng">' in page
    assert f'<option value="{KEMBIRITAN}">Kembiritan</option>' in page
    assert 'type="checkbox" name="conditions" value="hidup_sendiri"' in page
    assert '<label for="id_nik">NIK' in page


def test_a_valid_entry_creates_a_candidate_with_its_history(client, officer):
    response = enter(client)
    person = Recipient.objects.get()
    assert response.status_code == 302
    assert response["Location"] == expected_next(person)

    assert person.nik == SITI["nik"]
    assert person.name == "Siti Aminah"
    assert (person.rt, person.rw, person.family_phone) == ("003", "001", "+6281234567890")
    assert person.village.code == KEMBIRITAN and person.kecamatan.code == GENTENG
    assert person.condition_list == ["hidup_sendiri", "sakit_kronis"]
    assert person.notes == "Tinggal dekat masjid."
    assert str(person.data_collected_on) == "2026-10-01"
    assert person.status == Status.CANDIDATE
    assert person.source == Source.MANUAL
    assert person.entered_by == officer
    assert person.warnings == []

    history = RecipientTransition.objects.get(recipient=person)
    assert (history.from_status, history.to_status, history.actor) == ("", "candidate", officer)
    batch = ImportBatch.objects.get()
    assert (batch.channel, batch.state, batch.actor, batch.created) == (
        "manual",
        "done",
        officer,
        1,
    )
    assert person.last_import == batch


def test_terjangkau_is_counted_as_served_elsewhere(client, officer):
    enter(client, service_status="terjangkau")
    assert Recipient.objects.get().status == Status.SERVED_ELSEWHERE


def test_warnings_are_shown_after_saving(client, officer):
    response = enter(client, sex="L")
    person = Recipient.objects.get()
    assert "nik_sex_mismatch" in person.warnings
    page = client.get(response["Location"], follow=True).content.decode()
    assert "Saved: a record for NIK 3510••••••••0003." in page
    assert "The sex encoded in the NIK disagrees with JENIS KELAMIN." in page


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"nik": "3.51009E+15"}, "The NIK is not 16 digits"),
        ({"nik": "351009410745000"}, "The NIK is not 16 digits"),
        ({"nik": "3510093207450003"}, "The NIK's date part is impossible."),
        ({"birth_date": "1999-07-01"}, "under 60"),
        ({"birth_date": "31-02-1950"}, "The birth date is missing or impossible."),
    ],
)
def test_a_rejected_entry_shows_the_reason_and_writes_nothing(
    client, officer, private_root, changes, reason
):
    response = enter(client, **changes)
    assert response.status_code == 200
    errors = response.context["form"].non_field_errors()
    assert len(errors) == 1 and reason in errors[0]
    assert reason in html.unescape(response.content.decode())
    assert nothing_written(private_root)


def test_a_person_already_registered_is_not_entered_again(client, officer):
    enter(client)
    before = Recipient.objects.get()
    response = enter(client, address="Alamat lain", name="Orang Lain")
    assert response.status_code == 200
    assert "already in the registry" in response.context["form"].non_field_errors()[0]
    after = Recipient.objects.get()
    assert (after.address, after.name, after.updated_at) == (
        "Dusun Krajan",
        "Siti Aminah",
        before.updated_at,
    )
    assert ImportBatch.objects.count() == 1


def test_an_erased_person_is_refused_with_the_pipelines_reason(client, officer, private_root):
    enter(client)
    Recipient.objects.update(status=Status.ERASED)
    response = enter(client)
    assert "erased at their request" in response.context["form"].non_field_errors()[0]
    assert Recipient.objects.filter(nik_hash=keyed_hash(SITI["nik"])).count() == 1


def test_missing_required_fields_are_form_errors(client, officer, private_root):
    response = client.post(reverse("portal:manual_entry"), {"name": "Tanpa NIK"})
    assert response.status_code == 200
    assert set(response.context["form"].errors) >= {"nik", "sex", "birth_date", "address"}
    assert nothing_written(private_root)


def test_a_reviewer_enters_people_only_in_their_kecamatan(client, db, private_root):
    reviewer = make_official(Role.REVIEWER, kecamatan=(GENTENG,))
    client.force_login(reviewer)
    page = client.get(reverse("portal:manual_entry")).content.decode()
    assert '<optgroup label="Genteng">' in page
    assert '<optgroup label="Muncar">' not in page

    muncar = Village.objects.filter(kecamatan__code=MUNCAR).first()
    response = enter(client, village=muncar.code)
    assert "village" in response.context["form"].errors
    assert nothing_written(private_root)

    assert enter(client).status_code == 302
    assert Recipient.objects.get().entered_by == reviewer


# --- Who may open the form ---------------------------------------------------------------------


def user_with(role):
    if role == Role.DONOR:
        return UserFactory()
    return make_official(
        role, kecamatan=(GENTENG,) if role == Role.REVIEWER else (), totp=role != Role.STUDENT
    )


@pytest.mark.parametrize("role", Role.values)
def test_only_registry_roles_open_the_form(client, db, role):
    client.force_login(user_with(role))
    url = reverse("portal:manual_entry")
    assert client.get(url).status_code == (200 if role in ALLOWED else 403)
    response = enter(client)
    assert response.status_code == (302 if role in ALLOWED else 403)
    assert Recipient.objects.exists() == (role in ALLOWED)


def test_a_visitor_is_sent_to_sign_in(client, db):
    for response in (client.get(reverse("portal:manual_entry")), enter(client)):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    assert not Recipient.objects.exists()

"""POST /api/v1/recipients/batches/: Diskominfo's rows as JSON, through the one pipeline."""

import datetime
import json

import pytest
from django.core.files.storage import storages
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation
from knox.models import AuthToken

from accounts.models import AuditEvent, Role
from portal.models import ImportBatch, Recipient, RecipientTransition, Source
from portal.services.api_batches import MAX_ROWS
from tests.factories import GENTENG, make_official

URL = "/api/v1/recipients/batches/"

SITI = {
    "NIK": "3510094107450003",
    "NAMA": "Siti Aminah",
    "JENIS KELAMIN": "P",
    "TANGGAL LAHIR": "01-07-1945",
    "ALAMAT": "Dusun Krajan",
    "KODE DESA": "35.10.09.2001",
}
# The same columns spelt as another exporter spells them.
MARUF = {
    "nik": "3510090101500001",
    "nama": "Ma'ruf",
    "jenis_kelamin": "L",
    "Tanggal-Lahir": "1950-01-01",
    "alamat": "Jl. Mawar 1",
    "desa": "Kembiritan",
    "Kecamatan": "Genteng",
}
# Sex in the NIK (a woman: day + 40) disagrees with JENIS KELAMIN: accepted with a warning.
SUMI = {**SITI, "NIK": "3510095203400002", "JENIS KELAMIN": "L", "TANGGAL LAHIR": "12-03-1940"}
CHILD = {**SITI, "NIK": "3510090101150001", "TANGGAL LAHIR": "01-01-2015"}


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "accounts.storage.PrivateStorage",
            "OPTIONS": {"location": tmp_path / "private"},
        },
    }
    storages._storages.pop("private", None)
    yield
    storages._storages.pop("private", None)


def token_for(user, **kwargs) -> str:
    return AuthToken.objects.create(user=user, **kwargs)[1]


@pytest.fixture
def officer(db):
    return make_official(Role.DATA_OFFICER)


@pytest.fixture
def token(officer):
    return token_for(officer)


def post(client, body, token=None, *, language="en"):
    headers = {"Accept-Language": language}
    if token:
        headers["Authorization"] = f"Token {token}"
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(URL, data=data, content_type="application/json", headers=headers)


def nothing_written():
    return not ImportBatch.objects.exists() and not Recipient.objects.exists()


# --- Who may send ------------------------------------------------------------------------------


def test_the_address_is_the_documented_one():
    assert reverse("api_recipient_batches") == URL


def test_without_a_token_is_401(client, db):
    response = post(client, {"batch_id": "a", "rows": [SITI]})
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert nothing_written()


def test_an_unknown_token_is_401(client, db):
    assert post(client, {"batch_id": "a", "rows": [SITI]}, "not-a-token").status_code == 401


def test_an_expired_token_is_401(client, officer):
    expired = token_for(officer, expiry=datetime.timedelta(seconds=-1))
    assert post(client, {"batch_id": "a", "rows": [SITI]}, expired).status_code == 401
    assert nothing_written()


@pytest.mark.parametrize("role", [Role.REVIEWER, Role.LEAD_REVIEWER, Role.ADMINISTRATOR, None])
def test_a_token_of_anyone_but_a_data_officer_is_403(client, db, role):
    from tests.factories import UserFactory

    user = (
        make_official(role, kecamatan=(GENTENG,) if role == Role.REVIEWER else ())
        if role
        else UserFactory()
    )
    response = post(client, {"batch_id": "a", "rows": [SITI]}, token_for(user))
    assert response.status_code == 403
    assert "data officer" in response.json()["detail"]
    assert nothing_written()


def test_a_signed_in_browser_session_is_not_enough(client, officer):
    client.force_login(officer)
    assert post(client, {"batch_id": "a", "rows": [SITI]}).status_code == 401


# --- Importing ---------------------------------------------------------------------------------


def test_the_first_post_imports_and_answers_201_with_counts_and_row_outcomes(
    client, officer, token
):
    rows = [SITI, MARUF, {**SITI, "NIK": "3.51009E+15"}, SUMI, CHILD, {**SITI, "WARNA": "biru"}]
    response = post(client, {"batch_id": "dk-2026-11-01", "rows": rows}, token)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["batch_id"] == "dk-2026-11-01"
    # Row 6 repeats Siti's NIK: the first occurrence wins.
    assert body["counts"] == {
        "created": 3,
        "updated": 0,
        "unchanged": 0,
        "rejected": 3,
        "warned": 1,
    }
    rejected = {r["row"]: r for r in body["rejected_rows"]}
    assert set(rejected) == {3, 5, 6}
    assert "16 digits" in rejected[3]["reason"]
    assert "under 60" in rejected[5]["reason"]
    assert "earlier row" in rejected[6]["reason"]
    assert rejected[5]["nik"] == "3510••••••••0001"
    assert [(w["row"], w["nik"]) for w in body["warned_rows"]] == [(4, "3510••••••••0002")]
    assert "sex encoded in the NIK" in body["warned_rows"][0]["reason"]
    assert body["notes"] == ["Unknown columns, ignored: WARNA"]

    batch = ImportBatch.objects.get()
    assert (batch.channel, batch.actor, batch.external_id) == ("api", officer, "dk-2026-11-01")
    assert body["import_id"] == batch.pk
    assert Recipient.objects.count() == 3
    assert set(Recipient.objects.values_list("source", flat=True)) == {Source.IMPORT}
    assert set(Recipient.objects.values_list("entered_by", flat=True)) == {officer.pk}


def test_a_repeated_batch_id_returns_the_first_result_and_imports_nothing(client, token):
    body = {"batch_id": "dk-1", "rows": [SITI, MARUF, CHILD]}
    first = post(client, body, token)
    transitions = RecipientTransition.objects.count()

    again = post(client, body, token)
    assert again.status_code == 200
    assert again.json() == first.json()
    # Even with other rows: the id names the batch.
    other_rows = post(client, {"batch_id": "dk-1", "rows": [SUMI]}, token)
    assert other_rows.status_code == 200
    assert other_rows.json() == first.json()

    assert ImportBatch.objects.count() == 1
    assert Recipient.objects.count() == 2
    assert RecipientTransition.objects.count() == transitions


def test_the_same_batch_id_from_another_sender_is_another_batch(client, token):
    post(client, {"batch_id": "dk-1", "rows": [SITI]}, token)
    other = make_official(Role.DATA_OFFICER)
    response = post(client, {"batch_id": "dk-1", "rows": [SITI]}, token_for(other))
    assert response.status_code == 201
    assert response.json()["counts"]["unchanged"] == 1


def test_the_same_rows_under_a_new_batch_id_are_unchanged(client, token):
    post(client, {"batch_id": "dk-1", "rows": [SITI, MARUF]}, token)
    response = post(client, {"batch_id": "dk-2", "rows": [SITI, MARUF]}, token)
    assert response.status_code == 201
    assert response.json()["counts"] == {
        "created": 0,
        "updated": 0,
        "unchanged": 2,
        "rejected": 0,
        "warned": 0,
    }
    assert Recipient.objects.count() == 2
    assert ImportBatch.objects.count() == 2


def test_values_are_cleaned_like_file_cells(client, token):
    row = {**SITI, "RT": 3, "NO HP KELUARGA": " 0812-3456-7890 "}
    # A NIK sent as a JSON number is refused as a numeric spreadsheet cell is: it must be text.
    as_number = {**MARUF, "nik": int(MARUF["nik"])}
    response = post(client, {"batch_id": "n", "rows": [row, as_number]}, token)
    assert response.status_code == 201
    assert [r["row"] for r in response.json()["rejected_rows"]] == [2]
    person = Recipient.objects.get()
    assert (person.nik, person.rt, person.family_phone) == (
        "3510094107450003",
        "003",
        "+6281234567890",
    )


# --- Refused requests --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ("{not json", "detail"),
        ([SITI], "non_field_errors"),
        ({"rows": [SITI]}, "batch_id"),
        ({"batch_id": "", "rows": [SITI]}, "batch_id"),
        ({"batch_id": "x" * 101, "rows": [SITI]}, "batch_id"),
        ({"batch_id": "a"}, "rows"),
        ({"batch_id": "a", "rows": []}, "rows"),
        ({"batch_id": "a", "rows": {"NIK": "1"}}, "rows"),
        ({"batch_id": "a", "rows": [SITI, "3510094107450003"]}, "rows"),
        ({"batch_id": "a", "rows": [SITI, {**MARUF, "NAMA": ["Ma'ruf"]}]}, "rows"),
    ],
)
def test_a_malformed_body_is_400_and_writes_nothing(client, token, body, field):
    response = post(client, body, token)
    assert response.status_code == 400
    assert field in response.json()
    assert nothing_written()


def test_shape_errors_name_the_row_by_its_1_based_position(client, token):
    response = post(client, {"batch_id": "a", "rows": [SITI, 7, {"NAMA": {"x": 1}}]}, token)
    assert response.json()["rows"] == [
        "Row 2 is not an object of column names and values.",
        "Row 3: the value of NAMA must be text, a number or null.",
    ]


def test_messages_are_translated(client, token):
    response = post(client, {"rows": [SITI]}, token, language="id")
    assert response.status_code == 400
    assert response.json()["batch_id"] == ["Bidang ini harus diisi."]


def test_too_many_rows_are_refused_whole(client, token):
    response = post(client, {"batch_id": "big", "rows": [{"NIK": "1"}] * (MAX_ROWS + 1)}, token)
    assert response.status_code == 413
    assert f"at most {MAX_ROWS} rows" in response.json()["detail"]
    assert nothing_written()


def test_the_schema_documents_the_endpoint(client, db):
    schema = client.get("/api/schema/", headers={"Accept": "application/json"})
    assert schema.status_code == 200
    operation = json.loads(schema.content)["paths"][URL]["post"]
    assert operation["operationId"] == "recipients_batches_create"
    assert {"200", "201", "400", "401", "403", "413"} <= set(operation["responses"])
    assert operation["security"] == [{"knoxApiToken": []}]


def schema_example(client) -> dict:
    schema = json.loads(client.get("/api/schema/", headers={"Accept": "application/json"}).content)
    examples = schema["paths"][URL]["post"]["requestBody"]["content"]["application/json"]
    return next(iter(examples["examples"].values()))["value"]


def test_the_schema_example_is_nobody_of_the_demo_data(client, db):
    """The schema is public: an example copied from seed_demo reads as a resident's record."""
    from portal.management.commands.seed_demo import RECIPIENTS, demo_nik

    text = json.dumps(schema_example(client))
    for index, (name, sex, birth, address, village, _kondisi, _profile) in enumerate(RECIPIENTS):
        born = datetime.date.fromisoformat(birth)
        for value in (
            demo_nik(index, sex, born, village),
            name,
            birth,
            born.strftime("%d-%m-%Y"),
            address,
        ):
            assert value not in text, value
    assert "Contoh" in text  # invented on sight: "contoh" is Indonesian for "example"


def test_the_schema_example_is_a_batch_the_api_accepts(client, token):
    response = post(client, schema_example(client), token)
    assert response.status_code == 201, response.content
    assert Recipient.objects.count() == 2


# --- Tokens ------------------------------------------------------------------------------------


def test_create_api_token_prints_a_working_token_once(client, officer, capsys):
    call_command("create_api_token", "--email", officer.email.upper(), "--days", "30")
    out = capsys.readouterr().out.strip().splitlines()
    token = out[-1]
    stored = AuthToken.objects.get(user=officer)
    assert token not in (stored.digest, stored.token_key)  # only a hash is kept
    expected = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=30)
    assert abs((stored.expiry - expected).total_seconds()) < 60
    assert post(client, {"batch_id": "a", "rows": [SITI]}, token).status_code == 201
    event = AuditEvent.objects.get(action="api.token_created")
    assert event.target == f"accounts.user:{officer.public_ref}"
    assert event.actor_label == "cli:create_api_token"
    assert token not in json.dumps(event.details)


def test_create_api_token_refuses_an_unknown_address_and_other_roles(db):
    translation.activate("en")
    with pytest.raises(CommandError, match="No active account"):
        call_command("create_api_token", "--email", "nobody@example.org")
    reviewer = make_official(Role.REVIEWER, kecamatan=(GENTENG,))
    with pytest.raises(CommandError, match="not a data officer"):
        call_command("create_api_token", "--email", reviewer.email)
    officer = make_official(Role.DATA_OFFICER)
    with pytest.raises(CommandError, match="at least one day"):
        call_command("create_api_token", "--email", officer.email, "--days", "0")
    assert not AuthToken.objects.exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_simultaneous_posts_of_one_batch_import_once(postgres):
    import threading

    from django.db import connection

    from portal.services.api_batches import api_batch_import

    officer = make_official(Role.DATA_OFFICER)
    barrier = threading.Barrier(2)
    results = []

    def send():
        try:
            barrier.wait()
            batch, imported = api_batch_import(
                actor=officer, batch_id="dk-1", records=[SITI, MARUF]
            )
            results.append((batch.pk, imported))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(imported for _pk, imported in results) == [False, True]
    assert len({pk for pk, _imported in results}) == 1
    assert ImportBatch.objects.count() == 1
    assert Recipient.objects.count() == 2

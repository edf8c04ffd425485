"""Where each role lands after signing in (the page of its work), the chooser of a person with
several roles, and what waits for them counted there and in the officials' area."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from django.utils import translation

from accounts import registry
from accounts.models import OFFICIAL_ROLES, Role, RoleGrant
from accounts.selectors import work_pages
from accounts.services import role_grant
from portal.models import Status
from regions.models import Kecamatan
from tests.factories import GENTENG, MUNCAR, PASSWORD, UserFactory, make_official, totp_code
from tests.factories.finance import bank_gift
from tests.factories.portal import RecipientFactory
from tests.factories.volunteers import StudentFactory

R = Role
START = "/akun/saya/mulai/"
# Written out by hand, not read from the registry, so that moving a role's landing page
# fails here until this table is changed on purpose.
LANDING = {
    R.DATA_OFFICER: "/petugas/impor/",
    R.REVIEWER: "/petugas/registri/",
    R.LEAD_REVIEWER: "/petugas/perhatian/",
    R.FINANCE_OFFICER: "/petugas/keuangan/transfer/",
    R.HEALTH_INSPECTOR: "/petugas/makan/",
    R.SCHOOL_COORDINATOR: "/petugas/sekolah/",
    R.STUDENT: "/kunjungan/",
    R.DONOR: "/donasi/saya/",
    R.ADMINISTRATOR: "/petugas/",
}


def person_with(role: str):
    """A person holding ``role`` only, with its scope (an official with TOTP)."""
    if role == R.STUDENT:
        return StudentFactory().user
    if role == R.DONOR:
        user = UserFactory()
        RoleGrant.objects.create(user=user, role=R.DONOR)
        return user
    return make_official(role, kecamatan=(GENTENG,) if role == R.REVIEWER else ())


def sign_in(client, user, *, query: str = ""):
    """Password, then the TOTP code for an official: the response that ends signing in."""
    response = client.post(
        reverse("account_login") + query, {"login": user.email, "password": PASSWORD}
    )
    assert response.status_code == 302, response.content[:300]
    if user.is_official:
        assert response["Location"] == reverse("mfa_authenticate")
        response = client.post(reverse("mfa_authenticate"), {"code": totp_code(user)})
        assert response.status_code == 302
    assert "_auth_user_id" in client.session
    return response


def main_of(response) -> str:
    """The page's main content, without the site's menu (which links some pages too)."""
    return response.content.decode().split("<main", 1)[1].split("</main>", 1)[0]


def grant(user, role: str, *, kecamatan: tuple[str, ...] = ()) -> None:
    role_grant(
        user=user,
        role=role,
        kecamatan=Kecamatan.objects.filter(code__in=kecamatan),
        actor_label="test",
    )
    user.__dict__.pop("roles", None)


def test_the_table_names_every_role():
    assert set(LANDING) == set(Role.values)


@pytest.mark.parametrize("role", Role.values)
def test_each_role_lands_on_the_page_of_its_work(client, db, role):
    response = sign_in(client, person_with(role))
    assert response["Location"] == LANDING[role]
    assert client.get(response["Location"]).status_code == 200


@pytest.mark.parametrize("role", [R.REVIEWER, R.DONOR, R.STUDENT])
def test_a_safe_next_wins_over_the_landing_page(client, db, role):
    # Through the TOTP step too (the reviewer): the address asked for is where they go.
    response = sign_in(client, person_with(role), query="?next=/donasi/transparansi/")
    assert response["Location"] == "/donasi/transparansi/"


@pytest.mark.parametrize(
    "unsafe", ["https://evil.example.org/petugas/", "//evil.example.org/", "javascript:alert(1)"]
)
@pytest.mark.parametrize("role", [R.REVIEWER, R.DONOR])
def test_an_unsafe_next_is_refused_for_the_landing_page(client, db, role, unsafe):
    from urllib.parse import quote

    response = sign_in(client, person_with(role), query=f"?next={quote(unsafe, safe='')}")
    assert response["Location"] == LANDING[role]


def test_a_person_without_a_role_lands_on_their_account(client, db):
    response = sign_in(client, UserFactory())
    assert response["Location"] == reverse("accounts:home")


def test_a_person_with_several_roles_lands_on_the_chooser(client, db):
    user = make_official(R.REVIEWER, kecamatan=(GENTENG,))
    grant(user, R.FINANCE_OFFICER)
    grant(user, R.DONOR)
    response = sign_in(client, user)
    assert response["Location"] == START

    page = client.get(START)
    assert page.status_code == 200
    html = main_of(page)
    for role in (R.REVIEWER, R.FINANCE_OFFICER, R.DONOR):
        assert f'href="{LANDING[role]}"' in html, role
    # Only their roles' pages.
    for role in (R.DATA_OFFICER, R.HEALTH_INSPECTOR, R.SCHOOL_COORDINATOR, R.STUDENT):
        assert f'href="{LANDING[role]}"' not in html, role


def test_a_safe_next_wins_over_the_chooser(client, db):
    user = make_official(R.HEALTH_INSPECTOR)
    grant(user, R.FINANCE_OFFICER)
    assert sign_in(client, user, query="?next=/petugas/makan/")["Location"] == "/petugas/makan/"


def test_a_student_who_gives_chooses_between_visits_and_gifts(client, db):
    user = StudentFactory().user
    grant(user, R.DONOR)
    assert sign_in(client, user)["Location"] == START
    html = main_of(client.get(START))
    assert 'href="/kunjungan/"' in html and 'href="/donasi/saya/"' in html
    assert 'href="/petugas/' not in html


def test_the_chooser_counts_what_waits_on_each_page_in_its_scope(client, db):
    user = make_official(R.REVIEWER, kecamatan=(GENTENG,))
    grant(user, R.FINANCE_OFFICER)
    for _ in range(2):
        RecipientFactory(kecamatan_code=GENTENG, status=Status.IN_REVIEW)
    RecipientFactory(kecamatan_code=MUNCAR, status=Status.IN_REVIEW)  # outside their scope
    bank_gift()
    client.force_login(user)
    with translation.override("en"):
        html = client.get(f"/en{START}").content.decode()
    assert "2 records submitted and waiting for your review" in html
    assert "1 transfer proof to match" in html
    assert "3 records" not in html
    # Each count links to the page's view of what it counts.
    assert 'href="/en/petugas/registri/?status=in_review"' in html


def test_a_page_with_nothing_waiting_says_so(client, db):
    user = make_official(R.HEALTH_INSPECTOR)
    grant(user, R.FINANCE_OFFICER)
    client.force_login(user)
    with translation.override("en"):
        html = client.get(f"/en{START}").content.decode()
    assert html.count("Nothing waits for you here.") == 2


def test_the_chooser_reads_few_queries_whatever_waits(client, db, django_assert_max_num_queries):
    user = make_official(R.REVIEWER, kecamatan=(GENTENG, MUNCAR))
    for role in (R.FINANCE_OFFICER, R.HEALTH_INSPECTOR, R.DONOR):
        grant(user, role)
    for _ in range(5):
        RecipientFactory(kecamatan_code=GENTENG, status=Status.IN_REVIEW)
        bank_gift()
    client.force_login(user)
    # Session, user, TOTP check, roles, then one query for each of the three pages that count.
    with django_assert_max_num_queries(7):
        assert client.get(START).status_code == 200


def test_an_official_without_totp_enrols_before_the_chooser(client, db):
    user = make_official(R.REVIEWER, kecamatan=(GENTENG,), totp=False)
    grant(user, R.FINANCE_OFFICER)
    client.force_login(user)
    response = client.get(START)
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")


def test_a_visitor_is_sent_to_sign_in_from_the_chooser(client, db):
    response = client.get(START)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_a_person_without_a_role_is_told_so_on_the_chooser(client, db):
    client.force_login(UserFactory())
    with translation.override("en"):
        html = client.get(f"/en{START}").content.decode()
    assert "Your account holds no role with a page of its own yet." in html
    assert 'class="work-pages"' not in html


def test_the_officials_area_shows_what_waits_for_each_of_their_roles(client, db):
    user = make_official(R.REVIEWER, kecamatan=(GENTENG,))
    grant(user, R.FINANCE_OFFICER)
    grant(user, R.DONOR)
    RecipientFactory(kecamatan_code=GENTENG, status=Status.CANDIDATE)
    RecipientFactory(kecamatan_code=MUNCAR, status=Status.CANDIDATE)
    client.force_login(user)
    with translation.override("en"):
        html = client.get("/en/petugas/").content.decode()
    assert "1 candidate not yet submitted for review" in html
    assert 'id="work-portal-review_queue"' in html
    assert 'id="work-donations-fin_transfers"' in html
    # A page that counts nothing (their gifts) is in the menu, not among the counts.
    assert 'id="work-donations-donor_home"' not in html


def test_a_single_role_official_sees_their_counts_in_the_officials_area(client, db):
    client.force_login(make_official(R.HEALTH_INSPECTOR))
    with translation.override("en"):
        html = client.get("/en/petugas/").content.decode()
    assert 'id="work-meals-home"' in html


def test_every_role_has_a_page_of_its_work():
    for role in Role.values:
        work = registry.role_work(role)
        assert work is not None, role
        assert reverse(work.url_name) == LANDING[role]
        # Every official role but the administrator's counts what waits for it.
        if role in OFFICIAL_ROLES - {R.ADMINISTRATOR} or role == R.STUDENT:
            assert work.waiting is not None, role


def test_a_role_has_one_page_only():
    with pytest.raises(ImproperlyConfigured):
        registry.register_role_work(role=R.REVIEWER, url_name="portal:officials_home", title="x")
    assert registry.role_work(R.REVIEWER).url_name == "portal:review_queue"


def test_work_pages_follow_the_order_of_the_roles(db):
    user = make_official(R.ADMINISTRATOR)
    grant(user, R.DATA_OFFICER)
    assert [page.url_name for page in work_pages(user)] == [
        "portal:import_upload",
        "portal:officials_home",
    ]

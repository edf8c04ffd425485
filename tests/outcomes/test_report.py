"""The printable monthly outcome report for officials, and its PDF: the same figures as the
officials' figures page (the same selector, on the fixture month of test_outcomes), the scope
of each role, the month refused in words."""

import datetime
import io
import re
from html import unescape

import pypdf
import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from accounts.models import AuditEvent, Role
from outcomes.reports import count, percent
from outcomes.selectors.figures import FIGURE_NAMES, outcome_figures
from regions.models import Kecamatan
from tests.factories import GENTENG, MUNCAR, make_official
from tests.outcomes.test_outcomes import MARCH, WIB, fixture_month  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

REPORT = "/en/petugas/makan/capaian/laporan/"
PDF = "/en/petugas/makan/capaian/laporan/pdf/"
APRIL_2 = datetime.datetime(2026, 4, 2, 9, 30, tzinfo=WIB)


@pytest.fixture
def after_march():
    with time_machine.travel(APRIL_2, tick=False):
        yield


def pk(code: str) -> int:
    return Kecamatan.objects.get(code=code).pk


def lines(response) -> dict[str, str]:
    """figure key -> the value the page shows for the area."""
    html = unescape(response.content.decode())
    return dict(
        re.findall(r'<tr data-figure="(\w+)"><th scope="row">[^<]*</th><td>([^<]*)</td>', html)
    )


def pdf_text(content: bytes) -> str:
    """The text of every page; a no-break space reads as a space (so compare with ``plain``)."""
    reader = pypdf.PdfReader(io.BytesIO(content))
    return plain("\n".join(page.extract_text() for page in reader.pages))


def plain(text: str) -> str:
    return text.replace("\u00a0", " ")


# --- The same figures as the figures page --------------------------------------------------------


@pytest.mark.usefixtures("fixture_month")
def test_a_kecamatans_report_shows_the_figures_pages_figures(client, after_march):
    lead = make_official(Role.LEAD_REVIEWER)
    client.force_login(lead)
    response = client.get(REPORT, {"bulan": "2026-03", "wilayah": GENTENG})
    assert response.status_code == 200
    report = response.context["report"]
    computed = outcome_figures(month=MARCH, now=APRIL_2)
    assert report.figures == computed[pk(GENTENG)]
    # The figures page of the same month shows the same Figures for Genteng.
    page = client.get("/en/petugas/makan/capaian/", {"bulan": "2026-03"})
    assert dict(page.context["rows"])["Genteng"] == report.figures
    # By hand (test_outcomes): Genteng listed 2, reached 1, funded 1; meals 82 planned, 68
    # delivered, one "not at home"; warung 2, one valid.
    shown = lines(response)
    assert (shown["listed"], shown["reached"], shown["funded"]) == ("2", "1", "1")
    assert (shown["meals_planned"], shown["meals_delivered"], shown["not_home"]) == (
        "82",
        "68",
        "1",
    )
    assert (shown["warung_active"], shown["warung_valid"]) == ("2", "1")
    assert shown["reached_share"] == "50.0%"
    assert shown["delivered_share"] == percent(round(100 * 68 / 82, 1)) == "82.9%"
    # Every figure of the selector is on the page, written as the figures page writes it.
    for name in FIGURE_NAMES:
        if name != "days_to_reach_median":
            assert shown[name] == count(getattr(report.figures, name)), name


@pytest.mark.usefixtures("fixture_month")
def test_the_regencys_report_has_every_kecamatan_and_the_total(client, after_march):
    client.force_login(make_official(Role.DATA_OFFICER))
    response = client.get(REPORT, {"bulan": "2026-03", "wilayah": "kabupaten"})
    assert response.status_code == 200
    report = response.context["report"]
    computed = outcome_figures(month=MARCH, now=APRIL_2)
    assert report.figures == computed[None]
    assert len(report.kecamatan) == 25
    assert {row.name: row.figures for row in report.kecamatan} == {
        k.name: computed[k.pk] for k in Kecamatan.objects.all()
    }
    shown = lines(response)
    assert (shown["listed"], shown["reached"], shown["meals_planned"]) == ("3", "2", "114")
    html = unescape(response.content.decode())
    # Muncar's row of the meals table: 32 planned, 30 delivered, 1 refused, warung 1 / 1.
    muncar = re.search(
        r'<th scope="row">Muncar</th>((?:<td>[^<]*</td>)+)</tr>',
        html.split('id="kecamatan-meals"')[1],
    )
    cells = re.findall(r"<td>([^<]*)</td>", muncar.group(1))
    assert cells[:2] == ["32", "30"] and cells[4] == "1" and cells[5] == "1 / 1"


@pytest.mark.usefixtures("fixture_month")
def test_the_header_names_the_programme_the_area_the_period_and_when_in_wib(client, after_march):
    client.force_login(make_official(Role.LEAD_REVIEWER))
    html = unescape(client.get(REPORT, {"bulan": "2026-03", "wilayah": MUNCAR}).content.decode())
    head = html.split('<header class="report-head">')[1].split("</header>")[0]
    assert "Rantang Kasih Banyuwangi" in head
    assert "Monthly outcome report · March 2026" in head
    assert "Muncar" in head
    assert "1–31 March 2026" in head
    assert "Generated on 2 April 2026 at 09:30 WIB" in head
    # The page's navigation is marked to stay off paper.
    assert 'class="no-print report-controls"' in html


@pytest.mark.usefixtures("fixture_month")
def test_the_month_running_says_its_figures_stop_today(client):
    with time_machine.travel(datetime.datetime(2026, 3, 12, 20, 0, tzinfo=WIB), tick=False):
        client.force_login(make_official(Role.LEAD_REVIEWER))
        response = client.get(REPORT, {"wilayah": GENTENG})  # no month: this one
    report = response.context["report"]
    assert (report.month, report.last_day, report.running) == (
        MARCH,
        datetime.date(2026, 3, 12),
        True,
    )
    assert "1–12 March 2026 (the month running" in unescape(response.content.decode())


@pytest.mark.usefixtures("fixture_month")
def test_the_indonesian_report_writes_numbers_the_indonesian_way(client, after_march):
    client.force_login(make_official(Role.LEAD_REVIEWER))
    response = client.get(
        "/petugas/makan/capaian/laporan/", {"bulan": "2026-03", "wilayah": GENTENG}
    )
    shown = lines(response)
    assert shown["reached_share"] == "50,0%"
    assert shown["meals_planned"] == "82"
    html = unescape(response.content.decode())
    assert 'lang="id"' in html and "Maret 2026" in html and "Orang terdaftar" in html


# --- The PDF -------------------------------------------------------------------------------------


@pytest.mark.usefixtures("fixture_month")
def test_the_pdf_is_a_valid_a4_pdf_with_the_same_figures(client, after_march):
    client.force_login(make_official(Role.LEAD_REVIEWER))
    query = {"bulan": "2026-03", "wilayah": GENTENG}
    response = client.get(PDF, query)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="laporan-capaian-351009-2026-03.pdf"' in response["Content-Disposition"]
    assert response.content.startswith(b"%PDF-")
    reader = pypdf.PdfReader(io.BytesIO(response.content))
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in points
    text = pdf_text(response.content)
    assert "Monthly outcome report · March 2026" in text
    assert "Genteng" in text and "1–31 March 2026" in text
    assert "Generated on 2 April 2026 at 09:30 WIB" in text
    page = lines(client.get(REPORT, query))
    for key in ("listed", "meals_planned", "meals_delivered", "delivered_share", "warung_valid"):
        assert plain(page[key]) in text, key
    assert "People listed" in text and "Meals delivered" in text and "82.9%" in text


@pytest.mark.usefixtures("fixture_month")
def test_the_regency_pdf_carries_every_kecamatan(client, after_march):
    client.force_login(make_official(Role.HEALTH_INSPECTOR))
    response = client.get(PDF, {"bulan": "2026-03", "wilayah": "kabupaten"})
    assert response.status_code == 200
    text = pdf_text(response.content)
    for name in Kecamatan.objects.values_list("name", flat=True):
        assert name in text, name
    assert "114" in text and "Kabupaten Banyuwangi" in text


@pytest.mark.usefixtures("fixture_month")
def test_the_indonesian_pdf_renders_its_words(client, after_march):
    client.force_login(make_official(Role.LEAD_REVIEWER))
    response = client.get(
        "/petugas/makan/capaian/laporan/pdf/", {"bulan": "2026-03", "wilayah": "kabupaten"}
    )
    text = pdf_text(response.content)
    # Words and numbers come out as written: the embedded font has every character.
    for words in ("Orang terdaftar", "Porsi diantar", "Maret 2026", "Kunjungan siswa", "50,0%"):
        assert words in text, words
    fonts = {
        str(font["/BaseFont"])
        for page in pypdf.PdfReader(io.BytesIO(response.content)).pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert all("DejaVuSans" in font for font in fonts), fonts


# --- Scope ---------------------------------------------------------------------------------------


def scope_denied(user, target: str) -> bool:
    return AuditEvent.objects.filter(
        action=AuditEvent.Action.SCOPE_DENIED, actor_ref=user.public_ref, target=target
    ).exists()


@pytest.mark.parametrize("url", [REPORT, PDF])
def test_a_reviewer_reports_on_their_kecamatan_only(client, url):
    reviewer = make_official(Role.REVIEWER, kecamatan=(GENTENG,))
    client.force_login(reviewer)
    own = client.get(url, {"wilayah": GENTENG})
    assert own.status_code == 200
    assert client.get(url).status_code == 200  # no area chosen: their own kecamatan
    other = client.get(url, {"wilayah": MUNCAR})
    assert other.status_code == 404
    assert scope_denied(reviewer, f"portal.kecamatan:{MUNCAR}")
    # The regency's total sums kecamatan outside their scope.
    regency = client.get(url, {"wilayah": "kabupaten"})
    assert regency.status_code == 404
    assert scope_denied(reviewer, "outcomes.report:regency")
    # An area that does not exist: the same 404, nothing logged.
    assert client.get(url, {"wilayah": "35.10.99"}).status_code == 404
    assert not scope_denied(reviewer, "portal.kecamatan:35.10.99")


def test_a_reviewer_chooses_among_their_kecamatan_and_sees_no_regency(client):
    client.force_login(make_official(Role.REVIEWER, kecamatan=(GENTENG, MUNCAR)))
    response = client.get(REPORT)
    assert [a.name for a in response.context["areas"]] == ["Genteng", "Muncar"]
    assert response.context["report"].area.name == "Genteng"
    assert 'value="kabupaten"' not in response.content.decode()


@pytest.mark.parametrize(
    "role",
    [
        Role.DATA_OFFICER,
        Role.LEAD_REVIEWER,
        Role.FINANCE_OFFICER,
        Role.HEALTH_INSPECTOR,
        Role.ADMINISTRATOR,
    ],
)
def test_the_regencys_roles_report_on_the_regency_and_every_kecamatan(client, role):
    client.force_login(make_official(role))
    response = client.get(REPORT)
    areas = response.context["areas"]
    assert areas[0].code == "kabupaten" and len(areas) == 26
    assert response.context["report"].is_regency  # the default
    assert client.get(REPORT, {"wilayah": MUNCAR}).status_code == 200


def test_a_reviewer_who_is_also_a_finance_officer_reports_on_the_regency(client):
    from tests.accounts.test_permissions import with_roles

    client.force_login(with_roles((Role.REVIEWER, GENTENG), (Role.FINANCE_OFFICER, None)))
    assert client.get(REPORT, {"wilayah": "kabupaten"}).status_code == 200


@pytest.mark.parametrize("url", [REPORT, PDF])
def test_coordinators_and_visitors_are_kept_out(client, url):
    assert client.get(url)["Location"].startswith(reverse("account_login"))
    client.force_login(make_official(Role.SCHOOL_COORDINATOR))
    assert client.get(url).status_code == 403


# --- The month -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("month", "words"),
    [
        ("2026-13", "Write the month as YYYY-MM"),
        ("2026-3", "Write the month as YYYY-MM"),
        ("maret", "Write the month as YYYY-MM"),
        ("0000-01", "Choose a month from 2000 on."),  # no year 0: refused in words, not a 500
        ("1999-12", "Choose a month from 2000 on."),
        ("2026-05", "This month has not begun yet"),
    ],
)
@pytest.mark.parametrize("url", [REPORT, PDF])
def test_a_bad_month_is_refused_in_words_and_no_report_is_made(
    client, after_march, url, month, words
):
    client.force_login(make_official(Role.LEAD_REVIEWER))
    with translation.override("en"):
        response = client.get(url, {"bulan": month, "wilayah": GENTENG})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert response.context["report"] is None
    html = unescape(response.content.decode())
    assert words in html
    assert 'aria-invalid="true"' in html
    # What was typed stays in the field, to be corrected.
    assert f'value="{month}"' in html


def test_this_month_and_an_earlier_one_are_accepted(client, after_march):
    client.force_login(make_official(Role.LEAD_REVIEWER))
    assert client.get(REPORT, {"bulan": "2026-04"}).status_code == 200
    assert client.get(REPORT, {"bulan": "2000-01"}).status_code == 200


def test_the_figures_page_links_to_the_report_of_its_month(client, after_march):
    client.force_login(make_official(Role.LEAD_REVIEWER))
    html = client.get("/en/petugas/makan/capaian/", {"bulan": "2026-02"}).content.decode()
    assert 'href="/en/petugas/makan/capaian/laporan/?bulan=2026-02"' in html


@pytest.mark.parametrize("url", ["/en/dampak/", "/en/petugas/makan/capaian/"])
def test_the_year_0000_is_an_unknown_month_on_the_other_figures_pages_not_an_error(client, url):
    client.force_login(make_official(Role.LEAD_REVIEWER))
    response = client.get(url, {"bulan": "0000-01"})
    assert response.status_code == 200
    assert "Write the month as YYYY-MM." in unescape(response.content.decode())

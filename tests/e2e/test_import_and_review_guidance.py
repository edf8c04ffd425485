"""The data officer's and the reviewer's next steps, in a real browser, at a desktop's width
and on a 360x740 phone.

A data officer finds the file format and the Excel template from the upload page, fills the
template in, imports it, and goes from the result to the import's records in the queue; the
record says its public profile is missing, and submitting it is refused with what is missing.
A reviewer's queue opens on what waits for them, newest first, each person named; the reviewer
writes the profile and submits the record. Each actor signs in once; the pages are then looked
at again at the other width (the viewport changes, the session stays).

Words are matched through gettext in the page's language, as the registry journey does.
"""

import datetime

import openpyxl
import pytest
from django.utils import timezone, translation

from accounts.models import Role
from portal.models import ImportBatch, Recipient, Status
from tests.e2e.test_registry_journey import (
    IMPORT_URL,
    QUEUE_URL,
    assert_fits_the_phone,
    move_form,
    path_of,
    record_url,
    sign_in_with_totp,
    submit_form_of,
)
from tests.factories import GENTENG, make_official
from tests.factories.portal import RecipientFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 740}
FORMAT_URL = f"{IMPORT_URL}format/"

PEOPLE = [
    {
        "NIK": "3510094107450003",
        "NAMA": "Siti Aminah",
        "JENIS KELAMIN": "P",
        "TANGGAL LAHIR": "01-07-1945",
        "ALAMAT": "Dusun Krajan",
        "DESA": "Kembiritan",
        "KECAMATAN": "Genteng",
        "RT": "3",
    },
    {
        "NIK": "3510091203480001",
        "NAMA": "Slamet Riyadi",
        "JENIS KELAMIN": "L",
        "TANGGAL LAHIR": "12-03-1948",
        "ALAMAT": "Dusun Sumberjo",
        "KODE DESA": "35.10.09.2002",
    },
]


def said(page, message: str) -> str:
    with translation.override(page.locator("html").get_attribute("lang")):
        return translation.gettext(message)


def at(page, viewport, address: str | None = None) -> None:
    page.set_viewport_size(viewport)
    if address is not None:
        page.goto(address)
    if viewport == PHONE:
        assert page.evaluate("() => window.innerWidth") == 360
        assert_fits_the_phone(page)


def names_in_queue(page) -> list[str]:
    return [n.strip() for n in page.locator("main table tbody a.queue-name").all_inner_texts()]


@pytest.mark.browser
@pytest.mark.timeout(240)
def test_a_data_officer_and_a_reviewer_are_led_through_import_and_review(
    open_page, tmp_path, assert_no_csp_violations
):
    data_officer = make_official(Role.DATA_OFFICER)
    reviewer = make_official(Role.REVIEWER, kecamatan=(GENTENG,))
    older = RecipientFactory(name="Sumarni Lama", pseudonym="", story="")
    Recipient.objects.filter(pk=older.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=3)
    )

    # --- The data officer, at a desktop: from the upload page to the format and a template. --
    page = open_page(viewport=DESKTOP)
    sign_in_with_totp(page, data_officer)
    page.goto(IMPORT_URL)
    assert path_of(page) == IMPORT_URL
    with page.expect_navigation():
        page.locator(f"main a[href='{FORMAT_URL}']").last.click()
    assert path_of(page) == FORMAT_URL
    columns = page.locator("#import-columns tbody tr")
    assert columns.first.locator("code").first.inner_text() == "NIK"
    template_link = page.locator(f"main a[href='{IMPORT_URL}templat/xlsx/']").first
    with page.expect_download() as download:
        template_link.click()
    assert download.value.suggested_filename == "rantang-kasih-templat-impor.xlsx"
    template = tmp_path / "template.xlsx"
    download.value.save_as(template)

    book = openpyxl.load_workbook(template)
    sheet = book.worksheets[0]
    assert sheet.max_row == 1, "the template carries a row besides its header"
    header = [cell.value for cell in sheet[1]]
    for person in PEOPLE:
        sheet.append([person.get(name) for name in header])
    filled = tmp_path / "lansia_genteng.xlsx"
    book.save(filled)

    # --- It imports, and the result leads on to its records. --------------------------------
    page.goto(IMPORT_URL)
    page.set_input_files("input[name=file]", str(filled))
    with page.expect_navigation():
        submit_form_of(page, "input[name=file]")
    batch = ImportBatch.objects.latest("pk")
    assert (batch.created, batch.rejected, batch.warned) == (2, 0, 0)
    assert page.locator("#import-next").count() == 0  # a preview leads nowhere yet
    with page.expect_navigation():
        page.locator("button[name=action][value=confirm]").click()
    result = path_of(page)
    next_step = page.locator("#import-next")
    assert next_step.count() == 1
    to_records = next_step.locator(f"a[href='{QUEUE_URL}?batch={batch.pk}']")
    with page.expect_navigation():
        to_records.click()
    assert path_of(page) == QUEUE_URL
    assert sorted(names_in_queue(page)) == ["Siti Aminah", "Slamet Riyadi"]
    assert page.locator("#queue-import").count() == 1

    # Siti's record: its profile is missing, and submitting it says what is missing.
    with page.expect_navigation():
        page.locator("main table tbody a.queue-name", has_text="Siti Aminah").click()
    siti = Recipient.objects.get(last_import=batch, village__name="Kembiritan")
    assert path_of(page) == record_url(siti.public_id)
    assert page.locator("#profile-incomplete").count() == 1
    with page.expect_navigation():
        move_form(page, siti.public_id, Status.IN_REVIEW).locator("button").click()
    parts = ("a pseudonym", "a short story", "at least one need", "the monthly need")
    expected = said(page, "The public profile is not complete: it needs %(missing)s.") % {
        "missing": ", ".join(said(page, part) for part in parts)
    }
    assert page.locator("#move-blocked").inner_text().strip() == expected
    siti.refresh_from_db()
    assert siti.status == Status.CANDIDATE
    refused = path_of(page)

    # The same pages on a phone.
    for address in (IMPORT_URL, FORMAT_URL, result, f"{QUEUE_URL}?batch={batch.pk}", refused):
        at(page, PHONE, address)
    at(page, PHONE, result)
    assert page.locator("#import-next").is_visible()
    assert_no_csp_violations()

    # --- The reviewer, on a phone: what waits, newest first, each person named. -------------
    phone = open_page(viewport=PHONE)
    sign_in_with_totp(phone, reviewer)
    at(phone, PHONE, QUEUE_URL)
    assert phone.locator("#queue-waiting").count() == 1
    names = names_in_queue(phone)
    assert set(names) == {"Siti Aminah", "Slamet Riyadi", "Sumarni Lama"}
    assert names[-1] == "Sumarni Lama", "the older record is above the new import"
    siti_row = phone.locator("main table tbody tr", has=phone.locator("a", has_text="Siti Aminah"))
    assert "Kembiritan" in siti_row.inner_text()
    assert said(phone, "(no pseudonym)") in siti_row.inner_text()
    assert siti_row.locator(".queue-warnings li").count() == 1
    with phone.expect_navigation():
        siti_row.locator("a.queue-name").click()
    assert path_of(phone) == record_url(siti.public_id)
    at(phone, PHONE)

    # The reviewer writes the profile from the record, and submits it.
    with phone.expect_navigation():
        phone.locator(f"main nav a[href='{record_url(siti.public_id)}profil/']").click()
    at(phone, PHONE)
    phone.fill("input[name=pseudonym]", "Mbah Siti")
    phone.check("input[name=public_needs][value=daily_meals]")
    phone.fill("textarea[name=story]", "Suka menanam cabai dan bercerita tentang sawah.")
    with phone.expect_navigation():
        submit_form_of(phone, "input[name=pseudonym]")
    assert path_of(phone) == record_url(siti.public_id), "the profile was refused"
    assert phone.locator("#profile-incomplete").count() == 0
    with phone.expect_navigation():
        move_form(phone, siti.public_id, Status.IN_REVIEW).locator("button").click()
    assert path_of(phone) == record_url(siti.public_id)
    siti.refresh_from_db()
    assert siti.status == Status.IN_REVIEW
    at(phone, PHONE)

    # The same queue at a desktop's width: Siti now waits for another reviewer's decision.
    at(phone, DESKTOP, QUEUE_URL)
    siti_row = phone.locator("main table tbody tr", has=phone.locator("a", has_text="Siti Aminah"))
    assert "status-in_review" in siti_row.locator(".status-badge").get_attribute("class")
    assert siti_row.locator(".queue-warnings").count() == 0
    assert_no_csp_violations()

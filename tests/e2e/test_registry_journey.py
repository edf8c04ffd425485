"""The registry: a person's way through it, in a real browser, from a Diskominfo file to the
public listing.

A data officer imports a CSV file (preview, confirm) and cannot submit an imported person
for review before the public profile is written; a reviewer of Genteng writes it; the data
officer submits the record; because saving the profile made that reviewer the record's last
editor (maker-checker), a second reviewer of Genteng approves and publishes it; an anonymous
visitor on a phone finds the pseudonym on the public listing and sees nothing of the person's
identity.

Texts are matched by roles, ids, names, hrefs and values, not by Indonesian wording (the
catalogue is still being written); the one message read (the row's rejection reason) is looked
up through gettext in the page's language. Every browser context reports into the journey's
``page_watch``, and ``assert_no_csp_violations`` runs at the end of each actor's part.
"""

import csv
import re
import time

import pytest
from allauth.mfa import app_settings as mfa_settings
from django.utils import translation

from accounts.models import Role
from portal.models import ImportBatch, Recipient, Status
from tests.factories import GENTENG, PASSWORD, make_official, totp_code

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

LOGIN_URL = "/akun/login/"
MFA_AUTHENTICATE_URL = "/akun/2fa/authenticate/"
REAUTHENTICATE_URL = "/akun/reauthenticate/"
OFFICIALS_URL = "/petugas/"
IMPORT_URL = "/petugas/impor/"
QUEUE_URL = "/petugas/registri/"
LISTING_URL = "/lansia/"

KEMBIRITAN = "35.10.09.2001"  # a village of Genteng
GENTENG_WETAN = "35.10.09.2002"

# The person followed through the journey: a woman, so the NIK's day is 1 + 40.
SITI_NIK = "3510094107450003"
SITI_NAME = "Siti Aminah"
SITI_ADDRESS = "Dusun Krajan"
SITI_BIRTH_YEAR = "1945"
INVALID_NIK = "351009120348001"  # 15 digits

CSV_HEADER = ["NIK", "NAMA", "JENIS KELAMIN", "TANGGAL LAHIR", "ALAMAT", "KODE DESA"]
CSV_ROWS = [
    [SITI_NIK, SITI_NAME, "P", "01-07-1945", SITI_ADDRESS, KEMBIRITAN],
    ["3510091203480001", "Slamet Riyadi", "L", "12-03-1948", "Dusun Sumberjo", GENTENG_WETAN],
    [INVALID_NIK, "Bejo Santoso", "L", "12-03-1948", "Dusun Sumberjo", GENTENG_WETAN],
]
INVALID_ROW_NUMBER = "4"  # as the spreadsheet shows it: the header is row 1

PSEUDONYM = "Mbah Sum"
STORY = (
    "Suka menanam cabai di halaman dan bercerita tentang sawah pada masa mudanya. "
    "Setiap sore duduk di teras menunggu tetangga lewat."
)
NEED = "daily_meals"
DEFAULT_MONTHLY_NEED = "720.000"

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 3,
    "is_mobile": True,
    "has_touch": True,
    "user_agent": (
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Chrome/124.0 Mobile Safari/537.36"
    ),
}


# --- Helpers -----------------------------------------------------------------------------------


def path_of(page) -> str:
    return re.sub(r"^https?://[^/]+", "", page.url).split("?")[0].split("#")[0]


def submit_form_of(page, field_selector: str) -> None:
    """Click the submit button of the form holding ``field_selector`` (the footer's language
    form and the header's sign-out form have submit buttons too)."""
    form = page.locator("form", has=page.locator(field_selector))
    form.locator("button[type=submit], input[type=submit]").first.click()


def wait_for_fresh_totp_period() -> None:
    """Do not type a code in the last seconds of its period: it may be checked in the next
    (allauth tolerates one period either way now, but a margin costs nothing)."""
    left = mfa_settings.TOTP_PERIOD - time.time() % mfa_settings.TOTP_PERIOD
    if left < 4:
        time.sleep(left + 0.2)


def sign_in_with_totp(page, official) -> None:
    """Password, then the authenticator's current code. Every official signs in once in this
    journey, so no code is ever offered twice for the same user."""
    page.goto(LOGIN_URL)
    page.fill("input[name=login]", official.email)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        submit_form_of(page, "input[name=password]")
    assert path_of(page) == MFA_AUTHENTICATE_URL, f"the password was refused ({page.url})"
    wait_for_fresh_totp_period()
    page.fill("input[name=code]", totp_code(official))
    with page.expect_navigation():
        submit_form_of(page, "input[name=code]")
    assert path_of(page) not in {LOGIN_URL, MFA_AUTHENTICATE_URL}, "the TOTP code was refused"
    assert page.locator(f"header a[href='{OFFICIALS_URL}']").count() == 1


def reauthenticate_if_asked(page) -> None:
    """allauth may ask for the password again before a sensitive page."""
    if path_of(page) == REAUTHENTICATE_URL:
        page.fill("input[name=password]", PASSWORD)
        with page.expect_navigation():
            submit_form_of(page, "input[name=password]")


def open_queue(page) -> None:
    """The review queue: through a link of the officials' area when there is one, otherwise by
    its address (the officials' area does not link it yet)."""
    page.goto(OFFICIALS_URL)
    link = page.locator(f"main a[href='{QUEUE_URL}']")
    if link.count():
        with page.expect_navigation():
            link.first.click()
    else:
        page.goto(QUEUE_URL)
    reauthenticate_if_asked(page)
    assert path_of(page) == QUEUE_URL


def filter_queue(page, **choices: str) -> None:
    """Choose ``status``/``village`` in the queue's filter form and send it."""
    form = page.locator("main form.filters")
    for name, value in choices.items():
        form.locator(f"select[name={name}]").select_option(value)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert path_of(page) == QUEUE_URL


def record_url(public_id: str) -> str:
    return f"{QUEUE_URL}{public_id}/"


def move_form(page, public_id: str, to_status: str):
    return page.locator(f"form[action='{record_url(public_id)}status/{to_status}/']")


def status_badge_of_record(page):
    return page.locator("section[aria-labelledby=status-heading] .status-badge")


def stat_counts(page) -> list[str]:
    """The preview's figures, in the template's order: created, updated, unchanged, rejected,
    with warnings."""
    return [s.strip() for s in page.locator("main ul.stats > li > strong").all_inner_texts()]


def assert_fits_the_phone(page) -> None:
    widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"{page.url} scrolls sideways on a phone: {widths}"


def assert_no_identity_in(page) -> None:
    html = page.content()
    for secret in (SITI_NIK, SITI_NAME, SITI_ADDRESS, SITI_BIRTH_YEAR):
        assert secret not in html, f"{secret!r} is on the public page {page.url}"


# --- The journey -------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.timeout(240)
def test_imported_person_is_reviewed_published_and_found_on_a_phone_without_identity(
    page, open_page, tmp_path, assert_no_csp_violations
):
    data_officer = make_official(Role.DATA_OFFICER)
    profile_writer = make_official(Role.REVIEWER, kecamatan=(GENTENG,))
    approver = make_official(Role.REVIEWER, kecamatan=(GENTENG,))

    # --- 1. The data officer imports a small Diskominfo file. ---------------------------------
    csv_path = tmp_path / "diskominfo_genteng.csv"
    with csv_path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_HEADER)
        writer.writerows(CSV_ROWS)

    sign_in_with_totp(page, data_officer)
    response = page.goto(IMPORT_URL)
    reauthenticate_if_asked(page)
    assert response.status == 200
    assert path_of(page) == IMPORT_URL
    page.set_input_files("input[name=file]", str(csv_path))
    with page.expect_navigation():
        submit_form_of(page, "input[name=file]")

    # The preview: nothing saved yet, 2 would be created, 1 rejected, with the row's reason.
    preview_path = path_of(page)
    assert re.fullmatch(rf"{IMPORT_URL}\d+/", preview_path), preview_path
    batch = ImportBatch.objects.get(pk=int(preview_path.rstrip("/").rsplit("/", 1)[1]))
    assert not Recipient.objects.exists()
    created, updated, unchanged, rejected, warned = stat_counts(page)
    assert (created, updated, unchanged, rejected, warned) == ("2", "0", "0", "1", "0")
    with translation.override(page.locator("html").get_attribute("lang")):
        nik_reason = translation.gettext(
            "The NIK is not 16 digits (a number in scientific notation has lost digits)."
        )
    rows = page.locator("main table tbody tr")
    assert rows.count() == 1
    cells = [c.strip() for c in rows.first.locator("td").all_inner_texts()]
    assert cells[0] == INVALID_ROW_NUMBER
    assert cells[1] != INVALID_NIK and cells[1].startswith("3510"), "the NIK is shown whole"
    assert cells[3] == nik_reason

    confirm = page.locator("button[name=action][value=confirm]")
    assert confirm.count() == 1
    assert page.locator("button[name=action][value=discard]").count() == 1
    with page.expect_navigation():
        confirm.click()

    # The result: the same import, no longer waiting, with what it did.
    assert path_of(page) == preview_path
    assert page.locator("button[name=action]").count() == 0
    assert page.locator("main .messages .message-success").count() == 1
    assert stat_counts(page)[:4] == ["2", "0", "0", "1"]
    assert page.locator("main table tbody tr").count() == 1
    batch.refresh_from_db()
    assert (batch.created, batch.rejected) == (2, 1)
    assert Recipient.objects.filter(kecamatan__code=GENTENG, status=Status.CANDIDATE).count() == 2

    # --- 2. The data officer opens Siti Aminah's record: it cannot be submitted yet. -----------
    open_queue(page)
    filter_queue(page, village=KEMBIRITAN)
    record_links = page.locator(f"main table tbody a[href^='{QUEUE_URL}']")
    assert record_links.count() == 1
    with page.expect_navigation():
        record_links.first.click()
    public_id = path_of(page).removeprefix(QUEUE_URL).strip("/")
    assert path_of(page) == record_url(public_id)
    identity = page.locator("section[aria-labelledby=identity-heading]")
    assert SITI_NAME in identity.inner_text()
    assert SITI_NIK not in identity.inner_text(), "the record shows the NIK unmasked"
    assert page.locator("#nik-masked").inner_text().strip().endswith(SITI_NIK[-4:])

    # A data officer may not write the public profile (reviewers do), nor approve; the record
    # says that its profile is missing before anybody tries, and submitting it is refused.
    assert page.locator(f"a[href='{record_url(public_id)}profil/']").count() == 0
    assert move_form(page, public_id, Status.PUBLISHED).count() == 0
    assert page.locator("#profile-incomplete").count() == 1
    submit = move_form(page, public_id, Status.IN_REVIEW)
    assert submit.count() == 1
    with page.expect_navigation():
        submit.locator("button[type=submit]").click()
    assert page.locator("#move-blocked").count() == 1
    siti = Recipient.objects.get(public_id=public_id)
    assert siti.status == Status.CANDIDATE
    assert siti.entered_by_id == data_officer.pk

    assert_no_csp_violations()

    # --- 2b. A reviewer of Genteng finds the record in the queue and writes the profile. -------
    writer_page = open_page()
    sign_in_with_totp(writer_page, profile_writer)
    open_queue(writer_page)
    # A candidate waits for its reviewer: the queue's default shows it.
    link = writer_page.locator(f"main table tbody a[href='{record_url(public_id)}']")
    assert link.count() == 1
    with writer_page.expect_navigation():
        link.click()
    # Nobody has written the profile yet: the profile is incomplete, and it is the reviewer's
    # to write, from the record's own link.
    profile_link = writer_page.locator(f"main nav a[href='{record_url(public_id)}profil/']")
    assert profile_link.count() == 1
    with writer_page.expect_navigation():
        profile_link.click()
    assert path_of(writer_page) == f"{record_url(public_id)}profil/"
    writer_page.fill("input[name=pseudonym]", PSEUDONYM)
    writer_page.check(f"input[name=public_needs][value={NEED}]")
    writer_page.fill("textarea[name=story]", STORY)
    monthly_need = writer_page.locator("input[name=monthly_need]")
    # Left as the form offers it: empty means the default, Rp720.000.
    assert monthly_need.input_value() in {"", DEFAULT_MONTHLY_NEED}
    with writer_page.expect_navigation():
        submit_form_of(writer_page, "input[name=pseudonym]")

    assert path_of(writer_page) == record_url(public_id), "the profile was refused"
    assert writer_page.locator("main .messages .message-success").count() == 1
    profile_section = writer_page.locator("section[aria-labelledby=profile-heading]")
    assert PSEUDONYM in profile_section.inner_text()
    assert f"Rp{DEFAULT_MONTHLY_NEED}" in profile_section.inner_text()
    assert writer_page.locator("#profile-incomplete").count() == 0
    siti.refresh_from_db()
    assert (siti.pseudonym, siti.public_needs, siti.monthly_need) == (PSEUDONYM, [NEED], 720_000)
    assert siti.last_edited_by_id == profile_writer.pk

    assert_no_csp_violations()

    # --- 3. The data officer submits the record, whole now, for review. -----------------------
    page.goto(record_url(public_id))
    submit = move_form(page, public_id, Status.IN_REVIEW)
    with page.expect_navigation():
        submit.locator("button[type=submit]").click()
    assert path_of(page) == record_url(public_id)
    assert "status-in_review" in status_badge_of_record(page).get_attribute("class")
    siti.refresh_from_db()
    assert siti.status == Status.IN_REVIEW

    # Maker-checker: having written the profile, that reviewer may not approve it.
    writer_page.goto(record_url(public_id))
    assert move_form(writer_page, public_id, Status.PUBLISHED).count() == 0
    assert writer_page.locator("section[aria-labelledby=status-heading] p.message").count() == 1

    assert_no_csp_violations()

    # --- 4. Another reviewer of Genteng checks the profile and approves. -----------------------
    approver_page = open_page()
    sign_in_with_totp(approver_page, approver)
    open_queue(approver_page)
    filter_queue(approver_page, status=Status.IN_REVIEW)
    link = approver_page.locator(f"main table tbody a[href='{record_url(public_id)}']")
    assert link.count() == 1
    row = approver_page.locator(
        "main table tbody tr",
        has=approver_page.locator(f"a[href='{record_url(public_id)}']"),
    )
    assert PSEUDONYM in row.inner_text()
    with approver_page.expect_navigation():
        link.click()
    assert (
        PSEUDONYM in approver_page.locator("section[aria-labelledby=profile-heading]").inner_text()
    )
    approve = move_form(approver_page, public_id, Status.PUBLISHED)
    assert approve.count() == 1
    assert approve.locator("textarea[name=reason]").count() == 0
    with approver_page.expect_navigation():
        approve.locator("button[type=submit]").click()
    assert path_of(approver_page) == record_url(public_id), "the approval was refused"
    assert "status-published" in status_badge_of_record(approver_page).get_attribute("class")
    siti.refresh_from_db()
    assert siti.status == Status.PUBLISHED
    assert siti.published_at is not None

    assert_no_csp_violations()

    # --- 5. An anonymous visitor on a phone finds Mbah Sum. -----------------------------------
    phone = open_page(**PHONE)
    response = phone.goto("/")
    assert response.status == 200
    assert phone.evaluate("() => window.innerWidth") == 390
    assert_fits_the_phone(phone)
    assert_no_identity_in(phone)
    to_listing = phone.locator(f"main a[href='{LISTING_URL}']")
    assert to_listing.count() >= 1
    with phone.expect_navigation():
        to_listing.last.tap()
    assert path_of(phone) == LISTING_URL

    # The filter is folded away on a phone: the cards come first.
    phone.locator("main details summary").tap()
    search = phone.get_by_role("search")
    search.locator("select[name=kecamatan]").select_option(GENTENG)
    search.locator("input[name=q]").fill(PSEUDONYM)
    with phone.expect_navigation():
        search.locator("button[type=submit]").tap()
    assert path_of(phone) == LISTING_URL
    assert f"kecamatan={GENTENG}" in phone.url
    assert_fits_the_phone(phone)
    assert_no_identity_in(phone)
    card_link = phone.locator("main article").get_by_role("link", name=PSEUDONYM, exact=True)
    assert card_link.count() == 1
    detail_url = f"{LISTING_URL}{public_id}/"
    assert card_link.get_attribute("href") == detail_url
    card_link.scroll_into_view_if_needed()
    with phone.expect_navigation():
        card_link.tap()

    assert path_of(phone) == detail_url
    assert phone.locator("main h1").inner_text().strip() == PSEUDONYM
    kecamatan_link = phone.locator(f"main dd a[href='{LISTING_URL}?kecamatan={GENTENG}']")
    assert kecamatan_link.inner_text().strip() == "Genteng"
    assert f"Rp{DEFAULT_MONTHLY_NEED}" in phone.locator("main article").inner_text()
    assert_fits_the_phone(phone)
    assert_no_identity_in(phone)

    assert_no_csp_violations()

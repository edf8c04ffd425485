"""What the public may see of an elderly person (docs/architecture.md), and nothing more.

Only ``published`` is public; the village is named only where enough people are published;
and no page or endpoint a visitor can reach carries anything of a person's identity.
"""

import datetime
import io
import re
from html import unescape

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import Role
from accounts.pii import keyed_hash
from core.time import WIB, month_start, today_wib
from donations.selectors.progress import public_listings_progress
from donations.services.giving import gift_message_moderate
from portal.models import Condition, ImportBatch, Need, Recipient, Status, mask_nik
from portal.selectors.public import public_listing_page, public_profile_get
from portal.services.imports import import_file
from portal.services.lifecycle import recipient_transition
from portal.share_images import share_card
from tests.factories import GENTENG, MUNCAR, SchoolFactory, make_official
from tests.factories.donations import TEST_WEBHOOK_SECRET, active_sponsorship, paid_gift
from tests.factories.volunteers import StudentFactory, VisitSlotFactory
from tests.portal.test_public_pages import listed, village_of
from volunteers.models import Booking

NOT_PUBLIC = [s for s in Status.values if s != Status.PUBLISHED]


def detail_url(person: Recipient) -> str:
    return reverse("portal:listing_detail", args=[person.public_id])


def api_url(person: Recipient) -> str:
    return reverse("api_listing_detail", args=[person.public_id])


def everywhere_public(client, person: Recipient) -> dict[str, bool]:
    """Where ``person`` can be found by a visitor."""
    return {
        "detail": client.get(detail_url(person)).status_code == 200,
        "detail_en": client.get(f"/en{detail_url(person)}").status_code == 200,
        "api_detail": client.get(api_url(person)).status_code == 200,
        "listing": person.public_id in client.get("/lansia/").content.decode(),
        "home": person.public_id in client.get("/").content.decode(),
        "api_list": person.public_id in client.get("/api/v1/listings/").content.decode(),
        "sitemap": person.public_id in client.get("/sitemap.xml").content.decode(),
    }


# --- Only published is public ----------------------------------------------------------------


@pytest.mark.parametrize("status", NOT_PUBLIC, ids=str)
def test_nothing_but_published_can_be_found(client, db, status):
    hidden = listed(status=status, pseudonym="Mbah Tersembunyi")
    listed()  # somebody published, so the pages are not simply empty
    assert not any(everywhere_public(client, hidden).values())
    assert "Mbah Tersembunyi" not in client.get("/lansia/", {"q": "Tersembunyi"}).content.decode()
    response = client.get(detail_url(hidden))
    assert response.status_code == 404
    assert "Mbah Tersembunyi" not in response.content.decode()


def test_a_published_person_can_be_found_everywhere(client, db):
    person = listed()
    assert all(everywhere_public(client, person).values())


@pytest.mark.parametrize(
    ("to_status", "reason"),
    [
        (Status.SUSPENDED, "A concern was raised."),
        (Status.WITHDRAWN, "The family asked us to."),
        (Status.REACHED, ""),
    ],
)
def test_leaving_published_leaves_the_public_site_at_once(client, db, to_status, reason):
    reviewer = make_official(Role.REVIEWER, kecamatan=(GENTENG,))
    person = listed()
    assert all(everywhere_public(client, person).values())

    recipient_transition(recipient=person, to_status=to_status, actor=reviewer, reason=reason)

    assert not any(everywhere_public(client, person).values())
    with pytest.raises(Http404):
        public_profile_get(person.public_id)


def test_a_suspended_person_comes_back_when_published_again(client, db):
    reviewer = make_official(Role.REVIEWER, kecamatan=(GENTENG,))
    person = listed()
    recipient_transition(
        recipient=person, to_status=Status.SUSPENDED, actor=reviewer, reason="Concern."
    )
    assert client.get(detail_url(person)).status_code == 404
    recipient_transition(
        recipient=person, to_status=Status.PUBLISHED, actor=reviewer, reason="Cleared."
    )
    assert client.get(detail_url(person)).status_code == 200


# --- The village ---------------------------------------------------------------------------------


def test_the_village_is_named_only_when_five_are_published_there(client, db, settings):
    assert settings.PUBLIC_VILLAGE_MIN_LISTINGS == 5
    village = village_of(GENTENG, 1)
    people = [listed(village=village) for _ in range(4)]
    # Others in the village who are not published do not make anybody less identifiable.
    for status in (Status.CANDIDATE, Status.IN_REVIEW, Status.SUSPENDED, Status.REACHED):
        listed(village=village, status=status)
    listed(village=village_of(GENTENG, 2))  # published, but in another village

    def village_shown() -> bool:
        shown = [
            village.name in client.get(detail_url(people[0])).content.decode(),
            village.name in client.get("/lansia/").content.decode(),
            client.get(api_url(people[0])).json()["village"] == village.name,
            public_profile_get(people[0].public_id).village == village.name,
        ]
        assert len(set(shown)) == 1, shown  # the same answer everywhere
        return shown[0]

    assert not village_shown()
    assert public_profile_get(people[0].public_id).village is None
    people.append(listed(village=village))
    assert village_shown()
    assert {p.village for p in public_listing_page().object_list} >= {village.name}


def test_unknown_values_in_the_needs_are_never_shown(client, db):
    # Only generic needs may be public; a health tag written into the column by mistake stays
    # hidden rather than published.
    person = listed(needs=(Need.DAILY_MEALS, "hidup_sendiri", "sakit_kronis"))
    profile = public_profile_get(person.public_id)
    assert profile.need_codes == (Need.DAILY_MEALS,)
    html = client.get(detail_url(person)).content.decode()
    assert "hidup_sendiri" not in html
    assert "sakit_kronis" not in html
    assert client.get(api_url(person)).json()["need_codes"] == ["daily_meals"]


ENCRYPTED_COLUMNS = [
    f'"portal_recipient"."{column}"'
    for column in (
        "nik",
        "name",
        "birth_date",
        "address",
        "rt",
        "rw",
        "family_phone",
        "conditions",
        "notes",
    )
] + ['"portal_photoconsent"."given_by"']


@pytest.mark.parametrize(
    "url", ["/", "/lansia/", "detail", "/api/v1/listings/", "api_detail", "/sitemap.xml"]
)
def test_public_reads_never_load_an_encrypted_column(client, db, url):
    person = listed(photo="listings/x.jpg")
    url = {"detail": detail_url(person), "api_detail": api_url(person)}.get(url, url)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    for query in captured.captured_queries:
        for column in ENCRYPTED_COLUMNS:
            assert column not in query["sql"], (column, query["sql"])


# --- Nothing of an imported person's identity reaches a visitor -----------------------------------

# Diskominfo rows with distinctive identities (see docs/import-format.md).
PEOPLE = [
    {
        "nik": "3510095203450007",
        "no_kk": "3510092707158831",
        "name": "Siti Maemunah Rahayuningsih",
        "sex": "P",
        "birth_place": "Tulungagung",
        "birth_date": datetime.date(1945, 3, 12),
        "birth_cell": "12-03-1945",
        "address": "Dusun Krajan Kidul, Gang Mawar Nomor 17",
        "rt": "003",
        "rw": "005",
        "village": "35.10.09.2001",
        "phone_cell": "081234567801",
        "phone_digits": "81234567801",
        "kondisi": "hidup_sendiri;sakit_kronis",
        "catatan": "Anaknya merantau ke Malaysia sejak 2019, sering pingsan",
        "publish": True,
        "pseudonym": "Mbah Melati",
        "needs": [Need.DAILY_MEALS, Need.COMPANIONSHIP],
    },
    {
        "nik": "3510090708420011",
        "no_kk": "3510091404168832",
        "name": "Ahmad Sukarjo Wiryadikromo",
        "sex": "L",
        "birth_place": "Pacitan",
        "birth_date": datetime.date(1942, 8, 7),
        "birth_cell": "1942-08-07",
        "address": "Jalan Kenanga Selatan Blok C Nomor 4",
        "rt": "011",
        "rw": "012",
        "village": "35.10.09.2002",
        "phone_cell": "+6285234567802",
        "phone_digits": "85234567802",
        "kondisi": "disabilitas,tidak_mampu_masak",
        "catatan": "Kaki kanan diamputasi tahun 2015",
        "publish": True,
        "pseudonym": "Mbah Kenari",
        "needs": [Need.DAILY_MEALS, Need.HOME_REPAIR],
    },
    {
        "nik": "3510096511380023",
        "no_kk": "3510050909178833",
        "name": "Ma'rufah Binti Kasiman",
        "sex": "P",
        "birth_place": "Lamongan",
        "birth_date": datetime.date(1938, 11, 25),
        "birth_cell": "25/11/1938",
        "address": "Perumahan Griya Asri Jalan Cempaka 9",
        "rt": "021",
        "rw": "022",
        "village": "35.10.05.2001",
        "phone_cell": "0813 3456 7803",
        "phone_digits": "81334567803",
        "kondisi": "rumah_tidak_layak",
        "catatan": "Tidur di dapur karena atap bocor",
        "publish": True,
        "pseudonym": "Mbah Kenanga",
        "needs": [Need.HOME_REPAIR],
    },
    {
        # Left a candidate, although an official already wrote a public profile.
        "nik": "3510095506410044",
        "no_kk": "3510092212188834",
        "name": "Suparmi Wulandari Kusumo",
        "sex": "P",
        "birth_place": "Ponorogo",
        "birth_date": datetime.date(1941, 6, 15),
        "birth_cell": "15-06-1941",
        "address": "Dusun Sumberjati Wetan Nomor 88",
        "rt": "031",
        "rw": "032",
        "village": "35.10.09.2003",
        "phone_cell": "081298765404",
        "phone_digits": "81298765404",
        "kondisi": "sakit_kronis",
        "catatan": "Menolak didatangi tamu laki-laki",
        "publish": False,
        "pseudonym": "Mbah Belum Terbit",
        "needs": [Need.DAILY_MEALS],
    },
    {
        # Already served elsewhere (terjangkau): counted, never public.
        "nik": "3510091204400051",
        "no_kk": "3510093001198835",
        "name": "Bambang Slamet Hadiwijoyo",
        "sex": "L",
        "birth_place": "Bondowoso",
        "birth_date": datetime.date(1940, 4, 12),
        "birth_cell": "12-04-1940",
        "address": "Jalan Flamboyan Ujung Nomor 5",
        "rt": "041",
        "rw": "042",
        "village": "35.10.09.2004",
        "phone_cell": "+6281377775505",
        "phone_digits": "81377775505",
        "kondisi": "hidup_sendiri",
        "catatan": "Pensiunan guru, tinggal dengan keponakan",
        "status_layanan": "terjangkau",
        "publish": False,
    },
]

HEADER = (
    "NIK;NO KK;NAMA;JENIS KELAMIN;TEMPAT LAHIR;TANGGAL LAHIR;ALAMAT;RT;RW;KODE DESA;"
    "NO HP KELUARGA;KONDISI;STATUS LAYANAN;CATATAN"
)

MONTHS_ID = [
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
]  # fmt: skip


def diskominfo_csv() -> bytes:
    lines = ["DATA LANSIA BELUM TERJANGKAU - KABUPATEN BANYUWANGI", "", HEADER]
    for p in PEOPLE:
        cells = [
            p["nik"],
            p["no_kk"],
            p["name"],
            p["sex"],
            p["birth_place"],
            p["birth_cell"],
            p["address"],
            p["rt"],
            p["rw"],
            p["village"],
            p["phone_cell"],
            p["kondisi"],
            p.get("status_layanan", "belum_terjangkau"),
            p["catatan"],
        ]
        lines.append(";".join(f'"{c}"' if "," in c else c for c in cells))
    return ("\r\n".join(lines) + "\r\n").encode()


def forbidden_fragments(person: dict) -> list[str]:
    """Everything of ``person``'s identity that must appear on no public page, in the forms it
    could take there."""
    nik, kk = person["nik"], person["no_kk"]
    born: datetime.date = person["birth_date"]
    phone = person["phone_digits"]  # the national number without 0 or +62
    fragments = [
        nik,
        kk,
        mask_nik(nik),
        nik[:4] + "*" * 8 + nik[-4:],
        nik[:4] + "x" * 8 + nik[-4:],
        # Any 8 digits in a row that hold at least 4 of the personal part (the first 6 digits
        # are the kecamatan's code, which is public): a "masked" NIK still gives these away.
        *(number[i : i + 8] for number in (nik, kk) for i in range(2, len(number) - 7)),
        person["name"],
        *(word for word in person["name"].split() if len(word) >= 5),
        person["birth_place"],
        person["address"],
        person["address"].split(",")[-1].strip(),
        f"RT {person['rt']}",
        f"{person['rt']}/{person['rw']}",
        born.strftime("%d-%m-%Y"),
        born.strftime("%d/%m/%Y"),
        born.strftime("%d.%m.%Y"),
        born.isoformat(),
        born.strftime("%d%m%Y"),
        f"{born.day} {born.strftime('%B')} {born.year}",
        f"{born.strftime('%B')} {born.day}, {born.year}",
        f"{born.day} {MONTHS_ID[born.month - 1]} {born.year}",
        f"{born.day:02d} {MONTHS_ID[born.month - 1]} {born.year}",
        f"0{phone}",
        f"+62{phone}",
        f"62{phone}",
        phone,
        f"0{phone[:3]}-{phone[3:7]}-{phone[7:]}",
        f"0{phone[:3]} {phone[3:7]} {phone[7:]}",
        person["catatan"],
        *(word for word in person["catatan"].split() if len(word) >= 8),
    ]
    return [f for f in fragments if f]


def condition_vocabulary() -> list[str]:
    words = []
    for condition in Condition:
        words += [condition.value, condition.value.replace("_", " ")]
        for language in ("en", "id"):
            with translation.override(language):
                words.append(str(condition.label))
    return words


def import_and_publish() -> dict[str, Recipient]:
    officer = make_official(Role.DATA_OFFICER)
    reviewer = make_official(Role.LEAD_REVIEWER)
    batch = import_file(
        io.BytesIO(diskominfo_csv()),
        file_name="lansia-genteng-muncar.csv",
        channel=ImportBatch.Channel.UPLOAD,
        actor=officer,
    )
    assert (batch.created, batch.rejected) == (len(PEOPLE), 0), batch.summary
    recipients = {}
    for n, person in enumerate(PEOPLE):
        # Found by the keyed hash, as officials find a person: never by a decrypted column.
        recipient = Recipient.objects.get(nik_hash=keyed_hash(person["nik"]))
        recipients[person["nik"]] = recipient
        if "pseudonym" not in person:
            assert recipient.status == Status.SERVED_ELSEWHERE
            continue
        recipient.pseudonym = person["pseudonym"]
        recipient.story = (
            f"{person['pseudonym']} suka menyapa tetangga dari teras rumah. "
            f"Beliau berharap ada yang menemani makan siang (cerita {n})."
        )
        recipient.public_needs = [str(need) for need in person["needs"]]
        recipient.monthly_need = 720_000
        recipient.save(update_fields=["pseudonym", "story", "public_needs", "monthly_need"])
        recipient_transition(recipient=recipient, to_status=Status.IN_REVIEW, actor=officer)
        if person["publish"]:
            # Maker-checker: the officer who imported may not approve; the reviewer does.
            recipient_transition(recipient=recipient, to_status=Status.PUBLISHED, actor=reviewer)
    return recipients


def give_and_visit(published: list[Recipient]) -> list[str]:
    """What the public pages now tell of a listing (donors' messages and counts, the students'
    visits), made for each published person; returns what must still never show: the names
    of donors who chose not to be named, messages not approved, and the visits' schools,
    meeting points, days and times."""
    officer = make_official(Role.FINANCE_OFFICER)
    never = []
    for n, person in enumerate(published):
        named = paid_gift(
            recipient=person,
            email=f"terbuka{n}@example.org",
            name=f"Dermawan Terbuka {n}",
            show_name=True,
            message=f"Semoga sehat selalu, Mbah (pesan {n}).",
        )
        hidden = paid_gift(
            recipient=person,
            email=f"tertutup{n}@example.org",
            name=f"Kuswandari Rahasia {n}",
            show_name=False,
            message=f"Doa dari jauh (pesan {n}).",
        )
        for gift in (named, hidden):
            gift_message_moderate(gift=gift, actor=officer, approve=True)
        paid_gift(recipient=person, email=f"tunggu{n}@example.org", message=f"Menunggu {n}.")
        active_sponsorship(recipient=person, email=f"bulanan{n}@example.org", name=f"Sri {n}")
        school = SchoolFactory(name=f"SMA Negeri Rahasia {n} Genteng")
        start = datetime.datetime.combine(
            month_start(timezone.now().astimezone(WIB).date()), datetime.time(0, 7), tzinfo=WIB
        )
        slot = VisitSlotFactory(
            recipient=person,
            starts_at=start,
            meeting_point=f"Pos Ronda Gang Rahasia {n}",
            what_to_bring="Buah pisang dan teh manis",
            school=school,
        )
        Booking.objects.create(
            slot=slot, student=StudentFactory(school=school), status=Booking.Status.ATTENDED
        )
        never += [
            f"Kuswandari Rahasia {n}",
            f"tertutup{n}@example.org",
            f"terbuka{n}@example.org",
            f"Menunggu {n}.",
            f"Sri {n}",
            school.name,
            slot.meeting_point,
            slot.what_to_bring,
            start.strftime("%H:%M"),
            start.strftime("%H.%M"),
            start.date().isoformat(),
            start.strftime("%d/%m/%Y"),
            slot.checkin_code,
        ]
    return never


def report_and_follow(published: list[Recipient], unpublished: list[Recipient]) -> tuple:
    """Residents' reports about these people, accepted with their code and followed through
    (referrals verified into their records, a concern answered): returns the reporters' status
    and last pages, and what the reporters and officials wrote, which must never show."""
    from community.models import Referral
    from community.services.concerns import concern_answer, concern_confirm, concern_submit
    from community.services.referrals import referral_confirm, referral_submit
    from community.services.status import status_token
    from tests.factories.community import code_for

    pages, never = [], []
    for n, (person, data) in enumerate([(published[0], PEOPLE[0]), (unpublished[0], PEOPLE[3])]):
        referral = referral_submit(
            village=person.village,
            hamlet=f"{data['address']} RT {data['rt']}",
            landmark=f"Depan rumah {data['name']}",
            needs=["daily_meals"],
            situation=f"{data['name']}: {data['catatan']} (laporan {n})",
            phone=f"08129999000{n}",
            consent=True,
        )
        referral_confirm(referral=referral, code=code_for(referral))
        # As a data officer's field visit leaves it (community.services.referrals.
        # referral_verify enters a new record; these people are already in the registry).
        Referral.objects.filter(pk=referral.pk).update(
            status=Referral.Status.VERIFIED, recipient=person, decided_at=timezone.now()
        )
        pages.append(reverse("community:report_status", args=[status_token(referral)]))
        pages.append(reverse("community:report_received", args=[status_token(referral)]))
        never += [
            f"08129999000{n}",
            f"+628129999000{n}",
            f"laporan {n}",
            f"Depan rumah {data['name']}",
        ]
    concern = concern_submit(
        public_id=published[1].public_id,
        kind="other",
        message=f"Tetangga bilang {PEOPLE[1]['name']} sering sendirian (keluhan 7)",
        phone="081299990009",
        consent=True,
    )
    concern_confirm(concern=concern, code=code_for(concern))
    concern_answer(
        concern=concern,
        actor=make_official(Role.LEAD_REVIEWER),
        reply=f"Balasan petugas untuk {PEOPLE[1]['name']} (balasan 7)",
    )
    pages.append(reverse("community:report_status", args=[status_token(concern)]))
    never += ["keluhan 7", "balasan 7", "081299990009", "+6281299990009"]
    return [*pages, *(f"/en{page}" for page in pages)], never


@pytest.mark.parametrize("cached", [False, True], ids=["rendered", "from-the-page-cache"])
def test_no_page_a_visitor_can_reach_shows_anything_of_an_imported_identity(
    client, db, private_root, settings, cached
):
    settings.PAYMENTS_SANDBOX = True
    settings.STRIPE_WEBHOOK_SECRET = TEST_WEBHOOK_SECRET
    settings.STRIPE_WEBHOOK_TOLERANCE_SECONDS = 300
    recipients = import_and_publish()
    published = [recipients[p["nik"]] for p in PEOPLE if p["publish"]]
    unpublished = [recipients[p["nik"]] for p in PEOPLE if not p["publish"]]
    assert [r.status for r in published] == [Status.PUBLISHED] * 3
    assert {r.status for r in unpublished} == {Status.IN_REVIEW, Status.SERVED_ELSEWHERE}
    never_shown = give_and_visit(published)
    report_pages, never_written = report_and_follow(published, unpublished)
    never_shown += never_written
    # The impact page and its open data carry the regency's targets (issue 18): the figures
    # of the month are stored, a target is set by a named official, whose name is never shown.
    from outcomes.services import outcome_target_set, outcomes_refresh

    lead = make_official(Role.LEAD_REVIEWER, name="Pejabat Rahasia Target")
    outcome_target_set(
        actor=lead,
        year=today_wib().year,
        indicator="reached_share",
        value="75",
        reason="Alasan sangat pribadi 7731",
    )
    outcomes_refresh(month=today_wib())
    never_shown += ["Pejabat Rahasia Target", lead.email, "Alasan sangat pribadi 7731"]

    pages = [
        "/dampak/",
        "/en/dampak/",
        "/api/v1/outcomes/",
        "/api/v1/outcomes/csv/",
        "/",
        "/en/",
        "/privasi/",
        "/en/privasi/",
        "/lansia/",
        "/en/lansia/",
        f"/lansia/?kecamatan={GENTENG}",
        f"/lansia/?kecamatan={MUNCAR}",
        "/lansia/?need=daily_meals",
        "/lansia/?need=home_repair",
        "/lansia/?q=Mbah",
        "/lansia/?q=teras",
        f"/en/lansia/?kecamatan={GENTENG}&need=companionship&q=Melati",
        "/robots.txt",
        "/sitemap.xml",
        "/api/v1/listings/",
        f"/api/v1/listings/?kecamatan={GENTENG}",
        "/api/v1/listings/?need=home_repair&q=Mbah",
        "/api/schema/",
        "/api/schema/?format=json",
        # A reporter's last page and their report's steps (signed links).
        *report_pages,
    ]
    for recipient in published:
        pages += [
            detail_url(recipient),
            f"/en{detail_url(recipient)}",
            api_url(recipient),
        ]
    if cached:
        # The sweep reads the page cache's copies: every page filled once, then served from it
        # (what a second visitor, with no cookie or a harmless one, is given).
        settings.PUBLIC_PAGE_CACHE_SECONDS = 300
        for url in pages:
            client.get(url)
        with CaptureQueriesContext(connection) as served:
            client.get("/lansia/")
            client.get(detail_url(published[0]))
        assert not served.captured_queries
        client.cookies["csrftoken"] = "c" * 32
    responses = {url: client.get(url) for url in pages}
    for url, response in responses.items():
        assert response.status_code == 200, url
    # What the new parts show is there (so the sweep below reads them): messages, counts,
    # visits, share tags; the share images are drawn from their cards, read further down.
    for recipient in published:
        page = unescape(responses[f"/lansia/{recipient.public_id}/"].content.decode())
        assert "Semoga sehat selalu, Mbah" in page
        assert 'data-donors="4"' in page
        assert re.search(r"Dikunjungi siswa 1 kali|Visited by students 1 time", page)
        assert f"/lansia/{recipient.public_id}/og-" in page
    # Not published: a plain 404, which must not leak either.
    for recipient in unpublished:
        for url in (detail_url(recipient), f"/en{detail_url(recipient)}", api_url(recipient)):
            responses[url] = client.get(url)
            assert responses[url].status_code == 404, url

    assert "reached_share_target" in responses["/api/v1/outcomes/csv/"].content.decode()
    assert "75" in responses["/en/dampak/"].content.decode()
    # The pages are not empty: the published pseudonyms are there, the others are not.
    listing = responses["/lansia/"].content.decode()
    for person in PEOPLE:
        if "pseudonym" in person:
            assert (person["pseudonym"] in listing) == person["publish"], person["pseudonym"]

    forbidden = [(p["name"], f) for p in PEOPLE for f in forbidden_fragments(p)]
    forbidden += [("a donor, a student or a visit", f) for f in never_shown]
    vocabulary = condition_vocabulary()

    # The share images: PNGs drawn from a card that holds only the drawing's name, the
    # pseudonym, the kecamatan, the needs and the month's figures; the card is what is drawn.
    for recipient in published:
        for prefix, language in (("", "id"), ("/en", "en")):
            head = responses[f"{prefix}/lansia/{recipient.public_id}/"].content.decode()
            image = re.search(
                r'<meta property="og:image" content="https?://[^/"]+(/[^"]+\.png)"', head
            )
            response = client.get(image.group(1))
            assert response.status_code == 200, image.group(1)
            assert response["Content-Type"] == "image/png"
            with translation.override(language):
                profile = public_profile_get(recipient.public_id)
                month = public_listings_progress([profile])[profile.public_id]
                card = share_card(profile, raised=month.raised, need=month.need)
                assert image.group(1).endswith(f"og-{card.version}.png")  # this very card
            drawn = " ".join(str(value) for value in vars(card).values()).lower()
            for whose, fragment in forbidden:
                assert fragment.lower() not in drawn, (image.group(1), whose, fragment)
    for url, response in responses.items():
        raw = response.content.decode()
        texts = (raw, unescape(raw))
        for whose, fragment in forbidden:
            for text in texts:
                assert fragment.lower() not in text.lower(), (url, whose, fragment)
        for person in PEOPLE:
            # A NIK masked with whatever characters: its first and last four digits.
            masked = re.compile(rf"{person['nik'][:4]}\D{{1,16}}{person['nik'][-4:]}")
            for text in texts:
                assert not masked.search(text), (url, person["name"], "masked NIK")
        if url.startswith("/api/schema/"):
            # The schema documents the import API, whose KONDISI vocabulary is no one's data.
            continue
        for word in vocabulary:
            assert not re.search(rf"\b{re.escape(word)}\b", unescape(raw), re.I), (url, word)

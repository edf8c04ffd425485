"""The permission matrix: every official page, every role, inside and outside its scope."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.models import OFFICIAL_ROLES, AuditEvent, Role
from tests.factories import GENTENG, MUNCAR, UserFactory, make_official
from tests.factories.volunteers import sample_student, sample_visit_kwargs

R = Role
REGISTRY = {R.DATA_OFFICER, R.REVIEWER, R.LEAD_REVIEWER, R.ADMINISTRATOR}
RECORD_WORK = {R.DATA_OFFICER, R.REVIEWER, R.LEAD_REVIEWER}
PROFILE_WORK = {R.REVIEWER, R.LEAD_REVIEWER}
IMPORTERS = {R.DATA_OFFICER, R.ADMINISTRATOR}
FIN_READ = {R.FINANCE_OFFICER, R.ADMINISTRATOR}
FIN_WORK = {R.FINANCE_OFFICER}
VISIT_ORGANISERS = {R.REVIEWER, R.LEAD_REVIEWER, R.SCHOOL_COORDINATOR}
MEALS_READ = {R.REVIEWER, R.LEAD_REVIEWER, R.HEALTH_INSPECTOR, R.ADMINISTRATOR}

# Who may open which official page. Written out by hand, not read from the code, so that a
# change of the code's rules fails here until this table is changed on purpose.
EXPECTED = {
    "portal:officials_home": set(OFFICIAL_ROLES),
    "portal:region_list": REGISTRY,
    "portal:region_detail": REGISTRY,
    "accounts:audit_log": {R.ADMINISTRATOR},
    # The registry: review (records of the reviewer's own kecamatan: Genteng below).
    "portal:review_queue": REGISTRY,
    "portal:review_record": REGISTRY,
    # The person page: every role with a section of the matrix (decisions.md); the sample
    # person is in Genteng with a visit of the sample coordinator's school.
    "portal:person": REGISTRY | FIN_READ | {R.SCHOOL_COORDINATOR},
    "portal:review_reveal": RECORD_WORK,
    "portal:review_identity": RECORD_WORK,
    "portal:review_warnings": RECORD_WORK,
    "portal:review_photo_withdraw": RECORD_WORK,
    "portal:review_transition": RECORD_WORK,
    "portal:review_profile": PROFILE_WORK,
    "portal:review_photo": PROFILE_WORK,
    "portal:review_photo_consent": PROFILE_WORK,
    # The registry: imports.
    "portal:import_upload": IMPORTERS,
    "portal:import_history": IMPORTERS,
    "portal:import_detail": IMPORTERS,
    "portal:import_report": IMPORTERS,
    # The format and its templates, beside the upload page.
    "portal:import_format": IMPORTERS,
    "portal:import_template": IMPORTERS,
    "portal:manual_entry": REGISTRY,
    "notifications:outbox": {R.ADMINISTRATOR, R.LEAD_REVIEWER},
    # Donations, the finance officers' pages: administrators read, finance officers work.
    "donations:fin_dashboard": FIN_READ,
    "donations:fin_transfers": FIN_READ,
    "donations:fin_transfer_record": FIN_WORK,
    "donations:fin_gift": FIN_READ,
    "donations:fin_gift_proof": FIN_WORK,
    "donations:fin_gift_proof_inline": FIN_WORK,
    "donations:fin_gift_receipt": FIN_WORK,
    "donations:fin_transfer_match": FIN_WORK,
    "donations:fin_transfer_confirm": FIN_WORK,
    "donations:fin_transfer_reject": FIN_WORK,
    "donations:fin_statements": FIN_WORK,
    "donations:fin_statement": FIN_WORK,
    "donations:fin_statement_map": FIN_WORK,
    "donations:fin_statement_confirm": FIN_WORK,
    "donations:fin_refunds": FIN_READ,
    "donations:fin_refund_create": FIN_WORK,
    "donations:fin_refund_send": FIN_WORK,
    "donations:fin_transfer_refund_confirm": FIN_WORK,
    "donations:fin_transfer_refund_cancel": FIN_WORK,
    "donations:fin_fund_transfers": FIN_READ,
    "donations:fin_fund_transfer_propose": FIN_WORK,
    "donations:fin_fund_transfer_decide": FIN_WORK,
    "donations:fin_periods": FIN_READ,
    "donations:fin_period_create": FIN_WORK,
    "donations:fin_period": FIN_READ,
    "donations:fin_cost_create": FIN_WORK,
    "donations:fin_disbursements": FIN_READ,
    "donations:fin_disbursement_create": FIN_WORK,
    "donations:fin_disbursement": FIN_READ,
    "donations:fin_disbursement_proof": FIN_WORK,
    "donations:fin_disbursement_proof_inline": FIN_WORK,
    "donations:fin_disbursement_decide": FIN_WORK,
    "donations:fin_messages": FIN_READ,
    "donations:fin_message_moderate": FIN_WORK,
    "donations:fin_attention": FIN_READ,
    "donations:fin_export": FIN_WORK,
    "meals:warung_list": FIN_READ,
    "meals:warung_create": FIN_READ,
    # Student visits (volunteers/): organisers, the reviewers' reports, the coordinator's
    # school, and a student's own pages (the sample student's objects, in Genteng).
    "volunteers:official_slots": VISIT_ORGANISERS,
    "volunteers:official_slot_new": VISIT_ORGANISERS,
    "volunteers:official_slot": VISIT_ORGANISERS,
    "volunteers:official_slot_cancel": VISIT_ORGANISERS,
    "volunteers:official_reports": PROFILE_WORK,
    "volunteers:official_report": PROFILE_WORK,
    "volunteers:official_people": PROFILE_WORK,
    "volunteers:school": {R.SCHOOL_COORDINATOR},
    "volunteers:school_export": {R.SCHOOL_COORDINATOR},
    # Removing a student asks first: the page is the coordinator's, for their school's students.
    "volunteers:school_student_remove": {R.SCHOOL_COORDINATOR},
    "volunteers:guardian_request": {R.STUDENT},
    "volunteers:guardian_resend": {R.STUDENT},
    "volunteers:slot_list": {R.STUDENT},
    "volunteers:slot_detail": {R.STUDENT},
    "volunteers:booking_detail": {R.STUDENT},
    "volunteers:booking_cancel": {R.STUDENT},
    "volunteers:booking_report": {R.STUDENT},
    "volunteers:booking_ics": {R.STUDENT},
    "volunteers:calendar_settings": {R.STUDENT},
    "volunteers:certificates": {R.STUDENT},
    "volunteers:certificate_pdf": {R.STUDENT},
    # Community reports and data rights: referrals are the data officers' (the
    # regency); concerns and rights requests the reviewers' of the kecamatan (Genteng below).
    "community:referral_list": IMPORTERS,
    "community:referral_detail": IMPORTERS,
    "community:referral_photo": IMPORTERS,
    "community:referral_verify": IMPORTERS,
    "community:concern_list": PROFILE_WORK,
    "community:concern_detail": PROFILE_WORK,
    "community:rights_list": PROFILE_WORK,
    "community:rights_create": PROFILE_WORK,
    "community:rights_detail": PROFILE_WORK,
    "community:rights_export": PROFILE_WORK,
    # Meals: warung and inspections (health inspectors, the regency), meal plans
    # and delivery lists (reviewers of the kecamatan: a Genteng warung below), the figures.
    "meals:home": MEALS_READ,
    "meals:warung": MEALS_READ,
    "meals:warung_print": PROFILE_WORK,
    "meals:inspection_create": {R.HEALTH_INSPECTOR},
    "meals:inspection": MEALS_READ,
    "meals:inspection_photo": {R.HEALTH_INSPECTOR, R.ADMINISTRATOR},
    "meals:plan_create": PROFILE_WORK,
    "meals:plan": PROFILE_WORK,
    "meals:plan_move": PROFILE_WORK,
    "outcomes:figures": set(OFFICIAL_ROLES) - {R.SCHOOL_COORDINATOR},
    # The printable monthly report and its PDF: the same roles; a reviewer's own kecamatan
    # (Genteng, the default area for them), the others' the regency (tests/outcomes/
    # test_report.py holds the refusals outside scope).
    "outcomes:report": set(OFFICIAL_ROLES) - {R.SCHOOL_COORDINATOR},
    "outcomes:report_pdf": set(OFFICIAL_ROLES) - {R.SCHOOL_COORDINATOR},
    # The regency's targets: lead reviewers and administrators set them; the lists of people
    # to follow: the roles that see every section of a person (a reviewer: their kecamatan).
    "outcomes:targets": {R.LEAD_REVIEWER, R.ADMINISTRATOR},
    "outcomes:people": {R.REVIEWER, R.LEAD_REVIEWER, R.ADMINISTRATOR},
    # The attention queue: its owners read and take (an item of Genteng below), lead
    # reviewers all, administrators read.
    "attention:queue": {R.REVIEWER, R.LEAD_REVIEWER, R.HEALTH_INSPECTOR, R.ADMINISTRATOR},
    "attention:item": {R.REVIEWER, R.LEAD_REVIEWER, R.HEALTH_INSPECTOR, R.ADMINISTRATOR},
    "attention:take": {R.REVIEWER, R.LEAD_REVIEWER, R.HEALTH_INSPECTOR},
}
# Pages for anyone signed in, whatever their roles (an official enrols TOTP first): the
# chooser of where to start, which lists only the person's own pages.
SIGNED_IN_PAGES = {"accounts:start"}
RECORD_PAGES = {
    "portal:review_record",
    "portal:review_reveal",
    "portal:review_identity",
    "portal:review_warnings",
    "portal:review_photo_withdraw",
    "portal:review_profile",
    "portal:review_photo",
    "portal:review_photo_consent",
}


def sample_kwargs() -> dict[str, dict]:
    """URL arguments for the pages that need an object: a record in Genteng (inside a Genteng
    reviewer's scope) and an import with its report."""
    import io

    from portal.services.staging import import_stage
    from tests.factories.portal import RecipientFactory

    record = RecipientFactory(kecamatan_code=GENTENG)
    batch = import_stage(
        stream=io.BytesIO(
            b"NIK,NAMA,JENIS KELAMIN,TANGGAL LAHIR,ALAMAT,KODE DESA\n"
            b"3510094107450003,Siti,P,01-07-1945,Krajan,35.10.09.2001\n"
        ),
        file_name="x.csv",
        actor=make_official(R.DATA_OFFICER),
    )
    kwargs = {name: {"public_id": record.public_id} for name in RECORD_PAGES}
    kwargs["portal:review_transition"] = {"public_id": record.public_id, "to_status": "in_review"}
    kwargs["portal:region_detail"] = {"code": GENTENG}
    kwargs["portal:import_detail"] = {"pk": batch.pk}
    kwargs["portal:import_report"] = {"pk": batch.pk}
    kwargs["portal:import_template"] = {"kind": "xlsx"}
    kwargs.update(finance_samples(record))
    kwargs.update(sample_visit_kwargs())  # student visits
    kwargs.update(community_sample_kwargs(record))
    kwargs.update(meals_sample_kwargs())
    kwargs["outcomes:people"] = {"kind": "unfunded"}
    kwargs.update(attention_sample_kwargs(record))
    kwargs["portal:person"] = {"public_id": person_page_sample().public_id}
    kwargs["volunteers:school_student_remove"] = {"pk": school_student_sample().pk}
    return kwargs


def school_student_sample():
    """A confirmed student of the sample coordinator's school (the removal page asks first)."""
    from tests.factories.volunteers import StudentFactory

    return StudentFactory(school=sample_school())


def attention_sample_kwargs(record) -> dict[str, dict]:
    """A concern item about the Genteng record (reviewers' kind: a health inspector's scope
    holds no such item, so its page is a 404 for them, not a 403)."""
    from attention.services import item_open

    item, _opened = item_open(
        "concern", key="sample", kecamatan_id=record.kecamatan_id, recipient=record, announce=False
    )
    return {"attention:item": {"pk": item.pk}, "attention:take": {"pk": item.pk}}


SAMPLE_SCHOOL_NPSN = "20599999"


def sample_school():
    """The school of the matrix's coordinator, in Genteng."""
    from tests.factories import SchoolFactory

    return SchoolFactory(npsn=SAMPLE_SCHOOL_NPSN)


def person_page_sample():
    """A published Genteng person visited by the sample coordinator's school."""
    from tests.factories.volunteers import VisitSlotFactory

    return VisitSlotFactory(school=sample_school()).recipient


def meals_sample_kwargs() -> dict[str, dict]:
    """Meals: a Genteng warung with an inspection and its photo, a published person (for a
    new plan) and a reached one with a plan."""
    from tests.factories.meals import inspection_with_photo, plan_for, warung_in

    warung = warung_in(GENTENG)
    inspection, photo = inspection_with_photo(warung)
    listed = published_in_genteng()
    plan = plan_for(published_in_genteng(), warung)
    return {
        "meals:warung": {"pk": warung.pk},
        "meals:warung_print": {"pk": warung.pk, "day": "2026-01-05"},
        "meals:inspection_create": {"pk": warung.pk},
        "meals:inspection": {"pk": inspection.pk},
        "meals:inspection_photo": {"pk": inspection.pk, "photo_id": photo.pk},
        "meals:plan_create": {"public_id": listed.public_id},
        "meals:plan": {"pk": plan.pk},
        "meals:plan_move": {"pk": plan.pk, "to_status": "paused"},
    }


def published_in_genteng():
    from tests.factories.portal import RecipientFactory

    return RecipientFactory(kecamatan_code=GENTENG, publishable=True, status="published")


def finance_samples(record) -> dict[str, dict]:
    """Donations: a bank gift with its proof, a proposed transfer between funds, a collection
    period and a disbursement with its proof (proofs written straight into private storage)."""
    import uuid

    from django.core.files.base import ContentFile

    from accounts.storage import private_storage
    from donations.models import (
        BankAccount,
        CollectionPeriod,
        Disbursement,
        Donor,
        FundTransfer,
        Gift,
        Refund,
        StatementUpload,
        TransferRefund,
    )
    from meals.models import Warung

    proof = private_storage().save("donations/proofs/sample", ContentFile(b"\xff\xd8\xff"))
    donor = Donor.objects.create(key="permissions-sample", email="donor@example.org")
    gift = Gift.objects.create(
        donor=donor,
        amount=50_000,
        gateway=Gift.Gateway.BANK,
        status=Gift.Status.PROOF_SUBMITTED,
        bank_reference="RK-SAMPLE1",
        proof=proof,
        message="Semoga sehat",
        message_status="pending",
    )
    transfer = FundTransfer.objects.create(
        target=record, amount=1_000, reason="sample", proposed_by_ref=uuid.uuid4()
    )
    period = CollectionPeriod.objects.create(
        name="sample", starts_on="2026-01-01", ends_on="2026-12-31"
    )
    warung = Warung.objects.create(
        name="Warung",
        owner_name="Tini",
        address="Jl. 1",
        kecamatan=record.kecamatan,
        daily_capacity=10,
    )
    disbursement = Disbursement.objects.create(
        warung=warung,
        reference="TRF",
        proof=proof,
        proof_summary="sample",
        paid_on="2026-01-02",
        recorded_by_ref=uuid.uuid4(),
    )
    refund = Refund.objects.create(
        gift=gift, amount=1_000, reason="sample", requested_by_ref=uuid.uuid4()
    )
    transfer_refund = TransferRefund.objects.create(
        gift=gift, amount=1_000, reason="sample", recorded_by_ref=uuid.uuid4()
    )
    account = BankAccount.objects.create(bank="Bank", number="0099")
    statement = StatementUpload.objects.create(
        account=account, uploaded_by_ref=uuid.uuid4(), status=StatementUpload.Status.CONFIRMED
    )
    to_map = StatementUpload.objects.create(
        account=account, uploaded_by_ref=uuid.uuid4(), status=StatementUpload.Status.MAPPING
    )
    by_gift = {"ref": gift.public_ref}
    received = Gift.objects.create(
        donor=donor,
        amount=50_000,
        gateway=Gift.Gateway.BANK,
        status=Gift.Status.PAID,
        receipt_number="RK-2026-999999",
    )
    return {
        "donations:fin_gift_receipt": {"ref": received.public_ref},
        "donations:fin_refund_send": {"pk": refund.pk},
        "donations:fin_transfer_refund_confirm": {"pk": transfer_refund.pk},
        "donations:fin_transfer_refund_cancel": {"pk": transfer_refund.pk},
        **{
            f"donations:{name}": by_gift
            for name in (
                "fin_gift",
                "fin_gift_proof",
                "fin_gift_proof_inline",
                "fin_transfer_match",
                "fin_transfer_confirm",
                "fin_transfer_reject",
                "fin_refund_create",
                "fin_message_moderate",
            )
        },
        "donations:fin_fund_transfer_decide": {"pk": transfer.pk},
        "donations:fin_period": {"pk": period.pk},
        "donations:fin_cost_create": {"pk": period.pk},
        **{
            f"donations:{name}": {"pk": disbursement.pk}
            for name in (
                "fin_disbursement",
                "fin_disbursement_proof",
                "fin_disbursement_proof_inline",
                "fin_disbursement_decide",
            )
        },
        **{
            f"donations:{name}": {"pk": statement.pk}
            for name in ("fin_statement", "fin_statement_confirm")
        },
        "donations:fin_statement_map": {"pk": to_map.pk},
    }


def community_sample_kwargs(record) -> dict[str, dict]:
    """A referral with a photo, a concern about a Genteng listing, an access request about
    the Genteng record."""
    from community.models import Concern, Referral
    from community.services.concerns import concern_confirm, concern_submit
    from community.services.referrals import referral_confirm, referral_submit
    from community.services.rights import rights_request_record
    from tests.factories.community import code_for, jpeg_with_exif, village_of
    from tests.factories.portal import RecipientFactory

    referral = referral_submit(
        village=village_of(GENTENG),
        needs=["daily_meals"],
        photo=jpeg_with_exif(),
        phone="081233334444",
        consent=True,
    )
    referral_confirm(referral=referral, code=code_for(referral))
    listing = RecipientFactory(kecamatan_code=GENTENG, publishable=True, status="published")
    concern = concern_submit(
        public_id=listing.public_id, kind="fraud", phone="081233334445", consent=True
    )
    concern_confirm(concern=concern, code=code_for(concern))
    rights = rights_request_record(
        recipient=record,
        actor=make_official(R.LEAD_REVIEWER),
        kind="access",
        requester="self",
        requester_name="Sumarno",
    )
    assert Referral.objects.get().status == "open" and Concern.objects.get().status == "open"
    by_reference = {"reference": referral.reference}
    return {
        "community:referral_detail": by_reference,
        "community:referral_photo": by_reference,
        "community:referral_verify": by_reference,
        "community:concern_detail": {"reference": concern.reference},
        "community:rights_detail": {"reference": rights.reference},
        "community:rights_export": {"reference": rights.reference},
    }


def official_url_names() -> set[str]:
    """Names of every URL whose view is guarded by accounts.decorators.official_required."""
    found = set()

    def walk(patterns, namespace=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
                walk(p.url_patterns, ns)
            elif isinstance(p, URLPattern) and hasattr(p.callback, "official_roles"):
                found.add(f"{namespace}{p.name}")

    walk(get_resolver().url_patterns)
    return found


def user_with(role: str):
    if role == R.DONOR:  # a donor is anybody with an account and no other role
        return UserFactory()
    if role == R.STUDENT:  # the student who owns the sample visit objects
        return sample_student().user
    if role == R.SCHOOL_COORDINATOR:
        return make_official(role, school=sample_school())
    return make_official(role, kecamatan=(GENTENG,) if role == R.REVIEWER else ())


# Actions with no page of their own (their forms are on another page): a role allowed through
# the guard meets the method check (405 to a GET), every other role the guard (403).
# Pages a role passes the guard of, whose sample lies outside that role's scope: a health
# inspector's queue holds overdue inspections only, not the sample concern (a 404, logged).
OUTSIDE_SCOPE = {("attention:item", R.HEALTH_INSPECTOR)}
POST_ONLY = {
    "attention:take",
    "volunteers:guardian_resend",
    "donations:fin_transfer_refund_confirm",
    "donations:fin_transfer_refund_cancel",
}


def test_the_matrix_covers_every_official_page(db):
    assert official_url_names() == set(EXPECTED)


@pytest.mark.parametrize("role", Role.values)
def test_each_role_opens_exactly_its_pages(client, db, role):
    samples = sample_kwargs()
    user = user_with(role)
    client.force_login(user)
    for name, allowed in EXPECTED.items():
        response = client.get(reverse(name, kwargs=samples.get(name)))
        expected = (405 if name in POST_ONLY else 200) if role in allowed else 403
        if (name, role) in OUTSIDE_SCOPE:
            expected = 404
        assert response.status_code == expected, (role, name, response.status_code)


@pytest.mark.parametrize("role", Role.values)
def test_each_role_opens_the_pages_for_anyone_signed_in(client, db, role):
    client.force_login(user_with(role))
    for name in SIGNED_IN_PAGES:
        assert client.get(reverse(name)).status_code == 200, (role, name)


@pytest.mark.parametrize("role", Role.values)
def test_only_administrators_reach_the_django_admin(client, db, role):
    client.force_login(user_with(role))
    response = client.get("/admin/", follow=True)
    assert response.status_code == (200 if role == R.ADMINISTRATOR else 403)


def test_a_visitor_is_sent_to_sign_in_from_every_official_page(client, db):
    samples = sample_kwargs()
    for name in [*EXPECTED, *SIGNED_IN_PAGES]:
        url = reverse(name, kwargs=samples.get(name))
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    assert (
        client.get("/admin/", follow=True)
        .redirect_chain[-1][0]
        .startswith(reverse("account_login"))
    )


def test_a_refused_role_is_logged(client, db):
    user = make_official(R.HEALTH_INSPECTOR)
    client.force_login(user)
    assert client.get(reverse("portal:region_list")).status_code == 403
    event = AuditEvent.objects.get(action=AuditEvent.Action.ACCESS_DENIED)
    assert event.actor_ref == user.public_ref
    assert event.target == reverse("portal:region_list")


def test_a_reviewer_of_genteng_cannot_see_muncar_and_the_attempt_is_logged(client, db):
    reviewer = make_official(R.REVIEWER, kecamatan=(GENTENG,))
    client.force_login(reviewer)

    listing = client.get(reverse("portal:region_list"))
    names = [k.name for k in listing.context["regions"]]
    assert names == ["Genteng"]

    assert client.get(reverse("portal:region_detail", args=[GENTENG])).status_code == 200
    response = client.get(reverse("portal:region_detail", args=[MUNCAR]))
    assert response.status_code == 404
    event = AuditEvent.objects.get(action=AuditEvent.Action.SCOPE_DENIED)
    assert event.actor_ref == reviewer.public_ref
    assert event.target == f"portal.kecamatan:{MUNCAR}"


def test_a_code_that_does_not_exist_is_404_without_a_scope_event(client, db):
    client.force_login(make_official(R.REVIEWER, kecamatan=(GENTENG,)))
    assert client.get(reverse("portal:region_detail", args=["35.10.99"])).status_code == 404
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.SCOPE_DENIED).exists()


def test_a_reviewer_of_two_kecamatan_sees_both(client, db):
    client.force_login(make_official(R.REVIEWER, kecamatan=(GENTENG, MUNCAR)))
    listing = client.get(reverse("portal:region_list"))
    assert sorted(k.code for k in listing.context["regions"]) == [MUNCAR, GENTENG]
    assert client.get(reverse("portal:region_detail", args=[MUNCAR])).status_code == 200


@pytest.mark.parametrize("role", [R.DATA_OFFICER, R.LEAD_REVIEWER, R.ADMINISTRATOR])
def test_regency_wide_roles_see_every_kecamatan(client, db, role):
    client.force_login(make_official(role))
    assert len(client.get(reverse("portal:region_list")).context["regions"]) == 25
    assert client.get(reverse("portal:region_detail", args=[MUNCAR])).status_code == 200


def test_a_user_may_hold_several_roles(client, db):
    from accounts.services import role_grant
    from regions.models import Kecamatan

    user = make_official(R.HEALTH_INSPECTOR)
    client.force_login(user)
    assert client.get(reverse("portal:region_list")).status_code == 403
    role_grant(user=user, role=R.REVIEWER, kecamatan=Kecamatan.objects.filter(code=MUNCAR))
    listing = client.get(reverse("portal:region_list"))
    assert listing.status_code == 200
    # The region list is a registry page: scope is asked for the registry, where a health
    # inspector's regency-wide reach (warung and inspections) contributes nothing, so only
    # the reviewer's kecamatan is listed.
    assert [k.code for k in listing.context["regions"]] == [MUNCAR]


# --- Officials holding several roles ----------------------------------------------------------
# Scope is asked for a purpose and each role adds only to the purposes it has (the table of roles
# in docs/architecture.md): holding a second role in another kecamatan or school opens that role's
# pages there, never the first role's.


def denied(user, target: str) -> bool:
    return AuditEvent.objects.filter(
        action=AuditEvent.Action.SCOPE_DENIED, actor_ref=user.public_ref, target=target
    ).exists()


def with_roles(*grants: tuple):
    """An official holding each (role, kecamatan code, or school for a coordinator) of
    ``grants``: the first made as make_official makes one, the others granted as an
    administrator grants them."""
    from accounts.services import role_grant
    from regions.models import Kecamatan

    def scope(role, where) -> dict:
        if role == R.SCHOOL_COORDINATOR:
            return {"school": where}
        return {"kecamatan": (where,) if where else ()}

    (first, where), *others = grants
    user = make_official(first, **scope(first, where))
    for role, where in others:
        extra = scope(role, where)
        if "kecamatan" in extra:
            extra["kecamatan"] = Kecamatan.objects.filter(code__in=extra["kecamatan"])
        role_grant(user=user, role=role, **extra)
    return user


def school_in(code: str):
    from regions.models import Kecamatan
    from tests.factories import SchoolFactory

    return SchoolFactory(kecamatan=Kecamatan.objects.get(code=code))


@pytest.fixture
def two_kecamatan(db):
    """In Genteng and in Muncar each: a record, a listed person, a warung with an inspection
    and a reached person's plan, a visit slot with a report."""
    from tests.factories.meals import inspection_with_photo, plan_for, warung_in
    from tests.factories.portal import RecipientFactory
    from tests.factories.volunteers import StudentFactory, VisitSlotFactory
    from volunteers.models import Booking, VisitReport

    world = {}
    for code in (GENTENG, MUNCAR):

        def person(code=code):
            return RecipientFactory(kecamatan_code=code, publishable=True, status="published")

        warung = warung_in(code, name=f"Warung {code}")
        slot = VisitSlotFactory(recipient=person())
        booking = Booking.objects.create(
            slot=slot, student=StudentFactory(), status=Booking.Status.ATTENDED
        )
        world[code] = {
            "record": RecipientFactory(kecamatan_code=code),
            "listed": person(),
            "warung": warung,
            "inspection": inspection_with_photo(warung)[0],
            "plan": plan_for(person(), warung),
            "slot": slot,
            "report": VisitReport.objects.create(booking=booking, wellbeing="good"),
        }
    return world


# Pages of one kecamatan's objects: name, URL arguments from that kecamatan's objects, and
# the audit target of a refusal.
OBJECT_PAGES = {
    "portal:region_detail": (lambda o, code: {"code": code}, "portal.kecamatan:{code}"),
    "portal:review_record": (
        lambda o, code: {"public_id": o["record"].public_id},
        "portal.recipient:{record}",
    ),
    "meals:warung": (lambda o, code: {"pk": o["warung"].pk}, "meals.warung:{warung}"),
    "meals:warung_print": (
        lambda o, code: {"pk": o["warung"].pk, "day": "2026-01-05"},
        "meals.warung:{warung}",
    ),
    "meals:inspection": (
        lambda o, code: {"pk": o["inspection"].pk},
        "meals.inspection:{inspection}",
    ),
    "meals:plan": (lambda o, code: {"pk": o["plan"].pk}, "meals.plan:{plan}"),
    "meals:plan_create": (
        lambda o, code: {"public_id": o["listed"].public_id},
        "portal.recipient:{listed}",
    ),
    "volunteers:official_slot": (
        lambda o, code: {"pk": o["slot"].pk},
        "volunteers.visitslot:{slot}",
    ),
    "volunteers:official_report": (
        lambda o, code: {"pk": o["report"].pk},
        "volunteers.visitreport:{report}",
    ),
    # The visited person's page: each section asked of its own purpose.
    "portal:person": (
        lambda o, code: {"public_id": o["slot"].recipient.public_id},
        "portal.recipient:{visited}",
    ),
}


def target_of(name: str, objects: dict, code: str) -> str:
    ids = {
        "code": code,
        "record": objects["record"].public_id,
        "listed": objects["listed"].public_id,
        "visited": objects["slot"].recipient.public_id,
        **{key: objects[key].pk for key in ("warung", "inspection", "plan", "slot", "report")},
    }
    return OBJECT_PAGES[name][1].format(**ids)


# Who opens what: for each official, the object pages that open (200) in each kecamatan;
# every other page of OBJECT_PAGES is a 404 there, with a scope.denied event. The lists
# (pages without an object) that open are under "lists".
SEVERAL_ROLES = {
    "reviewer Genteng + coordinator of a Muncar school": {
        "grants": ((R.REVIEWER, GENTENG), (R.SCHOOL_COORDINATOR, MUNCAR)),
        GENTENG: set(OBJECT_PAGES),
        # The school places the coordinator in Muncar for visit slots only; the person page
        # of a Muncar person their school never visited is a 404.
        MUNCAR: {"volunteers:official_slot"},
        "lists": {"portal:region_list", "meals:home", "volunteers:school"},
        "regions": [GENTENG],
    },
    "reviewer Genteng + health inspector": {
        "grants": ((R.REVIEWER, GENTENG), (R.HEALTH_INSPECTOR, None)),
        GENTENG: set(OBJECT_PAGES),
        # The inspector's regency covers warung and inspections, not people or the registry
        # (no section of the person page either).
        MUNCAR: {"meals:warung", "meals:warung_print", "meals:inspection"},
        "lists": {"portal:region_list", "meals:home", "outcomes:figures", "outcomes:report"},
        "regions": [GENTENG],
    },
    "reviewer Muncar + finance officer + coordinator of a Genteng school": {
        "grants": (
            (R.REVIEWER, MUNCAR),
            (R.FINANCE_OFFICER, None),
            (R.SCHOOL_COORDINATOR, GENTENG),
        ),
        # The finance officer's regency opens the person page's status and money anywhere.
        GENTENG: {"volunteers:official_slot", "portal:person"},
        MUNCAR: set(OBJECT_PAGES),
        "lists": {
            "portal:region_list",
            "meals:home",
            "volunteers:school",
            "donations:fin_dashboard",
        },
        "regions": [MUNCAR],
    },
}


@pytest.mark.parametrize("who", SEVERAL_ROLES)
def test_an_official_of_several_roles_opens_each_roles_pages_in_its_own_scope(
    client, two_kecamatan, who
):
    expected = SEVERAL_ROLES[who]
    grants = tuple(
        (role, school_in(where) if role == R.SCHOOL_COORDINATOR else where)
        for role, where in expected["grants"]
    )
    user = with_roles(*grants)
    client.force_login(user)
    for name in expected["lists"]:
        assert client.get(reverse(name)).status_code == 200, (who, name)
    regions = client.get(reverse("portal:region_list")).context["regions"]
    assert [k.code for k in regions] == expected["regions"], who
    for code in (GENTENG, MUNCAR):
        objects = two_kecamatan[code]
        for name, (kwargs, _target) in OBJECT_PAGES.items():
            response = client.get(reverse(name, kwargs=kwargs(objects, code)))
            opens = name in expected[code]
            assert response.status_code == (200 if opens else 404), (who, code, name)
            assert denied(user, target_of(name, objects, code)) is not opens, (who, code, name)


def person_sections(response) -> set[str]:
    import re

    return set(
        re.findall(r'<section id="(\w+)" class="card person-section"', response.content.decode())
    )


def test_a_reviewer_who_coordinates_a_school_elsewhere_sees_there_only_the_schools_visits(
    client, two_kecamatan
):
    """The person page for a Genteng reviewer who coordinates a Muncar school: every section
    of a Genteng person; of a Muncar person their school visited, the visits section with their
    students' reports only; a Muncar person their school never visited, 404 and logged."""
    from tests.factories.volunteers import StudentFactory, VisitSlotFactory
    from volunteers.models import Booking
    from volunteers.services.visits import report_file

    school = school_in(MUNCAR)
    user = with_roles((R.REVIEWER, GENTENG), (R.SCHOOL_COORDINATOR, school))
    muncar = two_kecamatan[MUNCAR]
    visited = muncar["slot"].recipient
    # The school's own visit of the Muncar person, its student flagging the person as ill, on
    # top of the fixture's visit by another school (whose report is not theirs).
    slot = VisitSlotFactory(recipient=visited, school=school)
    booking = Booking.objects.create(
        slot=slot, student=StudentFactory(school=school), status=Booking.Status.ATTENDED
    )
    own_report, _created = report_file(booking=booking, wellbeing="poor", flags=["looks_ill"])
    client.force_login(user)

    genteng = client.get(
        reverse("portal:person", args=[two_kecamatan[GENTENG]["slot"].recipient.public_id])
    )
    assert genteng.status_code == 200
    assert person_sections(genteng) == {"registry", "meals", "visits", "money", "community"}

    response = client.get(reverse("portal:person", args=[visited.public_id]))
    assert response.status_code == 200
    assert person_sections(response) == {"visits"}
    page = response.context["page"]
    assert page.access.visits == "school"
    assert [view.slot.pk for view in page.visits] == [slot.pk]
    assert [b.report for view in page.visits for b in view.reports] == [own_report]
    assert {event.section for event in page.timeline} == {"visits"}
    html = response.content.decode()
    assert reverse("volunteers:official_report", args=[own_report.pk]) not in html
    assert reverse("volunteers:official_slot", args=[muncar["slot"].pk]) not in html
    assert visited.village.name not in html  # the registry's village is not theirs here

    never = muncar["listed"]
    response = client.get(reverse("portal:person", args=[never.public_id]))
    assert response.status_code == 404
    assert denied(user, f"portal.recipient:{never.public_id}")


def test_a_reviewer_who_coordinates_a_school_elsewhere_gets_nothing_of_meals_there(
    client, two_kecamatan
):
    """The attack probe: a Genteng reviewer who coordinates a Muncar school opened Muncar's
    warung (with its signed links), its print list, Muncar people's plans, the new-plan form
    and Muncar's region page."""
    from meals.models import MealPlan
    from portal.models import Status

    user = with_roles((R.REVIEWER, GENTENG), (R.SCHOOL_COORDINATOR, school_in(MUNCAR)))
    client.force_login(user)
    muncar = two_kecamatan[MUNCAR]
    pages = ["meals:warung", "meals:warung_print", "meals:plan", "meals:plan_create"]
    pages.append("portal:region_detail")
    for name in pages:
        response = client.get(reverse(name, kwargs=OBJECT_PAGES[name][0](muncar, MUNCAR)))
        assert response.status_code == 404, name
        assert denied(user, target_of(name, muncar, MUNCAR)), name
        assert muncar["warung"].address not in response.content.decode()
    listed = muncar["listed"]
    response = client.post(
        reverse("meals:plan_create", args=[listed.public_id]),
        {
            "warung": muncar["warung"].pk,
            "starts_on": "2026-01-05",
            "portions_per_day": 2,
            "note": "",
        },
    )
    assert response.status_code == 404
    listed.refresh_from_db()
    assert listed.status == Status.PUBLISHED
    assert not MealPlan.objects.filter(recipient=listed).exists()

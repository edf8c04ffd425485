"""Writes about people: roles, consents, the audit log, a person's own data."""

from collections.abc import Iterable
from typing import Any
from urllib.parse import urljoin

from allauth.account import app_settings as allauth_settings
from allauth.account.models import EmailAddress
from allauth.account.utils import user_pk_to_url_str
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from knox.models import AuthToken

from regions.models import Kecamatan

from . import registry
from .models import OFFICIAL_ROLES, AuditEvent, Consent, Role, RoleGrant, User
from .permissions import is_administrator
from .registry import AccountOwner, School
from .selectors import account_owner, audit_events_by_actor, users_with_role

Action = AuditEvent.Action


def audit_record(
    *,
    actor: User | None,
    action: str,
    target: str = "",
    reason: str = "",
    details: dict[str, Any] | None = None,
    actor_label: str = "",
) -> AuditEvent:
    """Append one event. ``target`` names what was touched ("portal.kecamatan:35.10.05"),
    never a personal value; ``reason`` is the official's own words."""
    if actor is not None and not actor.is_authenticated:
        actor = None
    return AuditEvent.objects.create(
        actor_ref=actor.public_ref if actor else None,
        actor_label=actor_label or ("" if actor else "anonymous"),
        action=action,
        target=target[:200],
        reason=reason,
        details=details or {},
    )


def audit_record_many(
    *,
    actor: User | None,
    action: str,
    targets: Iterable[str],
    details: dict[str, Any] | None = None,
) -> int:
    """One event per target, written in one statement: a page that shows several people's
    data at once (a list) leaves in each person's trail the same event as opening them."""
    if actor is not None and not actor.is_authenticated:
        actor = None
    events = [
        AuditEvent(
            actor_ref=actor.public_ref if actor else None,
            actor_label="" if actor else "anonymous",
            action=action,
            target=target[:200],
            details=details or {},
        )
        for target in targets
    ]
    return len(AuditEvent.objects.bulk_create(events))


def _clean_scope(
    *, role: str, kecamatan: Iterable[Kecamatan], school: School | None
) -> list[Kecamatan]:
    kecamatan = list(kecamatan)
    if role not in Role.values:
        raise ValidationError(_("Unknown role: %(role)s.") % {"role": role})
    if role == Role.REVIEWER and not kecamatan:
        raise ValidationError(_("A reviewer needs at least one kecamatan."))
    if role != Role.REVIEWER and kecamatan:
        raise ValidationError(_("Only a reviewer's role is limited to kecamatan."))
    if role == Role.SCHOOL_COORDINATOR and school is None:
        raise ValidationError(_("A school coordinator needs a school."))
    if role != Role.SCHOOL_COORDINATOR and school is not None:
        raise ValidationError(_("Only a school coordinator's role is tied to a school."))
    return kecamatan


@transaction.atomic
def role_grant(
    *,
    user: User,
    role: str,
    kecamatan: Iterable[Kecamatan] = (),
    school: School | None = None,
    actor: User | None = None,
    actor_label: str = "",
) -> RoleGrant:
    """Give ``user`` a role, or widen the scope of one they hold: a reviewer's kecamatan are
    added to those they already review; a coordinator's school is replaced."""
    kecamatan = _clean_scope(role=role, kecamatan=kecamatan, school=school)
    grant, _created = RoleGrant.objects.select_for_update().get_or_create(user=user, role=role)
    if school is not None:
        registry.coordinator_schools().link(grant, school)
    if kecamatan:
        grant.kecamatan.add(*kecamatan)
    if role == Role.ADMINISTRATOR and not (user.is_staff and user.is_superuser):
        user.is_staff = user.is_superuser = True
        user.save(update_fields=["is_staff", "is_superuser"])
    user.__dict__.pop("roles", None)
    audit_record(
        actor=actor,
        actor_label=actor_label,
        action=Action.ROLE_GRANTED,
        target=f"accounts.user:{user.public_ref}",
        details={
            "role": role,
            "kecamatan": sorted(k.code for k in grant.kecamatan.all()),
            "school": school.npsn if school else None,
        },
    )
    return grant


@transaction.atomic
def role_revoke(*, user: User, role: str, actor: User | None = None, actor_label: str = "") -> bool:
    deleted, _by_model = RoleGrant.objects.filter(user=user, role=role).delete()
    if not deleted:
        return False
    if role == Role.ADMINISTRATOR:
        user.is_staff = user.is_superuser = False
        user.save(update_fields=["is_staff", "is_superuser"])
    user.__dict__.pop("roles", None)
    audit_record(
        actor=actor,
        actor_label=actor_label,
        action=Action.ROLE_REVOKED,
        target=f"accounts.user:{user.public_ref}",
        details={"role": role},
    )
    return True


@transaction.atomic
def official_add(
    *,
    email: str,
    role: str,
    kecamatan_codes: Iterable[str] = (),
    school_npsn: str | None = None,
    actor: User | None = None,
    actor_label: str = "",
) -> tuple[User, bool]:
    """Create an official's account, or give an existing account an official role.

    The e-mail address is marked verified: an administrator vouches for it. A new account has
    no usable password; ``password_link_issue`` makes the one-time link to set one.
    """
    if role not in OFFICIAL_ROLES:
        raise ValidationError(
            _("%(role)s is not an official's role. Choose one of: %(roles)s.")
            % {"role": role, "roles": ", ".join(sorted(OFFICIAL_ROLES))}
        )
    codes = sorted(set(kecamatan_codes))
    kecamatan = list(Kecamatan.objects.filter(code__in=codes))
    unknown = set(codes) - {k.code for k in kecamatan}
    if unknown:
        raise ValidationError(
            _(
                "Unknown kecamatan code: %(codes)s "
                "(Banyuwangi's codes run from 35.10.01 to 35.10.25)."
            )
            % {"codes": ", ".join(sorted(unknown))}
        )
    school = None
    if school_npsn:
        school = registry.coordinator_schools().find(school_npsn)
        if school is None:
            raise ValidationError(
                _("No school with NPSN %(npsn)s: add the school first.") % {"npsn": school_npsn}
            )
    email = User.objects.normalize_email(email).strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError(
            _("%(email)s is not a valid e-mail address.") % {"email": email}
        ) from None
    found = User.objects.filter(email__iexact=email).first()
    created = found is None
    user = User.objects.create_user(email=email, password=None) if found is None else found
    address, _created = EmailAddress.objects.get_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    if not address.verified:
        address.verified = True
        address.save(update_fields=["verified"])
    role_grant(
        user=user,
        role=role,
        kecamatan=kecamatan,
        school=school,
        actor=actor,
        actor_label=actor_label,
    )
    return user, created


def password_link_issue(*, user: User, actor: User | None = None, actor_label: str = "") -> str:
    """A one-time link to set a password. It stops working once a password is set (the token
    covers the password hash and last login) and after PASSWORD_RESET_TIMEOUT."""
    generator = allauth_settings.PASSWORD_RESET_TOKEN_GENERATOR()
    with translation.override(user.language):
        path = reverse(
            "account_reset_password_from_key",
            kwargs={"uidb36": user_pk_to_url_str(user), "key": generator.make_token(user)},
        )
    audit_record(
        actor=actor,
        actor_label=actor_label,
        action=Action.PASSWORD_LINK_ISSUED,
        target=f"accounts.user:{user.public_ref}",
    )
    return urljoin(settings.PORTAL_BASE_URL + "/", path.lstrip("/"))


@transaction.atomic
def consent_give(*, user: User, purpose: str, method: str) -> Consent:
    """Record consent under the current notice version. Giving it again under the same
    version changes nothing; under a new version the old row is closed and a new one opened."""
    version = settings.PRIVACY_NOTICE_VERSION
    live = Consent.objects.select_for_update().filter(
        user=user, purpose=purpose, withdrawn_at__isnull=True
    )
    current = live.filter(notice_version=version).first()
    if current:
        return current
    live.update(withdrawn_at=timezone.now())
    consent = Consent.objects.create(
        user=user, purpose=purpose, notice_version=version, method=method
    )
    audit_record(
        actor=user,
        action=Action.CONSENT_GIVEN,
        target=f"accounts.consent:{consent.pk}",
        details={"purpose": purpose, "notice_version": version},
    )
    return consent


@transaction.atomic
def consent_withdraw(*, user: User, purpose: str) -> bool:
    if purpose == Consent.Purpose.PRIVACY_NOTICE:
        # Without it the account cannot be kept: withdrawing is deleting the account.
        raise ValidationError(
            _("Consent to the privacy notice is withdrawn by deleting the account.")
        )
    changed = Consent.objects.filter(user=user, purpose=purpose, withdrawn_at__isnull=True).update(
        withdrawn_at=timezone.now()
    )
    if changed:
        audit_record(actor=user, action=Action.CONSENT_WITHDRAWN, details={"purpose": purpose})
    return bool(changed)


def accounts_data_export(owner: AccountOwner) -> dict[str, Any]:
    """Accounts' part of the download: the account, its addresses, two-factor methods (type
    and date, never a secret), API tokens (dates only), roles, consents and the actions
    recorded under it."""
    user = owner.user
    grants = list(user.role_grants.prefetch_related("kecamatan"))
    schools = registry.coordinator_schools().of_grants(grants)
    return {
        "account": {
            "reference": str(user.public_ref),
            "email": user.email,
            "name": user.name,
            "language": user.language,
            "joined_at": user.date_joined.isoformat(),
            "last_login": user.last_login.isoformat() if user.last_login else None,
            "has_password": user.has_usable_password(),
        },
        "email_addresses": [
            {"email": a.email, "verified": a.verified, "primary": a.primary}
            for a in EmailAddress.objects.filter(user=user).order_by("email")
        ],
        "two_factor_authentication": [
            {"type": a.type, "created_at": a.created_at.isoformat()}
            for a in Authenticator.objects.filter(user=user).order_by("created_at")
        ],
        "api_tokens": [
            {
                "created_at": t.created.isoformat(),
                "expires_at": t.expiry.isoformat() if t.expiry else None,
            }
            for t in AuthToken.objects.filter(user=user).order_by("created")
        ],
        "roles": [
            {
                "role": g.role,
                "kecamatan": [k.code for k in g.kecamatan.all()],
                "school": schools[g.pk].npsn if g.pk in schools else None,
                "granted_at": g.granted_at.isoformat(),
            }
            for g in grants
        ],
        "consents": [
            {
                "purpose": c.purpose,
                "notice_version": c.notice_version,
                "given_at": c.given_at.isoformat(),
                "withdrawn_at": c.withdrawn_at.isoformat() if c.withdrawn_at else None,
                "method": c.method,
            }
            for c in user.consents.order_by("given_at")
        ],
        "actions_recorded": [
            {
                "at": e.created_at.isoformat(),
                "action": e.action,
                "target": e.target,
                "reason": e.reason,
            }
            for e in audit_events_by_actor(user)
        ],
    }


def accounts_data_erase(owner: AccountOwner) -> None:
    """Accounts' part of a deletion. Addresses, authenticators, tokens, roles and consents go
    with the user row (their foreign keys cascade); Django admin's own history names the
    account by its e-mail address: its entries stay (what an administrator did stays
    visible), under the pseudonymous reference."""
    LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(User), object_id=str(owner.user.pk)
    ).update(object_repr=f"accounts.user:{owner.user.public_ref}")


def account_data_export(*, user: User) -> dict[str, Any]:
    """Everything the portal holds about a person's account, as one JSON-ready document (UU
    PDP's right of access): accounts' sections at the top, each other app's under its label.
    Secrets (password hash, TOTP seed, recovery codes, codes sent by mail) are described, not
    copied."""
    audit_record(actor=user, action=Action.DATA_EXPORTED, target=f"accounts.user:{user.public_ref}")
    owner = account_owner(user)
    document: dict[str, Any] = {"exported_at": timezone.now().isoformat()}
    for entry in registry.personal_data(registry.Subject.ACCOUNT):
        if entry.export is None:
            continue
        sections = entry.export(owner)
        if entry.app_label == "accounts":
            document.update(sections)
        else:
            document[entry.app_label] = sections
    return document


@transaction.atomic
def account_delete(*, user: User) -> None:
    """Delete an account and every app's personal data of the person (each app's erase step,
    then the user row with what cascades from it). The audit trail stays, naming the person
    only by ``public_ref``."""
    if is_administrator(user):
        others = users_with_role(Role.ADMINISTRATOR).exclude(pk=user.pk).exists()
        if not others:
            raise ValidationError(
                _("You are the only administrator: give the role to someone else first.")
            )
    audit_record(
        actor=user, action=Action.ACCOUNT_DELETED, target=f"accounts.user:{user.public_ref}"
    )
    # Taken before any step runs: a step that wipes an address must not hide it from the next.
    owner = account_owner(user)
    for entry in registry.personal_data(registry.Subject.ACCOUNT):
        if entry.erase is not None:
            entry.erase(owner)
    user.delete()

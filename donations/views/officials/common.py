"""What the finance officers' views share."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from ...selectors.officials import officer_labels, person_find, pot_balance


def posted(request, *, files: bool = False):
    """The submitted data of a POST, even an empty one; None for a GET."""
    if request.method != "POST":
        return None
    return request.FILES if files else request.POST


def add_service_error(form, error: ValidationError) -> None:
    """A service's refusal, shown above the form (its message is already for people)."""
    form.add_error(None, ValidationError(error.messages))


def attach_labels(rows, *fields: str) -> None:
    """Name the officer behind each ``<field>_ref`` as ``<field>_label`` (their name)."""
    rows = list(rows)
    officers = officer_labels(getattr(row, f"{f}_ref") for row in rows for f in fields)
    for row in rows:
        for f in fields:
            setattr(row, f"{f}_label", officers.get(getattr(row, f"{f}_ref"), ""))


def pot_lookup(request) -> dict:
    """``?pot=<public id or registry number>``: what that person's pot holds (no JS needed)."""
    identifier = request.GET.get("pot", "").strip()[:20]
    if not identifier:
        return {}
    person = person_find(identifier)
    if person is None:
        return {"pot_query": identifier, "pot_missing": True}
    return {"pot_query": identifier, "pot_person": person, "pot_held": pot_balance(person.pk)}

"""What the finance officers' views share."""

from __future__ import annotations

from ...selectors.officials import officer_labels, person_find, pot_balance


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

"""Writes of the meals part: warung partners, inspections, meal plans, deliveries. One module
per topic; other apps import from these modules."""

from .warung import WARUNG_ROLES, warung_create

__all__ = ["WARUNG_ROLES", "warung_create"]

"""Writes of the meals part: warung partners, inspections, meal plans, deliveries. One module
per topic; other apps import from these modules."""

from .warung import warung_create

__all__ = ["warung_create"]

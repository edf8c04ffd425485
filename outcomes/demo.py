"""Demo data of the outcome figures (called by ``seed_demo`` once the meals are seeded; never in
prod): this month's stored figures, so the impact page has something to show."""

from core.time import today_wib

from .services import outcomes_refresh


def seed_outcomes() -> None:
    outcomes_refresh(month=today_wib())

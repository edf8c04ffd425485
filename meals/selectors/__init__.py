"""Reads of the meals part, filtered by the acting user's role and scope."""

from .warung import warung_list_for_user

__all__ = ["warung_list_for_user"]

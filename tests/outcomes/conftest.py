import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english_messages():
    """The services' refusals are matched in their English source words here (pages and
    mail are checked in both languages elsewhere)."""
    with translation.override("en"):
        yield

import pytest

from accounts.models import Role
from tests.factories import make_official


@pytest.fixture
def officer(client):
    """A data officer, signed in."""
    user = make_official(Role.DATA_OFFICER)
    client.force_login(user)
    return user

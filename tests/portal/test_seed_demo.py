from io import StringIO

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command

from accounts.models import Role, User


def row_counts() -> dict[str, int]:
    return {m._meta.label: m._default_manager.count() for m in apps.get_models()}


def test_seed_demo_twice_changes_nothing(db):
    call_command("seed_demo", stdout=StringIO())
    first = row_counts()
    call_command("seed_demo", stdout=StringIO())
    assert row_counts() == first
    assert first["accounts.User"] == 12  # with the two demo students of the visits
    assert first["accounts.AuditEvent"] > 0


def test_seed_demo_makes_an_official_for_every_role(db):
    call_command("seed_demo", stdout=StringIO())
    held = set()
    for user in User.objects.all():
        held |= user.roles
    assert held == set(Role.values) - {Role.DONOR}
    reviewer = User.objects.get(email="reviewer.genteng@demo.rantangkasih.id")
    assert list(reviewer.role_grants.get().kecamatan.values_list("name", flat=True)) == ["Genteng"]


def test_seed_demo_refuses_prod(db, settings):
    settings.PORTAL_ENV = "prod"
    with pytest.raises(CommandError, match="prod"):
        call_command("seed_demo", stdout=StringIO())
    assert not User.objects.exists()


def test_no_demo_story_says_the_person_lives_alone():
    """The demonstration shows what the public may see: a story never says the person lives
    alone (it tells anyone nobody else is at the house)."""
    from portal.forms import says_lives_alone
    from portal.management.commands.seed_demo import RECIPIENTS

    stories = [row[-1][2] for row in RECIPIENTS if row[-1]]
    assert stories
    assert not [story for story in stories if says_lives_alone(story)]


@pytest.mark.parametrize(
    ("story", "refused"),
    [
        ("Mbah Sum kini tinggal sendiri di rumahnya.", True),
        ("Beliau hidup sebatang kara.", True),
        ("She lives alone since 2019.", True),
        ("Mbah Sum hidup seorang diri.", True),
        ("Mbah Sum senang menyanyi bersama cucu tetangga.", False),
        ("Mbah Sum suka memasak sendiri dulu.", False),
    ],
)
def test_the_story_field_refuses_saying_the_person_lives_alone(story, refused):
    from portal.forms import says_lives_alone

    assert says_lives_alone(story) is refused


@pytest.mark.django_db
def test_the_profile_form_says_why_it_refuses_such_a_story():
    from django.utils import translation

    from portal.forms import ProfileForm
    from portal.models import AgeBand

    data = {"pseudonym": "Mbah Sum", "age_band": AgeBand.choices[0][0]}
    assert ProfileForm(data={**data, "story": "Mbah Sum suka menyanyi."}).is_valid()
    with translation.override("en"):
        form = ProfileForm(data={**data, "story": "Mbah Sum tinggal sendiri."})
        assert not form.is_valid()
        assert "lives alone" in form.errors["story"][0]

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.models import OFFICIAL_ROLES
from accounts.services import official_add, password_link_issue


class Command(BaseCommand):
    help = (
        "Create an official's account, or give an existing account an official role, and print "
        "a one-time link to set a password. Officials never sign themselves up."
    )

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True)
        parser.add_argument("--role", required=True, choices=sorted(OFFICIAL_ROLES))
        parser.add_argument(
            "--kecamatan",
            nargs="+",
            default=[],
            metavar="CODE",
            help="Kecamatan code(s) of a reviewer, such as 35.10.09 (Genteng).",
        )
        parser.add_argument("--school", metavar="NPSN", help="The school of a school coordinator.")

    def handle(self, *args, email, role, kecamatan, school, **options):
        try:
            user, created = official_add(
                email=email,
                role=role,
                kecamatan_codes=kecamatan,
                school_npsn=school,
                actor_label="cli:add_official",
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        verb = "Created" if created else "Updated"
        self.stdout.write(f"{verb} {user.email}: roles {', '.join(sorted(user.roles))}.")
        if created or not user.has_usable_password():
            link = password_link_issue(user=user, actor_label="cli:add_official")
            self.stdout.write(
                "One-time link to set the password (give it to the official; it works once "
                "and expires in 3 days):"
            )
            self.stdout.write(link)
        else:
            self.stdout.write("The account already has a password: no link is needed.")

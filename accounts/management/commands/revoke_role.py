from django.core.management.base import BaseCommand, CommandError

from accounts.models import Role, User
from accounts.services import role_revoke


class Command(BaseCommand):
    help = "Take a role away from an account (logged in the audit log)."

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True)
        parser.add_argument("--role", required=True, choices=Role.values)

    def handle(self, *args, email, role, **options):
        user = User.objects.filter(email__iexact=email.strip()).first()
        if user is None:
            raise CommandError(f"No account with the e-mail address {email}.")
        if not role_revoke(user=user, role=role, actor_label="cli:revoke_role"):
            raise CommandError(f"{user.email} does not hold the role {role}.")
        self.stdout.write(f"Revoked {role} from {user.email}.")

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from portal.services.api_batches import TOKEN_DAYS, api_token_create


class Command(BaseCommand):
    help = (
        "Create an API token for a data officer's existing account (for POST "
        "/api/v1/recipients/batches/). The token is printed once: only its hash is kept."
    )

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True, help="The data officer's e-mail address.")
        parser.add_argument(
            "--days",
            type=int,
            default=TOKEN_DAYS,
            help=f"Days until the token expires (default {TOKEN_DAYS}).",
        )

    def handle(self, *args, email, days, **options):
        try:
            token, expiry = api_token_create(
                email=email, days=days, actor_label="cli:create_api_token"
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(f"Expires: {expiry:%Y-%m-%d %H:%M %Z}")
        self.stdout.write("Copy the token now; it cannot be shown again:")
        self.stdout.write(token)

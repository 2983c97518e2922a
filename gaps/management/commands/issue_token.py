"""``manage.py issue_token USERNAME --name NAME --scope gaps:read ...``: an API token, shown once.

Only the key's SHA-256 hash is stored, so the key printed here cannot be shown again; a lost
key is replaced by issuing a new token (and revoking the old one in the admin).
"""

from datetime import timedelta

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from gaps.models import ApiToken


class Command(BaseCommand):
    help = "Issue an API token for USERNAME with the given scopes and print its key once."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", required=True, help="What the token is for, e.g. 'desk'.")
        parser.add_argument(
            "--scope",
            action="append",
            dest="scopes",
            required=True,
            choices=ApiToken.Scope.values,
            help="A scope to grant; repeat for several.",
        )
        parser.add_argument(
            "--expires-in-days", type=int, default=None, help="Leave out for no expiry."
        )

    def handle(self, *args, username: str, name: str, scopes: list[str], **options) -> None:
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user {username!r}.")
        days = options.get("expires_in_days")
        if days is not None and days < 1:
            raise CommandError("--expires-in-days must be at least 1.")
        token, key = ApiToken.issue(user=user, name=name, scopes=sorted(set(scopes)))
        if days is not None:
            token.expires_at = timezone.now() + timedelta(days=days)
            token.save(update_fields=["expires_at"])
        self.stderr.write(
            f"Token {token.name!r} for {user.username} (scopes: {', '.join(token.scopes)}). "
            "Copy the key now: it is not stored and cannot be shown again."
        )
        # The key alone on stdout, so that scripts can capture it: KEY=$(manage.py issue_token ...)
        self.stdout.write(key)

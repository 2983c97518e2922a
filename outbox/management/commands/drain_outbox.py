"""``manage.py drain_outbox``: send every outbox message that is due, now.

The periodic task does the same every minute; this command is for cron without beat, for an
operator after a broker outage, and for tests.
"""

from django.core.management.base import BaseCommand

from outbox.services import outbox_drain


class Command(BaseCommand):
    help = "Send the outbox's unsent (and lost) task messages to the broker."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--batch-size", type=int, default=200)

    def handle(self, *args, batch_size: int, **options) -> None:
        result = outbox_drain(batch_size=batch_size)
        self.stdout.write(f"sent {result.sent}, failed {result.failed}, purged {result.purged}")
        if result.failed:
            # Non-zero exit so that cron and CI notice the broker is still unreachable.
            raise SystemExit(1)

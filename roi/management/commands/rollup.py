"""``manage.py rollup [--since YYYY-MM-DD]``: run the ROI rollup by hand."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from roi import services


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"--since must be a date as YYYY-MM-DD, not {value!r}.") from error


class Command(BaseCommand):
    help = (
        "Recompute the ROI rollup rows: the days due since the last run (as the nightly job "
        "does), or every day from --since to yesterday."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--since", type=str, help="First day to recompute (YYYY-MM-DD).")

    def handle(self, *args, since: str | None = None, **options) -> None:
        if since is None:
            result = services.rollup_nightly()
        else:
            result = services.rollup_since(since=_day(since))
        if result.first_day is None:
            self.stdout.write("Nothing to recompute.")
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Rolled up {result.first_day} to {result.last_day}: "
                f"{result.daily_rows} daily rows."
            )
        )

"""A person's chosen interface language: kept in the session, applied on every request.

The browser's Accept-Language (Django's ``LocaleMiddleware``) picks the language until the
person chooses one on the preferences page; from then on their choice wins, on every device,
because sign-in copies it from ``LanguagePreference`` into the session. Reading the session
instead of the table keeps each page's query count unchanged. The API keeps its data
locale-free (decimal strings, ISO dates); only its error messages follow the language.
"""

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils import translation

from .models import LanguagePreference

SESSION_KEY = "cxalign_language"
LANGUAGE_CODES = frozenset(code for code, _name in settings.LANGUAGES)


def language_of(user) -> str | None:
    """The language the person chose, or None when the browser decides (one query)."""
    return LanguagePreference.objects.filter(user=user).values_list("language", flat=True).first()


def language_set(*, user, language: str, request: HttpRequest | None = None) -> None:
    """Store the person's choice ("" forgets it) and apply it to their current session."""
    if language:
        LanguagePreference.objects.update_or_create(user=user, defaults={"language": language})
    else:
        LanguagePreference.objects.filter(user=user).delete()
    if request is not None:
        _remember(request, language or None)


def _remember(request: HttpRequest, language: str | None) -> None:
    if language in LANGUAGE_CODES:
        request.session[SESSION_KEY] = language
        translation.activate(language)
        request.LANGUAGE_CODE = language
    else:
        request.session.pop(SESSION_KEY, None)
        language = translation.get_language_from_request(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language


@receiver(user_logged_in, dispatch_uid="notifications.language.on_sign_in")
def _on_sign_in(sender, request: HttpRequest | None, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        _remember(request, language_of(user))


class UserLanguageMiddleware:
    """Activate the session's chosen language after ``LocaleMiddleware`` chose the browser's."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        language = session.get(SESSION_KEY) if session is not None else None
        if language in LANGUAGE_CODES and request.user.is_authenticated:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)

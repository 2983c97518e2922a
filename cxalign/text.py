"""The type of text shown to people: a ``str`` or a lazily translated one (``gettext_lazy``).

Labels, help texts and choice labels are marked with ``gettext_lazy`` at import time and
translated when shown, so code that passes them on takes either. Only the type checker needs
the difference; at run time the alias is ``str``.
"""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise as Text
else:
    Text = str

__all__ = ["Text"]

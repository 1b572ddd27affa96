"""argparse's own words ("usage:", "options", its error messages) in the user's language.

argparse looks every word up through its module's `_` and `ngettext` (bound to the
gettext module's defaults, which have no Swedish); pointing those at our catalog gives
the command line's help and errors in one language.
"""

from __future__ import annotations

import argparse

from handlers.i18n import N_, _, ngettext

# The words a person meets: help headings and the errors for what they type.
WORDS = (
    N_("usage: "),
    N_("options"),
    N_("positional arguments"),
    N_("show this help message and exit"),
    N_("%(prog)s: error: %(message)s\n"),
    N_("argument %(argument_name)s: %(message)s"),
    N_("the following arguments are required: %s"),
    N_("unrecognized arguments: %s"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("invalid %(type)s value: %(value)r"),
    N_("expected one argument"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
    N_("one of the arguments %s is required"),
)


def translate_argparse() -> None:
    """Make argparse use our catalog (the current language) for its own words."""
    argparse._ = _  # type: ignore[attr-defined]
    argparse.ngettext = ngettext  # type: ignore[attr-defined]

"""What the register says about personal data: the note beside the person and e-mail fields,
the notice staff send to a counterpart (GDPR Art. 14), and how long the data is kept."""

from __future__ import annotations

from dataclasses import dataclass

from handlers.i18n import _


@dataclass(frozen=True)
class RegisterNotice:
    """The settings the register's texts name: PRIVACY_URL, GALLRING_PERSONAL_DATA (`24m`,
    `2y`) and GALLRING_DECISION (the decision's reference); each may be missing."""

    privacy_url: str | None = None
    period: str | None = None
    decision: str | None = None


def personal_data_note() -> str:
    """The note beside the fields that hold personal data."""
    return _("Personal data: fill in only what you need to follow up the contact.")


def privacy_link_text() -> str:
    """The words of the link to the privacy notice."""
    return _("How we handle personal data")

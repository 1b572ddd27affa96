"""Every subcommand, registered once: its names in both languages, its usage and who may use it.

Help is generated from this table, and the dispatcher finds commands in it.
"""

from __future__ import annotations

from dataclasses import dataclass

from handlers.i18n import N_, _, current_language
from handlers.text import fold


@dataclass(frozen=True)
class Command:
    """One subcommand of the bot."""

    name: str
    english: tuple[str, ...]
    swedish: tuple[str, ...]
    usage: str
    description: str
    coordinators_only: bool = False
    archivists_too: bool = False
    # What archivists may call of a coordinators' command (they read, never change): shown to them.
    archivists_usage: str = ""

    @property
    def names(self) -> tuple[str, ...]:
        """Every word that calls it."""
        return self.english + self.swedish

    def word(self) -> str:
        """The word to show for it, in the current language."""
        return self.swedish[0] if current_language() == "sv" else self.english[0]

    def shown_usage(self, archivist: bool = False) -> str:
        """The arguments it takes (of them, what an archivist may use), in the current language
        (may be empty)."""
        usage = self.archivists_usage if archivist and self.archivists_usage else self.usage
        return _(usage) if usage else ""


# In the order help lists them.
COMMANDS: tuple[Command, ...] = (
    Command("log", ("log",), ("logga",), N_('org="…" country=… summary="…"'),
            N_("log a contact on one line; alone, it opens the form in Slack and Teams")),
    Command("list", ("list",), ("lista",), N_("[mine|week [2026-W47]|all] [page]"),
            N_("your contacts, a week's or everyone's")),
    Command("show", ("show",), ("visa",), N_("12"), N_("every field of one contact")),
    Command("search", ("search",), ("sök", "sok"), N_("Rovaniemen"),
            N_("organisation, person, city and summary; case and accents don't matter")),
    Command("edit", ("edit",), ("ändra", "andra"), N_('12 followup="Call in March"'),
            N_("change a contact; with only the number, it opens the form in Slack and Teams")),
    Command("withdraw", ("withdraw",), ("ta-bort", "återkalla", "aterkalla"), N_("12 duplicate of #9"),
            N_("withdraw a contact, saying why (it is kept, marked withdrawn)")),
    Command("restore", ("restore",), ("återställ", "aterstall"), N_("12"),
            N_("bring back a withdrawn contact"), coordinators_only=True),
    Command("history", ("history",), ("historik",), N_("12"),
            N_("who did what to a contact, and when (its author, coordinators, archivists)")),
    Command("whoami", ("whoami",), ("vem",), "", N_("your role and what it lets you do")),
    Command("unit", ("unit",), ("enhet",), N_("Kultur- och fritidsförvaltningen"),
            N_("set your unit, added to the contacts you log")),
    Command("export", ("export",), ("exportera",), "", N_("all contacts as an Excel file"),
            coordinators_only=True, archivists_too=True),
    Command("report", ("report",), ("rapport",), N_("2026 [pdf|xlsx|docx]"),
            N_("the annual report as a file"), coordinators_only=True),
    Command("digest", ("digest",), ("sammanställning",), N_("preview|send|history|here [2026-W47]"),
            N_("the weekly digest"), coordinators_only=True,
            archivists_usage=N_("preview|history [2026-W47]")),
    Command("privacy", ("privacy",), ("integritet",), "",
            N_("a text in Swedish and English to send the counterpart about their personal data")),
    Command("help", ("help", "?"), ("hjälp", "hjalp"), "", N_("this help")),
)  # fmt: skip

_BY_WORD: dict[str, Command] = {fold(word): c for c in COMMANDS for word in c.names}
BY_NAME: dict[str, Command] = {c.name: c for c in COMMANDS}


def find_command(word: str) -> Command | None:
    """The command a typed word names, in either language; None if it names none."""
    return _BY_WORD.get(fold(word))


def all_words() -> list[str]:
    """Every command word, for suggestions."""
    return [word for c in COMMANDS for word in c.names]


def word(name: str) -> str:
    """The word for command `name` in the current language (`log` → `logga` in Swedish)."""
    return BY_NAME[name].word()

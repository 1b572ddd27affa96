"""`contactbot shell`: the slash command's commands at a local prompt."""

from __future__ import annotations

import atexit
import contextlib
import getpass
import sys
from pathlib import Path
from typing import TextIO

from bot.config import Settings
from bot.context import BotContext
from bot.delivered import recorded_delivery
from bot.shell.render import render
from handlers.i18n import _, use_language
from handlers.replies import Caller, Reply

_QUIT = {"quit", "exit", "avsluta", "q"}


def shell_caller(settings: Settings | None = None) -> Caller:
    """The person at the terminal; they hold the database file, so they coordinate, unless
    ARCHIVISTS names them (`shell:<login>`)."""
    try:
        user = getpass.getuser()
    except Exception:  # noqa: BLE001 - no user name in a bare container
        user = "shell"
    if settings is not None and f"shell:{user}" in settings.archivists:
        return Caller(platform="shell", user_id=user, name=user, role="archivist")
    return Caller(platform="shell", user_id=user, name=user, role="coordinator")


def answer(context: BotContext, line: str, caller: Caller, out_dir: Path) -> str:
    """The printed answer to one line typed at the prompt."""
    command = context.settings.slack_command
    text = line.strip()
    for prefix in (command + " ", "/kontakt ", "@contactbot "):
        if text.startswith(prefix):
            text = text[len(prefix) :]
    if text in {command, "/kontakt", "@contactbot"}:
        text = ""
    with use_language(context.settings.language):
        # Bare words at the prompt: hints show `log …`, not `/kontakt log …`.
        reply = context.handler(command="").handle(text, caller)
        return _render(reply, out_dir)


def _render(reply: Reply, out_dir: Path) -> str:
    if reply.digest_send is not None:
        command = f"contactbot digest send --week {reply.digest_send.week}"
        if reply.digest_send.force:
            command += " --force"
        return _("The digest is not posted from the shell; run: {command}").format(command=command)
    if reply.digest_here:
        return _(
            "The digest's channel is not chosen from the shell: in Teams, write @contactbot digest here in "
            "the channel; in Slack, the administrator sets DIGEST_CHANNEL."
        )
    text = render(reply.blocks)
    if reply.attachment is not None:
        path = out_dir / reply.attachment.filename
        with path.open("wb") as out:
            for chunk in reply.attachment.chunks():
                out.write(chunk)
        recorded_delivery(reply.attachment)
        reply.attachment.discard()
        text += "\n" + _("Saved as {path}").format(path=path)
    return text


HISTORY = Path.home() / ".contactbot_history"


def _line_editing() -> None:
    """Line editing and a history kept in the user's home, with the standard library's readline."""
    try:
        import readline
    except ImportError:  # not on every platform; the prompt works without it
        return
    with contextlib.suppress(OSError):
        readline.read_history_file(HISTORY)
    readline.set_history_length(1000)

    def save() -> None:
        with contextlib.suppress(OSError):
            readline.write_history_file(HISTORY)

    atexit.register(save)


def run_shell(context: BotContext, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout) -> int:
    """Read commands until end of input or `quit`; a prompt when at a terminal."""
    caller = shell_caller(context.settings)
    interactive = stdin.isatty()
    if interactive:
        _line_editing()
        with use_language(context.settings.language):
            stdout.write(
                _(
                    "contactbot shell: write what you would write to the bot in chat (help, log …, list). "
                    "The arrow keys edit and recall lines. Ctrl-C clears the line. Write quit or press "
                    "Ctrl-D to leave."
                )
                + "\n"
            )
    out_dir = Path.cwd()
    while True:
        if interactive:
            try:
                line = input("kontakt> ")
            except KeyboardInterrupt:
                # Ctrl-C drops what was typed on the line, as in any shell; the prompt stays.
                stdout.write("\n")
                continue
            except EOFError:
                stdout.write("\n")
                return 0
        else:
            line = stdin.readline()
            if not line:
                return 0
        if line.strip().casefold() in _QUIT:
            return 0
        if not line.strip() and not interactive:
            continue
        stdout.write(answer(context, line, caller, out_dir) + "\n")
        stdout.flush()

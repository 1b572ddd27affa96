"""Handing a file (the export) to a person in Teams.

A bot cannot attach a file to a message in Teams. It offers the file with a consent card;
when the person accepts, Teams gives an upload address in their OneDrive, the bot puts
the file there and posts a card that opens it (Microsoft's "send files with a bot" flow).
The export is made again at acceptance, with the same checks (a coordinator, in a personal
chat), so nothing is kept in memory between the offer and the answer.
"""

from __future__ import annotations

import logging
from typing import Any

import httpx

from bot.context import BotContext
from bot.delivered import record_delivery
from bot.workload import Overloaded, busy_message
from handlers.i18n import _, use_language
from handlers.markup import say
from handlers.replies import Attachment, Caller, reply

log = logging.getLogger(__name__)

FILE_CONSENT = "application/vnd.microsoft.teams.card.file.consent"
FILE_INFO = "application/vnd.microsoft.teams.card.file.info"


def file_offer(filename: str, title: str, size: int, command: str = "export") -> dict[str, Any]:
    """The consent card that offers a file; `command` makes it again when accepted."""
    return {
        "type": "message",
        "attachments": [
            {
                "contentType": FILE_CONSENT,
                "name": filename,
                "content": {
                    "description": title,
                    "sizeInBytes": size,
                    "acceptContext": {"export": filename, "command": command},
                    "declineContext": {"export": filename},
                },
            }
        ],
    }


# OneDrive takes an upload session's bytes in pieces of at most 60 MiB, each a multiple
# of 320 KiB: a file of any size goes up piece by piece, never whole in memory.
PIECE = 320 * 1024 * 24


class FileHandOver:
    """Answers `fileConsent/invoke`: uploads the accepted export, or notes that it was declined."""

    def __init__(self, context: BotContext, http: httpx.AsyncClient, language: str) -> None:
        self.context = context
        self.http = http
        self.language = language

    async def consent(self, adapter: Any, ctx: Any, caller: Caller) -> dict[str, Any]:
        """The person accepted or declined; the file is uploaded and a card that opens it posted."""
        value = ctx.activity.value
        action = getattr(value, "action", None)
        upload = getattr(value, "upload_info", None)
        with use_language(self.language):
            if action != "accept" or upload is None or not upload.upload_url:
                await adapter.send_blocks(ctx, [say(_("All right, the file was not sent."))])
                return {"status": 200}
            handler = self.context.handler(command=adapter.invocation(ctx.activity))
            try:
                answer = await adapter.in_thread(handler.handle, _file_command(value), caller)
            except Overloaded:
                await adapter.send_blocks(ctx, [busy_message()])
                return {"status": 200}
            if answer.attachment is None:
                await adapter.send_blocks(ctx, answer.blocks)
                return {"status": 200}
            file = answer.attachment
            try:
                await self._upload(upload.upload_url, file)
                await record_delivery(file)
            except httpx.HTTPError as error:
                status = getattr(getattr(error, "response", None), "status_code", None)
                log.warning(
                    "the export could not be uploaded to OneDrive (%s)", status or type(error).__name__
                )
                failed = reply(
                    say(
                        _(
                            "I could not put the file in your OneDrive (it answered HTTP {status}). Please try again."
                        ),
                        status=status,
                    )
                    if status
                    else say(
                        _(
                            "I could not put the file in your OneDrive: it could not be reached just now. Please try again in a few minutes."
                        )
                    )
                )
                await adapter.send_blocks(ctx, failed.blocks)
                return {"status": 200}
            finally:
                file.discard()
            card = {
                "type": "message",
                "attachments": [
                    {
                        "contentType": FILE_INFO,
                        "contentUrl": upload.content_url,
                        "name": upload.name,
                        "content": {"uniqueId": upload.unique_id, "fileType": upload.file_type},
                    }
                ],
            }
        await adapter.send_message(ctx, card, "file card in Teams")
        return {"status": 200}

    async def _upload(self, url: str, file: Attachment) -> None:
        """PUT the file into the upload session, one piece at a time (Content-Range)."""
        total = file.size
        start = 0
        for piece in file.chunks(PIECE):
            end = start + len(piece) - 1
            response = await self.http.put(
                url,
                content=piece,
                headers={"Content-Length": str(len(piece)), "Content-Range": f"bytes {start}-{end}/{total}"},
            )
            response.raise_for_status()
            start = end + 1


def _file_command(value: Any) -> str:
    """The command named in the accepted card (the export or the annual report), run again
    with its own checks; anything else makes the export, as before."""
    context = getattr(value, "context", None)
    command = context.get("command") if isinstance(context, dict) else None
    if isinstance(command, str) and command.split()[:1] in (["export"], ["report"]):
        return command
    return "export"

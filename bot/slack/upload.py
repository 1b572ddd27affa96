"""Sending a file of any size to Slack without holding it in memory.

slack_sdk's `files_upload_v2` reads the whole file into memory first; this does the same
three steps (get an upload URL, send the bytes, complete the upload into a channel) with
the bytes streamed from the temporary file.
"""

from __future__ import annotations

from typing import Any

import aiohttp
from slack_sdk.errors import SlackRequestError
from slack_sdk.web.async_client import AsyncWebClient

from handlers.replies import Attachment


async def send_file(client: AsyncWebClient, channel: str, file: Attachment, comment: str) -> None:
    """Upload `file` and share it in `channel` with `comment`."""
    answer = await client.files_getUploadURLExternal(filename=file.filename, length=file.size)
    file_id, url = answer["file_id"], answer["upload_url"]
    timeout = aiohttp.ClientTimeout(total=None, sock_connect=client.timeout, sock_read=client.timeout)
    options: dict[str, Any] = {"ssl": client.ssl} if client.ssl is not None else {}
    if client.proxy:
        options["proxy"] = client.proxy
    with file.open() as body:
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            session.post(url, data=body, headers={"Content-Length": str(file.size)}, **options) as response,
        ):
            if response.status != 200:
                raise SlackRequestError(f"Failed to upload a file (status: {response.status})")
    await client.files_completeUploadExternal(
        files=[{"id": file_id, "title": file.title}], channel_id=channel, initial_comment=comment
    )

"""A stand-in for Microsoft's side of Teams, served on loopback.

- the Bot Framework OpenID metadata and key set (`…/openidconfiguration`, `…/keys`) for a test
  RSA key, and `BotFrameworkSigner`, which signs activity tokens with it as the Bot Connector does;
- the Entra token endpoint for client credentials (`/login/{tenant}/oauth2/v2.0/token`);
- the Bot Connector API: `POST /v3/conversations/{id}/activities` (send),
  `POST …/activities/{activityId}` (reply), `PUT …/activities/{activityId}` (update),
  `POST /v3/conversations` (create).

Every request is recorded with its headers and JSON body; each route can be told to fail:
a status with an HTML page (an outage), a 429 with Retry-After, or a "lost answer" (recorded as
done, then the connection is dropped without a response).
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

CLIENT_ID = "3f8d6a1e-2b4c-4d5e-9f60-718293a4b5c6"
CLIENT_SECRET = "teams-test-secret-Zq8~very-private"
TENANT_ID = "7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
ISSUER = "https://api.botframework.com"
KEY_ID = "standin-key-1"
OUTAGE_PAGE = "<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>"


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class Call:
    """One request the stand-in received."""

    route: str
    path: str
    method: str
    body: dict[str, Any]
    headers: dict[str, str]

    @property
    def authorization(self) -> str:
        return self.headers.get("Authorization", "")

    @property
    def shown(self) -> str:
        """What a person sees of a posted message: its text, and the text of its cards
        (TextBlocks, facts as "Title: value", choices' titles), a line each."""
        lines = [self.body["text"]] if self.body.get("text") else []
        for attachment in self.body.get("attachments") or []:
            lines += _card_text(attachment.get("content"))
        return "\n".join(lines)


def _card_text(node: Any) -> list[str]:
    if isinstance(node, list):
        return [line for item in node for line in _card_text(item)]
    if not isinstance(node, dict):
        return []
    if node.get("type") == "TextBlock":
        return [str(node.get("text", ""))]
    if node.get("type") == "FactSet":
        return [f"{fact.get('title')} {fact.get('value')}" for fact in node.get("facts", [])]
    return [
        line
        for key, value in node.items()
        if key in {"body", "items", "columns", "actions", "card", "content"}
        for line in _card_text(value)
    ] + ([str(node["title"])] if node.get("type", "").startswith("Action.") and node.get("title") else [])


@dataclass
class Failure:
    """How to answer one request instead of succeeding."""

    status: int = 503
    html: bool = True
    retry_after: int | None = None
    lost_answer: bool = False  # do the work, then drop the connection without answering


@dataclass
class BotFrameworkSigner:
    """Signs tokens as the Bot Connector does (RS256, iss/aud/exp/nbf/serviceurl)."""

    key: rsa.RSAPrivateKey
    kid: str = KEY_ID

    def token(
        self,
        service_url: str,
        *,
        audience: str = CLIENT_ID,
        issuer: str = ISSUER,
        lifetime: int = 3600,
        expired: bool = False,
        key: rsa.RSAPrivateKey | None = None,
        kid: str | None = None,
    ) -> str:
        now = int(time.time())
        issued = now - 7200 if expired else now - 10
        claims = {
            "iss": issuer,
            "aud": audience,
            "nbf": issued,
            "iat": issued,
            "exp": issued + (600 if expired else lifetime),  # expired: well past the 5 minutes' skew
            "serviceurl": service_url,
            "appid": "bot-connector",
        }
        return jwt.encode(claims, key or self.key, algorithm="RS256", headers={"kid": kid or self.kid})


@dataclass
class TeamsStandIn:
    """The server, its address, its key and what it has seen."""

    server: ThreadingHTTPServer
    key: rsa.RSAPrivateKey
    client_id: str = CLIENT_ID
    client_secret: str = CLIENT_SECRET
    calls: list[Call] = field(default_factory=list)
    failures: dict[str, list[Failure]] = field(default_factory=dict)
    condition: threading.Condition = field(default_factory=threading.Condition)
    counter: int = 0
    issued_tokens: list[str] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def service_url(self) -> str:
        """What activities carry as serviceUrl (with the trailing slash Teams sends)."""
        return self.base_url + "/amer/"

    @property
    def openid_metadata_url(self) -> str:
        return self.base_url + "/botframework/v1/.well-known/openidconfiguration"

    @property
    def login_url(self) -> str:
        return self.base_url + "/login"

    @property
    def signer(self) -> BotFrameworkSigner:
        return BotFrameworkSigner(self.key)

    def bearer(self, service_url: str | None = None, **options: Any) -> dict[str, str]:
        """An Authorization header for an activity sent to `service_url`."""
        return {"Authorization": "Bearer " + self.signer.token(service_url or self.service_url, **options)}

    def fail(self, route: str, *failures: Failure) -> None:
        """Answer the next calls of `route` (send, reply, update, create, token, keys) with these."""
        with self.condition:
            self.failures.setdefault(route, []).extend(failures)

    def calls_to(self, route: str) -> list[Call]:
        with self.condition:
            return [c for c in self.calls if c.route == route]

    def sent_to(self, conversation_id: str) -> list[Call]:
        """The activities posted into `conversation_id` (sent or replied), in order."""
        with self.condition:
            return [
                c
                for c in self.calls
                if c.route in {"send", "reply"}
                and c.path.startswith(f"/amer/v3/conversations/{conversation_id}/")
            ]

    def wait_for(self, path: str, count: int = 1, timeout: float = 10.0) -> list[Call]:
        """Block until `count` calls to `path` have arrived (a Condition, not a sleep)."""
        with self.condition:
            ok = self.condition.wait_for(
                lambda: len([c for c in self.calls if c.path == path]) >= count, timeout
            )
            found = [c for c in self.calls if c.path == path]
        if not ok:
            seen = sorted({c.path for c in self.calls})
            raise AssertionError(f"expected {count} call(s) to {path}, got {len(found)}; saw {seen}")
        return found

    def activities_path(self, conversation_id: str) -> str:
        return f"/amer/v3/conversations/{conversation_id}/activities"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _route(verb: str, path: str) -> str | None:
    parts = path.strip("/").split("/")
    if path.startswith("/onedrive/") and verb == "PUT":
        return "upload"  # a OneDrive upload session's address, as a file consent gives it
    if path.endswith("/openidconfiguration") and verb == "GET":
        return "metadata"
    if path.endswith("/keys") and verb == "GET":
        return "keys"
    if (
        len(parts) == 5
        and parts[0] == "login"
        and parts[2:] == ["oauth2", "v2.0", "token"]
        and verb == "POST"
    ):
        return "token"
    if len(parts) >= 3 and parts[1:3] == ["v3", "conversations"]:
        if len(parts) == 3 and verb == "POST":
            return "create"
        if len(parts) == 5 and parts[4] == "activities" and verb == "POST":
            return "send"
        if len(parts) == 6 and parts[4] == "activities":
            return {"POST": "reply", "PUT": "update"}.get(verb)
    return None


def start_teams_standin() -> TeamsStandIn:
    """Start the stand-in on a free loopback port, with a fresh RSA key."""
    standin: TeamsStandIn

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:  # keep test output clean
            pass

        def do_GET(self) -> None:
            self._handle("GET")

        def do_POST(self) -> None:
            self._handle("POST")

        def do_PUT(self) -> None:
            self._handle("PUT")

        def _handle(self, verb: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            path = unquote(urlsplit(self.path).path)
            route = _route(verb, path)
            body = _parse(raw, self.headers.get("Content-Type", ""))
            if route == "upload":
                body = {"file": raw.decode("utf-8-sig", "replace"), "bytes": raw}
            with standin.condition:
                pending = standin.failures.get(route or "", [])
                failure = pending.pop(0) if pending else None
                standin.counter += 1
                number = standin.counter
            if failure is not None and not failure.lost_answer:
                self._record(route, path, verb, body, failed=True)
                self._send_failure(failure)
                return
            status, answer = self._answer(route, body, number)
            self._record(route, path, verb, body)
            if failure is not None:  # lost answer: done, but the caller never hears it
                self.close_connection = True
                return
            self._send_json(status, answer)

        def _record(
            self, route: str | None, path: str, verb: str, body: dict[str, Any], failed: bool = False
        ) -> None:
            name = (route or "unknown") + ("#failed" if failed else "")
            with standin.condition:
                standin.calls.append(Call(name, path, verb, body, dict(self.headers.items())))
                standin.condition.notify_all()

        def _answer(self, route: str | None, body: dict[str, Any], number: int) -> tuple[int, dict[str, Any]]:
            if route == "metadata":
                return 200, {
                    "issuer": ISSUER,
                    "jwks_uri": standin.base_url + "/botframework/v1/.well-known/keys",
                    "id_token_signing_alg_values_supported": ["RS256"],
                    "token_endpoint_auth_methods_supported": ["private_key_jwt"],
                }
            if route == "keys":
                jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(standin.key.public_key()))
                jwk.update(kid=KEY_ID, use="sig", alg="RS256", endorsements=["msteams"])
                return 200, {"keys": [jwk]}
            if route == "token":
                if (
                    body.get("client_id") != standin.client_id
                    or body.get("client_secret") != standin.client_secret
                ):
                    return 401, {
                        "error": "invalid_client",
                        "error_description": "AADSTS7000215: Invalid client secret.",
                    }
                if body.get("grant_type") != "client_credentials":
                    return 400, {"error": "unsupported_grant_type"}
                token = jwt.encode(
                    {
                        "aud": "https://api.botframework.com",
                        "appid": standin.client_id,
                        "n": number,
                        "exp": 4102444800,
                    },
                    "standin-outgoing-" + uuid.uuid4().hex,
                    algorithm="HS256",
                )
                with standin.condition:
                    standin.issued_tokens.append(token)
                return 200, {
                    "token_type": "Bearer",
                    "expires_in": 3599,
                    "ext_expires_in": 3599,
                    "access_token": token,
                }
            if route == "upload":
                return 201, {"id": "onedrive-item-1", "name": "kontakter.csv"}
            if route in {"send", "reply", "update"}:
                return 200, {"id": f"1700000{number:06d}"}
            if route == "create":
                return 200, {"id": f"a:standin-conversation-{number}", "activityId": f"1700000{number:06d}"}
            return 404, {"error": "not found"}

        def _send_json(self, status: int, answer: dict[str, Any]) -> None:
            payload = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def _send_failure(self, failure: Failure) -> None:
            if failure.html:
                payload, content_type = OUTAGE_PAGE.encode(), "text/html; charset=utf-8"
            else:
                payload = json.dumps({"error": {"code": "ServiceError", "message": "try later"}}).encode()
                content_type = "application/json; charset=utf-8"
            self.send_response(failure.status)
            if failure.retry_after is not None:
                self.send_header("Retry-After", str(failure.retry_after))
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    standin = TeamsStandIn(server, new_key())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return standin


def _parse(raw: bytes, content_type: str) -> dict[str, Any]:
    if "json" in content_type:
        try:
            data = json.loads(raw or b"{}")
        except json.JSONDecodeError:
            return {}
        return data if isinstance(data, dict) else {"_": data}
    if "form-urlencoded" in content_type:
        return {k: v[0] for k, v in parse_qs(raw.decode("utf-8"), keep_blank_values=True).items()}
    return {}

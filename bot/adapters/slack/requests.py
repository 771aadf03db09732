"""Malformed HTTP requests stop here, before Bolt: a bad timestamp or signature gets 401, a
signed body that is not what Slack sends (bad JSON, JSON that is not an object, invalid UTF-8,
a broken `payload=`, another content type, fields of the wrong type) gets 400 or 415. Each is
one warning line in the log and changes nothing. Bolt's own parsing and its context helpers
assume well-formed payloads and would otherwise answer 500 with a traceback."""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from aiohttp import web
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.request.async_internals import build_async_context
from slack_bolt.request.internals import parse_body

log = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
MAX_AGE_SECONDS = 5 * 60  # Slack's own replay window
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")
JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
# Where Slack's payloads nest, the JSON type each field has when present (None: null allowed).
_OBJECT, _LIST, _TEXT = (dict,), (list,), (str,)
_SHAPES: dict[str, dict[str, tuple[type, ...]]] = {
    "": {"event": _OBJECT, "authorizations": _LIST, "team": (str, dict, type(None)),
         "enterprise": (str, dict, type(None)), "user": (str, dict), "view": _OBJECT, "container": _OBJECT,
         "channel": (str, dict), "actions": _LIST, "message": _OBJECT, "type": _TEXT, "command": _TEXT,
         "text": _TEXT, "team_id": (str, type(None)), "context_team_id": (str, type(None)),
         "user_id": _TEXT, "channel_id": _TEXT, "trigger_id": _TEXT, "response_url": _TEXT,
         "event_id": _TEXT, "function_data": _OBJECT, "bot_access_token": _TEXT},
    "event": {"item": _OBJECT, "message": _OBJECT, "previous_message": _OBJECT, "type": _TEXT,
              "subtype": (str, type(None)), "user": (str, dict), "channel": (str, dict), "ts": _TEXT,
              "thread_ts": (str, type(None)), "reaction": _TEXT, "text": (str, type(None)),
              "tab": _TEXT, "deleted_ts": _TEXT, "tokens": _OBJECT, "team": (str, type(None)),
              "user_team": (str, type(None)), "assistant_thread": _OBJECT, "bot_id": (str, type(None))},
    "view": {"state": _OBJECT, "private_metadata": _TEXT, "callback_id": _TEXT,
             "app_installed_team_id": (str, type(None)), "team_id": (str, type(None)), "id": _TEXT,
             "hash": _TEXT},
    "user": {"id": _TEXT, "team_id": _TEXT},
    "team": {"id": _TEXT, "enterprise_id": (str, type(None))},
    "channel": {"id": _TEXT},
    "container": {"channel_id": _TEXT, "message_ts": _TEXT, "thread_ts": (str, type(None))},
    "message": {"ts": _TEXT, "thread_ts": (str, type(None)), "user": _TEXT},
    "enterprise": {"id": _TEXT},
}  # fmt: skip
_ITEM_SHAPES: dict[str, dict[str, tuple[type, ...]]] = {
    "authorizations": {"team_id": (str, type(None)), "enterprise_id": (str, type(None)),
                       "is_enterprise_install": (bool, type(None))},
    "actions": {"action_id": _TEXT, "value": (str, type(None)), "action_ts": _TEXT, "block_id": _TEXT},
}  # fmt: skip


class Malformed(Exception):
    """Why a request was refused; its status is the HTTP answer."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status


def signature_ok(secret: str, body: bytes, timestamp: str, signature: str) -> bool:
    base = b"v0:" + timestamp.encode() + b":" + body
    expected = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)


def check_signed(secret: str, headers: Mapping[str, str], body: bytes, now: float) -> None:
    """Slack's signature over the exact bytes, with a fresh whole-second timestamp."""
    timestamp = headers.get("X-Slack-Request-Timestamp", "").strip()
    signature = headers.get("X-Slack-Signature", "").strip()
    if not _TIMESTAMP.fullmatch(timestamp) or abs(now - int(timestamp)) > MAX_AGE_SECONDS:
        raise Malformed(401, "a missing, malformed or stale timestamp")
    if not _SIGNATURE.fullmatch(signature) or not signature_ok(secret, body, timestamp, signature):
        raise Malformed(401, "a bad signature")


def parse(body: bytes, content_type: str, raw_content_type: str) -> dict[str, Any]:
    """The payload exactly as Bolt will parse it (its own `parse_body`), or Malformed."""
    if content_type not in (JSON, FORM):
        raise Malformed(415, f"content type {content_type or 'none'}")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Malformed(400, "a body that is not UTF-8") from None
    try:
        data: Any = parse_body(text, raw_content_type.split(";")[0] or None)
    except ValueError:  # JSONDecodeError is a ValueError
        raise Malformed(400, "a body that does not parse") from None
    if not isinstance(data, dict):
        raise Malformed(400, "a payload that is not an object")
    check_shape(data)
    try:
        build_async_context(AsyncBoltContext({}), data)  # what Bolt does next, with no listener yet
    except (AttributeError, TypeError, KeyError, IndexError, ValueError) as error:
        raise Malformed(400, f"a payload Bolt cannot read ({type(error).__name__})") from None
    return data


def check_shape(data: Mapping[str, Any]) -> None:
    """Fields Bolt and the adapter read must have the JSON type Slack gives them."""
    for where, fields in _SHAPES.items():
        holder = data if not where else data.get(where)
        if not isinstance(holder, dict):
            continue
        for key, types in fields.items():
            if key in holder and not isinstance(holder[key], types):
                raise Malformed(400, f"field {where or '$'}.{key} of the wrong type")
    for where, fields in _ITEM_SHAPES.items():
        for item in data.get(where) or ():
            if not isinstance(item, dict):
                raise Malformed(400, f"an item of {where} that is not an object")
            for key, types in fields.items():
                if key in item and not isinstance(item[key], types):
                    raise Malformed(400, f"field {where}[].{key} of the wrong type")
    view = data.get("view")
    state = view.get("state") if isinstance(view, dict) else None
    values = state.get("values") if isinstance(state, dict) else None
    if state is not None and values is not None:
        blocks = values.values() if isinstance(values, dict) else None
        if blocks is None or not all(
            isinstance(b, dict) and all(isinstance(e, dict) for e in b.values()) for b in blocks
        ):
            raise Malformed(400, "view state values that are not objects")


def guard(secret: str, path: str, now: Callable[[], float] = time.time) -> Any:
    """aiohttp middleware for Slack's POSTs to `path`; everything else passes through."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.method != "POST" or request.path != path:
            return await handler(request)
        try:
            body = await request.read()  # cached: Bolt's adapter reads the same bytes again
            check_signed(secret, request.headers, body, now())
            parse(body, request.content_type, request.headers.get("Content-Type", ""))
        except Malformed as refused:
            log.warning("refused a Slack request (HTTP %s): %s", refused.status, refused)
            return web.Response(status=refused.status, text=str(refused))
        return await handler(request)

    return middleware

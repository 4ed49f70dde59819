"""A small Bot API-compatible HTTP server for tests.

It speaks the wire format of https://api.telegram.org (``{base}/bot{token}/{method}``,
JSON, form-urlencoded or multipart parameters, ``{"ok": ..., "result": ...}`` replies)
for the handful of methods Bina uses, records every call, and lets a test queue
updates for ``getUpdates`` long polling and make ``sendMessage`` fail the way
Telegram does (403 blocked, 429 flood control). ``setWebhook`` is remembered in
``webhook`` and, as on Telegram, makes ``getUpdates`` fail with 409 until
``deleteWebhook``. It listens on 127.0.0.1 only.

Given ``limits=Limits(...)`` it also enforces Telegram's sending limits the way the
real API does, answering 429 with ``retry_after``, so a sender can be measured and
tested against them; ``latency`` adds a round trip to every ``sendMessage``.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import math
import re
import socket
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

BOT_USER: dict[str, Any] = {
    "id": 4242, "is_bot": True, "first_name": "Bina", "username": "bina_test_bot",
    "can_join_groups": False, "can_read_all_group_messages": False, "supports_inline_queries": False,
}

# Parameters that arrive as strings in form data but mean numbers or JSON values.
_INT_PARAMS = {"chat_id", "offset", "limit", "timeout", "message_id", "cache_time", "reply_to_message_id",
               "max_connections"}
_JSON_PARAMS = {"reply_markup", "commands", "scope", "allowed_updates", "entities", "link_preview_options",
                "drop_pending_updates",
                "reply_parameters"}


@dataclass
class Call:
    """One request the server received, with its parameters decoded."""

    method: str
    params: dict[str, Any]
    token: str
    status: int = 200  # HTTP status of the answer (200, 403, 429, 404, ...)
    at: float = field(default_factory=time.monotonic)

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def chat_id(self) -> int | None:
        value = self.params.get("chat_id")
        return value if isinstance(value, int) else None

    @property
    def text(self) -> str:
        return str(self.params.get("text", ""))


@dataclass(frozen=True, slots=True)
class Limits:
    """Telegram's limits on sending: ``per_second`` messages overall within any 1 s,
    and at most one message per chat every ``per_chat_interval`` seconds.

    The defaults are what https://core.telegram.org/bots/faq#broadcasting-to-users
    advises; tests pass smaller numbers to stay fast.
    """

    per_second: int = 30
    per_chat_interval: float = 1.0

    def __post_init__(self) -> None:
        if self.per_second < 1:
            raise ValueError(f"per_second must be at least 1, got {self.per_second}")
        if self.per_chat_interval < 0:
            raise ValueError(f"per_chat_interval must not be negative, got {self.per_chat_interval}")


class _Limiter:
    """Decides whether a message may go out now, from the messages that went out before.

    Only successful sends are recorded, so rejected attempts do not use up the window;
    the caller decides and records in one step, with no await in between.
    """

    WINDOW = 1.0  # seconds over which ``per_second`` counts

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self._recent: deque[float] = deque()  # times of the sends within the last WINDOW
        self._last: dict[Any, float] = {}  # chat_id -> time of its latest send

    def wait(self, chat_id: Any, now: float) -> float:
        """Seconds until a message to ``chat_id`` would be allowed (0 when it is allowed now)."""
        while self._recent and self._recent[0] <= now - self.WINDOW:
            self._recent.popleft()
        overall = 0.0
        if len(self._recent) >= self.limits.per_second:
            # allowed once the send that would make one too many leaves the window
            overall = self._recent[-self.limits.per_second] + self.WINDOW - now
        last = self._last.get(chat_id)
        per_chat = 0.0 if last is None else last + self.limits.per_chat_interval - now
        return max(0.0, overall, per_chat)

    def record(self, chat_id: Any, now: float) -> None:
        self._recent.append(now)
        self._last[chat_id] = now


def _decode(name: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    if name in _INT_PARAMS:
        try:
            return int(value)
        except ValueError:
            return value  # e.g. "@channelusername"
    if name in _JSON_PARAMS:
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _error(code: int, description: str, **parameters: Any) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return web.json_response(body, status=code)


def _ok(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": result})


def _too_many_requests(retry_after: int) -> web.Response:
    return _error(429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after)


class BotAPIServer:
    """``async with BotAPIServer() as server: ...`` or ``await start()`` / ``await stop()``.

    ``limits``: enforce Telegram's sending limits on ``sendMessage`` (None: send without limit).
    ``latency``: seconds every ``sendMessage`` takes before the server looks at it, like a
    network round trip. ``clock``: where call times come from (``time.monotonic``); a test
    may pass a fake one to get exact verdicts without waiting.

    A ``sendMessage`` is answered by the first that applies: a 429 queued with ``flood``,
    a 429 from the limits, a 403 for a blocked chat, else the message is delivered. Only
    delivered messages count toward the limits.
    """

    def __init__(self, token: str | None = None, *, limits: Limits | None = None, latency: float = 0.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.token = token  # when set, requests for other tokens get 401
        self.limits = limits
        self.latency = latency
        self._clock = clock
        self._limiter = _Limiter(limits) if limits is not None else None
        self.calls: list[Call] = []
        self.blocked: set[int] = set()
        self.webhook: dict[str, Any] | None = None  # the parameters of the last setWebhook
        self._retry_after: list[int] = []  # pending 429s for the next sendMessage calls
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1)
        self._cond: asyncio.Condition | None = None
        self._closing = False
        self._runner: web.AppRunner | None = None
        self.port = 0
        self._handlers: dict[str, Callable[[Call], Awaitable[web.Response]]] = {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "setMyCommands": self._true,
            "answerCallbackQuery": self._true,
            "sendMessage": self._send_message,
            "editMessageReplyMarkup": self._edit_reply_markup,
        }

    # --- lifecycle -------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        self._cond = asyncio.Condition()
        self._closing = False
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=2.0)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)  # a free port on loopback, kept open
        sock.bind(("127.0.0.1", 0))
        self.port = int(sock.getsockname()[1])
        await web.SockSite(self._runner, sock).start()

    async def stop(self) -> None:
        self._closing = True
        if self._cond is not None:
            async with self._cond:
                self._cond.notify_all()  # release long polls at once
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> BotAPIServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # --- what a test controls ---------------------------------------------------------

    async def enqueue(self, update: dict[str, Any]) -> int:
        """Queue an update for getUpdates (an update_id is assigned if missing); returns its id."""
        update = dict(update)
        if "update_id" not in update:
            update["update_id"] = next(self._update_ids)
        self._updates.append(update)
        self._updates.sort(key=lambda u: int(u["update_id"]))
        assert self._cond is not None, "server not started"
        async with self._cond:
            self._cond.notify_all()
        return int(update["update_id"])

    def block(self, chat_id: int) -> None:
        self.blocked.add(chat_id)

    def unblock(self, chat_id: int) -> None:
        self.blocked.discard(chat_id)

    def flood(self, retry_after: int = 1) -> None:
        """The next sendMessage gets 429 Too Many Requests with parameters.retry_after."""
        self._retry_after.append(retry_after)

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        return list(self._updates)

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def sent(self, chat_id: int | None = None, *, ok: bool | None = True) -> list[Call]:
        """sendMessage calls (successful ones by default), optionally to one chat."""
        return [c for c in self.calls_to("sendMessage")
                if (chat_id is None or c.chat_id == chat_id) and (ok is None or c.ok == ok)]

    @property
    def too_many(self) -> int:
        """How many calls were answered 429 Too Many Requests (by the limits or by ``flood``)."""
        return sum(1 for c in self.calls if c.status == 429)

    def delivered(self) -> dict[int | None, list[Call]]:
        """Successful sendMessage calls per chat, in the order they arrived (each has ``.at``)."""
        by_chat: dict[int | None, list[Call]] = {}
        for call in self.sent():
            by_chat.setdefault(call.chat_id, []).append(call)
        return by_chat

    def duplicates(self) -> dict[tuple[int | None, str], int]:
        """``(chat_id, text)`` delivered more than once, with how many times: what a sender
        that retries a message Telegram had already accepted leaves behind."""
        counts = Counter((c.chat_id, c.text) for c in self.sent())
        return {key: n for key, n in counts.items() if n > 1}

    async def wait_for(self, predicate: Callable[[list[Call]], Any], timeout: float = 5.0) -> Any:
        """Poll until ``predicate(calls)`` is truthy and return its value; AssertionError on timeout."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            value = predicate(list(self.calls))
            if value:
                return value
            if loop.time() >= deadline:
                seen = "\n".join(f"  {c.status} {c.method} {c.params}" for c in self.calls)
                raise AssertionError(f"condition not met within {timeout}s; calls so far:\n{seen}")
            await asyncio.sleep(0.02)

    # --- HTTP ------------------------------------------------------------------------

    async def _params(self, request: web.Request) -> dict[str, Any]:
        raw: dict[str, Any] = dict(request.query)
        if request.method == "POST" and request.can_read_body:
            if request.content_type == "application/json":
                body = await request.json()
                if not isinstance(body, dict):
                    raise web.HTTPBadRequest(text="JSON body must be an object")
                raw.update(body)
            else:  # application/x-www-form-urlencoded or multipart/form-data
                form = await request.post()
                for key, value in form.items():
                    raw[key] = value.file.read() if isinstance(value, web.FileField) else value
        return {k: _decode(k, v) for k, v in raw.items()}

    async def _handle(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        method = request.match_info["method"]
        params = await self._params(request)
        if self.latency > 0 and _canonical(method, self._handlers) == "sendMessage":
            # the whole round trip is spent before the call is recorded and judged, so a call
            # still on its way is not yet in ``calls`` and its ``at`` is when it was judged
            await asyncio.sleep(self.latency)
        call = Call(method, params, token, at=self._clock())
        self.calls.append(call)
        if self.token is not None and token != self.token:
            call.status = 401
            return _error(401, "Unauthorized")
        handler = self._handlers.get(method) or self._handlers.get(_canonical(method, self._handlers))
        if handler is None:
            call.status = 404
            return _error(404, "Not Found: method not found")
        response = await handler(call)
        call.status = response.status
        return response

    # --- methods ---------------------------------------------------------------------

    async def _true(self, call: Call) -> web.Response:
        return _ok(True)

    async def _get_me(self, call: Call) -> web.Response:
        return _ok(BOT_USER)

    async def _set_webhook(self, call: Call) -> web.Response:
        params = call.params
        if not str(params.get("url", "")).startswith(("https://", "http://")):
            return _error(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
            return _error(400, "Bad Request: secret token contains unallowed characters")
        self.webhook = dict(params)
        return _ok(True)

    async def _delete_webhook(self, call: Call) -> web.Response:
        self.webhook = None
        return _ok(True)

    async def _get_updates(self, call: Call) -> web.Response:
        params = call.params
        if self.webhook is not None:
            return _error(409, "Conflict: can't use getUpdates method while webhook is active; "
                               "use deleteWebhook to delete the webhook first")
        offset = int(params.get("offset") or 0)
        limit = max(1, min(100, int(params.get("limit") or 100)))
        timeout = max(0, int(params.get("timeout") or 0))
        if offset > 0:  # like Telegram: a positive offset confirms all earlier updates
            self._updates = [u for u in self._updates if int(u["update_id"]) >= offset]

        def ready() -> list[dict[str, Any]]:
            return [u for u in self._updates if int(u["update_id"]) >= offset]

        assert self._cond is not None
        if not ready() and timeout > 0 and not self._closing:
            async with self._cond:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._cond.wait_for(lambda: bool(ready()) or self._closing),
                                           timeout)
        return _ok(ready()[:limit])

    async def _send_message(self, call: Call) -> web.Response:
        # no await from here on: deciding and recording a send is one step
        params = call.params
        chat_id = params.get("chat_id")
        text = params.get("text")
        if chat_id is None or not text:
            return _error(400, "Bad Request: chat_id and text are required")
        if self._retry_after:
            return _too_many_requests(self._retry_after.pop(0))
        if self._limiter is not None:
            wait = self._limiter.wait(chat_id, call.at)
            if wait > 0:
                return _too_many_requests(max(1, math.ceil(wait)))
        if chat_id in self.blocked:
            return _error(403, "Forbidden: bot was blocked by the user")
        if self._limiter is not None:
            self._limiter.record(chat_id, call.at)
        message: dict[str, Any] = {
            "message_id": next(self._message_ids), "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private"}, "from": BOT_USER, "text": text,
        }
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:  # Telegram echoes inline keyboards only
            message["reply_markup"] = markup
        return _ok(message)

    async def _edit_reply_markup(self, call: Call) -> web.Response:
        params = call.params
        if params.get("inline_message_id"):
            return _ok(True)
        if params.get("chat_id") is None or params.get("message_id") is None:
            return _error(400, "Bad Request: message to edit not found")
        message: dict[str, Any] = {
            "message_id": params["message_id"], "date": int(time.time()),
            "chat": {"id": params["chat_id"], "type": "private"}, "from": BOT_USER, "text": "…",
        }
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and markup.get("inline_keyboard"):
            message["reply_markup"] = markup
        return _ok(message)


def _canonical(method: str, known: dict[str, Any]) -> str:
    """Telegram's method names are case-insensitive."""
    lowered = method.lower()
    return next((name for name in known if name.lower() == lowered), method)

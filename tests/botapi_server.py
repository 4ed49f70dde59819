"""A small Bot API-compatible HTTP server for tests.

It speaks the wire format of https://api.telegram.org (``{base}/bot{token}/{method}``,
JSON, form-urlencoded or multipart parameters, ``{"ok": ..., "result": ...}`` replies)
for the handful of methods Bina uses, records every call, and lets a test queue
updates for ``getUpdates`` long polling and make ``sendMessage`` fail the way
Telegram does (403 blocked, 429 flood control). ``setWebhook`` is remembered in
``webhook`` and, as on Telegram, makes ``getUpdates`` fail with 409 until
``deleteWebhook``. It listens on 127.0.0.1 only.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
import socket
import time
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


class BotAPIServer:
    """``async with BotAPIServer() as server: ...`` or ``await start()`` / ``await stop()``."""

    def __init__(self, token: str | None = None) -> None:
        self.token = token  # when set, requests for other tokens get 401
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
        self._handlers: dict[str, Callable[[dict[str, Any]], Awaitable[web.Response]]] = {
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
                    raw[key] = value if isinstance(value, str) else value.file.read()
        return {k: _decode(k, v) for k, v in raw.items()}

    async def _handle(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        method = request.match_info["method"]
        params = await self._params(request)
        call = Call(method, params, token)
        self.calls.append(call)
        if self.token is not None and token != self.token:
            call.status = 401
            return _error(401, "Unauthorized")
        handler = self._handlers.get(method) or self._handlers.get(_canonical(method, self._handlers))
        if handler is None:
            call.status = 404
            return _error(404, "Not Found: method not found")
        response = await handler(params)
        call.status = response.status
        return response

    # --- methods ---------------------------------------------------------------------

    async def _true(self, params: dict[str, Any]) -> web.Response:
        return _ok(True)

    async def _get_me(self, params: dict[str, Any]) -> web.Response:
        return _ok(BOT_USER)

    async def _set_webhook(self, params: dict[str, Any]) -> web.Response:
        if not str(params.get("url", "")).startswith(("https://", "http://")):
            return _error(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
            return _error(400, "Bad Request: secret token contains unallowed characters")
        self.webhook = dict(params)
        return _ok(True)

    async def _delete_webhook(self, params: dict[str, Any]) -> web.Response:
        self.webhook = None
        return _ok(True)

    async def _get_updates(self, params: dict[str, Any]) -> web.Response:
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

    async def _send_message(self, params: dict[str, Any]) -> web.Response:
        chat_id = params.get("chat_id")
        text = params.get("text")
        if chat_id is None or not text:
            return _error(400, "Bad Request: chat_id and text are required")
        if self._retry_after:
            retry_after = self._retry_after.pop(0)
            return _error(429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after)
        if chat_id in self.blocked:
            return _error(403, "Forbidden: bot was blocked by the user")
        message: dict[str, Any] = {
            "message_id": next(self._message_ids), "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private"}, "from": BOT_USER, "text": text,
        }
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:  # Telegram echoes inline keyboards only
            message["reply_markup"] = markup
        return _ok(message)

    async def _edit_reply_markup(self, params: dict[str, Any]) -> web.Response:
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

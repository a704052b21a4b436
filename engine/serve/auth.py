"""The auth token check: every request needs it when the server was given one.

A browser sends it as HTTP Basic auth (any user name, the token as password), scripts as
`Authorization: Bearer <token>`. Compared in constant time; never logged.
"""

from __future__ import annotations

import base64
import binascii
import secrets

from starlette.types import ASGIApp, Receive, Scope, Send

REALM = b'Basic realm="sfn", charset="UTF-8"'


class TokenAuth:
    """ASGI middleware: 401 unless the request carries `token` (HTTP and SSE alike)."""

    def __init__(self, app: ASGIApp, token: str, *, signed_api: bool = False):
        self.app = app
        self.token = token.encode()
        # With access keys, a SigV4-signed `POST /` goes on: the AWS API checks its signature.
        self.signed_api = signed_api

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self._allowed(scope) or self._signed_api_call(scope):
            await self.app(scope, receive, send)
            return
        await send(
            {
                "type": "http.response.start",
                "status": 401,
                "headers": [(b"www-authenticate", REALM), (b"content-type", b"text/plain")],
            }
        )
        await send({"type": "http.response.body", "body": b"authentication required\n"})

    def _signed_api_call(self, scope: Scope) -> bool:
        if not self.signed_api or scope["method"] != "POST" or scope["path"] != "/":
            return False
        header = dict(scope["headers"]).get(b"authorization", b"")
        return header.startswith(b"AWS4-HMAC-SHA256 ")

    def _allowed(self, scope: Scope) -> bool:
        header = dict(scope["headers"]).get(b"authorization", b"")
        scheme, _, value = header.partition(b" ")
        if scheme.lower() == b"bearer":
            return secrets.compare_digest(value.strip(), self.token)
        if scheme.lower() == b"basic":
            try:
                decoded = base64.b64decode(value.strip(), validate=True)
            except binascii.Error:
                return False
            return secrets.compare_digest(decoded.partition(b":")[2], self.token)
        return False

"""Signed, expiring tokens that bind a session to a shopper or an agent, and agent password hashes.

A token is `<payload>.<signature>`: the payload is base64url JSON {"sub", "role", "exp"}, the
signature an HMAC-SHA256 of it with the gateway secret. Nothing is stored server-side, so any
gateway instance with the same secret accepts it.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from typing import Callable, Optional

ROLE_SHOPPER = "shopper"
ROLE_AGENT = "agent"
PASSWORD_ITERATIONS = 200_000


class InvalidToken(Exception):
    """Missing, malformed, forged or expired."""


@dataclass(frozen=True)
class Identity:
    subject: str  # shopper id or agent id
    role: str
    expires_at: float


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class TokenSigner:
    def __init__(self, secret: str, clock: Callable[[], float] = time.time) -> None:
        self._key = secret.encode("utf-8")
        self._clock = clock

    def _sign(self, payload: str) -> str:
        return _b64encode(hmac.new(self._key, payload.encode("ascii"), hashlib.sha256).digest())

    def issue(self, subject: str, role: str, ttl_seconds: float) -> tuple[str, float]:
        """A token for `subject` and the time it expires."""
        expires_at = self._clock() + ttl_seconds
        payload = _b64encode(
            json.dumps({"sub": subject, "role": role, "exp": expires_at}, separators=(",", ":")).encode()
        )
        return f"{payload}.{self._sign(payload)}", expires_at

    def verify(self, token: Optional[str], role: str) -> Identity:
        """The identity in a valid token of the given role; InvalidToken otherwise."""
        if not token or token.count(".") != 1:
            raise InvalidToken("malformed")
        payload, signature = token.split(".")
        try:
            expected = self._sign(payload)
        except UnicodeEncodeError as exc:
            raise InvalidToken("malformed") from exc
        if not hmac.compare_digest(expected, signature):
            raise InvalidToken("bad signature")
        try:
            claims = json.loads(_b64decode(payload))
            identity = Identity(str(claims["sub"]), str(claims["role"]), float(claims["exp"]))
        except (ValueError, KeyError, TypeError) as exc:
            raise InvalidToken("malformed") from exc
        if identity.role != role:
            raise InvalidToken("wrong role")
        if identity.expires_at < self._clock():
            raise InvalidToken("expired")
        return identity


def hash_password(password: str, salt: Optional[bytes] = None) -> str:
    """PBKDF2-SHA256, stored as `pbkdf2_sha256$<iterations>$<salt>$<hash>`."""
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, PASSWORD_ITERATIONS)
    return f"pbkdf2_sha256${PASSWORD_ITERATIONS}${_b64encode(salt)}${_b64encode(digest)}"


def check_password(password: str, stored: str) -> bool:
    try:
        scheme, iterations, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "pbkdf2_sha256":
        return False
    candidate = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), _b64decode(salt), int(iterations))
    return hmac.compare_digest(_b64encode(candidate), digest)

"""Sealing secrets a partner hands us to keep (its subscription channel's headers, such as
the bearer token its endpoint wants): AES-256-GCM with a key derived (HKDF-SHA256) from
CAREBRIDGE_SEALING_KEY, else from the JWT secret. The database holds only sealed text; it is
opened just before a notification is sent, and never logged."""

from __future__ import annotations

import base64
import os
from collections.abc import Sequence

import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from settings import Settings

_VERSION = "v1"
_CONTEXT = b"carebridge sealed partner secrets v1"


class SealError(Exception):
    """Sealed text that this key cannot open (another key, or tampered with)."""


class Sealer:
    def __init__(self, secret: str) -> None:
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_CONTEXT).derive(
            secret.encode()
        )
        self._aead = AESGCM(key)

    @classmethod
    def from_settings(cls, settings: Settings) -> Sealer:
        secret = settings.sealing_key or settings.jwt_secret
        return cls(secret.get_secret_value())

    def seal(self, values: Sequence[str]) -> str:
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, orjson.dumps(list(values)), _CONTEXT)
        return f"{_VERSION}.{base64.urlsafe_b64encode(nonce + sealed).decode()}"

    def open(self, sealed: str) -> list[str]:
        version, _, body = sealed.partition(".")
        try:
            if version != _VERSION:
                raise ValueError(version)
            raw = base64.urlsafe_b64decode(body)
            values = orjson.loads(self._aead.decrypt(raw[:12], raw[12:], _CONTEXT))
        except (InvalidTag, ValueError, orjson.JSONDecodeError):
            raise SealError("The sealed value cannot be opened with this key") from None
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise SealError("The sealed value is not a list of strings")
        return values

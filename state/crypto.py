"""Field encryption (AES-GCM) and keyed hashes for sensitive data at rest.

A stored value looks like ``v1.<key id>.<base64(nonce | ciphertext | tag)>``; the key id lets
keys rotate: values written under an old key stay readable while `salpim admin rotate-key`
re-encrypts them under the current one. Keys are derived with HKDF from the master secret,
one sub-key for encryption, one for lookup hashes and one for the audit chain's HMAC, so no
two uses share a key.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from state.private_files import create_private_file, ensure_private_dir, narrow_to_owner

PREFIX = "v1"


class DecryptionError(ValueError):
    """A value that no known key opens (tampered, or written under a key we no longer hold)."""


def _derive(master: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"salpim", info=purpose).derive(master)


@dataclass(frozen=True)
class _Key:
    key_id: str
    aead: AESGCM
    hash_key: bytes
    audit_key: bytes


def _make_key(master_secret: str) -> _Key:
    master = master_secret.encode()
    key_id = hashlib.sha256(b"salpim-key-id" + master).hexdigest()[:8]
    return _Key(key_id, AESGCM(_derive(master, b"field-encryption")), _derive(master, b"lookup-hash"),
                _derive(master, b"audit-chain"))


class FieldCipher:
    """Encrypts and decrypts text fields; the first key encrypts, all keys decrypt."""

    def __init__(self, current_secret: str, old_secrets: list[str] | tuple[str, ...] = ()) -> None:
        self._current = _make_key(current_secret)
        self._keys = {self._current.key_id: self._current}
        for old in old_secrets:
            key = _make_key(old)
            self._keys.setdefault(key.key_id, key)

    @property
    def current_key_id(self) -> str:
        return self._current.key_id

    def encrypt(self, plaintext: str | None, context: str = "") -> str | None:
        """`context` (e.g. the column name) is bound as associated data: a value moved to
        another column no longer decrypts."""
        if plaintext is None:
            return None
        return self.encrypt_bytes(plaintext.encode("utf-8"), context)

    def encrypt_bytes(self, data: bytes, context: str = "") -> str:
        nonce = os.urandom(12)
        sealed = self._current.aead.encrypt(nonce, data, context.encode())
        return f"{PREFIX}.{self._current.key_id}.{base64.urlsafe_b64encode(nonce + sealed).decode()}"

    def decrypt(self, token: str | None, context: str = "") -> str | None:
        if token is None:
            return None
        return self.decrypt_bytes(token, context).decode("utf-8")

    def decrypt_bytes(self, token: str, context: str = "") -> bytes:
        try:
            prefix, key_id, body = token.split(".", 2)
            key = self._keys[key_id]
            raw = base64.urlsafe_b64decode(body)
            if prefix != PREFIX:
                raise ValueError(prefix)
            return key.aead.decrypt(raw[:12], raw[12:], context.encode())
        except Exception as exc:  # InvalidTag, KeyError, ValueError: all mean "cannot open"
            raise DecryptionError("value cannot be decrypted with the configured keys") from exc

    def key_id_of(self, token: str) -> str:
        return token.split(".", 2)[1]

    def lookup_hash(self, value: str) -> str:
        """A keyed hash (HMAC-SHA256) for equality lookups, e.g. "reports by this phone".

        Always under the current key: after a rotation, `rotate-key` rewrites stored hashes.
        """
        return hmac.new(self._current.hash_key, value.encode("utf-8"), hashlib.sha256).hexdigest()


    def lookup_hashes(self, value: str) -> list[str]:
        """The value's hash under every configured key, current first: lookups of values we
        cannot rehash at rotation (tokens, invite codes, anonymous reporters) still match."""
        return [hmac.new(k.hash_key, value.encode("utf-8"), hashlib.sha256).hexdigest() for k in self._ordered()]

    def audit_keys(self) -> tuple[str, dict[str, bytes]]:
        """(current key id, every configured key id → its audit-chain HMAC key)."""
        return self._current.key_id, {k.key_id: k.audit_key for k in self._ordered()}

    def _ordered(self) -> list[_Key]:
        return [self._current, *(k for k in self._keys.values() if k is not self._current)]


MIN_SECRET_BYTES = 32


class WeakSecretError(ValueError):
    """A master key too short to be a key (a password-like SALPIM_SECRET_KEY)."""


def check_master_secret(secret: str) -> str:
    """Refuse a master key under 32 bytes: HKDF stretches nothing, so a short key is a
    guessable key. The message names the rule, never the value."""
    if len(secret.encode("utf-8")) < MIN_SECRET_BYTES:
        raise WeakSecretError(f"SALPIM_SECRET_KEY must be at least {MIN_SECRET_BYTES} bytes "
                              f"(make one with: python3 -c 'import secrets; print(secrets.token_urlsafe(32))')")
    return secret


def resolve_master_secret(configured: str | None, var_dir: Path) -> str:
    """The configured SALPIM_SECRET_KEY, or (for a local install) one made once under var/.

    var/ and var/secret.key are created owner-only from the start (never written open and
    narrowed afterwards); of several processes starting at once on a fresh install, one key wins.
    """
    if configured:
        return check_master_secret(configured)
    key_file = var_dir / "secret.key"
    ensure_private_dir(var_dir, tighten=True)
    if not key_file.exists():
        create_private_file(key_file, secrets.token_urlsafe(32))
    narrow_to_owner(key_file)
    return check_master_secret(key_file.read_text().strip())

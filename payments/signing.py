"""RSA SHA-256 signatures (both providers sign with PKCS#1 v1.5) and PEM keys on disk."""

from __future__ import annotations

import base64
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey

from knowledge.private_files import write_private


def load_private(pem: str | bytes | Path) -> RSAPrivateKey:
    data = pem.read_bytes() if isinstance(pem, Path) else (pem.encode() if isinstance(pem, str) else pem)
    key = serialization.load_pem_private_key(data, password=None)
    if not isinstance(key, RSAPrivateKey):
        raise ValueError("not an RSA private key")
    return key


def load_public(pem: str | bytes | Path) -> RSAPublicKey:
    data = pem.read_bytes() if isinstance(pem, Path) else (pem.encode() if isinstance(pem, str) else pem)
    key = serialization.load_pem_public_key(data)
    if not isinstance(key, RSAPublicKey):
        raise ValueError("not an RSA public key")
    return key


def sign(key: RSAPrivateKey, message: bytes) -> str:
    """Base64 of the SHA256withRSA signature of ``message``."""
    return base64.b64encode(key.sign(message, padding.PKCS1v15(), hashes.SHA256())).decode()


def decode(signature_b64: str) -> bytes | None:
    """The signature's bytes, or None when the text is not base64. Several texts decode to the same
    bytes (the bits before ``=`` padding are ignored), so the bytes, not the text, name a signature."""
    try:
        return base64.b64decode(signature_b64, validate=True)
    except ValueError:
        return None


def verify(key: RSAPublicKey, message: bytes, signature_b64: str) -> bytes | None:
    """The signature's bytes when it is ``key``'s signature of ``message``, else None."""
    signature = decode(signature_b64)
    if signature is None:
        return None
    try:
        key.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
        return signature
    except InvalidSignature:
        return None


def new_key_pair(folder: Path, name: str) -> tuple[Path, Path]:
    """Write ``name.pem`` (private) and ``name.pub.pem`` into ``folder`` unless they exist."""
    private, public = folder / f"{name}.pem", folder / f"{name}.pub.pem"
    if not (private.exists() and public.exists()):
        folder.mkdir(parents=True, exist_ok=True)
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        write_private(private, key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                 serialization.NoEncryption()))  # fmt: skip
        public.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                         serialization.PublicFormat.SubjectPublicKeyInfo))  # fmt: skip
    return private, public

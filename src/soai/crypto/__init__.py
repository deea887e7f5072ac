"""Cryptography of soai: Ed25519 keyring, canonical JSON (RFC 8785), multibase, DID documents."""

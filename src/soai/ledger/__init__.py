"""Transparency ledger: append-only log, RFC 9162 Merkle tree, signed checkpoints, proofs."""

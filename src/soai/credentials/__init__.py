"""Verifiable credentials: W3C VC 2.0 / Open Badges 3.0, eddsa-jcs-2022 proofs, status lists."""

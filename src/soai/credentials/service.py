"""Use cases of credentials: issue (one or in bulk), rebuild, revoke, suspend, status lists.

Issuing and revoking run in write transactions and append to the ledger in the same
transaction, so the log records exactly what was committed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from soai.credentials import document as doc
from soai.credentials import proof as suite
from soai.credentials.models import CredentialTemplate, IssuedCredential, StatusList
from soai.credentials.status import MIN_SIZE
from soai.crypto.did import method_id
from soai.crypto.jcs import canonicalize
from soai.crypto.keyring import Signer
from soai.db import utcnow
from soai.errors import InvalidInput, NotFound
from soai.i18n.markers import N_
from soai.ledger import service as ledger


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Issuer:
    """Who issues: the instance's DID, name and domain, its active key, its lookup secret."""

    did: str
    name: str
    domain: str
    signer: Signer
    lookup_secret: bytes

    @property
    def method(self) -> str:
        return method_id(self.did, self.signer.kid)


def subject_lookup(secret: bytes, email: str) -> str:
    return hmac.new(
        secret, b"subject:" + email.strip().lower().encode(), hashlib.sha256
    ).hexdigest()


def _template(
    session: Session, issuer: Issuer, item: doc.Achievement
) -> tuple[str, dict[str, Any]]:
    shared = doc.template(
        issuer_did=issuer.did, issuer_name=issuer.name, domain=issuer.domain, item=item
    )
    body = canonicalize(shared)
    template_id = hashlib.sha256(body).hexdigest()
    if session.get(CredentialTemplate, template_id) is None:
        session.add(
            CredentialTemplate(id=template_id, achievement_key=item.key, body=body.decode("utf-8"))
        )
        session.flush()
    return template_id, shared


def allocate(session: Session, count: int) -> list[tuple[int, int]]:
    """``count`` fresh (list id, index) pairs; a full list makes way for a new one."""
    slots: list[tuple[int, int]] = []
    while len(slots) < count:
        current = session.scalar(
            select(StatusList).order_by(StatusList.id.desc()).limit(1).with_for_update()
        )
        if current is None or current.next_index >= current.size:
            current = StatusList(id=(current.id + 1) if current else 1, size=MIN_SIZE, next_index=0)
            session.add(current)
            session.flush()
        take = min(count - len(slots), current.size - current.next_index)
        slots.extend((current.id, current.next_index + i) for i in range(take))
        current.next_index += take
    return slots


def validate_emails(emails: Sequence[str]) -> list[str]:
    from soai.identity.service import normalise_email

    return [normalise_email(e, field=f"subject_email[{i}]") for i, e in enumerate(emails)]


def issue_many(
    session: Session,
    *,
    issuer: Issuer,
    achievement_key: str,
    emails: Sequence[str],
    valid_from: datetime | None = None,
    valid_until: datetime | None = None,
    issued_by: int | None = None,
) -> list[dict[str, Any]]:
    """Issue one credential per address; returns the signed credentials, in order."""
    item = doc.achievement(achievement_key)
    addresses = validate_emails(emails)
    start = valid_from or utcnow()
    end = valid_until or start.replace(year=start.year + item.validity_years)
    if end <= start:
        raise InvalidInput(N_("The credential would expire before it starts."), field="valid_until")
    template_id, shared = _template(session, issuer, item)
    slots = allocate(session, len(addresses))
    created = iso(utcnow())
    from_text, until_text = iso(start), iso(end)
    config = suite.proof_config(shared, method=issuer.method, created=created)
    config_hash = hashlib.sha256(canonicalize(config)).digest()
    signed: list[dict[str, Any]] = []
    rows: list[dict[str, Any]] = []
    events: list[tuple[str, dict[str, Any]]] = []
    for email, (list_id, index) in zip(addresses, slots, strict=True):
        salt = secrets.token_hex(16)
        credential_id = f"urn:uuid:{uuid.uuid4()}"
        unsigned = doc.build(
            shared,
            credential_id=credential_id,
            identity=doc.identity_hash(email, salt),
            salt=salt,
            valid_from=from_text,
            valid_until=until_text,
            status=doc.status_entries(issuer.domain, list_id, index),
        )
        secured = suite.sign(
            unsigned,
            sign_bytes=issuer.signer.sign,
            method=issuer.method,
            created=created,
            config_hash=config_hash,
        )
        signed.append(secured)
        rows.append(
            {
                "id": credential_id,
                "template_id": template_id,
                "achievement_key": item.key,
                "identity_hash": unsigned["credentialSubject"]["identifier"][0]["identityHash"],
                "salt": salt,
                "subject_lookup": subject_lookup(issuer.lookup_secret, email),
                "status_list_id": list_id,
                "status_index": index,
                "valid_from": from_text,
                "valid_until": until_text,
                "proof_created": created,
                "verification_method": issuer.method,
                "proof_value": secured["proof"]["proofValue"],
                "issued_by": issued_by,
            }
        )
        events.append(
            (
                "credential.issued",
                {
                    "credential": credential_id,
                    "achievement": item.key,
                    "digest": hashlib.sha256(canonicalize(secured)).hexdigest(),
                    "statusList": list_id,
                    "statusIndex": index,
                    "validUntil": until_text,
                },
            )
        )
    positions = ledger.append_many(session, events)
    for row, position in zip(rows, positions, strict=True):
        row["ledger_position"] = position
        row["issued_at"] = utcnow()
    session.execute(insert(IssuedCredential), rows)
    return signed


def issue(
    session: Session,
    *,
    issuer: Issuer,
    achievement_key: str,
    email: str,
    valid_until: datetime | None = None,
    issued_by: int | None = None,
) -> dict[str, Any]:
    return issue_many(
        session,
        issuer=issuer,
        achievement_key=achievement_key,
        emails=[email],
        valid_until=valid_until,
        issued_by=issued_by,
    )[0]


def get(session: Session, *, credential_id: str) -> IssuedCredential:
    record = session.get(IssuedCredential, credential_id)
    if record is None:
        raise NotFound(
            N_("No credential {credential_id}."), field="credential_id", credential_id=credential_id
        )
    return record


def rebuild(session: Session, *, record: IssuedCredential, domain: str) -> dict[str, Any]:
    """The signed credential exactly as issued, rebuilt from its stored values."""
    template = session.get(CredentialTemplate, record.template_id)
    assert template is not None  # a foreign key guarantees it
    shared = json.loads(template.body)
    unsigned = doc.build(
        shared,
        credential_id=record.id,
        identity=record.identity_hash,
        salt=record.salt,
        valid_from=record.valid_from,
        valid_until=record.valid_until,
        status=doc.status_entries(domain, record.status_list_id, record.status_index),
    )
    config = suite.proof_config(
        unsigned, method=record.verification_method, created=record.proof_created
    )
    config["proofValue"] = record.proof_value
    return {**unsigned, "proof": config}


def find_by_email(session: Session, *, secret: bytes, email: str) -> list[IssuedCredential]:
    return list(
        session.scalars(
            select(IssuedCredential)
            .where(IssuedCredential.subject_lookup == subject_lookup(secret, email))
            .order_by(IssuedCredential.issued_at)
        )
    )


def issuer_for(settings: Any) -> Issuer:
    """The instance as an issuer: DID and name from the profile, the keyring's active key."""
    from soai.crypto import service as crypto
    from soai.profiles import service as profiles

    profile = profiles.instance_profile(settings.home.resolve())
    return Issuer(
        did=profile.issuer_did,
        name=profile.text(profile.regulator.name, "en"),
        domain=profile.issuer_domain,
        signer=crypto.keyring(settings).signer(),
        lookup_secret=settings.signing_secret(),
    )

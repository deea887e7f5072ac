"""Issuing a batch of credentials in three steps: prepare, sign, persist.

``prepare`` checks the input, allocates status-list slots and compiles the batch's canonical
forms (a :class:`~soai.crypto.jcs.CanonicalTemplate` with a placeholder for every value that
differs between credentials); ``soai.credentials.signing.sign_batch`` signs (in this process
or in workers); ``persist`` logs every credential in the ledger and stores it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from soai.credentials import document as doc
from soai.credentials import proof as suite
from soai.credentials import signing
from soai.credentials.service import (
    BATCHES,
    CREDENTIALS,
    ROW_COLUMNS,
    Issuer,
    _template,
    _years_later,
    allocate,
    iso,
    subject_lookup,
    validate_emails,
)
from soai.crypto.jcs import CanonicalTemplate, canonicalize
from soai.db import insert_rows, utcnow
from soai.errors import InvalidInput
from soai.i18n.markers import N_
from soai.ledger import service as ledger

# Placeholders of the compiled canonical forms (private-use characters never in real data).
SLOT_ID, SLOT_HASH, SLOT_SALT = "\ue000id", "\ue000hash", "\ue000salt"
SLOT_REV_ID, SLOT_REV_INDEX, SLOT_REV_URL = "\ue000rid", "\ue000rindex", "\ue000rurl"
SLOT_SUS_ID, SLOT_SUS_INDEX, SLOT_SUS_URL = "\ue000sid", "\ue000sindex", "\ue000surl"
SLOT_PROOF, SLOT_DIGEST, SLOT_LIST, SLOT_INDEX = "\ue000pv", "\ue000dg", "\ue000list", "\ue000ix"
DOC_SLOTS = [
    SLOT_ID,
    SLOT_HASH,
    SLOT_SALT,
    SLOT_REV_ID,
    SLOT_REV_INDEX,
    SLOT_REV_URL,
    SLOT_SUS_ID,
    SLOT_SUS_INDEX,
    SLOT_SUS_URL,
]


@dataclass(frozen=True)
class Prepared:
    """One batch ready to sign: its slots, its plan, and what storing it needs."""

    plan: signing.Plan
    items: list[signing.Item]
    template_id: str
    achievement_key: str
    valid_from: str
    valid_until: str
    created: str
    method: str
    lookups: list[str]


def _documents(
    shared: dict[str, Any], config: dict[str, Any], *, valid_from: str, valid_until: str
) -> tuple[CanonicalTemplate, CanonicalTemplate]:
    unsigned = doc.build(
        shared,
        credential_id=SLOT_ID,
        identity=SLOT_HASH,
        salt=SLOT_SALT,
        valid_from=valid_from,
        valid_until=valid_until,
        status=[
            {**entry, "id": slot_id, "statusListIndex": slot_index, "statusListCredential": url}
            for entry, slot_id, slot_index, url in zip(
                doc.status_entries_for({"revocation": "x", "suspension": "x"}, "0"),
                (SLOT_REV_ID, SLOT_SUS_ID),
                (SLOT_REV_INDEX, SLOT_SUS_INDEX),
                (SLOT_REV_URL, SLOT_SUS_URL),
                strict=True,
            )
        ],
    )
    secured = {**unsigned, "proof": {**config, "proofValue": SLOT_PROOF}}
    return (
        CanonicalTemplate(unsigned, DOC_SLOTS),
        CanonicalTemplate(secured, [*DOC_SLOTS, SLOT_PROOF]),
    )


def prepare(
    session: Session,
    *,
    issuer: Issuer,
    achievement_key: str,
    emails: Sequence[str],
    valid_from: datetime | None = None,
    valid_until: datetime | None = None,
    want_documents: bool = True,
) -> Prepared:
    """Check the input, allocate status slots and compile the batch's canonical forms."""
    item = doc.achievement(achievement_key)
    addresses = validate_emails(emails)
    start = valid_from or utcnow()
    end = valid_until or _years_later(start, item.validity_years)
    if end <= start:
        raise InvalidInput(N_("The credential would expire before it starts."), field="valid_until")
    template_id, shared = _template(session, issuer, item)
    slots = allocate(session, len(addresses))
    issued = utcnow()
    created, from_text, until_text = iso(issued), iso(start), iso(end)
    config = suite.proof_config(shared, method=issuer.method, created=created)
    document, secured = _documents(shared, config, valid_from=from_text, valid_until=until_text)
    urls = {
        list_id: (
            doc.status_list_url(issuer.domain, list_id, "revocation"),
            doc.status_list_url(issuer.domain, list_id, "suspension"),
        )
        for list_id in {list_id for list_id, _index in slots}
    }
    plan = signing.Plan(
        private_key=issuer.signer.private_bytes(),
        config_hash=hashlib.sha256(canonicalize(config)).digest(),
        issued_ms=int(issued.timestamp() * 1000),
        document=document,
        secured=secured,
        urls=urls,
        want_documents=want_documents,
    )
    return Prepared(
        plan=plan,
        items=[
            (email, list_id, index)
            for email, (list_id, index) in zip(addresses, slots, strict=True)
        ],
        template_id=template_id,
        achievement_key=item.key,
        valid_from=from_text,
        valid_until=until_text,
        created=created,
        method=issuer.method,
        lookups=[subject_lookup(issuer.lookup_secret, email) for email in addresses],
    )


def persist(
    session: Session, prepared: Prepared, signed: signing.Signed, *, issued_by: int | None
) -> list[int]:
    """Store a signed batch and log every credential in the ledger; returns ledger positions.

    Run it in a write transaction.
    """
    head = ledger.lock_head(session)  # before the time is taken, as every ledger appender does
    now = utcnow()
    event = CanonicalTemplate(
        ledger.event_value(
            "credential.issued",
            {
                "credential": SLOT_ID,
                "achievement": prepared.achievement_key,
                "documentHash": SLOT_DIGEST,
                "statusList": SLOT_LIST,
                "statusIndex": SLOT_INDEX,
                "validUntil": prepared.valid_until,
            },
            now,
        ),
        [SLOT_ID, SLOT_DIGEST, SLOT_LIST, SLOT_INDEX],
    )
    render = event.render
    positions = ledger.append_bodies(
        session,
        [
            ("credential.issued", render([credential_id, digest, list_id, index]))
            for credential_id, digest, (_email, list_id, index) in zip(
                signed.credential_ids, signed.document_hashes, prepared.items, strict=True
            )
        ],
        at=now,
        head=head,
    )
    connection = session.connection()
    batch_id = connection.execute(
        insert(BATCHES)
        .values(
            template_id=prepared.template_id,
            achievement_key=prepared.achievement_key,
            valid_from=prepared.valid_from,
            valid_until=prepared.valid_until,
            proof_created=prepared.created,
            verification_method=prepared.method,
            issued_at=now,
            issued_by=issued_by,
        )
        .returning(BATCHES.c.id)
    ).scalar_one()
    insert_rows(
        connection,
        CREDENTIALS,
        ROW_COLUMNS,
        [
            (credential_id, batch_id, identity, salt, lookup, list_id, index, proof, position)
            for credential_id, identity, salt, proof, lookup, (_e, list_id, index), position in zip(
                signed.credential_ids,
                signed.identities,
                signed.salts,
                signed.proof_values,
                prepared.lookups,
                prepared.items,
                positions,
                strict=True,
            )
        ],
    )
    return positions

"""The ledger on the web: the public JSON API and the pages a citizen uses to check an entry.

Whatever the server hands out must verify offline with nothing but the log's verifier key,
which the server publishes at /api/v1/ledger/vkey and /ledger/vkey.
"""

from __future__ import annotations

import html
import json
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from soai.db import transaction
from soai.ledger import keys, note, service
from soai.ledger.models import LedgerCheckpoint
from soai.ledger.verify import verify
from soai.settings import Settings
from tests.ledger.factories import append, sign

VKEY = re.compile(r"^[^+\s]+\+[0-9a-f]{8}\+[A-Za-z0-9+/]+=*$")
HEX = re.compile(r"^[0-9a-f]{64}$")
EN = {"Accept-Language": "en"}
KM = {"Accept-Language": "km-KH,km;q=0.9"}


def _published_vkeys(client: TestClient) -> list[str]:
    response = client.get("/api/v1/ledger/vkey")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    lines = response.text.splitlines()
    assert lines and all(VKEY.match(line) for line in lines)
    return lines


def test_vkey_is_the_logs_verifier_key_as_text(client: TestClient, instance: Settings) -> None:
    assert _published_vkeys(client) == keys.vkeys(instance)
    download = client.get("/ledger/vkey")
    assert download.text.splitlines() == keys.vkeys(instance)
    assert download.headers["content-disposition"] == 'attachment; filename="ledger.vkey"'


def test_checkpoint_api_gives_the_signed_tree_head(
    client: TestClient, app_sessions: sessionmaker[Session], instance: Settings
) -> None:
    empty = client.get("/api/v1/ledger/checkpoint").json()
    assert empty["size"] == 0
    append(app_sessions, 3, 4)
    body = client.get("/api/v1/ledger/checkpoint").json()
    assert set(body) == {"size", "root", "note", "key_id", "created_at"}
    assert body["size"] == 7 and HEX.match(body["root"])
    signed = note.parse_checkpoint(note.open_note(body["note"], _published_vkeys(client)))
    assert (signed.size, signed.root.hex()) == (7, body["root"])
    assert signed.origin == keys.origin(instance)
    assert client.get("/api/v1/ledger/checkpoint").json() == body  # unchanged log, same head


def test_every_entry_from_the_api_verifies_offline(
    client: TestClient, app_sessions: sessionmaker[Session]
) -> None:
    append(app_sessions, 1, 5, 3)
    vkeys = _published_vkeys(client)
    for position in range(9):
        response = client.get(f"/api/v1/ledger/entries/{position}")
        assert response.status_code == 200
        proof = response.json()
        assert set(proof) == {
            "leaf_index",
            "tree_size",
            "leaf_hash",
            "audit_path",
            "checkpoint",
            "entry",
        }
        assert proof["leaf_index"] == position and proof["entry"]["data"] == {"n": position}
        assert verify(proof, vkeys) == f"entry {position} is in {vkeys[0].split('+')[0]} at size 9"


@pytest.mark.parametrize("position", ["9", "1000", "-1"])
def test_an_unknown_entry_is_a_404_json_error(
    client: TestClient, app_sessions: sessionmaker[Session], position: str
) -> None:
    append(app_sessions, 9)
    response = client.get(f"/api/v1/ledger/entries/{position}", headers=EN)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/json")
    error = response.json()["error"]
    assert error["code"] == "not_found"
    assert error["message"].startswith(f"The ledger has no entry {position}")
    if position != "-1":
        assert error["message"] == f"The ledger has no entry {position} (it holds 9)."


def test_consistency_api_proves_the_log_only_grew(
    client: TestClient, app_sessions: sessionmaker[Session], instance: Settings
) -> None:
    append(app_sessions, 3)
    append(app_sessions, 6)
    sign(instance, app_sessions)
    vkeys = _published_vkeys(client)
    proof = client.get("/api/v1/ledger/consistency", params={"old": 3, "new": 9}).json()
    assert (proof["size1"], proof["size2"]) == (3, 9) and proof["checkpoint"]
    assert verify(proof, vkeys) == "the log at size 9 extends the log at size 3"
    refused = client.get("/api/v1/ledger/consistency", params={"old": 9, "new": 3}, headers=EN)
    assert refused.status_code == 422
    assert refused.json()["error"]["message"] == (
        "Sizes must satisfy 0 ≤ old ≤ new ≤ 9 (the ledger's size); got 9 and 3."
    )
    assert client.get("/api/v1/ledger/consistency", params={"old": 3}).status_code == 422


def _latest(sessions: sessionmaker[Session]) -> LedgerCheckpoint:
    with transaction(sessions) as session:
        latest = service.latest_checkpoint(session)
    assert latest is not None
    return latest


def test_ledger_page_shows_the_size_and_a_fresh_checkpoint(
    client: TestClient, app_sessions: sessionmaker[Session], instance: Settings
) -> None:
    append(app_sessions, 12, kind="council.decision")
    older = sign(instance, app_sessions)
    append(app_sessions, 1)

    page = client.get("/ledger", headers=EN).text
    assert '<html lang="en"' in page
    assert "Entries recorded so far: 13." in page
    latest = _latest(app_sessions)  # the page signed one: it never shows a stale checkpoint
    assert latest.size == 13 and latest.id != older.id
    assert "<dt>Entries</dt><dd>13</dd>" in page
    assert latest.root.hex() in page and older.root.hex() not in page
    assert html.escape(latest.note) in page
    assert note.open_note(html.unescape(_note_on(page)), keys.vkeys(instance))
    assert '<a href="/ledger/entries/12">12</a>' in page  # the newest entry is listed
    assert "council.decision" in page
    assert keys.vkeys(instance)[0] in page
    assert client.get("/ledger", headers=EN).text.count(latest.root.hex()) == 1
    assert _latest(app_sessions).id == latest.id  # nothing new: no new checkpoint


def test_ledger_page_in_khmer_shows_the_same_numbers(
    client: TestClient, app_sessions: sessionmaker[Session], instance: Settings
) -> None:
    append(app_sessions, 12)
    english = client.get("/ledger", headers=EN).text
    page = client.get("/ledger", headers=KM).text
    assert '<html lang="km"' in page
    latest = _latest(app_sessions)
    assert latest.size == 12
    assert "<dd>12</dd>" in page
    assert latest.root.hex() in page
    assert _note_on(page) == _note_on(english) == html.escape(latest.note)
    assert '<a href="/ledger/entries/11">11</a>' in page
    assert keys.vkeys(instance)[0] in page


def _note_on(page: str) -> str:
    """The signed checkpoint note as the page shows it (the first note block)."""
    return page.split('<pre class="note">', 1)[1].split("</pre>", 1)[0]


def test_looking_up_an_entry_shows_it_with_a_downloadable_proof(
    client: TestClient, app_sessions: sessionmaker[Session]
) -> None:
    append(app_sessions, 5)
    redirect = client.get("/ledger", params={"position": 3}, follow_redirects=False)
    assert redirect.status_code == 303 and redirect.headers["location"] == "/ledger/entries/3"

    page = client.get(redirect.headers["location"], headers=EN)
    assert page.status_code == 200
    text = html.unescape(page.text)
    assert "Ledger entry 3" in text
    download = client.get("/ledger/entries/3/proof.json")
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("application/json")
    assert download.headers["content-disposition"] == ('attachment; filename="ledger-proof-3.json"')
    proof = json.loads(download.content)
    assert json.dumps(proof["entry"], ensure_ascii=False, indent=2) in text
    assert proof["leaf_hash"] in text and all(h in text for h in proof["audit_path"])
    assert 'href="/ledger/entries/3/proof.json"' in page.text
    assert 'href="/ledger/vkey"' in page.text
    vkeys = client.get("/ledger/vkey").text.splitlines()
    assert verify(proof, vkeys) == f"entry 3 is in {vkeys[0].split('+')[0]} at size 5"


def test_an_unknown_entry_page_is_not_found(
    client: TestClient, app_sessions: sessionmaker[Session]
) -> None:
    append(app_sessions, 2)
    page = client.get("/ledger/entries/2", headers=EN)
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "The ledger has no entry 2 (it holds 2)." in html.unescape(page.text)
    assert client.get("/ledger/entries/2/proof.json").status_code == 404

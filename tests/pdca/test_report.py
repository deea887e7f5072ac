"""The compliance report of a PDCA cycle as PDF, in English and Khmer (real WeasyPrint, poppler)."""

from __future__ import annotations

import hashlib
import re
import subprocess
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy.orm import Session, sessionmaker

from soai.db import transaction
from soai.errors import NotFound
from soai.i18n import Translator
from soai.ledger import service as ledger
from soai.pdca import report, service, signoff
from soai.pdca.models import Cycle
from soai.profiles import service as profiles
from soai.profiles.schema import Profile
from tests.pdca.test_cycle import PDF, run_full_cycle

KHMER = re.compile("[\u1780-\u17ff]")
PAGE_ONE_TO_PNG = ("pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile")
EVERYONE = service.Scope(everything=True)
GENERATED = datetime(2026, 5, 4, 3, 0, tzinfo=UTC)
SIGNERS = ("Vuthy", "Sreymom", "Dara")


@pytest.fixture(scope="module")
def cambodia() -> Profile:
    return profiles.load(profiles.resolve("cambodia"))


@pytest.fixture
def closed_cycle(sessions: sessionmaker[Session], tmp_path: Path) -> Cycle:
    """Cycle 1 of the bank's credit scoring, taken through Plan, Do, Check and Act."""
    cycle_id = run_full_cycle(sessions, tmp_path)
    with transaction(sessions) as session:
        cycle = session.get_one(Cycle, cycle_id)
        session.expunge(cycle)
        return cycle


def _save(pdf: bytes, artifacts: Path, name: str) -> tuple[str, Path]:
    """Write the PDF and a PNG of page 1 to the artifacts; return the PDF's text (lines joined
    with single spaces, since table cells wrap) and the PNG."""
    path = artifacts / f"{name}.pdf"
    path.write_bytes(pdf)
    subprocess.run([*PAGE_ONE_TO_PNG, path, path.with_suffix("")], check=True)
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", path, "-"], check=True, capture_output=True, text=True
    ).stdout
    return " ".join(text.split()), path.with_suffix(".png")


def _ledger_positions(sessions: sessionmaker[Session], cycle: Cycle) -> list[int]:
    with transaction(sessions) as session:
        signed = signoff.gates_of(session, cycle=session.get_one(Cycle, cycle.id))
        assert ledger.size(session) > max(g.ledger_position or 0 for g in signed)
        return [g.ledger_position for g in signed if g.ledger_position is not None]


def test_english_report_of_a_closed_cycle(
    sessions: sessionmaker[Session], closed_cycle: Cycle, cambodia: Profile, artifacts: Path
) -> None:
    dialect = sessions.kw["bind"].dialect.name

    pdf = report.render_pdf(
        sessions,
        cycle_id=closed_cycle.id,
        scope=EVERYONE,
        profile=cambodia,
        language="en",
        generated_at=GENERATED,
    )

    assert pdf.startswith(b"%PDF-")
    reader = PdfReader(BytesIO(pdf))
    assert reader.metadata is not None
    assert reader.metadata.title == "Compliance report — Retail credit scoring — cycle 1"
    assert len(reader.pages) >= 4, "cover, plan and risks, the Statement of Applicability, ..."
    text, png = _save(pdf, artifacts, f"pdca-report-en-{dialect}")
    assert "Retail credit scoring" in text and "Angkor Commercial Bank" in text
    assert "KH-AI-" in text, "the register reference"
    assert closed_cycle.score is not None and 90 <= closed_cycle.score < 100
    assert f"{Translator('en').number(closed_cycle.score)} %" in text
    assert "Platinum" in text
    assert "Score signed at the Act gate and recorded in the ledger." in text
    assert "Council review: pending." in text, "a high-risk system's review is not faked"
    assert hashlib.sha256(PDF).hexdigest() in text, "the evidence index gives the full hash"
    assert "https://bank.example.org/docs" in text
    assert "Art. 10" in text and "Partly effective" in text
    # Table cells wrap, and text extraction reads a wrapped cell's lines apart.
    assert "Training data under-represents" in text and "Add microfinance repayment" in text
    for signer in SIGNERS:
        assert signer in text
    for position in _ledger_positions(sessions, closed_cycle):
        assert f"#{position}" in text
    assert "Generated on May 4, 2026, 10:00:00 AM +0700." in text, "in Phnom Penh time"
    assert png.stat().st_size > 1000


def test_khmer_report_of_a_closed_cycle(
    sessions: sessionmaker[Session], closed_cycle: Cycle, cambodia: Profile, artifacts: Path
) -> None:
    dialect = sessions.kw["bind"].dialect.name
    km = Translator("km")

    pdf = report.render_pdf(
        sessions,
        cycle_id=closed_cycle.id,
        scope=EVERYONE,
        profile=cambodia,
        language="km",
        generated_at=GENERATED,
    )

    assert pdf.startswith(b"%PDF-")
    text, png = _save(pdf, artifacts, f"pdca-report-km-{dialect}")
    # Shaped Khmer cannot be extracted exactly (see tests/reports/test_instance_summary.py):
    # check there is a lot of it, that English headings are gone, and the data itself.
    assert len(KHMER.findall(text)) > 2000
    for heading in ("Risk register", "Statement of Applicability and control status"):
        assert KHMER.search(km.gettext(heading))
        assert heading not in text
    assert "Retail credit scoring" in text, "what people wrote stays as they wrote it"
    assert hashlib.sha256(PDF).hexdigest() in text
    for signer in SIGNERS:
        assert signer in text
    assert png.stat().st_size > 1000


def test_the_next_cycle_reports_a_provisional_score_and_what_it_carries(
    sessions: sessionmaker[Session], closed_cycle: Cycle, cambodia: Profile
) -> None:
    with transaction(sessions) as session:
        following = service.open_cycle_of(session, system_id=closed_cycle.system_id)
        assert following is not None
        data = report.gather(session, cycle=following, country="KH")

    html = report.render_html(data, profile=cambodia, language="en", generated_at=GENERATED)

    assert "Provisional score: the cycle is still open." in html
    assert "Training data under-represents rural borrowers." in html
    assert "carried forward" in html
    assert [h["number"] for h in data["history"]] == [1, 2]
    assert data["score"]["final"] is False and data["gates"] == []


def test_a_cycle_outside_the_readers_scope_is_not_found(
    sessions: sessionmaker[Session], closed_cycle: Cycle, cambodia: Profile
) -> None:
    stranger = service.Scope(everything=False, organisations=frozenset({closed_cycle.id + 999}))
    with pytest.raises(NotFound):
        report.render_pdf(
            sessions, cycle_id=closed_cycle.id, scope=stranger, profile=cambodia, language="en"
        )


def test_the_evidence_index_names_the_controls_each_piece_serves(
    sessions: sessionmaker[Session], closed_cycle: Cycle
) -> None:
    with transaction(sessions) as session:
        data = report.gather(session, cycle=session.get_one(Cycle, closed_cycle.id), country="KH")
    policy, documentation = data["evidence"]
    assert policy["sha256"] == hashlib.sha256(PDF).hexdigest() and policy["size"] == len(PDF)
    assert policy["filename"] == "policy.pdf" and "A.2.2" in policy["controls"]
    assert documentation["url"] == "https://bank.example.org/docs"
    assert documentation["sha256"] is None and len(documentation["controls"]) > 10

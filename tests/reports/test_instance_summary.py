"""The instance summary PDF, in English and Khmer, on SQLite and PostgreSQL (real WeasyPrint)."""

from __future__ import annotations

import re
import subprocess
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from fontTools.ttLib import TTFont
from pypdf import PdfReader
from sqlalchemy.orm import Session, sessionmaker

from soai.db import transaction
from soai.i18n import Translator
from soai.identity import service as identity
from soai.identity.policy import Role
from soai.identity.schemas import UserCreate
from soai.instance.summary import render_pdf
from soai.settings import Settings

KHMER = re.compile("[\u1780-\u17ff]")
PAGE_ONE_TO_PNG = ("pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile")


@pytest.fixture
def with_users(instance: Settings, sessions: sessionmaker[Session]) -> Settings:
    people = [
        ("admin@mptc.gov.kh", "Admin", [Role.ADMIN]),
        ("sokha@mptc.gov.kh", "Sokha", [Role.REGULATOR]),
        ("dara@example.org", "Dara", [Role.ANALYST]),
        ("vanna@example.org", "Vanna", [Role.ANALYST, Role.CANDIDATE]),
    ]
    with transaction(sessions) as session:
        for email, name, roles in people:
            identity.create_user(
                session,
                data=UserCreate(
                    email=email,
                    display_name=name,
                    password="correct horse battery staple",
                    roles=roles,
                ),
            )
    return instance


def _save(pdf: bytes, artifacts: Path, name: str) -> tuple[str, Path]:
    """Write the PDF and a PNG of page 1 to the artifacts; return the PDF's text and the PNG."""
    path = artifacts / f"{name}.pdf"
    path.write_bytes(pdf)
    subprocess.run([*PAGE_ONE_TO_PNG, path, path.with_suffix("")], check=True)
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", path, "-"], check=True, capture_output=True, text=True
    ).stdout
    return text, path.with_suffix(".png")


def _fonts_drawing_khmer(pdf: bytes) -> dict[str, str]:
    """The fonts that draw Khmer text: PDF font name -> PostScript name of the embedded program."""
    fonts: dict[str, str] = {}
    for page in PdfReader(BytesIO(pdf)).pages:

        def visit(text: str, _cm: Any, _tm: Any, font: Any, _size: Any) -> None:
            if font is None or not KHMER.search(text):
                return
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            program = descriptor.get_object()["/FontFile2"].get_object().get_data()
            fonts[str(font["/BaseFont"])] = TTFont(BytesIO(program))["name"].getDebugName(6)

        page.extract_text(visitor_text=visit)
    return fonts


def test_english_instance_report(
    with_users: Settings, sessions: sessionmaker[Session], artifacts: Path
) -> None:
    dialect = sessions.kw["bind"].dialect.name

    pdf = render_pdf(sessions, home=with_users.home, language="en")

    assert pdf.startswith(b"%PDF-")
    assert PdfReader(BytesIO(pdf)).metadata.title == "Instance report"
    text, png = _save(pdf, artifacts, f"instance-summary-en-{dialect}")
    assert "Instance report" in text
    assert "Ministry of Post and Telecommunications (MPTC)" in text
    assert "Cambodia AI Safety Framework" in text
    assert "did:web:aisafety.mptc.gov.kh" in text
    assert "Asia/Phnom_Penh" in text
    assert dialect in text
    assert "March 2, 2026" in text  # roadmap start, a Babel long date
    assert re.search(r"Certified analyst\s+2\b", text)
    assert re.search(r"Regulator\s+1\b", text)
    # Khmer, the instance's other language, is named in Khmer with the bundled font.
    assert _fonts_drawing_khmer(pdf)
    assert all(
        name.endswith("+soai-Khmer") and program == "NotoSansKhmer-Regular"
        for name, program in _fonts_drawing_khmer(pdf).items()
    )
    assert png.stat().st_size > 1000


def test_khmer_instance_report(
    with_users: Settings, sessions: sessionmaker[Session], artifacts: Path
) -> None:
    dialect = sessions.kw["bind"].dialect.name
    title = Translator("km").gettext("Instance report")

    pdf = render_pdf(sessions, home=with_users.home, language="km")

    assert title != "Instance report" and KHMER.search(title)
    assert PdfReader(BytesIO(pdf)).metadata.title == title
    text, png = _save(pdf, artifacts, f"instance-summary-km-{dialect}")
    # Text extraction cannot rebuild shaped Khmer clusters exactly (a subscript glyph maps back
    # to one cluster only), so the page text is checked for Khmer and the fonts that draw it.
    assert "Instance report" not in text
    assert len(KHMER.findall(text)) > 200
    assert "did:web:aisafety.mptc.gov.kh" in text
    assert "2026" in text
    fonts = _fonts_drawing_khmer(pdf)
    # Every piece of Khmer is drawn by the bundled font (print.css "soai Khmer"), never by a
    # fallback that a server without Khmer fonts would replace with empty boxes.
    assert {name.split("+", 1)[1] for name in fonts} == {"soai-Khmer", "soai-Khmer-Bold"}
    assert set(fonts.values()) == {"NotoSansKhmer-Regular", "NotoSansKhmer-Bold"}
    assert png.stat().st_size > 1000

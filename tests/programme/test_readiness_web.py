"""The readiness assessment in the portal: the regulator answers the national questionnaire
(and a sector's for an organisation), the result shows the index per pillar and the gaps as
roadmap actions, the PDF report exists in both languages, and the roadmap's first milestone
indicator counts the national assessment."""

from __future__ import annotations

import io
import re

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy.orm import Session, sessionmaker

from soai.programme import readiness
from tests.identity.factories import PASSWORD, make_user
from tests.web_client import form_post, sign_in


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_regulator_records_an_assessment_and_everyone_sees_its_gaps(
    client: TestClient, app_sessions: sessionmaker[Session]
) -> None:
    client.headers["Accept-Language"] = "en"
    assert "Record an assessment" not in client.get("/programme/readiness").text
    regulator = make_user(app_sessions, "regulator")
    sign_in(client, regulator.email, PASSWORD)
    questions = readiness.load().questions("national")
    answers = {f"q-{q.id}": "" for q in questions}
    policy = [q for q in questions if q.pillar == "policy-law"]
    answers.update({f"q-{q.id}": "4" for q in policy})
    answers[f"q-{policy[0].id}"] = "1"  # one gap below target
    skills = [q for q in questions if q.pillar == "skills"]
    answers[f"q-{skills[0].id}"] = "2"
    bad = form_post(client, "/programme/readiness", "/programme/readiness",
                    {**answers, "scope": "national", f"q-{skills[0].id}": "seven"})  # fmt: skip
    assert bad.status_code == 422 and "field-invalid" in bad.text
    done = form_post(
        client, "/programme/readiness", "/programme/readiness", {**answers, "scope": "national"}
    )
    assert done.status_code == 303
    page = client.get(done.headers["location"])
    expected_policy = (4 * (len(policy) - 1) + 1) / len(policy) / 4 * 100
    assert f"{expected_policy:.1f}" in page.text or f"{round(expected_policy, 1):g}" in page.text
    assert "unknown — to be assessed" in page.text and policy[0].action.en in page.text
    assert "not available" in page.text  # pillars without any answer have no index
    pdf = client.get(done.headers["location"] + "/report.pdf?lang=en")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Gap analysis" in text and policy[0].action.en.split()[0] in text
    km = client.get(done.headers["location"] + "/report.pdf?lang=km")
    assert km.headers["content-type"] == "application/pdf" and km.content != pdf.content
    sector = form_post(client, "/programme/readiness?scope=finance", "/programme/readiness",
                       {"scope": "finance", "organisation": "", "q-fin-1": "2"})  # fmt: skip
    assert sector.status_code == 422 and "Name the organisation" in sector.text
    # the roadmap's first milestone reads the national assessment
    home = client.get("/programme").text
    row = re.search(
        r"National readiness assessments</td>\s*<td class=\"num\">(.*?)</td>", home, re.S
    )
    assert row and row.group(1).strip() == "1"

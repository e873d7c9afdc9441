"""HTTP tests of the plan routes: POST /v1/plan and GET /v1/roles/compare."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from advisor import Store
from tests.test_api import advisor_over, serving


@pytest.fixture
def client(shared_store: Store) -> Iterator[TestClient]:
    with serving(advisor_over(shared_store)) as c:
        yield c


def test_plan_from_a_profile(client: TestClient) -> None:
    body = {
        "skills": {"python": "solid", "math": "some", "classical_ml": "solid"},
        "hours_per_week": 10,
        "target_role": "Data Scientist",
    }
    response = client.post("/v1/plan", json=body)
    assert response.status_code == 200, response.text
    plan = response.json()
    assert [s["number"] for s in plan["steps"]] == [1, 2, 3, 4, 5, 6, 7]
    status = {s["number"]: s["status"] for s in plan["steps"]}
    assert status[2] == "shortened" and status[3] == "skipped" and status[4] == "skipped"
    assert plan["profile"]["target_role"] == "Data Scientist"
    assert plan["missing"] == ["your Deep learning level", "your MLOps level"]
    n_sources = len(plan["sources"])
    for step in plan["steps"]:
        assert 1 <= step["citation"] <= n_sources
        for resource in step["resources"]:
            assert resource["url"].startswith("https://") and 1 <= resource["citation"] <= n_sources
    timeline = plan["timeline"]
    assert timeline["low_months"] < timeline["high_months"]
    assert timeline["text"] == f"About {timeline['low_months']}–{timeline['high_months']} months"
    assert plan["markdown"].startswith("# My learning plan")


def test_plan_from_a_chat_message(client: TestClient) -> None:
    message = "I'm a Java developer with no math and I want to become an ML engineer"
    plan = client.post("/v1/plan", json={"message": message, "hours_per_week": 8}).json()
    assert plan["found_in_message"] == {
        "math": "none",
        "programming": "professional",
        "programming_language": "Java",
        "target_role": "Machine Learning Engineer",
    }
    assert plan["profile"]["hours_per_week"] == 8
    assert {s["number"]: s["status"] for s in plan["steps"]}[3] == "shortened"
    assert "your Classical ML level" in plan["missing"]


def test_about_is_read_like_message_and_both_are_read(client: TestClient) -> None:
    said = "I'm a Java developer with no math and I want to become an ML engineer"
    by_message = client.post("/v1/plan", json={"message": said}).json()
    by_about = client.post("/v1/plan", json={"about": said}).json()
    assert by_about["found_in_message"] == by_message["found_in_message"]
    assert by_about["found_in_message"]["programming_language"] == "Java"
    both = client.post("/v1/plan", json={"message": said, "about": "I can study 10 hours a week"})
    found = both.json()["found_in_message"]
    assert found["hours_per_week"] == 10 and found["programming_language"] == "Java"


@pytest.mark.parametrize(
    "body",
    [
        {"about": "   "},
        {"profile": {"python": "some"}},
        {"skills": {"python": "expert"}},
        {"hours_per_week": -3},
        {"target_role": "Astronaut"},
        {"skills": {"cooking": "solid"}},
    ],
)
def test_bad_plan_requests_are_400(client: TestClient, body: dict) -> None:
    response = client.post("/v1/plan", json=body)
    assert response.status_code == 400
    assert response.json()["error"]["message"]


def test_roles_compare(client: TestClient) -> None:
    response = client.get("/v1/roles/compare")
    assert response.status_code == 200
    table = response.json()
    assert table["roles"] == ["Machine Learning Engineer", "Data Scientist", "Applied AI Engineer"]
    assert len(table["cells"]) == 15
    for cell in table["cells"]:
        if cell["covered"]:
            assert cell["citations"] and all(
                1 <= n <= len(table["sources"]) for n in cell["citations"]
            )
        else:
            assert cell["text"] == "Not covered by the guide."
    pay = next(
        c
        for c in table["cells"]
        if c["role"] == "Machine Learning Engineer" and c["aspect"] == "Pay"
    )
    assert "$100,000–130,000" in pay["text"]
    assert table["markdown"].startswith("| |")

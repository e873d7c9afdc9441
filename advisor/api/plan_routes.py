"""Plan routes: `POST /v1/plan` (a learning plan and timeline) and `GET /v1/roles/compare`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from advisor.api.common import advisor_of, public_source, safe_url
from advisor.api.routes import checked_text
from advisor.api.schemas.plan import Plan as PlanOut
from advisor.api.schemas.plan import PlanRequest, RoleComparison
from advisor.core import CareerAdvisor
from advisor.planning.plan import Plan
from advisor.planning.profile import Profile
from advisor.safety import safe_markdown

router = APIRouter(tags=["plan"])


@router.post(
    "/v1/plan",
    summary="A learning plan, timeline and cited reasons for a learner",
    response_model=PlanOut,
)
async def plan(body: PlanRequest, request: Request) -> dict[str, Any]:
    advisor = advisor_of(request)
    return await run_in_threadpool(_plan, advisor, body)


@router.get(
    "/v1/roles/compare",
    summary="The three roles side by side, every cell cited",
    response_model=RoleComparison,
)
async def compare(request: Request) -> dict[str, Any]:
    advisor = advisor_of(request)
    table = await run_in_threadpool(advisor.compare_roles)
    data = table.to_dict()
    for cell in data["cells"]:
        cell["text"] = safe_markdown(cell["text"])
        cell["quotes"] = [safe_markdown(q) for q in cell["quotes"]]
    data["sources"] = [public_source(s) for s in table.sources]
    data["markdown"] = table.to_markdown()
    return data


def _plan(advisor: CareerAdvisor, body: PlanRequest) -> dict[str, Any]:
    stated = Profile.from_dict(body.profile())
    found: dict[str, Any] = {}
    said: Profile | None = None
    for param, text in body.texts():
        checked_text(advisor, text, param)
        update = advisor.read_profile(text, said)
        found |= update.found
        said = update.profile
    if said is not None:
        stated = said.merged(stated)
    return {**public_plan(advisor.plan(stated)), "found_in_message": found}


def public_plan(plan: Plan) -> dict[str, Any]:
    """The plan as JSON with texts sanitised and only http(s) links kept, plus its Markdown."""
    data = plan.to_dict()
    for step in data["steps"]:
        step["why"] = safe_markdown(step["why"])
        step["topics"] = [safe_markdown(t) for t in step["topics"]]
        step["notes"] = [safe_markdown(n) for n in step["notes"]]
        for resource in step["resources"]:
            resource["title"] = safe_markdown(resource["title"])
            resource["url"] = safe_url(resource["url"])
    for part in ("assumptions", "drivers"):
        data["timeline"][part] = [safe_markdown(a) for a in data["timeline"][part]]
    data["sources"] = [public_source(s) for s in plan.sources]
    data["markdown"] = plan.to_markdown()
    return data

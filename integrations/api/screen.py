"""POST /api/screen: "which service fits?" for any client. Public (no token): it stores nothing,
reads nothing personal, and answers from the catalogue and the dated figures only.

The body is the documented household (docs/screening-input.md); invalid input answers 422 with
the field and the problem. The answer is one result per service, as `salpim screen` prints it:
reasons and notes carry their catalog key, raw params and the rendered text (?locale=en|ko).
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, HTTPException, Query, Request

from bot.i18n import Catalogs
from dialogs.finder_household import korean_date
from dialogs.finder_messages import question_msg, reason_msg
from state.timeutil import utcnow
from welfare.eligibility import InvalidHousehold, Reason, ScreeningResult

router = APIRouter(prefix="/api", tags=["service finder"])
MAX_BODY_BYTES = 64 * 1024  # a household is a few hundred bytes
EXAMPLE = {"members": [{"age": 72, "disability": False}], "monthly_income": 500000, "assets": 0,
           "housing": "monthly_rent", "situations": ["isolation"]}
_BODY = {"requestBody": {"required": True, "content": {"application/json": {
    "schema": {"type": "object", "required": ["members"], "description": "docs/screening-input.md",
               "properties": {"members": {"type": "array", "items": {"type": "object"}}}},
    "example": EXAMPLE}}}}


def screening_json(results: Iterable[ScreeningResult], catalogs: Catalogs, locale: str) -> list[dict[str, Any]]:
    """Results as the CLI prints them and the API returns them."""
    def reason(r: Reason) -> dict[str, Any]:
        return {"key": r.key, "params": dict(r.params), "text": catalogs.render(locale, reason_msg(r))}

    return [{"service_id": r.service_id, "name": r.name.get(locale), "status": r.status.value,
             "reasons": [reason(x) for x in r.reasons],
             "missing": [{"id": q.id, "key": q.key, "text": catalogs.render(locale, question_msg(q))}
                         for q in r.missing],
             "notes": [reason(n) for n in r.notes],
             "parameters_from": r.parameters_from.isoformat()} for r in results]


def invalid(field: str, problem: str, message: str) -> HTTPException:
    return HTTPException(status_code=422, detail={"field": field, "problem": problem, "message": message})


@router.post("/screen", summary="Screen a household against every service (public)", openapi_extra=_BODY,
             responses={422: {"description": "the household is not valid (field, problem, message)"},
                        413: {"description": "body too large"}})
async def screen_household(request: Request,
                           locale: Annotated[Literal["ko", "en"] | None, Query()] = None) -> list[dict[str, Any]]:
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        raise HTTPException(status_code=413, detail="a household description is at most 64 KB")
    try:
        household = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise invalid("body", "not_json", "the body must be a JSON object (docs/screening-input.md)") from None
    services = request.app.state.services
    try:
        results = services.finder.screen(household, korean_date(utcnow()))
    except InvalidHousehold as exc:
        raise invalid(exc.field, exc.problem, str(exc)) from None
    return screening_json(results, services.catalogs, locale or services.catalogs.default)

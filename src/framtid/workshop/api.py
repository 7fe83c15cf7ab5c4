"""The workshop's JSON API, `/api/workshops/…`: thin routes that check limits, keys and
origin, then call `WorkshopService`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Header, Request
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictInt
from starlette.concurrency import run_in_threadpool

from . import texts
from .http import (
    ERRORS,
    create_workshop,
    hot,
    limit,
    public_base,
    questions_out,
    region_population,
    same_origin,
    workshops,
)
from .live import Hub, sse_response
from .qr import svg as qr_svg
from .results import csv_response, picture, summary_response

api = APIRouter(prefix="/api/workshops", tags=["workshop"], responses=ERRORS)


class CreateBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    region: str = Field(min_length=1, max_length=40, description="Region code, e.g. 3403")
    lang: str | None = Field(None, description="nb | nn | en (default: the region's)")
    days: int | None = Field(None, ge=1, le=365, description="Days until it expires (30)")


class ParticipantBody(BaseModel):
    participant_id: str = Field(min_length=1, max_length=64)


class AnswerBody(ParticipantBody):
    value: StrictInt | StrictFloat


class IdeaBody(ParticipantBody):
    text: str = Field(max_length=4000)


class AdvanceBody(BaseModel):
    to: int | None = None


class QuestionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: str = Field(pattern="^(statement|lever)$")
    text: str | None = Field(None, max_length=2000)
    lever: str | None = None
    step: str | None = None


class QuestionEdit(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str | None = Field(None, max_length=2000)
    open: bool | None = None
    step: str | None = None


class OrderBody(BaseModel):
    ids: list[int]


Key = Annotated[str | None, Header(alias="X-Facilitator-Key")]
Id = Annotated[int, PathParam(ge=1, le=2_147_483_647)]



@api.post("", status_code=201)
def api_create(request: Request, body: CreateBody):
    """Create a workshop for a region. The facilitator key is shown once: keep it."""
    same_origin(request)
    limit(request, "create")
    code, key, lang = create_workshop(request, body.region, body.lang, body.days)
    base = public_base(request)
    return {"code": code, "facilitator_key": key, "join_url": f"{base}/w/{code}",
            "facilitator_url": f"{base}/{lang}/w/{code}/host#key={key}",
            "qr_url": f"{base}/api/workshops/{code}/qr.svg"}


@api.get("/{code}")
def api_info(request: Request, code: str, lang: str | None = None):
    """The workshop as a participant sees it: region, state, current step and questions."""
    ws = workshops(request).info(code)
    lang = lang if lang in texts.LANGS else ws["lang"]
    return {"code": ws["code"], "region": ws["region"], "state": ws["state"],
            "step": ws["step"], "current": ws["current"], "steps": ws["steps"],
            "expires_at": ws["expires_at"], "questions": questions_out(ws, lang)}


@api.post("/{code}/participants", status_code=201)
async def api_join(request: Request, code: str):
    """Join without an account: a random participant id, nothing else, is stored."""
    same_origin(request)
    limit(request, "join")
    pid = await hot(request, workshops(request).join, code)
    return JSONResponse({"participant_id": pid}, status_code=201)


@api.put("/{code}/answers/{question_id}")
async def api_answer(request: Request, code: str, question_id: Id, body: AnswerBody):
    """Answer (or change the answer to) an open question; the last answer counts."""
    same_origin(request)
    limit(request, "post")
    limit(request, "answer", body.participant_id)
    v = await hot(request, workshops(request).answer, code, question_id, body.participant_id,
                   body.value)
    return JSONResponse({"question_id": question_id, "value": v})


@api.post("/{code}/ideas", status_code=201)
async def api_idea(request: Request, code: str, body: IdeaBody):
    """A short idea (1–280 characters) for the room."""
    same_origin(request)
    limit(request, "post")
    limit(request, "idea", body.participant_id)
    idea = await run_in_threadpool(workshops(request).add_idea, code, body.participant_id, body.text)
    return JSONResponse(idea, status_code=201)


@api.post("/{code}/ideas/{idea_id}/votes")
async def api_vote(request: Request, code: str, idea_id: Id, body: ParticipantBody):
    """Upvote an idea (once per participant; again changes nothing)."""
    same_origin(request)
    limit(request, "post")
    limit(request, "vote", body.participant_id)
    n = await run_in_threadpool(workshops(request).vote, code, idea_id, body.participant_id)
    return JSONResponse({"idea_id": idea_id, "votes": n})


@api.get("/{code}/results")
async def api_results(request: Request, code: str):
    """Participants, answer distributions, the room's scenario (medians) and the top ideas."""
    return JSONResponse(await run_in_threadpool(workshops(request).results, code))


@api.get("/{code}/picture")
def api_picture(request: Request, code: str, lang: str | None = None):
    """The room's 2040: its scenario beside the baseline and SSB's main alternative."""
    svc = workshops(request)
    info = svc.info(code)
    res = svc.results(code, top=1)
    return picture(request, info["region"], res["scenario"],
                   lang if lang in texts.LANGS else info["lang"])


@api.get("/{code}/qr.svg", response_class=Response,
         responses={200: {"content": {"image/svg+xml": {}}}})
def api_qr(request: Request, code: str):
    info = workshops(request).info(code)
    url = f"{public_base(request)}/w/{info['code']}"
    return Response(qr_svg(url, texts.t("join.qr_alt", info["lang"], code=info["code"])),
                    media_type="image/svg+xml", headers={"Cache-Control": "no-store"})


@api.get("/{code}/events", response_class=Response,
         responses={200: {"content": {"text/event-stream": {}}}})
async def api_events(request: Request, code: str):
    """Server-Sent Events: `results` whenever answers, ideas or the step change."""
    info = await run_in_threadpool(workshops(request).info, code)   # 404 / 410 before streaming
    hub: Hub = request.app.state.workshop_hub
    return sse_response(request, hub, info["code"])


@api.post("/{code}/advance")
def api_advance(request: Request, code: str, key: Key = None,
                body: Annotated[AdvanceBody | None, Body()] = None):
    """Next step (or step `to`): questions of the step left close, the new step's open."""
    same_origin(request)
    return workshops(request).advance(code, key, body.to if body else None)


@api.post("/{code}/close", status_code=204)
def api_close(request: Request, code: str, key: Key = None):
    """End the meeting: no more answers; results and export stay until expiry or deletion."""
    same_origin(request)
    workshops(request).close(code, key)
    return Response(status_code=204)


@api.post("/{code}/reopen", status_code=204)
def api_reopen(request: Request, code: str, key: Key = None):
    same_origin(request)
    workshops(request).reopen(code, key)
    return Response(status_code=204)


@api.delete("/{code}", status_code=204)
def api_delete(request: Request, code: str, key: Key = None):
    """Delete the workshop now, with every answer, idea and vote."""
    same_origin(request)
    workshops(request).delete(code, key)
    return Response(status_code=204)


@api.post("/{code}/questions", status_code=201)
def api_add_question(request: Request, code: str, body: QuestionBody, key: Key = None):
    same_origin(request)
    ws = workshops(request)
    info = ws.info(code)
    q = ws.add_question(code, key, body.kind, body.text, body.lever, body.step,
                        region_population(request, info["region"]))
    return questions_out({"questions": [q]}, info["lang"])[0]


@api.patch("/{code}/questions/{question_id}")
def api_edit_question(request: Request, code: str, question_id: Id, body: QuestionEdit,
                      key: Key = None):
    same_origin(request)
    ws = workshops(request)
    q = ws.edit_question(code, key, question_id, text=body.text, is_open=body.open,
                         step=body.step)
    return questions_out({"questions": [q]}, ws.info(code)["lang"])[0]


@api.delete("/{code}/questions/{question_id}", status_code=204)
def api_remove_question(request: Request, code: str, question_id: Id, key: Key = None):
    same_origin(request)
    workshops(request).remove_question(code, key, question_id)
    return Response(status_code=204)


@api.put("/{code}/questions/order", status_code=204)
def api_reorder(request: Request, code: str, body: OrderBody, key: Key = None):
    same_origin(request)
    workshops(request).reorder(code, key, body.ids)
    return Response(status_code=204)


@api.post("/{code}/ideas/{idea_id}/hide", status_code=204)
def api_hide(request: Request, code: str, idea_id: Id, key: Key = None):
    """Moderation: hide an idea from the room (logged, not deleted)."""
    same_origin(request)
    workshops(request).set_hidden(code, key, idea_id, True)
    return Response(status_code=204)


@api.post("/{code}/ideas/{idea_id}/show", status_code=204)
def api_show(request: Request, code: str, idea_id: Id, key: Key = None):
    same_origin(request)
    workshops(request).set_hidden(code, key, idea_id, False)
    return Response(status_code=204)


@api.get("/{code}/moderation")
def api_moderation(request: Request, code: str, key: Key = None):
    return {"log": workshops(request).moderation_log(code, key)}


@api.get("/{code}/export.csv", response_class=Response,
         responses={200: {"content": {"text/csv": {}}}})
def api_export_csv(request: Request, code: str, key: Key = None):
    return csv_response(request, code, key)


@api.get("/{code}/summary", response_class=Response,
         responses={200: {"content": {"text/html": {}, "application/pdf": {}}}})
def api_summary(request: Request, code: str, key: Key = None, format: str = "html"):
    """A summary of the results: HTML printable to PDF, or PDF if WeasyPrint is installed."""
    return summary_response(request, code, key, format)

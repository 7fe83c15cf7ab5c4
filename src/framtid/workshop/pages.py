"""The workshop's pages: start (`/{lang}/workshop`), the participant's phone page
(`/{lang}/w/{code}`) and the facilitator's pages (`/{lang}/w/{code}/host…`). Forms only
(they work without JavaScript), each checked for CSRF and rate limits."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from . import texts
from .api import Id
from .http import (
    check_csrf,
    create_workshop,
    find_region,
    form_int,
    host_cookie,
    limit,
    message_page,
    part_cookie,
    public_base,
    read_form,
    region_population,
    render,
    require_lang,
    story_beats,
    workshops,
)
from .qr import svg as qr_svg
from .results import csv_response, has_pdf, picture, summary_response
from .service import (
    SCENARIO_STEP,
    Forbidden,
    Invalid,
    NotFound,
    normalise_code,
)

log = logging.getLogger("framtid.workshop")
pages = APIRouter(include_in_schema=False)


@pages.get("/w/{code}")
def short_join(request: Request, code: str):
    """The short join link (in the QR code): to the workshop in its own language."""
    info = workshops(request).info(code)
    return RedirectResponse(f"/{info['lang']}/w/{info['code']}", status_code=307)


@pages.get("/{lang}/workshop", response_class=HTMLResponse)
def start_page(request: Request, lang: str, region: str = "", code: str = ""):
    require_lang(lang)
    if code.strip():
        c = normalise_code(code)
        return RedirectResponse(f"/{lang}/w/{c}", status_code=303)
    reg = find_region(request.app.state.services, region) if region else None
    return render(request, "ws_start.html", lang, texts.t("start.title", lang), reg=reg,
                   region_value=(reg.code if reg else region[:40]))


@pages.post("/{lang}/workshop", response_class=HTMLResponse)
async def start_create(request: Request, lang: str):
    require_lang(lang)
    form = await read_form(request)
    check_csrf(request, form)
    limit(request, "create")
    region = str(form.get("region", "")).strip()[:40]
    try:
        code, key, ws_lang = await run_in_threadpool(create_workshop, request, region, lang,
                                                     None)
    except Invalid:
        hits = request.app.state.services.search(region, 5) if region else []
        return render(request, "ws_start.html", lang, texts.t("start.title", lang), status=422,
                       reg=None, region_value=region, region_error=True, hits=hits)
    resp = RedirectResponse(f"/{lang}/w/{code}/host?new=1", status_code=303)
    _set_host_cookie(resp, code, key)
    return resp


def _set_host_cookie(resp: Response, code: str, key: str) -> None:
    resp.set_cookie(host_cookie(code), key, httponly=True, samesite="strict", path="/",
                    max_age=366 * 86400)


def _participant_ctx(request: Request, lang: str, code: str) -> dict:
    ws = workshops(request)
    info = ws.info(code)
    token = request.cookies.get(part_cookie(info["code"]))
    joined = ws.is_participant(code, token)
    beats = {b["id"]: b for b in story_beats(request, info["region"], lang)}
    mine = ws.my_answers(code, token) if joined else {}
    open_qs = [q for q in info["questions"] if q["open"]]
    res = ws.results(code, top=20)
    reg = request.app.state.services.region(info["region"])
    return {"info": info, "joined": joined, "token": token if joined else None,
            "beat": beats.get(info["current"]), "questions": open_qs, "mine": mine,
            "ideas": res["ideas"], "my_votes": ws.my_votes(code, token) if joined else set(),
            "reg": reg, "participants": res["participants"]}


@pages.get("/{lang}/w/{code}", response_class=HTMLResponse)
def participant_page(request: Request, lang: str, code: str):
    require_lang(lang)
    ctx = _participant_ctx(request, lang, code)
    if ctx["info"]["state"] == "closed":
        return message_page(request, lang, 410, "error.closed")
    if ctx["info"]["code"] != code:
        return RedirectResponse(f"/{lang}/w/{ctx['info']['code']}", status_code=308)
    return render(request, "ws_participant.html", lang,
                   texts.t("join.title", lang, name=ctx["reg"].name), **ctx,
                   errors=request.query_params.get("error"))


@pages.post("/{lang}/w/{code}/join")
async def participant_join(request: Request, lang: str, code: str):
    require_lang(lang)
    form = await read_form(request)
    check_csrf(request, form)
    limit(request, "join")
    ws = workshops(request)
    token = await run_in_threadpool(ws.join, code)
    code = normalise_code(code)
    resp = RedirectResponse(f"/{lang}/w/{code}", status_code=303)
    resp.set_cookie(part_cookie(code), token, httponly=True, samesite="lax", path="/",
                    max_age=31 * 86400)
    return resp


def _token(request: Request, code: str) -> str:
    tok = request.cookies.get(part_cookie(code))
    if not tok:
        raise NotFound("error.no_participant")
    return tok


@pages.post("/{lang}/w/{code}/answer/{question_id}")
async def participant_answer(request: Request, lang: str, code: str, question_id: Id):
    require_lang(lang)
    form = await read_form(request)
    check_csrf(request, form)
    code = normalise_code(code)
    tok = _token(request, code)
    limit(request, "post")
    limit(request, "answer", tok)
    raw = str(form.get("value", "")).replace(",", ".").replace("\u2212", "-").strip()
    try:
        value: float | str = float(raw)
    except ValueError:
        value = raw
    try:
        await run_in_threadpool(workshops(request).answer, code, question_id, tok, value)
    except Invalid as exc:
        return message_page(request, lang, 422, exc.key, **exc.fmt)
    return RedirectResponse(f"/{lang}/w/{code}?saved={question_id}#q-{question_id}",
                            status_code=303)


@pages.post("/{lang}/w/{code}/ideas")
async def participant_idea(request: Request, lang: str, code: str):
    require_lang(lang)
    form = await read_form(request)
    check_csrf(request, form)
    code = normalise_code(code)
    tok = _token(request, code)
    limit(request, "post")
    limit(request, "idea", tok)
    try:
        await run_in_threadpool(workshops(request).add_idea, code, tok, str(form.get("text", "")))
    except Invalid as exc:
        return message_page(request, lang, 422, exc.key, **exc.fmt)
    return RedirectResponse(f"/{lang}/w/{code}?sent=1#ideas", status_code=303)


@pages.post("/{lang}/w/{code}/ideas/{idea_id}/vote")
async def participant_vote(request: Request, lang: str, code: str, idea_id: Id):
    require_lang(lang)
    form = await read_form(request)
    check_csrf(request, form)
    code = normalise_code(code)
    tok = _token(request, code)
    limit(request, "post")
    limit(request, "vote", tok)
    await run_in_threadpool(workshops(request).vote, code, idea_id, tok)
    return RedirectResponse(f"/{lang}/w/{code}#idea-{idea_id}", status_code=303)


# --- facilitator pages ---------------------------------------------------------------------------
def _host_key(request: Request, code: str) -> str | None:
    return request.cookies.get(host_cookie(code))


def _is_host(request: Request, code: str) -> bool:
    try:
        workshops(request).authorise(code, _host_key(request, code))
        return True
    except Forbidden:
        return False


@pages.get("/{lang}/w/{code}/host", response_class=HTMLResponse)
def host_page(request: Request, lang: str, code: str):
    require_lang(lang)
    ws = workshops(request)
    info = ws.info(code)
    if info["code"] != code:
        return RedirectResponse(f"/{lang}/w/{info['code']}/host", status_code=308)
    reg = request.app.state.services.region(info["region"])
    if not _is_host(request, code):
        return render(request, "ws_host_key.html", lang, texts.t("host.key_title", lang),
                       info=info, reg=reg, key_error=request.query_params.get("bad") == "1")
    key = _host_key(request, code)
    res = ws.results(code, top=10)
    beats = story_beats(request, info["region"], lang)
    beat = next((b for b in beats if b["id"] == info["current"]), None)
    join_url = f"{public_base(request)}/w/{info['code']}"
    pic = None
    if info["current"] == SCENARIO_STEP:
        try:
            pic = picture(request, info["region"], res["scenario"], lang)
        except Exception:
            log.exception("picture failed for %s", info["code"])
    return render(request, "ws_host.html", lang,
                   texts.t("host.title", lang, name=reg.name), info=info, reg=reg, res=res,
                   beat=beat, beats=beats, join_url=join_url,
                   qr=qr_svg(join_url, texts.t("join.qr_alt", lang, code=info["code"])),
                   facilitator_url=f"{public_base(request)}/{lang}/w/{info['code']}/host#key="
                                   f"{key}",
                   new=request.query_params.get("new") == "1", picture=pic,
                   all_ideas=ws.all_ideas(code, key), has_pdf=has_pdf(),
                   scenario_step=SCENARIO_STEP)


@pages.post("/{lang}/w/{code}/host/key")
async def host_login(request: Request, lang: str, code: str):
    require_lang(lang)
    form = await read_form(request)
    check_csrf(request, form)
    limit(request, "join")
    code = normalise_code(code)
    key = str(form.get("key", "")).strip()[:100]
    try:
        await run_in_threadpool(workshops(request).authorise, code, key)
    except Forbidden:
        return RedirectResponse(f"/{lang}/w/{code}/host?bad=1", status_code=303)
    resp = RedirectResponse(f"/{lang}/w/{code}/host", status_code=303)
    _set_host_cookie(resp, code, key)
    return resp


@pages.post("/{lang}/w/{code}/host/action")
async def host_action(request: Request, lang: str, code: str):
    require_lang(lang)
    form = await read_form(request)
    check_csrf(request, form)
    code = normalise_code(code)
    key = _host_key(request, code)
    ws = workshops(request)
    action = str(form.get("action", ""))
    target = f"/{lang}/w/{code}/host"

    def run():
        if action == "advance":
            ws.advance(code, key)
        elif action == "back":
            ws.advance(code, key, max(0, ws.info(code)["step"] - 1))
        elif action == "goto":
            ws.advance(code, key, form_int(form, "to"))
        elif action == "close":
            ws.close(code, key)
        elif action == "reopen":
            ws.reopen(code, key)
        elif action in ("open_q", "close_q"):
            ws.edit_question(code, key, form_int(form, "question"), is_open=action == "open_q")
        elif action in ("hide", "show"):
            ws.set_hidden(code, key, form_int(form, "idea"), action == "hide")
        elif action == "delete":
            ws.delete(code, key)
            return f"/{lang}/workshop?deleted=1"
        elif action == "forget":
            return f"/{lang}/workshop"
        else:
            raise Invalid("error.action", "action")
        return None

    try:
        goto = await run_in_threadpool(run)
    except ValueError:
        raise Invalid("error.action", "action") from None
    resp = RedirectResponse(goto or target, status_code=303)
    if goto:
        resp.delete_cookie(host_cookie(code), path="/")
    return resp


@pages.get("/{lang}/w/{code}/host/questions", response_class=HTMLResponse)
def host_questions(request: Request, lang: str, code: str):
    require_lang(lang)
    ws = workshops(request)
    info = ws.info(code)
    if not _is_host(request, code):
        return RedirectResponse(f"/{lang}/w/{info['code']}/host", status_code=303)
    reg = request.app.state.services.region(info["region"])
    used = {q["lever"] for q in info["questions"] if q["kind"] == "lever"}
    from .service import POLICY_LEVERS

    return render(request, "ws_questions.html", lang, texts.t("edit.title", lang), info=info,
                   reg=reg, levers=[lv for lv in POLICY_LEVERS if lv not in used],
                   error=request.query_params.get("error"))


@pages.post("/{lang}/w/{code}/host/questions")
async def host_questions_post(request: Request, lang: str, code: str):
    require_lang(lang)
    form = await read_form(request)
    check_csrf(request, form)
    code = normalise_code(code)
    key = _host_key(request, code)
    ws = workshops(request)
    action = str(form.get("action", ""))
    qid = form_int(form, "question") if form.get("question") else None

    def run():
        if action == "add":
            info = ws.info(code)
            kind = str(form.get("kind", "statement"))
            ws.add_question(code, key, kind, str(form.get("text", "")),
                            str(form.get("lever", "")) or None, str(form.get("step", "")) or None,
                            region_population(request, info["region"]))
        elif action == "save":
            ws.edit_question(code, key, qid, text=str(form.get("text", "")),
                             step=str(form.get("step", "")) or None)
        elif action == "remove":
            ws.remove_question(code, key, qid)
        elif action in ("up", "down"):
            ws.move(code, key, qid, -1 if action == "up" else 1)
        else:
            raise Invalid("error.action", "action")

    try:
        await run_in_threadpool(run)
    except Invalid as exc:
        return RedirectResponse(f"/{lang}/w/{code}/host/questions?error={exc.key[6:]}",
                                status_code=303)
    except (TypeError, ValueError):
        raise Invalid("error.action", "action") from None
    anchor = f"#q-{qid}" if qid and action in ("up", "down", "save") else ""
    return RedirectResponse(f"/{lang}/w/{code}/host/questions{anchor}", status_code=303)


@pages.get("/{lang}/w/{code}/export.csv")
def host_export_csv(request: Request, lang: str, code: str):
    require_lang(lang)
    return csv_response(request, code, _host_key(request, normalise_code(code)))


@pages.get("/{lang}/w/{code}/summary")
def host_summary(request: Request, lang: str, code: str, format: str = "html"):
    require_lang(lang)
    return summary_response(request, code, _host_key(request, normalise_code(code)), format,
                             lang)

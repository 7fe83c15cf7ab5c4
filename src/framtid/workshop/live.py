"""Live results by Server-Sent Events: one poller per workshop and process, fanned out to
every stream (the room's screen and the phones)."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from .service import (
    WorkshopError,
    WorkshopService,
)

log = logging.getLogger("framtid.workshop")
SSE_INTERVAL = float(os.environ.get("FRAMTID_WORKSHOP_SSE_INTERVAL", "1.0"))
SSE_MAX_SECONDS = 1800          # a stream ends after 30 min; EventSource reconnects by itself


# --- live: one poller per workshop and process, fanned out to every stream -----------------------
class Room:
    def __init__(self):
        self.subscribers = 0
        self.fp: tuple | None = None
        self.data: dict | None = None
        self.version = 0
        self.changed = asyncio.Event()
        self.task: asyncio.Task | None = None

    def bump(self, data: dict) -> None:
        self.data = data
        self.version += 1
        ev, self.changed = self.changed, asyncio.Event()
        ev.set()


class Hub:
    """Polls the database once a second per live workshop (whatever the number of screens and
    phones watching) and wakes every stream when something changed. Works across processes:
    each process polls the shared database."""

    def __init__(self, ws: WorkshopService, services, interval: float = SSE_INTERVAL):
        self.ws, self.services, self.interval = ws, services, interval
        self.rooms: dict[str, Room] = {}

    def room(self, code: str) -> Room:
        room = self.rooms.get(code)
        if room is None:
            room = self.rooms[code] = Room()
        if room.task is None or room.task.done():
            room.task = asyncio.get_running_loop().create_task(self._poll(code, room))
        return room

    def _payload(self, code: str) -> dict:
        return self.ws.results(code, top=10)

    async def _poll(self, code: str, room: Room) -> None:
        try:
            while room.subscribers > 0 or room.data is None:
                try:
                    fp = await run_in_threadpool(self.ws.fingerprint, code)
                    if fp != room.fp:
                        room.fp = fp
                        room.bump(await run_in_threadpool(self._payload, code))
                except WorkshopError as exc:
                    room.bump({"gone": exc.key.removeprefix("error."), "status": exc.status})
                    break
                except Exception:  # pragma: no cover - a database hiccup: try again
                    log.exception("live poll failed for %s", code)
                await asyncio.sleep(self.interval)
        finally:
            if self.rooms.get(code) is room and room.subscribers <= 0:
                self.rooms.pop(code, None)


def sse_response(request: Request, hub: Hub, code: str):
    from fastapi.responses import StreamingResponse

    async def stream():
        room = hub.room(code)
        room.subscribers += 1
        started = time.monotonic()
        last = 0
        try:
            yield f"retry: 3000\n: live {code}\n\n"
            while time.monotonic() - started < SSE_MAX_SECONDS:
                if room.version != last and room.data is not None:
                    last = room.version
                    data = json.dumps(room.data, separators=(",", ":"))
                    yield f"event: results\nid: {last}\ndata: {data}\n\n"
                    if "gone" in room.data:
                        return
                ev = room.changed
                try:
                    await asyncio.wait_for(ev.wait(), timeout=15)
                except TimeoutError:
                    yield ": keep-alive\n\n"
                if await request.is_disconnected():
                    return
                if room.task is None or room.task.done():
                    room = hub.room(code)
        finally:
            room.subscribers -= 1

    return StreamingResponse(stream(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})

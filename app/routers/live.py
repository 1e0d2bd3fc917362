"""The live interview WebSocket. All the work happens in app.live.session."""

from __future__ import annotations

from fastapi import APIRouter, WebSocket

from app.deps import _current_user
from app.live.session import LiveInterview

router = APIRouter()


@router.websocket("/api/v1/interviews/{interview_id}/ws")
async def live_interview(websocket: WebSocket, interview_id: str) -> None:
    state = websocket.app.state
    user = _current_user()
    await LiveInterview(
        websocket=websocket,
        interview_id=interview_id,
        owner_id=user.id,
        settings=state.settings,
        speech=state.speech,
        content=state.content,
        sessionmaker=state.sessionmaker,
    ).run()

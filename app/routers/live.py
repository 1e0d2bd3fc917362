"""The live interview WebSocket. All the work happens in app.live.session.

The handshake went through app.security.RequestGuard (Origin) and app.auth.middleware
(session); here it is turned away without a user, and another user's interview is
`not_found` like a missing one.
"""

from __future__ import annotations

from fastapi import APIRouter, WebSocket

from app.auth.cookies import SESSION_COOKIE
from app.deps import connection_user
from app.live.session import LiveInterview

router = APIRouter()

UNAUTHORIZED_CLOSE = 4401


@router.websocket("/api/v1/interviews/{interview_id}/ws")
async def live_interview(websocket: WebSocket, interview_id: str) -> None:
    state = websocket.app.state
    user = connection_user(websocket)
    if user is None:
        await websocket.accept()
        await websocket.send_json(
            {"type": "error", "code": "unauthorized", "message": "Sign in first."}
        )
        await websocket.close(code=UNAUTHORIZED_CLOSE)
        return
    await LiveInterview(
        websocket=websocket,
        interview_id=interview_id,
        owner_id=user.id,
        settings=state.settings,
        speech=state.speech,
        content=state.content,
        sessionmaker=state.sessionmaker,
        sign_in_token=websocket.cookies.get(SESSION_COOKIE)
        if state.settings.auth == "accounts"
        else None,
    ).run()

"""Exporting an interview as Markdown or JSON (`viva export` and the review downloads)."""

from __future__ import annotations

import json
from typing import Any

from app.db.engine import make_engine, make_sessionmaker
from app.db.models import Interview
from app.db.repositories import InterviewRepository
from app.settings import Settings


async def export_interview(
    settings: Settings, interview_id: str, fmt: str, owner_id: str | None = None
) -> str | None:
    engine = make_engine(settings.sqlalchemy_url)
    try:
        async with make_sessionmaker(engine)() as db:
            interview = await InterviewRepository(db).get_with_turns(
                interview_id, owner_id=owner_id
            )
            if interview is None:
                return None
            data = interview_dict(interview)
    finally:
        await engine.dispose()
    return json.dumps(data, indent=2, ensure_ascii=False) if fmt == "json" else to_markdown(data)


def interview_dict(interview: Interview) -> dict[str, Any]:
    return {
        "id": interview.id,
        "role": interview.role,
        "round": interview.round,
        "status": interview.status,
        "created_at": interview.created_at.isoformat(),
        "finished_at": interview.finished_at.isoformat() if interview.finished_at else None,
        "questions": interview.plan.get("questions", []),
        "turns": [
            {
                "seq": t.seq,
                "speaker": t.speaker,
                "kind": t.kind,
                "text": t.text,
                "question_id": t.question_id,
                "partial": t.partial,
                "words": t.words,
                "score": t.score,
            }
            for t in interview.turns
        ],
    }


def to_markdown(data: dict[str, Any]) -> str:
    lines = [
        f"# Interview: {data['role']} ({data['round']})",
        "",
        f"{data['created_at'][:16].replace('T', ' ')} UTC · status {data['status']}",
        "",
    ]
    for turn in data["turns"]:
        if turn["speaker"] == "interviewer":
            if turn["kind"] in ("question", "followup"):
                lines += [f"## {turn['text']}", ""]
            continue
        note = " *(cut short)*" if turn["partial"] else ""
        lines += [f"> {turn['text'] or '(no words heard)'}{note}", ""]
        score = turn.get("score")
        if score:
            lines.append(f"**Score {score.get('overall')}/100**")
            lines.append("")
            for criterion in score.get("criteria", []):
                mark = "x" if criterion.get("met") else " "
                lines.append(f"- [{mark}] {criterion.get('label')}")
            suggestions = score.get("suggestions") or []
            if suggestions:
                lines += ["", "Suggestions:"]
                lines += [f"- {_suggestion_text(s)}" for s in suggestions]
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _suggestion_text(suggestion: Any) -> str:
    if isinstance(suggestion, dict):
        return str(suggestion.get("text") or suggestion.get("message") or suggestion)
    return str(suggestion)

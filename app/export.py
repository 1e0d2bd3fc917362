"""Exporting an interview as Markdown or JSON (`viva export` and the review downloads).

Exports read only what is stored: the transcripts, word timings and the scores as they were
computed when each answer ended, with the rubric version that produced them."""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from app.db.engine import open_sessionmaker
from app.db.models import Interview, as_utc
from app.db.repositories import InterviewRepository
from app.settings import Settings

ExportFormat = Literal["md", "json"]
EXPORT_VERSION = 1  # bump when the JSON shape changes incompatibly
MEDIA_TYPES: dict[str, str] = {
    "md": "text/markdown; charset=utf-8",
    "json": "application/json",
}


async def export_interview(
    settings: Settings, interview_id: str, fmt: str, owner_id: str | None = None
) -> str | None:
    async with open_sessionmaker(settings.sqlalchemy_url) as sessionmaker, sessionmaker() as db:
        return await render_export(db, interview_id, fmt, owner_id=owner_id)


async def render_export(
    db: AsyncSession, interview_id: str, fmt: str, *, owner_id: str | None
) -> str | None:
    """The export text of one interview, or None when there is no such interview."""
    interview = await InterviewRepository(db).get_with_turns(interview_id, owner_id=owner_id)
    if interview is None:
        return None
    return render(interview_dict(interview), fmt)


def render(data: dict[str, Any], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    return to_markdown(data)


def export_filename(data: dict[str, Any], fmt: str) -> str:
    """viva-backend-engineer-2026-11-23-q3G5k0bX.md: sorts by date, says what it is."""
    role = re.sub(r"[^a-z0-9-]+", "-", str(data.get("role", "interview")).lower()).strip("-")
    short_id = re.sub(r"[^A-Za-z0-9]", "", data["id"])[:8]
    return f"viva-{role or 'interview'}-{data['created_at'][:10]}-{short_id}.{fmt}"


def interview_dict(interview: Interview) -> dict[str, Any]:
    return {
        "export_version": EXPORT_VERSION,
        "id": interview.id,
        "role": interview.role,
        "round": interview.round,
        "status": interview.status,
        "created_at": _iso(interview.created_at),
        "finished_at": _iso(interview.finished_at),
        "questions": interview.plan.get("questions", []),
        "turns": [
            {
                "id": t.id,
                "seq": t.seq,
                "speaker": t.speaker,
                "kind": t.kind,
                "text": t.text,
                "question_id": t.question_id,
                "partial": t.partial,
                "started_at": _iso(t.started_at),
                "ended_at": _iso(t.ended_at),
                "words": t.words,
                "has_audio": t.audio is not None,
                "rubric_id": t.rubric_id,
                "rubric_version": t.rubric_version,
                "score": t.score,
            }
            for t in interview.turns
        ],
    }


def to_markdown(data: dict[str, Any]) -> str:
    answers = [t for t in data["turns"] if t["speaker"] == "candidate"]
    overalls = [t["score"]["overall"] for t in answers if _overall(t) is not None]
    lines = [
        f"# Interview: {data['role']} ({data['round']})",
        "",
        f"{data['created_at'][:16].replace('T', ' ')} UTC · status {data['status']} · "
        f"{len(answers)} answer{'' if len(answers) == 1 else 's'}",
    ]
    if overalls:
        lines.append(f"Overall: **{round(sum(overalls) / len(overalls))}/100**")
    lines.append("")
    for turn in data["turns"]:
        if turn["speaker"] == "interviewer":
            if turn["kind"] in ("question", "followup"):
                label = "Follow-up: " if turn["kind"] == "followup" else ""
                lines += [f"## {label}{turn['text']}", ""]
            continue
        lines += _answer_markdown(turn)
    return "\n".join(lines).rstrip() + "\n"


def _answer_markdown(turn: dict[str, Any]) -> list[str]:
    note = " *(cut short)*" if turn["partial"] else ""
    lines = [f"> {_one_line(turn['text']) or '(no words heard)'}{note}", ""]
    score = turn.get("score")
    if not score:
        return [*lines, "Not scored.", ""]
    version = score.get("rubric_version", turn.get("rubric_version"))
    rubric = f" (rubric {score.get('rubric_id')} v{version})" if score.get("rubric_id") else ""
    lines += [f"**Score {score.get('overall')}/100**{rubric}", ""]
    if score.get("explanation"):
        lines += [str(score["explanation"]), ""]
    criteria = score.get("criteria") or []
    if criteria:
        lines += ["Rubric:", ""]
        for criterion in criteria:
            mark = "x" if criterion.get("met") else " "
            lines.append(f"- [{mark}] {criterion.get('label')}")
            for span in criterion.get("evidence") or []:
                quoted = span.get("text") if isinstance(span, dict) else span
                lines.append(f"  - “{quoted}”")
        lines.append("")
    star = score.get("star")
    if star:
        parts = " · ".join(f"{part.title()} {'✓' if met else '✗'}" for part, met in star.items())
        lines += [f"STAR: {parts}", ""]
    delivery = _delivery_line(score.get("delivery"))
    if delivery:
        lines += [f"Delivery: {delivery}", ""]
    suggestions = score.get("suggestions") or []
    if suggestions:
        lines += ["Suggestions:", ""]
        lines += [f"- {_suggestion_text(s)}" for s in suggestions]
        lines.append("")
    rebuilt = _rebuilt_text(score.get("rebuilt"))
    if rebuilt:
        lines += ["A stronger version:", ""]
        lines += [f"    {line}" for line in rebuilt.splitlines()]
        lines.append("")
    return lines


def _iso(moment: datetime | None) -> str | None:
    return as_utc(moment).isoformat() if moment is not None else None


def _delivery_line(delivery: Any) -> str:
    if not isinstance(delivery, dict):
        return ""
    parts = []
    if delivery.get("duration_seconds") is not None:
        parts.append(f"{round(delivery['duration_seconds'])} s")
    if delivery.get("words_per_minute") is not None:
        pace = f" ({delivery['pace']})" if delivery.get("pace") else ""
        parts.append(f"{round(delivery['words_per_minute'])} words/min{pace}")
    fillers = delivery.get("fillers")
    if isinstance(fillers, dict) and fillers.get("per_minute") is not None:
        parts.append(f"{fillers['per_minute']} fillers/min")
    pauses = delivery.get("long_pauses")
    if isinstance(pauses, list) and pauses:
        parts.append(f"{len(pauses)} long pause{'' if len(pauses) == 1 else 's'}")
    return " · ".join(parts)


def _rebuilt_text(rebuilt: Any) -> str:
    if isinstance(rebuilt, dict):
        return str(rebuilt.get("text") or "")
    return str(rebuilt or "")


def _overall(turn: dict[str, Any]) -> Any:
    score = turn.get("score")
    return score.get("overall") if isinstance(score, dict) else None


def _one_line(text: str) -> str:
    return " ".join(str(text or "").split())


def _suggestion_text(suggestion: Any) -> str:
    if isinstance(suggestion, dict):
        return str(suggestion.get("text") or suggestion.get("message") or suggestion)
    return str(suggestion)

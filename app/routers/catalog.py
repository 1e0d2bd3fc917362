"""Roles and questions: what the setup page offers."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, status

from app.deps import ContentDep
from app.schemas import QuestionOut, RoleOut

router = APIRouter(prefix="/api/v1", tags=["catalog"])


@router.get("/roles", response_model=list[RoleOut])
async def roles(content: ContentDep) -> list[RoleOut]:
    return [
        RoleOut(id=r.id, title=r.title, description=r.description, question_count=r.question_count)
        for r in content.bank.roles()
    ]


@router.get("/questions", response_model=list[QuestionOut])
async def questions(content: ContentDep, role: str | None = None) -> list[QuestionOut]:
    if role is not None and role not in {r.id for r in content.bank.roles()}:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"unknown role {role!r}")
    return [
        QuestionOut(
            id=q.id,
            text=q.text,
            type=q.type,
            role=q.role,
            difficulty=q.difficulty,
            tags=list(q.tags),
            rubric=q.rubric,
            guidance=q.guidance,
        )
        for q in content.bank.questions(role)
    ]

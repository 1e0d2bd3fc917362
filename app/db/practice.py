"""Tables and SQL of 7-day practice plans. Imported by migrations/env.py for autogenerate."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, Select, String, Text, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column, relationship, selectinload

from app.db.models import Base, new_id, utcnow


class PracticePlan(Base):
    __tablename__ = "practice_plans"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    owner_id: Mapped[str | None] = mapped_column(String(32), index=True)
    role: Mapped[str] = mapped_column(String(64))
    seed: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    days: Mapped[list[PracticePlanDay]] = relationship(
        back_populates="plan",
        order_by="PracticePlanDay.day",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )


class PracticePlanDay(Base):
    __tablename__ = "practice_days"

    plan_id: Mapped[str] = mapped_column(
        ForeignKey("practice_plans.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[int] = mapped_column(Integer, primary_key=True)  # 1..7
    focus: Mapped[str] = mapped_column(String(200))
    note: Mapped[str] = mapped_column(Text, default="")
    question_ids: Mapped[list[Any]] = mapped_column(JSON)
    timed: Mapped[bool] = mapped_column(Boolean, default=False)
    # Set when the candidate ticks the day off; a day whose drills were all answered since the
    # plan began counts as done without it.
    marked_done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    plan: Mapped[PracticePlan] = relationship(back_populates="days")


class PracticePlanRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def create(
        self, *, owner_id: str | None, role: str, seed: int, days: Sequence[dict[str, Any]]
    ) -> PracticePlan:
        """`days`: one mapping per day with day, focus, note, question_ids and timed."""
        plan = PracticePlan(owner_id=owner_id, role=role, seed=seed)
        plan.days = [PracticePlanDay(**day) for day in days]
        self.session.add(plan)
        await self.session.flush()
        return plan

    async def get(self, plan_id: str, *, owner_id: str | None) -> PracticePlan | None:
        stmt = self._select(owner_id).where(PracticePlan.id == plan_id)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def current(self, *, owner_id: str | None) -> PracticePlan | None:
        """The newest plan: making a new plan replaces the week in progress."""
        stmt = (
            self._select(owner_id)
            .order_by(PracticePlan.created_at.desc(), PracticePlan.id)
            .limit(1)
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def mark_day(self, day: PracticePlanDay, *, done: bool) -> None:
        day.marked_done_at = utcnow() if done else None
        await self.session.flush()

    def _select(self, owner_id: str | None) -> Select[PracticePlan]:
        owner = (
            PracticePlan.owner_id.is_(None)
            if owner_id is None
            else PracticePlan.owner_id == owner_id
        )
        return select(PracticePlan).where(owner).options(selectinload(PracticePlan.days))

"""Question banks: one YAML file per role, validated on load.

A bank file names its role, may include other banks (a role draws its behavioral questions
from `general`), lists its questions and, optionally, the themes of a 7-day practice plan.
Every problem is reported as `<file>: question '<id>': field '<field>': <problem>`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn, get_args

import yaml

from interviewer.questions import Question, QuestionType

BANKS_DIR = Path(__file__).parent / "banks"
SKILLS_FILE = "skills.yaml"  # the tailoring vocabulary lives beside the banks but is not one
QUESTION_TYPES: tuple[str, ...] = get_args(QuestionType)

_ID = re.compile(r"^[a-z0-9]+(?:[.-][a-z0-9]+)*$")
_BANK_KEYS = {"role", "title", "description", "includes", "questions", "practice_plan"}
_QUESTION_KEYS = {
    "id",
    "text",
    "type",
    "difficulty",
    "tags",
    "rubric",
    "followups",
    "key_terms",
    "guidance",
    "sample_answer",
    "why_asked",  # kept in Question.extra["why_asked"]
}
_THEME_KEYS = {"focus", "note", "tags", "types", "timed"}


class BankError(Exception):
    """A bank file is missing, unreadable or invalid; the message names file, item and field."""


class UnknownRole(LookupError):
    def __init__(self, role: str, known: Iterable[str]) -> None:
        super().__init__(f"unknown role {role!r}; known roles: {', '.join(sorted(known))}")
        self.role = role


class UnknownQuestion(KeyError):
    def __init__(self, question_id: str) -> None:
        super().__init__(question_id)
        self.question_id = question_id

    def __str__(self) -> str:
        return f"unknown question {self.question_id!r}"


@dataclass(frozen=True)
class Role:
    id: str
    title: str
    description: str
    question_count: int  # own questions plus those of included banks


@dataclass(frozen=True)
class PracticeTheme:
    """One day's focus in a practice plan; drills are drawn by tag and/or type.

    A `timed` theme is a mock round rather than drills; it closes the week.
    """

    focus: str
    note: str = ""
    tags: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    timed: bool = False

    def fits(self, question: Question) -> bool:
        by_tag = bool(self.tags) and bool(set(self.tags) & set(question.tags))
        by_type = bool(self.types) and question.type in self.types
        if self.tags and self.types:
            return by_tag and by_type
        return by_tag or by_type


@dataclass(frozen=True)
class RoleBank:
    """The content of one bank file."""

    role: str
    title: str
    description: str
    includes: tuple[str, ...]
    questions: tuple[Question, ...]
    practice_plan: tuple[PracticeTheme, ...] = ()
    source: str = "<memory>"  # file name, for error messages


class QuestionBank:
    """All loaded banks; questions are looked up by role or by id."""

    def __init__(self, banks: Iterable[RoleBank]) -> None:
        self._banks: dict[str, RoleBank] = {}
        self._by_id: dict[str, Question] = {}
        seen_in: dict[str, str] = {}
        for bank in banks:
            if bank.role in self._banks:
                raise BankError(
                    f"{bank.source}: field 'role': role {bank.role!r} is already defined "
                    f"in {self._banks[bank.role].source}"
                )
            self._banks[bank.role] = bank
            for question in bank.questions:
                if question.id in seen_in:
                    raise BankError(
                        f"{bank.source}: question {question.id!r}: field 'id': "
                        f"duplicate id, already defined in {seen_in[question.id]}"
                    )
                seen_in[question.id] = bank.source
                self._by_id[question.id] = question
        for bank in self._banks.values():
            for included in bank.includes:
                if included not in self._banks:
                    raise BankError(
                        f"{bank.source}: field 'includes': no bank for role {included!r}"
                    )

    def roles(self) -> list[Role]:
        return [
            Role(bank.role, bank.title, bank.description, len(self.questions(bank.role)))
            for bank in self._banks.values()
        ]

    def has_role(self, role: str) -> bool:
        return role in self._banks

    def role(self, role: str) -> Role:
        bank = self._bank(role)
        return Role(bank.role, bank.title, bank.description, len(self.questions(role)))

    def questions(self, role: str | None = None) -> list[Question]:
        """A role's own questions followed by those of the banks it includes (transitively)."""
        if role is None:
            return list(self._by_id.values())
        return [q for bank in self._closure(role) for q in bank.questions]

    def get(self, question_id: str) -> Question:
        try:
            return self._by_id[question_id]
        except KeyError:
            raise UnknownQuestion(question_id) from None

    def practice_themes(self, role: str) -> tuple[PracticeTheme, ...]:
        """The role's own practice themes, else those of the first included bank that has some."""
        for bank in self._closure(role):
            if bank.practice_plan:
                return bank.practice_plan
        return ()

    def _bank(self, role: str) -> RoleBank:
        try:
            return self._banks[role]
        except KeyError:
            raise UnknownRole(role, self._banks) from None

    def _closure(self, role: str) -> list[RoleBank]:
        ordered: dict[str, RoleBank] = {}
        pending = [role]
        while pending:
            bank = self._bank(pending.pop(0))
            if bank.role not in ordered:
                ordered[bank.role] = bank
                pending.extend(bank.includes)
        return list(ordered.values())


def load_banks(directory: Path | None = None) -> QuestionBank:
    """Load every `<role>.yaml` in `directory` (default: the packaged banks)."""
    folder = directory or BANKS_DIR
    if not folder.is_dir():
        raise BankError(f"{folder}: not a directory of question banks")
    files = sorted(p for p in folder.glob("*.yaml") if p.name != SKILLS_FILE)
    if not files:
        raise BankError(f"{folder}: no question bank files (*.yaml)")
    return QuestionBank(parse_bank(path.name, path.read_text(encoding="utf-8")) for path in files)


def parse_bank(file_name: str, text: str) -> RoleBank:
    """Validate one bank file's YAML text; `file_name` is used for the role and for errors."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise BankError(f"{file_name}: not valid YAML: {error}") from None
    if not isinstance(data, Mapping):
        raise BankError(f"{file_name}: must be a mapping with role, title and questions")
    top = Fields(data, file_name)
    top.reject_unknown(_BANK_KEYS)
    role = top.text("role")
    expected = Path(file_name).stem
    if role != expected:
        top.fail("role", f"must match the file name ({expected!r}), got {role!r}")
    raw_questions = data.get("questions")
    if not isinstance(raw_questions, list) or not raw_questions:
        top.fail("questions", "must be a non-empty list of questions")
    questions = [_parse_question(file_name, role, n, item) for n, item in enumerate(raw_questions)]
    raw_themes = data.get("practice_plan") or []
    if not isinstance(raw_themes, list):
        top.fail("practice_plan", "must be a list of themes")
    themes = tuple(_parse_theme(file_name, n, item) for n, item in enumerate(raw_themes))
    return RoleBank(
        role=role,
        title=top.text("title"),
        description=top.text("description", required=False),
        includes=top.strings("includes"),
        questions=tuple(questions),
        practice_plan=themes,
        source=file_name,
    )


def _parse_question(file_name: str, role: str, index: int, item: object) -> Question:
    if not isinstance(item, Mapping):
        raise BankError(f"{file_name}: question #{index + 1}: must be a mapping")
    raw_id = item.get("id")
    label = repr(raw_id) if isinstance(raw_id, str) and raw_id else f"#{index + 1}"
    fields = Fields(item, f"{file_name}: question {label}")
    fields.reject_unknown(_QUESTION_KEYS)
    question_id = fields.text("id")
    if not _ID.match(question_id):
        fields.fail("id", "lowercase words joined by dots or dashes, like backend.rate-limiter")
    text = fields.text("text")
    if text.count("?") > 1:
        fields.fail("text", "ask exactly one question (it is spoken aloud); found several '?'")
    why_asked = fields.text("why_asked", required=False)
    return Question(
        id=question_id,
        text=" ".join(text.split()),
        type=fields.choice("type", QUESTION_TYPES),  # type: ignore[arg-type]
        role=role,
        rubric=fields.text("rubric"),
        difficulty=fields.integer("difficulty", default=2, low=1, high=3),
        tags=fields.strings("tags"),
        followups=fields.strings("followups"),
        key_terms=fields.strings("key_terms"),
        guidance=fields.text("guidance", required=False),
        sample_answer=fields.text("sample_answer", required=False),
        extra={"why_asked": why_asked} if why_asked else {},
    )


def _parse_theme(file_name: str, index: int, item: object) -> PracticeTheme:
    if not isinstance(item, Mapping):
        raise BankError(f"{file_name}: practice_plan #{index + 1}: must be a mapping")
    fields = Fields(item, f"{file_name}: practice_plan #{index + 1}")
    fields.reject_unknown(_THEME_KEYS)
    types = fields.strings("types")
    for kind in types:
        if kind not in QUESTION_TYPES:
            fields.fail("types", f"must be among {', '.join(QUESTION_TYPES)}, got {kind!r}")
    timed = item.get("timed", False)
    if not isinstance(timed, bool):
        fields.fail("timed", "must be true or false")
    theme = PracticeTheme(
        focus=fields.text("focus"),
        note=fields.text("note", required=False),
        tags=fields.strings("tags"),
        types=types,
        timed=timed,
    )
    if not theme.tags and not theme.types and not theme.timed:
        fields.fail("tags", "a theme needs tags or types to choose its drills")
    return theme


class Fields:
    """Typed reads from one YAML mapping, failing with the location and field name."""

    def __init__(self, data: Mapping[str, Any], where: str) -> None:
        self.data = data
        self.where = where

    def fail(self, field: str, problem: str) -> NoReturn:
        raise BankError(f"{self.where}: field {field!r}: {problem}")

    def reject_unknown(self, allowed: set[str]) -> None:
        for key in self.data:
            if key not in allowed:
                self.fail(str(key), f"unknown field; allowed: {', '.join(sorted(allowed))}")

    def text(self, field: str, *, required: bool = True) -> str:
        value = self.data.get(field)
        if value is None and not required:
            return ""
        if not isinstance(value, str) or not value.strip():
            self.fail(field, "must be a non-empty string")
        return value.strip()

    def strings(self, field: str) -> tuple[str, ...]:
        value = self.data.get(field)
        if value is None:
            return ()
        if not isinstance(value, list):
            self.fail(field, "must be a list of non-empty strings")
        for position, item in enumerate(value, start=1):
            if not isinstance(item, str) or not item.strip():
                self.fail(field, f"item {position} ({item!r}) must be a non-empty string; quote it")
        return tuple(v.strip() for v in value)

    def integer(self, field: str, *, default: int, low: int, high: int) -> int:
        value = self.data.get(field, default)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.fail(field, f"must be a whole number from {low} to {high}")
        return value

    def choice(self, field: str, options: tuple[str, ...]) -> str:
        value = self.data.get(field)
        if value not in options:
            self.fail(field, f"must be one of {', '.join(options)}")
        return str(value)

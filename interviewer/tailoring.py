"""Tailoring an interview to a job posting (and optionally a résumé), as plain text analysis.

Terms come from a known-skill vocabulary (`banks/skills.yaml`, which maps each skill to the
question tags it bears on) plus technology-shaped tokens the vocabulary does not know
(GraphQL, DynamoDB, S3, Node.js). A question matches a term directly through its key terms or
tags, and loosely through a shared tag; matching questions come first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Literal

import yaml

from interviewer.bank import BANKS_DIR, SKILLS_FILE, BankError, Fields
from interviewer.questions import Question

TermSource = Literal["posting", "resume", "both"]

MOTIVATION_RUBRIC = "motivation"  # the "why this role" question, personalised from the posting
# Scores: a direct match counts the term's full weight, a shared tag half of it; the
# personalised motivation question ranks like a single plain match.
_RELATED = 0.5
_MOTIVATION_SCORE = 1.0
_MAX_NAMED = 3  # terms named in a reason

_ROLE_NOUN = (
    r"(?:Engineer|Developer|SRE|Scientist|Analyst|Architect|Manager|Designer|Lead|"
    r"Administrator|Specialist|Programmer|Consultant)"
)
_NAME = r"(?P<name>[A-Z0-9][\w&'.-]*(?:[ \t]+(?:[A-Z0-9&][\w&'.-]*|of|and|for)){0,3})"
_COMPANY_PATTERNS = (
    re.compile(r"^[ \t]*(?i:company|employer|organi[sz]ation)[ \t]*:[ \t]*(?P<name>[^\n]+)$", re.M),
    re.compile(
        r"^[ \t]*(?i:about)[ \t]+(?!us\b|the\b|you\b|this\b|our\b)" + _NAME + r"[ \t]*:?[ \t]*$",
        re.M,
    ),
    re.compile(_NAME + r"[ \t]+is[ \t]+(?:hiring|looking[ \t]+for|seeking|searching[ \t]+for)\b"),
    re.compile(r"\b[Aa]t[ \t]+" + _NAME + r",[ \t]*we\b"),
    re.compile(r"\b[Jj]oin[ \t]+(?:us[ \t]+at[ \t]+|the[ \t]+team[ \t]+at[ \t]+)?" + _NAME),
)
_TITLE_LABEL = re.compile(
    r"^[ \t]*(?i:job[ \t]+title|title|position|role)[ \t]*:[ \t]*(?P<title>[^\n]+)$", re.M
)
_TITLE_PHRASE = re.compile(
    r"(?i:looking[ \t]+for|hiring|seeking|searching[ \t]+for|to[ \t]+hire|\bas)[ \t]+"
    r"(?:an?[ \t]+|our[ \t]+(?:next|first)[ \t]+)?(?:[a-z-]+[ \t]+){0,2}?"
    r"(?P<title>(?:[A-Z][\w+#/.-]*[ \t]+){0,5}" + _ROLE_NOUN + r")s?\b"
)
_TITLE_AT = re.compile(r"[ \t]+(?:at|@)[ \t]+")
_TITLE_END = re.compile(_ROLE_NOUN + r"$")
_LEGAL_SUFFIX = re.compile(r",?[ \t]+(?:Inc|LLC|Ltd|GmbH|S\.A|PLC|Co)\.?$")

_CAMEL = re.compile(r"(?<![\w.])[A-Za-z]*[a-z][A-Z][A-Za-z0-9]*(?![\w])")  # GraphQL, gRPC
_ACRONYM = re.compile(r"(?<![\w.])[A-Z]{2,5}(?![\w])")  # AWS, GCP, ETL
_WITH_DIGIT = re.compile(r"(?<![\w.])[A-Z][A-Za-z]*\d[A-Za-z0-9]*(?![\w])")  # S3, EC2, K8s
_DOTTED = re.compile(r"(?<![\w])(?:\.NET|[A-Z][A-Za-z]*\.js)(?![\w])")  # Node.js, .NET
_LISTED = re.compile(  # a capitalised word in a list: "with Terraform, Ansible or Nomad."
    r"(?:(?<=\bwith )|(?<=\busing )|(?<=\blike )|(?<=\bor )|(?<=\band )|(?<=, )|(?<=/)|(?<=\())"
    r"[A-Z][a-z]+[A-Za-z]*(?![\w])"
    r"(?=[ \t]*(?:[,/).;]|\band\b|\bor\b|$))",
    re.M,
)
_NOT_A_COMPANY = frozenset({"we", "our", "you", "us", "the", "this", "join", "about", "a", "an"})


@dataclass(frozen=True)
class Skill:
    term: str
    aliases: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return (self.term, *self.aliases)


@dataclass(frozen=True)
class SkillVocabulary:
    skills: tuple[Skill, ...]
    role_keywords: Mapping[str, tuple[str, ...]]  # bank role id → words in a matching title
    not_technology: frozenset[str] = frozenset()  # lowercase words never taken for a technology


@dataclass(frozen=True)
class Term:
    term: str
    weight: float
    source: TermSource
    tags: tuple[str, ...] = ()  # question tags the term bears on (from the vocabulary)
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class PostingProfile:
    role_title: str | None
    company: str | None
    terms: list[Term] = field(default_factory=list)
    matched_role: str | None = None  # bank role id the posting is for, when recognisable


def load_skills(path: Path | None = None) -> SkillVocabulary:
    """Read a skills vocabulary file (default: the packaged `banks/skills.yaml`)."""
    file = path or BANKS_DIR / SKILLS_FILE
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as error:
        raise BankError(f"{file.name}: cannot read: {error.strerror}") from None
    return parse_skills(file.name, text)


def parse_skills(file_name: str, text: str) -> SkillVocabulary:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise BankError(f"{file_name}: not valid YAML: {error}") from None
    if not isinstance(data, Mapping) or not isinstance(data.get("skills"), list):
        raise BankError(f"{file_name}: field 'skills': must be a list of skills")
    top = Fields(data, file_name)
    top.reject_unknown({"skills", "roles", "not_technology"})
    skills = []
    for index, item in enumerate(data["skills"]):
        if not isinstance(item, Mapping):
            raise BankError(f"{file_name}: skill #{index + 1}: must be a mapping")
        term = item.get("term")
        fields = Fields(item, f"{file_name}: skill {term!r}" if term else f"skill #{index + 1}")
        fields.reject_unknown({"term", "aliases", "tags"})
        skills.append(Skill(fields.text("term"), fields.strings("aliases"), fields.strings("tags")))
    roles = data.get("roles") or {}
    if not isinstance(roles, Mapping):
        top.fail("roles", "must map a role id to a list of title keywords")
    role_fields = Fields(roles, f"{file_name}: roles")
    keywords = {str(role): role_fields.strings(str(role)) for role in roles}
    ignored = frozenset(word.lower() for word in top.strings("not_technology"))
    return SkillVocabulary(tuple(skills), keywords, ignored)


@cache
def default_skills() -> SkillVocabulary:
    return load_skills()


def analyze_posting(
    posting: str, resume: str = "", vocabulary: SkillVocabulary | None = None
) -> PostingProfile:
    """Role title, company and weighted terms of a job posting; a résumé adds its own terms."""
    vocabulary = vocabulary or default_skills()
    role_title, title_company = _role_title(posting)
    company = _company(posting) or title_company
    terms = _known_terms(posting, resume, role_title or "", vocabulary)
    known = {name.lower() for term in terms for name in (term.term, *term.aliases)}
    known |= {name.lower() for skill in vocabulary.skills for name in skill.names}
    excluded = set((company or "").lower().split()) | set((role_title or "").lower().split())
    terms += _unknown_terms(posting, resume, known | excluded | vocabulary.not_technology)
    terms.sort(key=lambda t: -t.weight)  # stable: ties keep posting order
    matched_role = _matched_role(posting, role_title, vocabulary)
    return PostingProfile(role_title, company, terms, matched_role)


def match_score(question: Question, profile: PostingProfile) -> tuple[float, str]:
    """How strongly a question matches the posting, and the reason shown to the candidate."""
    direct = [term for term in profile.terms if _mentions(question, term)]
    related = [
        term for term in profile.terms if term not in direct and set(term.tags) & set(question.tags)
    ]
    score = sum(t.weight for t in direct) + _RELATED * sum(t.weight for t in related)
    if question.rubric == MOTIVATION_RUBRIC and (profile.role_title or profile.company):
        return max(score, _MOTIVATION_SCORE), f"names {_role_phrase(profile)} from the posting"
    if not score:
        return 0.0, ""
    # the reason names direct matches; shared tags only when nothing is named outright
    named = sorted(direct or related, key=lambda t: -t.weight)[:_MAX_NAMED]
    from_posting = [t.term for t in named if t.source != "resume"]
    from_resume = [t.term for t in named if t.source == "resume"]
    parts = []
    if from_posting:
        parts.append(f"{', '.join(from_posting)} in the posting")
    if from_resume:
        parts.append(f"{', '.join(from_resume)} from your résumé")
    return score, "matches " + " and ".join(parts)


def rank_questions(
    questions: Iterable[Question], profile: PostingProfile
) -> list[tuple[Question, str]]:
    """Matching questions first (strongest first), the rest in their original order.

    The reason is empty for a question nothing in the posting or résumé matches.
    """
    scored = [(question, *match_score(question, profile)) for question in questions]
    scored.sort(key=lambda item: -item[1])  # stable
    return [(question, reason) for question, _, reason in scored]


def personalize(question: Question, profile: PostingProfile) -> Question:
    """Name the posting's role and company in the "why this role" question; others unchanged."""
    if question.rubric != MOTIVATION_RUBRIC or not (profile.role_title or profile.company):
        return question
    extra_terms = tuple(t for t in (profile.company,) if t and t not in question.key_terms)
    return replace(
        question,
        text=f"Why are you interested in {_role_phrase(profile)}?",
        key_terms=question.key_terms + extra_terms,
        extra={**question.extra, "original_text": question.text},
    )


def _role_phrase(profile: PostingProfile) -> str:
    role = f"the {profile.role_title} role" if profile.role_title else "this role"
    return f"{role} at {profile.company}" if profile.company else role


def _mentions(question: Question, term: Term) -> bool:
    tags = set(question.tags)
    for name in (term.term, *term.aliases):
        if _slug(name) in tags:
            return True
        pattern = _pattern(name)
        if any(pattern.search(key_term) for key_term in question.key_terms):
            return True
    return False


def _slug(name: str) -> str:
    return re.sub(r"[\s_]+", "-", name.strip().lower())


@cache
def _pattern(name: str) -> re.Pattern[str]:
    """Whole-word match; names of three letters or fewer ("Go", "SQL") must match case too."""
    words = [re.escape(word) for word in re.split(r"[\s-]+", name.strip()) if word]
    flags = 0 if len(name) <= 3 else re.IGNORECASE
    return re.compile(r"(?<![\w.])" + r"[\s-]+".join(words) + r"(?![\w+#]|\.\w)", flags)


def _count(name: str, text: str) -> int:
    return len(_pattern(name).findall(text)) if text else 0


def _known_terms(
    posting: str, resume: str, role_title: str, vocabulary: SkillVocabulary
) -> list[Term]:
    found: list[tuple[int, Term]] = []
    for skill in vocabulary.skills:
        in_posting = sum(_count(name, posting) for name in skill.names)
        in_resume = sum(_count(name, resume) for name in skill.names)
        if not in_posting and not in_resume:
            continue
        weight = 0.0
        if in_posting:
            weight = 1.0 + 0.5 * min(in_posting - 1, 4)
            if any(_count(name, role_title) for name in skill.names):
                weight += 1.0
        weight += 0.5 if in_resume else 0.0
        source: TermSource = (
            "both" if in_posting and in_resume else "posting" if in_posting else "resume"
        )
        term = Term(skill.term, weight, source, skill.tags, skill.aliases)
        found.append((_first_position(skill.names, posting), term))
    found.sort(key=lambda item: item[0])
    return [term for _, term in found]


def _first_position(names: Sequence[str], text: str) -> int:
    positions = [m.start() for name in names if (m := _pattern(name).search(text))]
    return min(positions, default=len(text) + 1)


def _unknown_terms(posting: str, resume: str, excluded: set[str]) -> list[Term]:
    """Technology-shaped tokens of the posting that the vocabulary does not know."""
    counts: dict[str, int] = {}
    for pattern in (_CAMEL, _ACRONYM, _WITH_DIGIT, _DOTTED, _LISTED):
        for match in pattern.finditer(posting):
            token = match.group(0)
            if token.lower() in excluded:
                continue
            counts.setdefault(token, 0)
    terms = []
    for token in counts:
        occurrences = _count(token, posting)
        if occurrences == 0:
            continue
        in_resume = _count(token, resume) > 0
        weight = 0.5 + 0.25 * min(occurrences - 1, 4) + (0.25 if in_resume else 0.0)
        terms.append(Term(token, weight, "both" if in_resume else "posting"))
    return terms


def _role_title(posting: str) -> tuple[str | None, str | None]:
    """The advertised title, and a company named beside it ("Backend Engineer at Acme").

    A "Job title:" line wins, then a first line that is only a title, then a phrase such as
    "we're looking for a Senior Backend Engineer".
    """
    label = _TITLE_LABEL.search(posting)
    if label:
        title, company = _split_title(label.group("title"))
        if title and len(title.split()) <= 8:
            return title, company
    first_line = next((line.strip() for line in posting.splitlines() if line.strip()), "")
    title, company = _split_title(first_line)
    if title and len(title.split()) <= 6 and _TITLE_END.search(title):
        return title, company
    phrase = _TITLE_PHRASE.search(posting)
    if phrase:
        return _clean_title(phrase.group("title")), None
    return None, None


def _split_title(value: str) -> tuple[str | None, str | None]:
    """Split "Title at Company" (or "@"); a dash or bar usually adds a team, not a company."""
    title_part = value.strip().partition(" | ")[0]
    title_part = re.split(r"[ \t]+(?:-|–|—)[ \t]+", title_part, maxsplit=1)[0]
    parts = _TITLE_AT.split(title_part, maxsplit=1)
    title = _clean_title(re.sub(r"\s*\([^)]*\)", "", parts[0]))
    company = _clean_company(parts[1]) if len(parts) > 1 else None
    return title or None, company


def _clean_title(title: str) -> str:
    title = " ".join(title.split()).strip(" .,:;-")
    return re.sub(r"\b(Engineer|Developer|Scientist|Analyst|Designer|Architect)s$", r"\1", title)


def _company(posting: str) -> str | None:
    for pattern in _COMPANY_PATTERNS:
        for match in pattern.finditer(posting):
            name = _clean_company(match.group("name"))
            if name:
                return name
    return None


def _clean_company(raw: str) -> str | None:
    name = _LEGAL_SUFFIX.sub("", " ".join(raw.split()).strip(" .,:;!-"))
    name = re.sub(r"\s*\([^)]*\)$", "", name)
    words = name.lower().split()
    if not words or words[0] in _NOT_A_COMPANY or len(words) > 4:
        return None
    return name


def _matched_role(posting: str, title: str | None, vocabulary: SkillVocabulary) -> str | None:
    best, best_score = None, 0
    for role, keywords in vocabulary.role_keywords.items():
        score = sum(3 * _count(k, title or "") + min(_count(k, posting), 3) for k in keywords)
        if score > best_score:
            best, best_score = role, score
    return best

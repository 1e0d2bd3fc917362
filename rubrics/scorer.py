"""score_answer: rubric + transcript -> ScoreReport. Deterministic, no I/O.

overall = weighted share of the rubric's criteria that the answer earns (0..100), minus points
for phrases the rubric says to avoid. Then:
- an on-topic answer that earns nothing still gets a small floor (up to RELEVANCE_FLOOR) so a
  thin answer on the question ranks above an off-topic one;
- answers under SHORT_ANSWER_WORDS words, or that read as a bare list of terms, are capped;
- empty, one-word, "I don't know" and gibberish answers score 0 with a plain explanation.
"""

from __future__ import annotations

from collections.abc import Sequence

from rubrics.analysis import Answer, Clause, analyze
from rubrics.delivery import delivery_metrics
from rubrics.evidence import (
    CompiledRubric,
    Hit,
    compile_rubric,
    content_stems,
    criterion_hits,
    find_hits,
    phrase_score,
)
from rubrics.feedback import rebuild, suggestions
from rubrics.lexicon import Lexicon, default_lexicon
from rubrics.model import Penalty, Rubric, TimedWord
from rubrics.report import CriterionResult, ScoreReport, Span
from rubrics.star import ROLES, RoleFinding, assign_star_sections, detect_ownership, detect_star

RELEVANCE_FLOOR = 10
SHORT_ANSWER_WORDS = 12
SHORT_ANSWER_CAP = 35
KEYWORD_LIST_CAP = 30
KEYWORD_LIST_FUNCTION_RATIO = 0.15
MAX_EVIDENCE = 3
MAX_EVIDENCE_CHARS = 180
BANDS = ((70, "strong"), (40, "partial"), (15, "weak"), (0, "insufficient"))

_NON_ANSWERS = frozenset({"pass", "skip", "next", "dunno", "idk", "nothing", "no", "nope"})
_MASH_WORDS = frozenset(
    {
        "asdf",
        "qwerty",
        "zxcv",
        "uiop",
        "jkl",
        "bnm",
        "hjkl",
        "lorem",
        "ipsum",
        "dolor",
        "amet",
        "consectetur",
        "adipiscing",
        "elit",
        "blah",
        "lalala",
    }
)


def score_answer(
    rubric: Rubric,
    text: str,
    *,
    question_id: str,
    words: Sequence[TimedWord] | None = None,
    question_type: str = "technical",
    question_text: str | None = None,
) -> ScoreReport:
    """Score one answer against a rubric. `question_text`, when given, helps tell a thin answer
    on the question from an off-topic one; `words` (timings) adds delivery metrics."""
    lexicon = default_lexicon()
    compiled = compile_rubric(rubric)
    answer = analyze(text, lexicon)
    delivery = delivery_metrics(words, question_type) if words is not None else None
    gate = _gate(answer, lexicon)
    hits = (
        {c.criterion.id: criterion_hits(c, answer) for c in compiled.criteria} if not gate else {}
    )
    findings = _detector_findings(compiled, answer, hits) if not gate else {}
    results = tuple(
        _criterion_result(compiled, c.criterion.id, answer, hits, findings)
        for c in compiled.criteria
    )
    penalties = _penalties(compiled, answer) if not gate else ()
    coverage = sum(r.weight * r.score for r in results) / sum(r.weight for r in results)
    relevance = _relevance(compiled, answer, question_text, lexicon)
    flags: list[str] = [gate] if gate else []
    overall = max(0, round(100 * coverage) - sum(p.points for p in penalties))
    if not gate:
        overall = max(overall, round(RELEVANCE_FLOOR * relevance))
        if coverage == 0 and relevance < 1 / 3:
            flags.append("off-topic")
        if _is_keyword_list(answer, lexicon):
            flags.append("keyword-list")
            overall = min(overall, KEYWORD_LIST_CAP)
        if answer.word_count < SHORT_ANSWER_WORDS:
            flags.append("short")
            overall = min(overall, SHORT_ANSWER_CAP)
    else:
        overall = 0
    star = None
    if rubric.kind == "star":
        star = {r.id: r.met for r in results if r.id in ROLES[:4]}
    sections = _sections(compiled, answer, hits, findings, results)
    return ScoreReport(
        question_id=question_id,
        rubric_id=rubric.id,
        rubric_version=rubric.version,
        overall=overall,
        band=next(name for floor, name in BANDS if overall >= floor),
        explanation=_explain(answer, rubric, results, penalties, flags),
        criteria=results,
        star=star,
        delivery=delivery,
        suggestions=suggestions(rubric, results, penalties, delivery),
        rebuilt=rebuild(answer, rubric, results, sections),
        flags=tuple(flags),
    )


def _gate(answer: Answer, lexicon: Lexicon) -> str | None:
    norms = [w.norm for w in answer.words]
    if not norms:
        return "empty"
    if len(norms) <= 6 and (
        any(c.ignorance for c in answer.clauses) or all(n in _NON_ANSWERS for n in norms)
    ):
        return "non-answer"
    if len(norms) <= 2:
        return "one-word"
    unreadable = sum(1 for n in norms if _looks_unreadable(n, lexicon))
    if unreadable / len(norms) >= 0.5:
        return "gibberish"
    return None


def _looks_unreadable(norm: str, lexicon: Lexicon) -> bool:
    if norm in _MASH_WORDS:
        return True
    if not norm.isalpha() or norm in lexicon.function_words or len(norm) < 3:
        return False
    if not any(v in norm for v in "aeiouy"):
        return len(norm) > 4
    run = longest = 0
    for char in norm:
        run = 0 if char in "aeiouy" else run + 1
        longest = max(longest, run)
    return longest >= 5


def _is_keyword_list(answer: Answer, lexicon: Lexicon) -> bool:
    if answer.word_count < 5:
        return False
    function = sum(1 for w in answer.words if w.norm in lexicon.function_words)
    return function / answer.word_count < KEYWORD_LIST_FUNCTION_RATIO


def _detector_findings(
    compiled: CompiledRubric, answer: Answer, hits: dict[str, list[Hit]]
) -> dict[str, RoleFinding]:
    findings: dict[str, RoleFinding] = {}
    cues: dict[str, set[int]] = {}
    for c in compiled.criteria:
        detector = c.criterion.detector
        if detector and detector.startswith("star."):
            cues[detector.removeprefix("star.")] = {h.clause for h in hits[c.criterion.id]}
    if cues:
        for role, finding in detect_star(answer, cues).items():
            findings[f"star.{role}"] = finding
    for c in compiled.criteria:
        if c.criterion.detector == "ownership":
            effect = {h.clause for h in hits[c.criterion.id]}
            findings[f"ownership:{c.criterion.id}"] = detect_ownership(answer, effect)
    return findings


def _criterion_result(
    compiled: CompiledRubric,
    criterion_id: str,
    answer: Answer,
    hits: dict[str, list[Hit]],
    findings: dict[str, RoleFinding],
) -> CriterionResult:
    compiled_criterion = next(c for c in compiled.criteria if c.criterion.id == criterion_id)
    criterion = compiled_criterion.criterion
    detector = criterion.detector
    note = ""
    evidence: tuple[Span, ...] = ()
    if not hits and not findings:
        score = 0.0
    elif detector:
        key = detector if detector.startswith("star.") else f"ownership:{criterion_id}"
        finding = findings[key]
        score, note = finding.score, finding.note
        evidence = tuple(_clause_span(answer, answer.clauses[i]) for i in finding.clauses)
    else:
        criterion_hits_ = hits[criterion_id]
        score = phrase_score(compiled_criterion, criterion_hits_)
        evidence = _hit_spans(answer, criterion_hits_)
    score = round(score, 2)
    return CriterionResult(
        id=criterion.id,
        label=criterion.label,
        weight=criterion.weight,
        met=score >= criterion.threshold,
        score=score,
        evidence=evidence[:MAX_EVIDENCE],
        followup=criterion.followup,
        note=note if score < 1 else "",
    )


def _hit_spans(answer: Answer, hits: list[Hit]) -> tuple[Span, ...]:
    spans: list[Span] = []
    seen: set[int] = set()
    for hit in sorted(hits, key=lambda h: (h.clause, h.start)):
        if hit.clause in seen:
            continue
        seen.add(hit.clause)
        spans.append(_clause_span(answer, answer.clauses[hit.clause], hit))
    return tuple(spans)


def _clause_span(answer: Answer, clause: Clause, hit: Hit | None = None) -> Span:
    """The clause as quoted evidence; a long clause is cut to whole words around the hit."""
    start, end = clause.start, clause.end
    if end - start > MAX_EVIDENCE_CHARS:
        centre_start = hit.start if hit else start
        centre_end = hit.end if hit else start
        margin = max(0, (MAX_EVIDENCE_CHARS - (centre_end - centre_start)) // 2)
        inside = [
            w
            for w in clause.words
            if w.start >= centre_start - margin and w.end <= centre_end + margin
        ]
        if inside:
            start, end = inside[0].start, inside[-1].end
    return Span(answer.text[start:end], start, end)


def _penalties(compiled: CompiledRubric, answer: Answer) -> tuple[Penalty, ...]:
    found: list[Penalty] = []
    for penalty, patterns in zip(compiled.rubric.avoid, compiled.penalties, strict=True):
        if any(find_hits(patterns, clause) for clause in answer.clauses):
            found.append(penalty)
    return tuple(found)


def _relevance(
    compiled: CompiledRubric, answer: Answer, question_text: str | None, lexicon: Lexicon
) -> float:
    stems = {w.stem for w in answer.words}
    topical = min(1.0, len(stems & compiled.topic_stems) / 3)
    # The STAR rubric serves every behavioral question, so there the question is the topic.
    relevance = 0.0 if question_text and compiled.rubric.kind == "star" else topical
    if question_text:
        asked: set[str] = set()
        for stem in content_stems(question_text):
            asked.add(stem)
            asked.update(m[0] for m in lexicon.synonyms((stem,)) if len(m) == 1)
        wanted = content_stems(question_text)
        if wanted:
            found = len({s for s in stems if s in asked})
            relevance = max(relevance, min(1.0, found / min(2, len(wanted))))
    return relevance


def _sections(
    compiled: CompiledRubric,
    answer: Answer,
    hits: dict[str, list[Hit]],
    findings: dict[str, RoleFinding],
    results: tuple[CriterionResult, ...],
) -> list[str | None]:
    if not answer.clauses or not hits:
        return [None] * len(answer.clauses)
    ids = [c.criterion.id for c in compiled.criteria]
    if compiled.rubric.kind == "star" and all(f"star.{r}" in findings for r in ROLES):
        star_ids = {c.criterion.detector: c.criterion.id for c in compiled.criteria}
        roles = assign_star_sections(answer, {r: findings[f"star.{r}"] for r in ROLES})
        return [star_ids.get(f"star.{role}") for role in roles]
    weights = {r.id: r.weight for r in results}
    per_clause: dict[int, list[str]] = {}
    for criterion_id in ids:
        clauses = {h.clause for h in hits[criterion_id]}
        key = next(
            (k for k in findings if k == f"ownership:{criterion_id}"),
            None,
        )
        if key:
            clauses |= set(findings[key].clauses)
        for index in clauses:
            per_clause.setdefault(index, []).append(criterion_id)
    sections: list[str | None] = []
    for clause in answer.clauses:
        candidates = per_clause.get(clause.index, [])
        if candidates:
            sections.append(max(candidates, key=lambda c: (weights[c], -ids.index(c))))
        else:
            sections.append(None)
    return sections


def _explain(
    answer: Answer,
    rubric: Rubric,
    results: tuple[CriterionResult, ...],
    penalties: tuple[Penalty, ...],
    flags: list[str],
) -> str:
    if "empty" in flags:
        return "The answer is empty, so there is nothing to score."
    if "non-answer" in flags:
        return "The answer says you don't know or passes, so there is nothing to score yet."
    if "one-word" in flags:
        said = " ".join(w.text for w in answer.words)
        return f'The answer is only "{said}", which doesn\'t address the question.'
    if "gibberish" in flags:
        return "Most of the answer isn't recognisable words, so it can't be scored."
    met = [r for r in results if r.met]
    missing = [r.label for r in sorted(results, key=lambda r: -r.weight) if not r.met]
    if "off-topic" in flags:
        points = "; ".join(c.label.lower() for c in rubric.criteria[:3])
        return (
            "The answer doesn't address this question: none of the points it looks for came up "
            f"(for example: {points})."
        )
    parts = [f"Covered {len(met)} of {len(results)} points."]
    if missing:
        parts.append("Missing: " + "; ".join(m.lower() for m in missing) + ".")
    for penalty in penalties:
        parts.append(f"Points off: {penalty.label.lower()}.")
    if "keyword-list" in flags:
        parts.append(
            f"It reads as a list of terms rather than an explanation, so it scores at most "
            f"{KEYWORD_LIST_CAP}."
        )
    if "short" in flags:
        parts.append(
            f"At {answer.word_count} words it is too short to be complete, so it scores at most "
            f"{SHORT_ANSWER_CAP}."
        )
    if not met and not penalties and "keyword-list" not in flags:
        parts.append("The answer is on the topic but doesn't make any of the points yet.")
    return " ".join(parts)

"""Sentence-role detectors: STAR parts and personal ownership, found from the story's structure.

A keyword check misses a Situation that is plainly there ("our login service started timing out
one afternoon"), so each role combines cue phrases (the criterion's patterns) with structure:
- situation: a cue in the part of the story before the first action (or its first half); failing
  that, a past-tense opening clause of an answer that goes on to narrate actions;
- task: a cue anywhere ("I had to", "my job was", "I was responsible for");
- action: first-person past-tense action verbs ("I rolled back", "we added"); "I" counts fully,
  "we" only half, because the interviewer needs to hear what the candidate did;
- result: an outcome cue at or after the first action; with a number it earns full credit;
- reflection: a cue anywhere ("what I learned", "since then I always").
"""

from __future__ import annotations

from dataclasses import dataclass

from rubrics.analysis import Answer

ROLES = ("situation", "task", "action", "result", "reflection")

SITUATION_FALLBACK_SCORE = 0.7
UNQUANTIFIED_RESULT_SCORE = 0.6
SINGLE_I_ACTION_SCORE = 0.8
WE_ONLY_ACTION_SCORE = 0.5
OWNERSHIP_WITHOUT_EFFECT_SCORE = 0.6


@dataclass(frozen=True)
class RoleFinding:
    score: float
    clauses: tuple[int, ...]  # evidence, in answer order
    note: str = ""  # why the score is partial: "we-only", "unquantified", "fallback"


def detect_star(answer: Answer, cues: dict[str, set[int]]) -> dict[str, RoleFinding]:
    """`cues` maps each STAR role to the clauses where its cue phrases matched."""
    clauses = answer.clauses
    count = len(clauses)
    actions = [
        c.index for c in clauses if c.i_actions or c.we_actions or c.index in cues.get("action", ())
    ]
    first_action = actions[0] if actions else None
    findings: dict[str, RoleFinding] = {}

    def early(index: int) -> bool:
        return (first_action is not None and index <= first_action) or index < max(1, count / 2)

    situation = sorted(i for i in cues.get("situation", ()) if early(i))
    if situation:
        findings["situation"] = RoleFinding(1.0, tuple(situation))
    elif first_action is not None and first_action > 0 and clauses[0].past_tense:
        findings["situation"] = RoleFinding(SITUATION_FALLBACK_SCORE, (0,), "fallback")
    else:
        findings["situation"] = RoleFinding(0.0, ())

    task = sorted(cues.get("task", ()))
    findings["task"] = RoleFinding(1.0 if task else 0.0, tuple(task))

    i_total = sum(c.i_actions for c in clauses)
    we_total = sum(c.we_actions for c in clauses)
    cue_only = [i for i in cues.get("action", ()) if not clauses[i].we_actions]
    i_total += len([i for i in cue_only if not clauses[i].i_actions])
    i_clauses = tuple(c.index for c in clauses if c.i_actions or c.index in cue_only)
    if i_total >= 2:
        findings["action"] = RoleFinding(1.0, i_clauses)
    elif i_total == 1:
        findings["action"] = RoleFinding(SINGLE_I_ACTION_SCORE, i_clauses)
    elif we_total:
        we_clauses = tuple(c.index for c in clauses if c.we_actions)
        findings["action"] = RoleFinding(WE_ONLY_ACTION_SCORE, we_clauses, "we-only")
    else:
        findings["action"] = RoleFinding(0.0, ())

    if first_action is not None:
        result = sorted(i for i in cues.get("result", ()) if i >= first_action)
    else:
        result = sorted(i for i in cues.get("result", ()) if count > 1 and i >= count / 2)
    if not result:
        findings["result"] = RoleFinding(0.0, ())
    elif any(clauses[i].has_number for i in result):
        findings["result"] = RoleFinding(1.0, tuple(result))
    else:
        findings["result"] = RoleFinding(UNQUANTIFIED_RESULT_SCORE, tuple(result), "unquantified")

    reflection = sorted(cues.get("reflection", ()))
    findings["reflection"] = RoleFinding(1.0 if reflection else 0.0, tuple(reflection))
    return findings


def detect_ownership(answer: Answer, effect_clauses: set[int]) -> RoleFinding:
    """Something the candidate did ("I led", "I built"); full credit when the same or the next
    clause says what it changed (a criterion phrase or a number)."""
    owned = [c.index for c in answer.clauses if c.i_actions]
    if not owned:
        return RoleFinding(0.0, ())
    with_effect = [
        i
        for i in owned
        if i in effect_clauses
        or answer.clauses[i].has_number
        or (i + 1 < len(answer.clauses) and (i + 1) in effect_clauses)
    ]
    if with_effect:
        evidence = sorted({*with_effect, *(i + 1 for i in with_effect if i + 1 in effect_clauses)})
        return RoleFinding(1.0, tuple(evidence))
    return RoleFinding(OWNERSHIP_WITHOUT_EFFECT_SCORE, tuple(owned), "no-effect")


def assign_star_sections(answer: Answer, findings: dict[str, RoleFinding]) -> list[str]:
    """One STAR role per clause for the rebuilt answer; clauses with no role of their own follow
    the clause before them (a story is told in order), or open the Situation."""
    priority = ("reflection", "task", "result", "action", "situation")
    roles_of: dict[int, list[str]] = {}
    for role in priority:
        for index in findings[role].clauses:
            roles_of.setdefault(index, []).append(role)
    assigned: list[str] = []
    for clause in answer.clauses:
        roles = roles_of.get(clause.index, [])
        if "result" in roles and "action" in roles and not clause.has_number:
            roles = [r for r in roles if r != "result"]
        if roles:
            assigned.append(roles[0])
        elif assigned:
            assigned.append(assigned[-1])
        else:
            assigned.append("situation")
    return assigned

"""Checks that span a whole questionnaire: ids, scales, ``show_if`` order, the overall question
and the languages.

Each problem is a ``(path, code, params)`` triple; the path points into the file so the loader
can print ``file:line``, and the code is translated when printed.
"""

from __future__ import annotations

from typing import Any

from survey_server.questionnaires.schema import (
    AllOf,
    AnyOf,
    Condition,
    NotOf,
    Question,
    Questionnaire,
    ShowIf,
)

Path = tuple[str | int, ...]
Problem = tuple[Path, str, dict[str, Any]]

CHOICE_TYPES = ("single", "multi")


def check(questionnaire: Questionnaire) -> list[Problem]:
    """Every cross-field problem of a structurally valid questionnaire, in file order."""
    problems: list[Problem] = []
    seen_ids: dict[str, Path] = {}
    seen_questions: dict[str, Question] = {}
    overall_paths: list[Path] = []

    for name, scale in questionnaire.scales.items():
        n = len(scale.points)
        if scale.satisfied_from is not None and not 1 <= scale.satisfied_from <= n:
            problems.append(
                (("scales", name, "satisfied_from"), "satisfied_out_of_range", {"n": n})
            )

    for s, section in enumerate(questionnaire.sections):
        section_path: Path = ("sections", s)
        _claim_id(section.id, (*section_path, "id"), seen_ids, problems)
        scale_count = 0
        for q, question in enumerate(section.questions):
            path: Path = (*section_path, "questions", q)
            _claim_id(question.id, (*path, "id"), seen_ids, problems)
            problems.extend(_check_question(questionnaire, question, path, seen_questions))
            if question.overall:
                overall_paths.append((*path, "overall"))
            scale_count += question.type == "scale"
            seen_questions[question.id] = question
        if section.dimension and scale_count == 0:
            problems.append(((*section_path, "dimension"), "dimension_without_scale", {}))

    for extra in overall_paths[1:]:
        problems.append((extra, "several_overall", {}))
    if questionnaire.kind == "satisfaction" and not any(
        section.dimension for section in questionnaire.sections
    ):
        problems.append((("sections",), "missing_dimension", {}))
    problems.extend(_check_languages(questionnaire))
    return problems


def _check_languages(questionnaire: Questionnaire) -> list[Problem]:
    """Every text is in one of the title's languages: a form offered in Khmer must have a Khmer
    title, and a tag typed differently in one place (``km`` / ``kh``) is a slip, not a language."""
    known = set(questionnaire.title)
    maps: list[tuple[Path, dict[str, str] | None]] = [(("intro",), questionnaire.intro)]
    for name, scale in questionnaire.scales.items():
        maps += [(("scales", name, "points", p), point) for p, point in enumerate(scale.points)]
        maps.append((("scales", name, "not_applicable"), scale.not_applicable))
    for s, section in enumerate(questionnaire.sections):
        maps += [
            (("sections", s, "title"), section.title),
            (("sections", s, "intro"), section.intro),
        ]
        for q, question in enumerate(section.questions):
            path: Path = ("sections", s, "questions", q)
            maps += [((*path, "text"), question.text), ((*path, "help"), question.help)]
            maps += [
                ((*path, "options", o), option.label)
                for o, option in enumerate(question.options or ())
            ]
    return [
        ((*path, lang), "lang_not_in_title", {"lang": lang})
        for path, texts in maps
        for lang in texts or ()
        if lang not in known
    ]


def _claim_id(identifier: str, path: Path, seen: dict[str, Path], problems: list[Problem]) -> None:
    if identifier in seen:
        problems.append((path, "duplicate_id", {"id": identifier}))
    else:
        seen[identifier] = path


def _check_question(
    questionnaire: Questionnaire, question: Question, path: Path, earlier: dict[str, Question]
) -> list[Problem]:
    problems: list[Problem] = []
    kind = question.type

    if kind == "scale":
        if question.scale is None:
            problems.append(((*path, "type"), "scale_missing", {}))
        elif question.scale not in questionnaire.scales:
            problems.append(((*path, "scale"), "unknown_scale", {"scale": question.scale}))
    elif question.scale is not None:
        problems.append(((*path, "scale"), "not_for_type", {"key": "scale", "type": kind}))
    if (question.reverse or question.overall) and kind != "scale":
        key = "reverse" if question.reverse else "overall"
        problems.append(((*path, key), "not_for_type", {"key": key, "type": kind}))

    if kind in CHOICE_TYPES:
        if not question.options:
            problems.append(((*path, "type"), "options_missing", {}))
        else:
            seen: set[str] = set()
            for o, option in enumerate(question.options):
                if option.id in seen:
                    problems.append(
                        ((*path, "options", o, "id"), "duplicate_option", {"id": option.id})
                    )
                seen.add(option.id)
    elif question.options is not None:
        problems.append(((*path, "options"), "not_for_type", {"key": "options", "type": kind}))

    if question.max_length is not None and kind != "text":
        problems.append(
            ((*path, "max_length"), "not_for_type", {"key": "max_length", "type": kind})
        )
    if (question.min is not None or question.max is not None) and kind != "number":
        problems.append(((*path, "min"), "not_for_type", {"key": "min/max", "type": kind}))
    if question.min is not None and question.max is not None and question.min > question.max:
        problems.append(((*path, "max"), "min_above_max", {}))

    if question.show_if is not None:
        problems.extend(_check_show_if(question.show_if, question.id, (*path, "show_if"), earlier))
    return problems


def _check_show_if(
    condition: Condition, question_id: str, path: Path, earlier: dict[str, Question]
) -> list[Problem]:
    if isinstance(condition, NotOf):
        return _check_show_if(condition.not_, question_id, (*path, "not"), earlier)
    if isinstance(condition, AllOf | AnyOf):
        key, parts = (
            ("all", condition.all_) if isinstance(condition, AllOf) else ("any", condition.any_)
        )
        return [
            problem
            for index, part in enumerate(parts)
            for problem in _check_show_if(part, question_id, (*path, key, index), earlier)
        ]
    return _check_test(condition, question_id, path, earlier)


def _check_test(
    condition: ShowIf, question_id: str, path: Path, earlier: dict[str, Question]
) -> list[Problem]:
    target = earlier.get(condition.question)
    if target is None:
        code = "show_if_self" if condition.question == question_id else "show_if_not_earlier"
        return [((*path, "question"), code, {"id": condition.question})]
    if target.type in CHOICE_TYPES:
        option_ids = {option.id for option in target.options or ()}
        wrong = [value for value in condition.in_ if value not in option_ids]
    elif target.type == "yes_no":
        wrong = [value for value in condition.in_ if not isinstance(value, bool)]
    else:
        return [((*path, "question"), "show_if_bad_target", {"id": target.id})]
    return [((*path, "in"), "show_if_unknown_value", {"value": value}) for value in wrong]

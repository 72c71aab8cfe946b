"""XLSForm ``relevant`` → ``show_if``: the tests of an earlier single, multiple or yes/no
question (``=``, ``!=``, ``selected()``) joined by ``and``, ``or`` and ``not()``. Anything else
is ``Unsupported`` and the caller lists it."""

from __future__ import annotations

from dataclasses import dataclass

from survey_server.questionnaires.schema import AllOf, AnyOf, Condition, NotOf, ShowIf
from survey_server.questionnaires.xlsform_expressions import Node, Unsupported


@dataclass
class Carried:
    """A question as later ``relevant`` expressions may refer to it: its id, type and the
    option id of each choice name (``yes``/``no`` → ``true``/``false`` for yes/no)."""

    id: str
    type: str
    option_ids: dict[str, str]


def translate(node: Node, carried: dict[str, Carried]) -> Condition:
    """The ``show_if`` of a parsed ``relevant``, or ``Unsupported``."""
    if node.kind == "not":
        return NotOf.model_validate({"not": translate(node.parts[0], carried)})
    if node.kind == "and":
        parts: list[Condition] = []
        for part in node.parts:
            made = translate(part, carried)
            parts.extend(made.all_ if isinstance(made, AllOf) else [made])
        return AllOf.model_validate({"all": parts})
    if node.kind == "or":
        return _any([translate(part, carried) for part in node.parts])
    if node.kind == "cmp" and node.op in ("=", "!="):
        left, right = node.parts
        if right.kind == "ref":
            left, right = right, left
        leaf = _leaf(left, right, carried, exact=True)
        return leaf if node.op == "=" else NotOf.model_validate({"not": leaf})
    if node.kind == "call" and node.value == "selected" and len(node.parts) == 2:
        return _leaf(node.parts[0], node.parts[1], carried, exact=False)
    raise Unsupported(node.kind)


def _leaf(ref: Node, value: Node, carried: dict[str, Carried], *, exact: bool) -> ShowIf:
    if ref.kind != "ref" or value.kind not in ("str", "num"):
        raise Unsupported("leaf")
    target = carried.get(ref.value)
    if target is None or target.type not in ("single", "multi", "yes_no"):
        raise Unsupported(ref.value)
    if exact and target.type == "multi":
        raise Unsupported("= on a multiple choice")
    answer = target.option_ids.get(value.value)
    if answer is None:
        raise Unsupported(value.value)
    stored: str | bool = answer == "true" if target.type == "yes_no" else answer
    return ShowIf.model_validate({"question": target.id, "in": [stored]})


def _any(parts: list[Condition]) -> Condition:
    """``or`` of conditions, with tests of one question merged into one (``${q} = 'a' or
    ${q} = 'b'`` is ``{question: q, in: [a, b]}``, as the file format writes it)."""
    merged: list[Condition] = []
    for part in parts:
        if isinstance(part, AnyOf):
            merged.extend(part.any_)
            continue
        same = next(
            (
                index
                for index, earlier in enumerate(merged)
                if isinstance(earlier, ShowIf)
                and isinstance(part, ShowIf)
                and earlier.question == part.question
            ),
            None,
        )
        if same is None:
            merged.append(part)
        else:
            earlier = merged[same]
            assert isinstance(earlier, ShowIf) and isinstance(part, ShowIf)
            values = [*earlier.in_, *(v for v in part.in_ if v not in earlier.in_)]
            merged[same] = ShowIf.model_validate({"question": earlier.question, "in": values})
    return merged[0] if len(merged) == 1 else AnyOf.model_validate({"any": merged})

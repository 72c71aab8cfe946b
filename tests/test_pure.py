"""Pure helpers: answer encoding, number parsing, completion-time buckets, short codes."""

from __future__ import annotations

import numpy as np
import pytest

from survey_server.distribution.codes import ALPHABET, new_code, normalise_code
from survey_server.questionnaires.loader import load_file
from survey_server.responses.encoding import decode_matrix, slot_layout
from survey_server.responses.form_input import parse_number
from survey_server.responses.form_token import duration_bucket, make_form_token
from survey_server.responses.validation import FormSpec, validate_answers
from tests.conftest import FIXTURES

SPEC = FormSpec.build(
    load_file(FIXTURES / "questionnaires" / "moi-loai-cau-hoi.yaml").questionnaire
)


def test_layout_has_one_slot_per_closed_answer_and_option() -> None:
    slots = slot_layout(SPEC.questionnaire)
    assert [slot.question_id for slot in slots] == [
        "tc1",
        "tc2",
        "hai_long_chung",
        "loai",
        "kenh",
        "kenh",
        "kenh",
        "hoc_them",
    ]
    assert SPEC.width == len(slots) == 8


def test_a_thousand_responses_decode_into_a_matrix() -> None:
    rows = []
    for i in range(1000):
        clean, errors = validate_answers(SPEC, {"tc1": 1 + i % 5, "loai": "khen", "kenh": ["mttq"]})
        assert clean is not None and not errors
        rows.append(clean.closed)
    matrix = decode_matrix(rows, SPEC.width)
    assert matrix.shape == (1000, 8) and matrix.dtype == np.uint8
    assert np.bincount(matrix[:, 0]).tolist() == [0, 200, 200, 200, 200, 200]
    assert matrix[:, 6].sum() == 1000  # "mttq" is the third option of kenh
    with pytest.raises(ValueError, match="layout width"):
        decode_matrix([b"\x01\x02"], 8)


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("1500", 1500),
        ("1.500", 1500),
        ("1.500.000", 1_500_000),
        ("2,5", 2.5),
        ("1.234,5", 1234.5),
        (" 12 ", 12),
        ("0.5", 0.5),
        ("nhiều", "nhiều"),
        ("nan", "nan"),
        ("1e400", "1e400"),
    ],
)
def test_numbers_are_read_the_vietnamese_way(typed: str, value: object) -> None:
    parsed = parse_number(typed)
    if isinstance(value, str):
        assert parsed == value or (isinstance(parsed, float) and not np.isfinite(parsed))
    else:
        assert parsed == value


def test_completion_time_buckets() -> None:
    token = make_form_token("k", "ABCDEFG", 1_000_000)
    assert duration_bucket(token, "k", "ABCDEFG", 1_000_030) == 1
    assert duration_bucket(token, "k", "ABCDEFG", 1_000_000 + 200) == 3
    assert duration_bucket(token, "k", "ABCDEFG", 1_000_000 + 7200) == 6
    assert duration_bucket(token, "other-secret", "ABCDEFG", 1_000_030) == 0
    assert duration_bucket(token, "k", "OTHERCD", 1_000_030) == 0
    assert duration_bucket("123.forged", "k", "ABCDEFG", 1_000_030) == 0
    assert duration_bucket(None, "k", "ABCDEFG", 1) == 0
    assert duration_bucket("²³.abc", "k", "ABCDEFG", 1) == 0


def test_codes_avoid_look_alikes_and_ignore_case() -> None:
    assert not set("01OIL") & set(ALPHABET)
    code = new_code()
    assert len(code) == 7 and set(code) <= set(ALPHABET)
    assert normalise_code(f" {code.lower()[:3]}-{code.lower()[3:]} ") == code
    assert normalise_code("0O1IL00") is None
    assert normalise_code("") is None


def test_form_scale_values_other_than_ascii_digits_are_left_for_validation() -> None:
    from survey_server.responses.form_input import answers_from_form

    fields = {"tc1": "²", "tc2": "٣", "hai_long_chung": " 4 "}
    answers = answers_from_form(SPEC, fields.get, lambda key: [])
    assert answers == {"tc1": "²", "tc2": "٣", "hai_long_chung": 4}

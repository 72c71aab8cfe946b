"""The words of XLSForm the import recognises: question types (and what becomes of each), and
the labels of ordered scales and of their "no opinion" answer."""

from __future__ import annotations

import re

META = frozenset(
    [
        "start",
        "end",
        "today",
        "deviceid",
        "subscriberid",
        "simserial",
        "phonenumber",
        "username",
        "email",
        "audit",
        "start-geopoint",
        "background-geopoint",
        "background-audio",
        "uri:deviceid",
        "uri:username",
        "uri:email",
        "uri:phonenumber",
        "uri:subscriberid",
        "uri:simserial",
        "imei",
        "instanceid",
    ]
)
PERSONAL = frozenset({"phone number", "phone_number"})
UNSUPPORTED = frozenset(
    [
        "calculate",
        "hidden",
        "geopoint",
        "geotrace",
        "geoshape",
        "gps",
        "location",
        "image",
        "photo",
        "audio",
        "video",
        "file",
        "barcode",
        "date",
        "time",
        "datetime",
        "range",
        "rank",
        "acknowledge",
        "trigger",
        "xml-external",
        "csv-external",
        "osm",
        "select_one_from_file",
        "select_multiple_from_file",
        "select_one_external",
        "select_multiple_external",
    ]
)
NUMBER = {"integer": True, "int": True, "decimal": False}
TEXT = frozenset({"text", "string"})
SELECT = re.compile(
    r"^(?P<kind>select_one|select one|select1|select_multiple|select multiple|"
    r"select all that apply)(?: from)? +(?P<list>\S+)(?P<other> +(?:or_other|or specify other))?$",
    re.IGNORECASE,
)
SINGLE = frozenset({"select_one", "select one", "select1"})
BEGIN = {
    "begin group": "group",
    "begin_group": "group",
    "begin repeat": "repeat",
    "begin_repeat": "repeat",
    "begin loop": "repeat",
    "begin_loop": "repeat",
}
END = {
    "end group": "group",
    "end_group": "group",
    "end repeat": "repeat",
    "end_repeat": "repeat",
    "end loop": "repeat",
    "end_loop": "repeat",
}

#: Labels of ordered agreement/satisfaction/quality/frequency scales, Vietnamese and English
#: (casefolded), each with its rank: higher is better, so that a list written best first
#: (Excellent … Poor, Rất hài lòng … Rất không hài lòng) is recognised and read worst first.
LIKERT: dict[str, float] = {
    "rất không hài lòng": 1,
    "không hài lòng": 2,
    "chưa hài lòng": 2,
    "bình thường": 3,
    "tạm hài lòng": 3.5,
    "hài lòng": 4,
    "rất hài lòng": 5,
    "hoàn toàn không đồng ý": 1,
    "rất không đồng ý": 1,
    "không đồng ý": 2,
    "phân vân": 3,
    "trung lập": 3,
    "không ý kiến": 3,
    "đồng ý": 4,
    "hoàn toàn đồng ý": 5,
    "rất đồng ý": 5,
    "rất kém": 1,
    "rất không tốt": 1,
    "kém": 2,
    "không tốt": 2,
    "trung bình": 3,
    "khá": 3.5,
    "tốt": 4,
    "rất tốt": 5,
    "very dissatisfied": 1,
    "dissatisfied": 2,
    "neutral": 3,
    "neither satisfied nor dissatisfied": 3,
    "satisfied": 4,
    "very satisfied": 5,
    "strongly disagree": 1,
    "disagree": 2,
    "neither agree nor disagree": 3,
    "undecided": 3,
    "agree": 4,
    "strongly agree": 5,
    "very poor": 1,
    "poor": 2,
    "fair": 3,
    "average": 3,
    "good": 4,
    "very good": 4.5,
    "excellent": 5,
    "never": 1,
    "rarely": 2,
    "sometimes": 3,
    "often": 4,
    "always": 5,
    "không bao giờ": 1,
    "hiếm khi": 2,
    "thỉnh thoảng": 3,
    "thường xuyên": 4,
    "luôn luôn": 5,
}
#: A scale's last choice that means "no answer on this scale".
NOT_APPLICABLE_NAMES = frozenset({"na", "n_a", "dk", "khong_y_kien", "khong_co_y_kien"})
NOT_APPLICABLE = frozenset(
    {
        "không có ý kiến",
        "không ý kiến",
        "không biết",
        "không áp dụng",
        "no opinion",
        "don't know",
        "do not know",
        "not applicable",
        "n/a",
    }
)

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

#: Labels of ordered agreement/satisfaction/quality scales, Vietnamese and English (casefolded).
LIKERT = frozenset(
    [
        "rất không hài lòng",
        "không hài lòng",
        "bình thường",
        "hài lòng",
        "rất hài lòng",
        "chưa hài lòng",
        "tạm hài lòng",
        "hoàn toàn không đồng ý",
        "rất không đồng ý",
        "không đồng ý",
        "phân vân",
        "trung lập",
        "không ý kiến",
        "đồng ý",
        "hoàn toàn đồng ý",
        "rất đồng ý",
        "rất kém",
        "kém",
        "trung bình",
        "khá",
        "tốt",
        "rất tốt",
        "rất không tốt",
        "không tốt",
        "very dissatisfied",
        "dissatisfied",
        "neutral",
        "satisfied",
        "very satisfied",
        "neither satisfied nor dissatisfied",
        "strongly disagree",
        "disagree",
        "neither agree nor disagree",
        "undecided",
        "agree",
        "strongly agree",
        "very poor",
        "poor",
        "fair",
        "average",
        "good",
        "very good",
        "excellent",
        "never",
        "rarely",
        "sometimes",
        "often",
        "always",
        "không bao giờ",
        "hiếm khi",
        "thỉnh thoảng",
        "thường xuyên",
        "luôn luôn",
    ]
)
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

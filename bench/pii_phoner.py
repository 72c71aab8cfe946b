"""Turn the PhoNER_COVID19 corpus into annotated comments for ``bench/pii_eval.py``.

    git clone https://github.com/VinAIResearch/PhoNER_COVID19 /tmp/PhoNER_COVID19
    .venv/bin/python bench/pii_phoner.py /tmp/PhoNER_COVID19/data/syllable/dev_syllable.json \
        > /tmp/phoner_dev.jsonl

PhoNER_COVID19 (VinAI, NAACL 2021) is 10,027 sentences of Vietnamese news about COVID-19 cases,
tagged by hand with patients' names (often initials: "bà H.T.P"), their addresses, organisations
and places. Its licence allows research use and forbids redistribution, so the corpus is read
from a local clone and neither it nor anything derived from it is committed; the figures it gives
are recorded in docs/PRIVACY.md. Its ``dev`` split is for development, its ``test`` split is
held out and scored only to report.

Each sentence with an entity becomes one line: a ``NAME`` must vanish (kind initials, full_name
or given_name by its shape), a ``LOCATION`` with a house, lane, flat or hamlet number is a numbered address and must vanish,
a ``LOCATION`` numbered otherwise ("Bệnh viện 115", "Hải Châu 2") is left out, any other
``LOCATION`` is a place and an ``ORGANIZATION`` an organisation: both must stay, and a
``JOB`` ("công nhân môi trường") is ordinary text that must stay.
"""

from __future__ import annotations

import json
import re
import sys
import unicodedata

#: A number that locates a home: a house, lane, flat or hamlet number ("6 Nại Nam", "ngõ 12",
#: "tổ 5", "CT 3.13"), unlike a numbered ward, hospital or army unit.
HOUSE_NUMBER = re.compile(
    r"^(?:số\s*)?\d|(?i:ngõ|ngách|hẻm|kiệt|tổ|thôn|xóm|ấp|khu phố|kp|lô|căn hộ|nhà|block|tòa"
    r"|chung cư)\s*(?:số\s*)?[A-Z]?\d|^[A-Z]{1,3}\s?\d+[.\-]\d+"
)
#: A street named after a date ("đường 30/4") or a hospital room is no one's home.
NOT_HOUSE = re.compile(r"^(?:đường|phố)\s+\d+/\d+|^phòng", re.IGNORECASE)


NO_SPACE_BEFORE = {",", ".", ")", ":", ";", "!", "?", "%", "]"}
NO_SPACE_AFTER = {"(", "["}


def detokenize(words: list[str]) -> tuple[str, list[int], list[int]]:
    """The sentence as a person would type it, and where each word starts and ends in it."""
    text = ""
    starts: list[int] = []
    ends: list[int] = []
    for index, word in enumerate(words):
        glue = (
            index
            and word not in NO_SPACE_BEFORE
            and words[index - 1] not in NO_SPACE_AFTER
            and not (word == "-" or words[index - 1] == "-")
        )
        if glue:
            text += " "
        starts.append(len(text))
        text += word
        ends.append(len(text))
    return text, starts, ends


def name_kind(name: str) -> str:
    letters = re.sub(r"[\s.]", "", name)
    if "." in name or (letters.isupper() and len(letters) <= 5):
        return "initials"
    return "full_name" if len(name.split()) > 1 else "given_name"


def convert(line: str) -> dict | None:
    item = json.loads(line)
    words = [unicodedata.normalize("NFC", w.replace("_", " ")) for w in item["words"]]
    text, starts, ends = detokenize(words)
    record: dict = {"text": text, "vanish": [], "keep": [], "labels": {}}
    spans: list[tuple[str, int, int]] = []
    for index, tag in enumerate(item["tags"]):
        if tag.startswith("B-"):
            spans.append((tag[2:], index, index))
        elif (
            tag.startswith("I-") and spans and spans[-1][0] == tag[2:] and spans[-1][2] == index - 1
        ):
            spans[-1] = (spans[-1][0], spans[-1][1], index)
    for label, first, last in spans:
        value = text[starts[first] : ends[last]]
        if label == "NAME":
            record["vanish"].append(value)
            record["labels"][value] = name_kind(value)
        elif label == "LOCATION" and HOUSE_NUMBER.search(value) and not NOT_HOUSE.search(value):
            record["vanish"].append(value)
            record["labels"][value] = "address"
        elif label == "LOCATION" and re.search(r"\d", value):
            continue  # "Bệnh viện 115", "Hải Châu 2", "trung đoàn 125": numbered, yet no one's home
        elif label in ("LOCATION", "ORGANIZATION", "JOB"):
            kind = {"LOCATION": "place", "ORGANIZATION": "organisation", "JOB": "ordinary"}[label]
            if value not in record["labels"]:
                record["keep"].append(value)
                record["labels"][value] = kind
    # a string both to remove and to keep (a shop named after its owner) says nothing
    clash = set(record["vanish"]) & set(record["keep"])
    record["keep"] = [k for k in record["keep"] if k not in clash]
    if not record["vanish"] and not record["keep"]:
        return None
    return record


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as source:
        for line in source:
            record = convert(line)
            if record:
                print(json.dumps(record, ensure_ascii=False))


if __name__ == "__main__":
    main()

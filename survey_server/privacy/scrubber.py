"""Removing personal data from Vietnamese free text before it is stored (DESIGN §4).

Five detectors find spans — e-mail addresses, phone numbers, identity and account numbers,
street addresses and people's names — and each span is replaced by a readable tag ([tên],
[số điện thoại], [số định danh], [địa chỉ], [email]). What makes a comment useful is left alone:
schools and streets named after people (Trường THCS Trương Công Định, đường Trần Phú), Chủ tịch Hồ
Chí Minh, legal document numbers (13/2023/NĐ-CP), money (1.200.000 đồng), dates, classes (12A5),
percentages and counts.

Names are the hard part. A name is recognised (1) after a kin, honorific or role word (cô, thầy,
cháu, con tôi, hiệu trưởng…), in any capitalisation, or (2) as two to four capitalised words
starting with a Vietnamese family name, unless a place word (trường, THCS, đường, phường…) stands
before it or it is a historic figure. The word lists live in ``lexicon`` as data. The raw text
never leaves this module: it is not logged, and only the scrubbed text is stored.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from survey_server.privacy.lexicon import (
    CAPITALISED_ONLY_AFTER,
    CORE_FAMILY_NAMES,
    FAMILY_NAMES,
    FAMOUS,
    GIVEN_NAMES,
    HONORIFICS,
    MIDDLE_NAMES,
    NOT_NAMES,
    PLACE_WORDS,
    ROLE_PHRASES,
)

TAGS = {
    "email": "[email]",
    "phone": "[số điện thoại]",
    "id": "[số định danh]",
    "address": "[địa chỉ]",
    "name": "[tên]",
}
#: When two findings overlap, the earlier kind in this order wins.
PRIORITY = ("email", "phone", "id", "address", "name")


@dataclass(frozen=True)
class Found:
    """A span of personal data in the (NFC) text: ``text[start:end]``."""

    kind: str
    start: int
    end: int


@dataclass(frozen=True)
class Scrubbed:
    text: str
    found: list[Found]


#: Every accented Latin letter mapped to its base letter (đ → d): one ``translate`` per word, so
#: folding needs no cache (a cache would keep respondents' words in memory).
_FOLD_TABLE = {
    code: unicodedata.normalize("NFD", chr(code))[0]
    for code in range(0xC0, 0x1EFA)
    if chr(code).isalpha() and unicodedata.normalize("NFD", chr(code))[0].isascii()
} | {ord("đ"): "d", ord("Đ"): "D"}


def fold(word: str) -> str:
    """Lowercase without diacritics (đ → d): how people type on a phone without accents."""
    return word.lower().translate(_FOLD_TABLE)


FOLDED_GIVEN = frozenset(fold(name) for name in GIVEN_NAMES)
FOLDED_FAMILY = frozenset(fold(name) for name in FAMILY_NAMES)
FOLDED_HONORIFICS = frozenset(fold(word) for word in HONORIFICS)
FOLDED_NOT_NAMES = frozenset(fold(phrase) for phrase in NOT_NAMES)
FOLDED_CORE_FAMILY = frozenset(fold(name) for name in CORE_FAMILY_NAMES)
FOLDED_PLACE_WORDS = frozenset(fold(word) for word in PLACE_WORDS)
FOLDED_FAMOUS = frozenset(fold(name) for name in FAMOUS)
FOLDED_MIDDLE = frozenset(fold(name) for name in MIDDLE_NAMES)
ROLE_WORDS = tuple(tuple(phrase.split()) for phrase in ROLE_PHRASES)
#: Role phrases by their first word, longest first: one dictionary look-up per word of a text.
ROLES_BY_FIRST_WORD: dict[str, tuple[tuple[str, ...], ...]] = {
    first: tuple(sorted((p for p in ROLE_WORDS if p[0] == first), key=len, reverse=True))
    for first in {phrase[0] for phrase in ROLE_WORDS}
}

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
NUMBER = re.compile(r"(?<![\w/.,])\+?\(?\d+\)?(?:[ .\-]\(?\d+\)?)*(?![\w/])", re.UNICODE)
MONEY_AFTER = re.compile(
    r"\s*(?:đồng|đ\b|vnđ|vnd|nghìn|ngàn|triệu|tr\b|tỷ|k\b|%|usd|lần|buổi|học sinh|hs\b|em\b|người|"
    r"phút|giờ|ngày|tháng|năm|tuổi|km|m\b|cm|kg|bộ|cuốn|quyển|lớp|phòng|ca\b)",
    re.IGNORECASE,
)
VI_THOUSANDS = re.compile(r"\d{1,3}(?:\.\d{3})+")
PHONE_CUE = re.compile(
    r"(?:sđt|sdt|đt|dt|điện thoại|dien thoai|zalo|liên hệ|lien he|lh|gọi|goi|số máy|di động|"
    r"hotline|alo|nhắn|nhan tin|máy)\W{0,3}(?:số|là|la|:)?\W{0,3}$",
    re.IGNORECASE,
)
ID_CUE = re.compile(
    r"(?:cccd|cmnd|cmt|căn cước|can cuoc|chứng minh|chung minh|định danh|dinh danh|mã|ma so|"
    r"stk|số tài khoản|so tai khoan|tài khoản|tai khoan|tk|số thẻ|so the|bhyt|hộ chiếu|passport|"
    r"mshs|mã hs|mã học sinh|số báo danh|sbd)[\w\s]{0,15}?\W{0,3}(?:số|là|la|:)?\W{0,3}$",
    re.IGNORECASE,
)

#: Capital letters of Vietnamese (``re`` has no \p{Lu}): A–Z and every accented capital.
_UPPER = "A-Z" + "".join(
    chr(c) for c in range(0xC0, 0x1EFA) if chr(c).isupper() and chr(c).isalpha()
)
_LANE = (
    r"\b(?:[Nn]gõ|[Nn]gách|[Hh]ẻm|kiệt|[Hh]ẽm|ngo|ngach|hem|kiet)\s*\d+[a-zA-Z]?(?:/\d+[a-zA-Z]?)*"
)
_AREA = (
    r"\b(?i:tổ dân phố|tổ|khu phố|kp|thôn|xóm|ấp|khóm|đội|cụm dân cư|tdp|thon|xom|to|ap|khom|doi)"
    r"\s*(?i:số\s*)?\d+[a-zA-Z]?"
)
_UNIT_NO = r"[A-Za-z]?[-.]?\d+(?:[-.]\d+)*[A-Za-z]?"
_BUILDING = (
    rf"\b(?i:căn hộ|can ho|phòng|phong|lô|lo|tòa|toa|block)\s*{_UNIT_NO}"
    r"(?=\s+(?i:tòa|toa|block|lô|chung cư|chung cu|khu))"
    rf"|\b(?i:căn hộ|can ho|lô)\s*{_UNIT_NO}"
)
_VILLAGE = (
    rf"\b(?:(?i:thôn|xóm|ấp|khóm|thon|xom|ap)|bản)\s+[{_UPPER}][^\W\d_]*(?:\s+[{_UPPER}][^\W\d_]*)?"
)
_NAMEWORDS = rf"[{_UPPER}][^\W\d_]*(?:\s+[{_UPPER}][^\W\d_]*){{0,3}}"
_HOUSE = r"\d+[a-zA-Z]?(?:/\d+[a-zA-Z]?)*"
ADDRESS_ANCHORS = re.compile(
    "|".join(
        (
            rf"(?i:số nhà|nhà số|số|sn)\s*{_HOUSE}(?=\s*(?:,\s*)?(?:{_LANE}|(?i:đường|phố)|{_AREA}|[{_UPPER}]))",
            _LANE,
            _AREA,
            _BUILDING,
            _VILLAGE,
            rf"\b(?i:ở|tại|nhà|chỉ|đc|đ/c|o|tai|nha)\s(?P<cued>{_HOUSE})(?=\s+(?i:đường\s+|phố\s+)?[{_UPPER}])",
            rf"(?<![\w/]){_HOUSE}/\d+[a-zA-Z]?(?=\s+(?i:đường\s+|phố\s+)?[{_UPPER}])",
        )
    ),
)
ADDRESS_CONTINUATION = re.compile(
    rf"(?:\s*,?\s*(?:{_LANE}|{_AREA}|{_BUILDING}|(?i:tòa|toa|block|chung cư|khu đô thị|kđt)\s+[\w-]+|(?i:đường|phố|đ\.)\s+{_NAMEWORDS}|{_NAMEWORDS}))",
)
AREA_STOP = re.compile(
    r"\s*,?\s*(?:phường|xã|quận|huyện|tỉnh|thành phố|tp|thị xã|thị trấn)\b", re.IGNORECASE
)
WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
#: Capitalised words that follow a kin word without being a name ("Thầy Cô", "Em Trường…").
COMMON_CAPITALISED = frozenset(
    (
        "trường",
        "lớp",
        "nhà",
        "ban",
        "hội",
        "sở",
        "phòng",
        "tôi",
        "em",
        "con",
        "các",
        "những",
        "mọi",
        "cả",
        "giáo",
        "chủ",
        "hiệu",
        "phụ",
        "học",
    )
)


def scrub(text: str) -> Scrubbed:
    """The text with personal data replaced by tags, and where each finding was.

    The text is normalised to NFC first (stored text is NFC); offsets refer to that form, which
    is the input itself whenever the input is NFC.
    """
    text = unicodedata.normalize("NFC", text)
    spans = [*_emails(text), *_numbers(text), *_addresses(text), *_names(text)]
    kept = _resolve(spans)
    out: list[str] = []
    position = 0
    for found in kept:
        out.append(text[position : found.start])
        out.append(TAGS[found.kind])
        position = found.end
    out.append(text[position:])
    return Scrubbed("".join(out), kept)


def scrub_text(text: str) -> str:
    return scrub(text).text


def _resolve(spans: list[Found]) -> list[Found]:
    """Non-overlapping findings: by priority of kind, then the longest."""
    ordered = sorted(spans, key=lambda f: (PRIORITY.index(f.kind), -(f.end - f.start), f.start))
    chosen: list[Found] = []
    for found in ordered:
        if all(found.end <= other.start or found.start >= other.end for other in chosen):
            chosen.append(found)
    merged: list[Found] = []
    for found in sorted(chosen, key=lambda f: f.start):
        previous = merged[-1] if merged else None
        if previous and previous.kind == found.kind == "name" and not found.start - previous.end:
            merged[-1] = Found("name", previous.start, found.end)
        else:
            merged.append(found)
    return merged


def _emails(text: str) -> list[Found]:
    return [Found("email", m.start(), m.end()) for m in EMAIL.finditer(text)]


def _numbers(text: str) -> list[Found]:
    found = []
    for match in NUMBER.finditer(text):
        raw = match.group().rstrip(" .-")
        start, end = match.start(), match.start() + len(raw)
        kind = _number_kind(raw, text[max(0, start - 30) : start], text[end : end + 12])
        if kind:
            found.append(Found(kind, start, end))
    return found


def _number_kind(raw: str, before: str, after: str) -> str | None:
    digits = re.sub(r"\D", "", raw)
    count = len(digits)
    if count < 5:
        return None
    phone_cue = bool(PHONE_CUE.search(before))
    id_cue = bool(ID_CUE.search(before))
    looks_like_money = MONEY_AFTER.match(after) or (
        VI_THOUSANDS.fullmatch(raw) and not raw.startswith("0")
    )
    if looks_like_money and not (phone_cue or id_cue):
        return None
    international = raw.startswith("+") or (digits.startswith("84") and count in (11, 12))
    if international and 11 <= count <= 12:
        return "id" if id_cue and not phone_cue else "phone"
    if digits.startswith("0") and 10 <= count <= 11:
        return "id" if id_cue and not phone_cue else "phone"
    if count >= 9:
        return "phone" if phone_cue and count <= 11 else "id"
    if phone_cue:
        return "phone"
    if id_cue:
        return "id"
    return None


def _addresses(text: str) -> list[Found]:
    found = []
    for match in ADDRESS_ANCHORS.finditer(text):
        if re.search(
            r"(?:ngày|hôm|lớp)\s*$", text[max(0, match.start() - 6) : match.start()], re.IGNORECASE
        ):
            continue
        end = match.end()
        while True:
            if AREA_STOP.match(text, end):
                break
            more = ADDRESS_CONTINUATION.match(text, end)
            if not more or more.end() == end or _looks_like_sentence_start(more.group()):
                break
            end = more.end()
        start = match.start("cued") if match.group("cued") else match.start()
        found.append(Found("address", start, end))
    return found


def _looks_like_sentence_start(piece: str) -> bool:
    first = WORD.search(piece)
    return bool(first) and fold(first.group()) in {
        "truong",
        "lop",
        "nha",
        "co",
        "thay",
        "con",
        "em",
        "toi",
    }


Words = list[tuple[str, int, int]]


def _plain_text(words: Words) -> bool:
    """Typed without accents: then "co lan" is read as "cô Lan" (few words carry a diacritic)."""
    accented = sum(not _is_plain(word) for word, _, _ in words)
    return len(words) >= 3 and accented <= len(words) // 10


def _shouting(text: str) -> bool:
    letters = [char for char in text if char.isalpha()]
    return len(letters) >= 12 and sum(char.isupper() for char in letters) > 0.6 * len(letters)


def _names(text: str) -> list[Found]:
    if _shouting(text) and len(text.lower()) == len(text):
        # ALL CAPS: capitals say nothing, so read it in lowercase (lowercase full names,
        # given names after kin words); offsets are unchanged
        text = text.lower()
    words = [(m.group(), m.start(), m.end()) for m in WORD.finditer(text)]
    plain = _plain_text(words)
    found: list[Found] = []
    index = 0
    while index < len(words):
        title = _title_at(words, index, plain)
        if title is not None:
            end, capitalised_only = title
            span = _name_after_title(words, end + 1, text, plain, capitalised_only)
            if span:
                found.append(Found("name", words[span[0]][1], words[span[1]][2]))
                index = span[1] + 1
                continue
        full = _full_name_at(words, index, text, plain)
        if full:
            if full[2]:
                found.append(Found("name", words[full[0]][1], words[full[1]][2]))
            index = full[1] + 1
            continue
        index += 1
    return found


def _is_plain(word: str) -> bool:
    """Typed without diacritics (so 'co' may be 'cô', but 'có' is never 'cô')."""
    return fold(word) == word.lower()


def _in(word: str, exact: frozenset[str], folded: frozenset[str], plain: bool) -> bool:
    """``word`` is in a list, accented exactly, or, in a text typed without accents, folded.

    Folding only there keeps "Trường" from matching the family name Trương, and "chủ" from
    matching Chu, in ordinary accented text.
    """
    return word.lower() in exact or (plain and _is_plain(word) and fold(word) in folded)


def _role_at(words: Words, index: int) -> int | None:
    """The index of the last word of a role phrase starting at ``index`` (longest first)."""
    for phrase in ROLES_BY_FIRST_WORD.get(words[index][0].lower(), ()):
        end = index + len(phrase) - 1
        if (
            end < len(words)
            and all(words[index + k][0].lower() == part for k, part in enumerate(phrase))
            and all(words[k + 1][1] - words[k][2] <= 2 for k in range(index, end))
        ):
            return end
    return None


def _title_at(words: Words, index: int, plain: bool) -> tuple[int, bool] | None:
    """A kin, honorific or role word at ``index``: (index of its last word, capitalised only).

    "bác bảo vệ Lâm" is one title ("bác" + a role); after a role such as "học sinh" only a
    capitalised word is a name ("học sinh giỏi" is not).
    """
    role_end = _role_at(words, index)
    if role_end is not None:
        phrase = " ".join(w[0].lower() for w in words[index : role_end + 1])
        return role_end, phrase in CAPITALISED_ONLY_AFTER
    word = words[index][0]
    if not _in(word, HONORIFICS, FOLDED_HONORIFICS, plain):
        return None
    if index and (
        words[index - 1][0].lower() in ("tiếng", "tieng")
        or _in(words[index - 1][0], PLACE_WORDS, FOLDED_PLACE_WORDS, plain)
    ):
        return None  # tiếng Anh, Tiểu học Ông Ích Khiêm
    following = _role_at(words, index + 1) if index + 1 < len(words) else None
    if following is not None:
        return following, True
    return index, False


def _is_name_word(word: str, capitalised: bool, plain: bool) -> bool:
    if word.isupper() and len(word) > 1:
        return False
    if capitalised:
        return (
            word[0].isupper()
            and not _in(word, HONORIFICS, FOLDED_HONORIFICS, plain)
            and word.lower() not in COMMON_CAPITALISED
        )
    return _in(word, GIVEN_NAMES, FOLDED_GIVEN, plain)


def _name_after_title(
    words: Words, start: int, text: str, plain: bool, capitalised_only: bool
) -> tuple[int, int] | None:
    if start >= len(words):
        return None
    gap = text[words[start - 1][2] : words[start][1]]
    if gap.strip() not in ("", ":", ","):
        return None
    title_word = fold(words[start - 1][0])
    capitalised = words[start][0][0].isupper()
    if not capitalised and _not_a_name(words[start - 1][0], words[start][0], plain):
        return None  # anh hùng, cô giáo, bà con (but "anh Hùng" is a name)
    if capitalised_only and not capitalised:
        return None
    end = start - 1
    while end + 1 < len(words) and end + 1 - start < 4:
        word, word_start, _ = words[end + 1]
        if end >= start and text[words[end][2] : word_start].strip():
            break
        if not _is_name_word(word, capitalised, plain):
            break
        following = words[end + 2][0] if end + 2 < len(words) else ""
        if not capitalised and _not_a_name(word, following, plain):
            break
        end += 1
    if end < start:
        return None
    if not capitalised and re.match(r"\s*\d", text[words[end][2] :]):
        return None  # "tháng 3", "lần 2": a word followed by a number is not a name
    phrase = " ".join(w[0] for w in words[start : end + 1]).lower()
    with_title = " ".join(w[0] for w in words[max(0, start - 2) : end + 1]).lower()
    if (
        phrase in FAMOUS
        or any(with_title.endswith(name) for name in FAMOUS)
        or (title_word == "bac" and phrase == "hồ")
    ):
        return None  # Hai Bà Trưng, Bác Hồ
    return start, end


def _not_a_name(word: str, following: str, plain: bool) -> bool:
    """Whether ``word following`` is an everyday phrase ("an toàn", "lan can")."""
    pair = f"{word} {following}".lower()
    return pair in NOT_NAMES or (plain and fold(pair) in FOLDED_NOT_NAMES)


def _full_name_at(words: Words, index: int, text: str, plain: bool) -> tuple[int, int, bool] | None:
    """A full name starting at ``index``: (start, end, is_person); None if none starts there.

    A candidate in a place context (Trường THCS Trương Công Định) or a historic figure is returned
    with ``is_person`` False, so that its later words are not read as a name of their own.
    """
    word = words[index][0]
    if word.isupper() and len(word) > 1:
        return None
    capitalised = word[0].isupper()
    family = FAMILY_NAMES if capitalised else CORE_FAMILY_NAMES
    if not _in(word, family, FOLDED_FAMILY if capitalised else FOLDED_CORE_FAMILY, plain):
        return None
    end = index
    while end + 1 < len(words) and end - index < 3:
        nxt, nxt_start, _ = words[end + 1]
        if text[words[end][2] : nxt_start].strip():
            break
        if capitalised:
            if not nxt[0].isupper() or (nxt.isupper() and len(nxt) > 1):
                break
        elif (end == index and not _in(nxt, MIDDLE_NAMES, FOLDED_MIDDLE, plain)) or (
            end > index and not _in(nxt, GIVEN_NAMES, FOLDED_GIVEN, plain)
        ):
            break
        end += 1
    if end == index or (not capitalised and end - index < 2):
        return None  # lowercase needs family + middle + given: "nguyễn văn an"
    phrase = " ".join(w[0] for w in words[index : end + 1]).lower()
    previous = [w[0].lower() for w in words[max(0, index - 2) : index]]
    in_place = bool(previous) and (
        previous[-1] in PLACE_WORDS or " ".join(previous) in ("tiểu học", "mầm non", "chủ tịch")
    )
    return index, end, not (in_place or phrase in FAMOUS)

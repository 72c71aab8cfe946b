"""Removing personal data from Vietnamese free text before it is stored (docs/PRIVACY.md).

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

from survey_server.privacy.gazetteer import bare_places, ordinary_words, places, spelling
from survey_server.privacy.lexicon import (
    BARE_NAME_CUES,
    BODY_WORDS,
    CAPITALISED_ONLY_AFTER,
    CORE_FAMILY_NAMES,
    DESCRIPTORS,
    FAMILY_NAMES,
    FAMOUS,
    GIVEN_NAMES,
    HONORIFICS,
    LOWERCASE_WORDS,
    MIDDLE_NAMES,
    NICKNAMES,
    NOT_NAMES,
    NOT_PLACE_COMPOUNDS,
    ONE_SYLLABLE_COUNTRIES,
    ORIGIN_WORDS,
    PERSON_CUES,
    PLACE_HEADS,
    PLACE_WORDS,
    ROLE_PHRASES,
    SUBJECTS,
)
from survey_server.privacy.model import person_spans

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
#: Capitalised abbreviations that follow a title without being initials ("cô GVCN").
ACRONYMS = frozenset(
    [
        "THCS",
        "THPT",
        "TH",
        "MN",
        "GV",
        "GVCN",
        "UBND",
        "BGH",
        "PHHS",
        "CMHS",
        "HS",
        "CLB",
        "TP",
        "BHYT",
        "CCCD",
        "CMND",
        "SĐT",
        "SDT",
        "STK",
        "ĐT",
        "GDĐT",
        "HĐND",
        "MTTQ",
        "ĐTN",
        "TNCS",
        "ATGT",
        "PCCC",
        "BHXH",
        "BV",
        "CA",
        "KP",
        "TDP",
        "THPTQG",
        "GD",
        "ĐH",
        "CĐ",
        "TW",
        "TƯ",
        "VN",
        "HN",
        "SG",
        "HCM",
        "TPHCM",
    ]
)
#: Words a bare name is made of, and the ones that cannot end it.
BARE_NAME_WORDS = GIVEN_NAMES | MIDDLE_NAMES | NICKNAMES
MIDDLE_ONLY = MIDDLE_NAMES - GIVEN_NAMES - NICKNAMES
FOLDED_CUES = frozenset(fold(word) for word in PERSON_CUES)
#: Prepositions that are also family names ("Từ", "Với"): never the first word of a weak name.
LEADING_WORDS = PERSON_CUES | ORIGIN_WORDS
_EXACT_LISTS = (
    SUBJECTS,
    ONE_SYLLABLE_COUNTRIES,
    ORIGIN_WORDS,
    PLACE_HEADS,
    NOT_PLACE_COMPOUNDS,
    BODY_WORDS,
)
#: The same lists without accents, for text typed without them.
_FOLDED_LISTS = tuple(frozenset(fold(entry) for entry in listed) for listed in _EXACT_LISTS)
ROLE_WORDS = tuple(tuple(phrase.split()) for phrase in ROLE_PHRASES)
#: Role phrases by their first word, longest first: one dictionary look-up per word of a text.
ROLES_BY_FIRST_WORD: dict[str, tuple[tuple[str, ...], ...]] = {
    first: tuple(sorted((p for p in ROLE_WORDS if p[0] == first), key=len, reverse=True))
    for first in {phrase[0] for phrase in ROLE_WORDS}
}
FOLDED_ROLES_BY_FIRST_WORD: dict[str, tuple[tuple[str, ...], ...]] = {
    first: tuple(
        sorted(
            {tuple(fold(w) for w in p) for p in ROLE_WORDS if fold(p[0]) == first},
            key=len,
            reverse=True,
        )
    )
    for first in {fold(phrase[0]) for phrase in ROLE_WORDS}
}
FOLDED_OCCUPATIONS = frozenset(fold(phrase) for phrase in CAPITALISED_ONLY_AFTER)

#: Codes of letters and many digits: health insurance cards (HS4797923456789), pupil codes.
LETTERED_ID = re.compile(r"(?<![\w.])[A-Z]{2,3}\d{8,15}(?!\w)")
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
    r"mshs|mã hs|mã học sinh|số báo danh|sbd)[\w\s]{0,25}?\W{0,3}(?:số|là|la|:)?\W{0,3}$",
    re.IGNORECASE,
)

#: Capital letters of Vietnamese (``re`` has no \p{Lu}): A–Z and every accented capital.
_UPPER = "A-Z" + "".join(
    chr(c) for c in range(0xC0, 0x1EFA) if chr(c).isupper() and chr(c).isalpha()
)
_LANE = (
    r"(?:\b(?:[Nn]gõ|[Nn]gách|[Hh]ẻm|kiệt|[Hh]ẽm|ngo|ngach|hem|kiet)\s*\d+[a-zA-Z]?"
    r"(?:/\d+[a-zA-Z]?)*|\bK\d+(?:/\d+)+)"  # kiệt in Đà Nẵng is also written K82/15
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
_NAMEWORDS = rf"[{_UPPER}][^\W\d_]*(?:\s+[{_UPPER}][^\W\d_]*){{0,3}}"
_HOUSE = r"\d+[a-zA-Z]?(?:/\d+[a-zA-Z]?)*"
#: Capitalised words that start a body or a time, not a street, after a number ("3 Bệnh viện",
#: "2 Trường THCS", "năm 2020 Bộ Giáo dục").
_NOT_STREET = (
    r"(?:Trường|Bệnh|Sở|Bộ|Phòng|Trung|Công|Ủy|Uỷ|UBND|Ban|Hội|Đội|Học|Giáo|Phụ|Tiểu|Mầm|"
    r"Thông|Nghị|Quyết|Chỉ|Điều|Khoản|Lớp|Khối|Tháng|Năm|Ngày|Tuần|Thứ|Chủ|Cô|Thầy|Em|Con|"
    r"Cháu|Anh|Chị|Ông|Bà|Các|Những|Mọi|Tôi|Chúng|THCS|THPT|TH|MN)\b"
)
ADDRESS_ANCHORS = re.compile(
    "|".join(
        (
            rf"(?i:số nhà|nhà số|số|sn)\s*{_HOUSE}(?=\s*(?:,\s*)?(?:{_LANE}|(?i:đường|phố)|{_AREA}|[{_UPPER}]))",
            _LANE,
            _AREA,
            _BUILDING,
            # a named hamlet with a number: "ấp Bình Thạnh 2" (a named one alone is a place)
            rf"\b(?i:thôn|xóm|ấp|khóm|bản|khu phố|tổ dân phố)\s+[{_UPPER}][^\W\d_]*"
            rf"(?:\s+[{_UPPER}][^\W\d_]*)?\s+\d+[a-zA-Z]?\b",
            rf"\b(?i:ở|tại|nhà|chỉ|đc|đ/c|o|tai|nha)\s(?P<cued>{_HOUSE})(?=\s+(?i:đường\s+|phố\s+)?[{_UPPER}])",
            rf"(?<![\w/]){_HOUSE}/\d+[a-zA-Z]?(?=\s+(?i:đường\s+|phố\s+)?[{_UPPER}])",
            # a house number before a street of two capitalised words or more, or before a
            # lane: "(6 Nại Nam, …)", "khách sạn 331 Nguyễn Văn Linh", "15/3 hẻm 51"
            rf"(?<![\w/.,\-–])(?P<house>{_HOUSE})(?=\s+(?:(?i:đường|phố|đại lộ)\s+)?(?!{_NOT_STREET})"
            rf"[{_UPPER}][^\W\d_]*\s+[{_UPPER}]|\s+(?i:ngõ|ngách|hẻm|kiệt|đường số)\s*\d)",
            # flats: "CT3.13", "TT 3.13", "P.1205", "căn A12-05"
            r"\b(?:CT|TT|[Cc]ăn(?: hộ)?)\s?[A-Z]?\d{1,4}(?:[.\-]\d{1,3})?[A-Z]?\b"
            r"|\bP\.?\s?\d{3,4}\b",
        )
    ),
)
ADDRESS_CONTINUATION = re.compile(
    rf"(?:\s*,?\s*(?:{_LANE}|{_AREA}|{_BUILDING}|(?i:tòa|toa|block|chung cư|khu đô thị|kđt)\s+[\w-]+|(?i:đường|phố|đ\.)\s+{_NAMEWORDS}|{_NAMEWORDS}))",
)
#: Words before a number that make it a count, a date or a reference, not a house number.
COUNTED = re.compile(  # matched on folded text: "lớp" and "LOP" alike
    r"(?:ngay|thang|nam|lop|khoi|ca|benh nhan|bn|so|khoang|gom|co|hon|tren|duoi|top|dieu|khoan|"
    r"thong tu|nghi dinh|quyet dinh|cong van|chi thi|tuyen|xe buyt|phong|tang|luc|tu|den|"
    r"toi|va|con|mat|duoc|them|ca|tong|hang|giai)\s*$"
)
AREA_STOP = re.compile(
    r"\s*,?\s*(?:phường|xã|quận|huyện|tỉnh|thành phố|tp|thị xã|thị trấn)\b", re.IGNORECASE
)
WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
#: Initials in every written form: H.T.P, N.T.H., T.T.B.P., Ng.T.H, L.M.K.
INITIALS = re.compile(
    rf"(?<![\w.])(?:[{_UPPER}][a-zđ]?\.\s?){{1,4}}[{_UPPER}](?:\.|(?!\w))(?!\s?\d)"
)
#: One initial with no title, before the rest of the sentence: "T. ăn sáng cùng gia đình".
LONE_INITIAL = re.compile(rf"(?<![\w.])[{_UPPER}]\.(?=\s+[a-zà-ỹđ])")
#: Dotted abbreviations that are not initials.
NOT_INITIALS = frozenset(("T.Ư", "U.S", "U.S.A", "T.W", "V.V", "S.O.S", "O.K"))
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
        "đội",
    )
)


def scrub(text: str, *, deep: bool = False) -> Scrubbed:
    """The text with personal data replaced by tags, and where each finding was.

    The text is normalised to NFC first (stored text is NFC); offsets refer to that form, which
    is the input itself whenever the input is NFC. ``deep`` adds the statistical reading of
    names (``privacy.model``): a few milliseconds a comment, so not on the submission path.
    Scrubbing scrubbed text again only adds findings: the tags are left as they are.
    """
    text = unicodedata.normalize("NFC", text)
    spans = [*_emails(text), *_numbers(text), *_addresses(text), *_names(text, deep)]
    kept = _resolve(spans)
    out: list[str] = []
    position = 0
    for found in kept:
        out.append(text[position : found.start])
        out.append(TAGS[found.kind])
        position = found.end
    out.append(text[position:])
    return Scrubbed("".join(out), kept)


def prepare() -> None:
    """Load the gazetteers and the word list (about 0.8 s), so that the first comment a
    server process scrubs does not wait for them on the event loop."""
    places()
    bare_places()
    ordinary_words()


def scrub_text(text: str, *, deep: bool = False) -> str:
    return scrub(text, deep=deep).text


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
    return [Found("email", m.start(), m.end()) for m in EMAIL.finditer(text)] + [
        Found("id", m.start(), m.end()) for m in LETTERED_ID.finditer(text)
    ]


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
    looks_like_money = not (digits.startswith("0") and 10 <= count <= 11) and (
        MONEY_AFTER.match(after) or (VI_THOUSANDS.fullmatch(raw) and not raw.startswith("0"))
    )  # "gọi 024 3856 7214 buổi tối" is a phone number, not 7214 sessions
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
    found: list[Found] = []
    if not any(map(str.isdigit, text)):
        return found  # every address the scrubber removes holds a number
    for match in ADDRESS_ANCHORS.finditer(text):
        if re.search(
            r"(?:ngày|hôm|lớp)\s*$", text[max(0, match.start() - 6) : match.start()], re.IGNORECASE
        ):
            continue
        if match.group("house") and (
            COUNTED.search(fold(text[max(0, match.start() - 24) : match.start()]))
            or text[match.end() : match.end() + 30].split()[0].isupper()
        ):
            continue  # a count ("có 3 Bệnh viện"), or capitals in a text typed in capitals
        end = match.end()
        while True:
            if AREA_STOP.match(text, end):
                break
            more = ADDRESS_CONTINUATION.match(text, end)
            if not more or more.end() == end or _looks_like_sentence_start(more.group()):
                break
            if more.group().lstrip().startswith(",") and _is_place(WORD.findall(more.group())):
                break  # "12 ngõ 5 Lê Lợi, Hải Châu": the ward is no part of the home
            end = more.end()
        start = match.start("cued") if match.group("cued") else match.start()
        found.append(Found("address", start, end))
    return found


def _is_place(names: list[str]) -> bool:
    phrase = " ".join(names)
    return spelling(phrase) in places() or fold(phrase) in bare_places()


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
    letters = sum(map(str.isalpha, text))
    return letters >= 12 and sum(map(str.isupper, text)) > 0.6 * letters


def _names(text: str, deep: bool = False) -> list[Found]:
    """People's names: each candidate comes with its evidence (a kin or honorific word before
    it is strong; a role word, a family name or a given name alone is weak), and a weak one
    that the gazetteers or the words around it say is a place, a body or a subject is dropped."""
    read = person_spans(text, fold) if deep else []
    if _shouting(text) and len(text.lower()) == len(text):
        # ALL CAPS: capitals say nothing, so read it in lowercase (lowercase full names,
        # given names after kin words); offsets are unchanged
        text = text.lower()
    words = [(m.group(), m.start(), m.end()) for m in WORD.finditer(text)]
    plain = _plain_text(words)
    candidates: list[tuple[int, int, bool]] = []  # first word, last word, strong evidence
    candidates += _model_names(words, text, read)
    index = 0
    while index < len(words):
        title = _title_at(words, index, plain)
        if title is not None:
            end, capitalised_only, strong = title
            span = _name_after_title(words, end + 1, text, plain, capitalised_only)
            if span:
                candidates.append((span[0], span[1], strong))
                index = span[1] + 1
                continue
        full = _full_name_at(words, index, text, plain)
        if full:
            if full[2]:
                candidates.append((full[0], full[1], False))
            index = full[1] + 1
            continue
        index += 1
    candidates += _bare_names(words, text)
    shielded = _gazetteer_words(words, text)
    found = []
    for first, last, strong in candidates:
        if first - 1 in shielded:
            continue  # the "title" starts a place: "Bà Rịa", "Bà Nà", "Ông Ích Khiêm"
        if not strong and first < last and words[first][0].lower() in LEADING_WORDS:
            first += 1  # "Từ Mỹ về…", "Với Ngọc…": a preposition opens the sentence
        if strong or not _shielded(words, text, first, last, shielded, plain):
            if last + 1 < len(words) and words[last + 1][0] in DESCRIPTORS:
                last += 1  # "anh Tuấn béo": the nickname is part of the name
            found.append(Found("name", words[first][1], words[last][2]))
    found += [Found("name", m.start(), m.end() - 1) for m in LONE_INITIAL.finditer(text)]
    found += [
        Found("name", m.start(), m.end())
        for m in INITIALS.finditer(text)
        if m.group().rstrip(".") not in NOT_INITIALS
    ]
    return found


def _model_names(
    words: Words, text: str, spans: list[tuple[int, int]]
) -> list[tuple[int, int, bool]]:
    """The CRF's persons as weak candidates, cut to their capitalised words (it also tags the
    kin word before a name) and never a tag the scrubber wrote ("[tên]"). What the word lists
    know better is left out: a historic figure ("Lý Tự Trọng"), a document ("Nghị định 13"),
    an abbreviation ("CDC"), a capitalised word opening a sentence ("Hạnh kiểm tốt")."""
    found = []
    dictionary = ordinary_words()
    for start, end in spans:
        inside = [
            i
            for i, (word, a, b) in enumerate(words)
            if a >= start
            and b <= end
            and word[0].isupper()
            and word.lower() not in HONORIFICS
            and word.lower() not in COMMON_CAPITALISED
        ]
        if not inside or inside[-1] - inside[0] != len(inside) - 1:
            continue
        first, last = inside[0], inside[-1]
        names = [w[0] for w in words[first : last + 1]]
        phrase = " ".join(names).lower()
        after = text[words[last][2] :].lstrip()
        following = words[last + 1][0] if last + 1 < len(words) else ""
        if (
            any(name in phrase or phrase in name for name in FAMOUS)
            or after[:1].isdigit()
            or any(len(w) > 1 and w.isupper() for w in names)
            or f"{names[-1].lower()} {following}" in dictionary
            or (
                _sentence_start(text, words[first][1])
                and len(names) == 1
                and following.lower() not in BARE_NAME_CUES
            )
        ):
            continue
        found.append((first, last, False))
    return found


def _runs(words: Words, text: str) -> list[tuple[int, int]]:
    """Runs of capitalised words separated by single spaces: (first, last) word indices."""
    runs: list[tuple[int, int]] = []
    for index, (word, start, _) in enumerate(words):
        if not word[0].isupper():
            continue
        gap = text[words[index - 1][2] : start] if index else ""
        if runs and runs[-1][1] == index - 1 and gap in (" ", "-", " - "):
            runs[-1] = (runs[-1][0], index)
        else:
            runs.append((index, index))
    return runs


def _gazetteer_words(words: Words, text: str) -> set[int]:
    """Indices of words inside a known place: the longest match in each capitalised run."""
    known, bare = places(), bare_places()
    inside: set[int] = set()
    for first, last in _runs(words, text):
        index = first
        while index <= last:
            for end in range(min(last, index + 5), index, -1):
                names = [w[0] for w in words[index : end + 1]]
                if spelling(" ".join(names)) in known or (
                    all(_is_plain(name) for name in names) and fold(" ".join(names)) in bare
                ):
                    inside.update(range(index, end + 1))
                    index = end
                    break
            index += 1
    return inside


def _shielded(
    words: Words, text: str, first: int, last: int, gazetteer: set[int], plain: bool
) -> bool:
    """Whether a weakly evidenced name is a place, a body or a subject after all. Words are
    compared with their accents ("khối" is no "Khôi"), folded only in text typed without."""
    if first in gazetteer:
        return True  # "Thái Bình", but not "Hoàng Minh Đức" for the ward of Minh Đức
    lists = _FOLDED_LISTS if plain else _EXACT_LISTS
    subjects, countries, origin, heads, not_place, body_words = lists
    lowered = [fold(w[0]) if plain else w[0].lower() for w in words]
    if first == last and lowered[first] in subjects:
        return True
    joined = 0  # the words before that are joined to the name by spaces alone
    while joined < 3 and first - joined > 0:
        if text[words[first - joined - 1][2] : words[first - joined][1]].strip():
            break
        joined += 1
    before = lowered[first - joined : first]
    if first == last and lowered[first] in countries and before[-1:] and before[-1] in origin:
        return True
    for size in (1, 2, 3):
        head = " ".join(before[-size:]) if len(before) >= size else ""
        if head in heads:
            compound = " ".join(before[-2:])
            return size > 1 or not (compound in not_place or _compound(before[-2:]))
    inner = first
    while (
        inner > 0
        and first - inner < 6
        and not text[words[inner - 1][2] : words[inner][1]].strip()
        and (lowered[inner - 1] in body_words or words[inner - 1][0][0].isupper())
    ):
        inner -= 1
        if lowered[inner] in heads or " ".join(lowered[inner : inner + 2]) in heads:
            return True  # "Bệnh viện Trung ương Huế", "Sở Giáo dục và Đào tạo Hà Nội"
    # a body named after its head ("Khoa Nội", "Công ty Hoa Sen"), not "Khoa không đến"
    following = words[first + 1][0] if first + 1 < len(words) else ""
    opening = " ".join(lowered[first : first + 3])
    return any(
        opening.startswith(head + " ") and (" " in head or following[:1].isupper())
        for head in heads
    )


def _unaccented_name(words: Words, first: int, folded: list[str]) -> list[tuple[int, int, bool]]:
    """In a run typed without accents or in capitals ("chủ TK NGUYEN THI THU HUONG", "bo cua
    Bao Ngoc"), a family name and given names, or given names after a person cue."""
    given = [f in FOLDED_GIVEN or f in FOLDED_MIDDLE for f in folded]
    for offset, word in enumerate(folded[:-1]):
        if word in FOLDED_FAMILY and all(given[offset + 1 :]):
            return [(first + offset, first + len(folded) - 1, False)]
    previous = fold(words[first - 1][0]) if first else ""
    if all(given) and previous in FOLDED_CUES:
        return [(first, first + len(folded) - 1, False)]
    return []


def _compound(previous: list[str]) -> bool:
    """Whether the two words before a name make a word that is not a place's head ("môi
    trường", "đối tượng", "trưởng ban"), so its place word ("trường", "tượng") does not count."""
    pair = " ".join(previous[-2:])
    return len(previous) >= 2 and (
        pair in NOT_PLACE_COMPOUNDS or (pair in ordinary_words() and pair not in PLACE_HEADS)
    )


def _sentence_start(text: str, start: int) -> bool:
    before = text[:start].rstrip(" \t\"'“‘([-–—*•")
    return not before or before[-1] in ".!?:;\n…"


def _bare_names(words: Words, text: str) -> list[tuple[int, int, bool]]:
    """Given names with no title: a capitalised run of given (and middle) names, not a word
    of the language ("Hoa phượng"); at the start of a sentence only before a person cue
    ("Minh lớp 4A…", "Nhung, …") since any word is capitalised there. Names typed without
    accents or in capitals inside ordinary text ("Nguyen Nhan Hoa", "TRẦN VĂN AN") are read
    here too."""
    found: list[tuple[int, int, bool]] = []
    dictionary = ordinary_words()
    for first, last in _runs(words, text):
        if first < last and words[first][0].lower() in PERSON_CUES:
            first += 1  # "Theo Ngọc, …": the cue opens the sentence
        names = [w[0] for w in words[first : last + 1]]
        folded = [fold(w) for w in names]
        if len(names) >= 2 and (
            all(_is_plain(w) for w in names) or all(w.isupper() for w in names)
        ):
            found += _unaccented_name(words, first, folded)
            continue
        if any(w.isupper() and len(w) > 1 for w in names) or len(names) > 2:
            continue  # three given names and no family name: a place ("Phú Mỹ Hưng")
        if not all(w.lower() in BARE_NAME_WORDS for w in names):
            continue
        if names[-1].lower() in MIDDLE_ONLY or names[0].lower() in HONORIFICS:
            continue
        following = words[last + 1][0] if last + 1 < len(words) else ""
        phrase = " ".join(names).lower()
        opening = _sentence_start(text, words[first][1])
        if f"{names[-1].lower()} {following}" in dictionary or (opening and phrase in dictionary):
            continue
        if (
            f"{names[-1].lower()} {following}" in NOT_NAMES
            or names[0].lower() in COMMON_CAPITALISED
        ):
            continue
        previous = words[first - 1][0].lower() if first else ""
        after = text[words[last][2] : words[last][2] + 2]
        if opening and previous not in PERSON_CUES:
            cue = following.lower() in BARE_NAME_CUES or after[:1] in (",", ":", "(")
            if not cue:
                continue
        elif previous in ("tiếng", "tieng") or (
            len(names) == 1 and previous not in PERSON_CUES and not following
        ):
            continue
        found.append((first, last, False))
    return found


def _is_plain(word: str) -> bool:
    """Typed without diacritics (so 'co' may be 'cô', but 'có' is never 'cô'): every
    Vietnamese letter with a mark, đ included, is outside ASCII."""
    return word.isascii()


def _in(word: str, exact: frozenset[str], folded: frozenset[str], plain: bool) -> bool:
    """``word`` is in a list, accented exactly, or, in a text typed without accents, folded.

    Folding only there keeps "Trường" from matching the family name Trương, and "chủ" from
    matching Chu, in ordinary accented text.
    """
    return word.lower() in exact or (plain and _is_plain(word) and fold(word) in folded)


def _role_at(words: Words, index: int, plain: bool = False) -> int | None:
    """The index of the last word of a role phrase starting at ``index`` (longest first);
    in text typed without accents, compared without them ("co giao lan")."""
    key = fold if plain else str.lower
    roles = FOLDED_ROLES_BY_FIRST_WORD if plain else ROLES_BY_FIRST_WORD
    for phrase in roles.get(key(words[index][0]), ()):
        end = index + len(phrase) - 1
        if (
            end < len(words)
            and all(key(words[index + k][0]) == part for k, part in enumerate(phrase))
            and all(words[k + 1][1] - words[k][2] <= 2 for k in range(index, end))
        ):
            return end
    return None


def _title_at(words: Words, index: int, plain: bool) -> tuple[int, bool, bool] | None:
    """A kin, honorific or role word at ``index``: (index of its last word, capitalised only,
    strong evidence).

    "bác bảo vệ Lâm" is one title ("bác" + a role); after a role such as "học sinh" only a
    capitalised word is a name ("học sinh giỏi" is not). A title with a kin or honorific word
    is strong evidence; an occupation alone ("học sinh", "y tế") is weak ("học sinh Việt Nam").
    """
    role_end = _role_at(words, index, plain)
    if role_end is not None:
        phrase = " ".join(w[0].lower() for w in words[index : role_end + 1])
        occupation = phrase in CAPITALISED_ONLY_AFTER or fold(phrase) in FOLDED_OCCUPATIONS
        return role_end, occupation, not occupation
    word = words[index][0]
    if not _in(word, HONORIFICS, FOLDED_HONORIFICS, plain):
        return None
    if index and (
        words[index - 1][0].lower() in ("tiếng", "tieng")
        or _in(words[index - 1][0], PLACE_WORDS, FOLDED_PLACE_WORDS, plain)
    ):
        return None  # tiếng Anh, Tiểu học Ông Ích Khiêm
    following = _role_at(words, index + 1, plain) if index + 1 < len(words) else None
    if following is not None:
        return following, True, True
    return index, False, True


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
    first_word = words[start][0]
    if 2 <= len(first_word) <= 4 and first_word.isupper() and first_word not in ACRONYMS:
        return start, start  # "em NVA lớp 12A4": initials written without dots
    capitalised = first_word[0].isupper()
    if not capitalised and (
        _not_a_name(words[start - 1][0], words[start][0], plain) or _lowercase_word(words, start)
    ):
        return None  # anh hùng, cô giáo, bà con, bố trí, cô bảo (but "anh Hùng" is a name)
    if capitalised_only and not capitalised:
        return None
    end = start - 1
    while end + 1 < len(words) and end + 1 - start < 4:
        word, word_start, _ = words[end + 1]
        if end >= start and text[words[end][2] : word_start].strip() not in ("", "'", "’", "-"):
            break  # "H'Hen Niê", "Y-Moan" are one name
        if not _is_name_word(word, capitalised, plain) and not (
            end < start and not capitalised and _family_then_given(words, end + 1, plain)
        ):
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


def _family_then_given(words: Words, index: int, plain: bool) -> bool:
    """A lowercase full name after a title: "bà lưu thị diệp", "ong tran van ba"."""
    following = words[index + 1][0] if index + 1 < len(words) else ""
    return _in(words[index][0], FAMILY_NAMES, FOLDED_FAMILY, plain) and (
        _in(following, MIDDLE_NAMES, FOLDED_MIDDLE, plain)
        or _in(following, GIVEN_NAMES, FOLDED_GIVEN, plain)
    )


def _lowercase_word(words: Words, index: int) -> bool:
    """Whether a lowercase word after a title is a word of the language, not a given name:
    "bố trí", "ông dương tính", "cô bảo các con" (in accented text only)."""
    word = words[index][0]
    if _is_plain(word) and fold(word) == word:
        return False
    dictionary = ordinary_words()
    following = words[index + 1][0].lower() if index + 1 < len(words) else ""
    return (
        (word in LOWERCASE_WORDS and following not in GIVEN_NAMES)
        or f"{words[index - 1][0].lower()} {word}" in dictionary
        or f"{word} {following}" in dictionary
    )


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
    if not capitalised and any(
        f"{words[k][0]} {words[k + 1][0]}".lower() in NOT_NAMES for k in range(index, end)
    ):
        return None  # "đoàn công nhân": a word of the language, not a name
    phrase = " ".join(w[0] for w in words[index : end + 1]).lower()
    previous = [w[0].lower() for w in words[max(0, index - 2) : index]]
    in_place = bool(previous) and (
        (previous[-1] in PLACE_WORDS and not _compound(previous))
        or " ".join(previous) in ("tiểu học", "mầm non", "chủ tịch")
    )
    return index, end, not (in_place or phrase in FAMOUS)

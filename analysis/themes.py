"""Comment themes: what parents write about in free text, and whether they praise or complain.

The taxonomy is data (``analysis/themes.toml``, read with :mod:`tomllib`) so that an office can
extend it with its own file (:func:`load_taxonomy`); this module normalises text and matches
phrases.

**Normalising** (:func:`normalise`): NFC, ``casefold``, split on whitespace; each token is split
into words and punctuation; abbreviations and teen-code are expanded as whole words ("ko đc" →
"không được", "gv" → "giáo viên"); diacritics are removed ("đ" → "d") and runs of three or more
equal letters shortened ("tốttt" → "tot"). Expansion looks at a word *before* its diacritics are
removed, so that "hông" (không) is not "hỏng" (broken). A few keys depend on their neighbours:
multi-word keys ("nhà vs" is nhà vệ sinh, "vs" alone is "với") and one-letter keys, which are
not expanded after a number ("50 k" is money). Parents type with or without diacritics, in
capitals or not, in NFC or NFD: all read the same. Punctuation stays, as separate tokens.

**Matching**: a keyword is normalised the same way and matches a run of whole tokens, never
part of a word ("ph" is not in "phong", "an toan" not in "ban toan") and never across
punctuation. A theme may list ``exclude`` phrases: a keyword of that theme lying inside one of
them does not count ("tôi thấy có" is not "thầy cô", "THCS An Toàn" is a school).

**Tone** (+1 praise, −1 complaint or request, 0 neutral), from cue phrases taken longest first
and without overlap, so that a ``neutral`` phrase hides the cues inside it ("không có gì phải
phàn nàn", "tốt nghiệp"):

* a praise cue (a keyword of a ``praise`` theme) at most two words after a negator ("không
  tốt", "chưa thật sự tận tâm") is a complaint; a complaint cue there does not count ("không bị
  bắt nạt"); a punctuation mark ends the reach of a negator;
* a wish opener ("mong", "chúc") followed within five words by a wish goal ("tiếp tục", "ngày
  càng", "sức khỏe") is praise, and the opener is then no request;
* any complaint or request makes the comment −1, even beside thanks: a mixed comment asks for
  something, and that is what an office must read; otherwise any praise makes it +1.

A ``praise`` theme ("khen_ngoi") is marked only on comments whose tone is +1.

**Speed**: a token is normalised once per :func:`classify` call and looked up after that, and
becomes two characters of a short *code string* (words no phrase uses share one code), so the
regexes (trie-shaped alternations) run over thirty characters rather than a hundred. Themes
take one scan that moves past the longest phrase at each place, what lies inside each phrase
being worked out when the taxonomy is compiled; tone takes another. Repeated short comments
("Không", "Tốt") are classified once per call. On this machine (a Xeon VM, Python 3.11):
about 7.5 µs per comment for distinct comments of about 60 characters, about 5 µs for a mix
where a third are stock answers, 3.3 s for a million rows of which 30 % are empty.

>>> taxonomy = load_taxonomy()
>>> result = classify(["Học phí cao quá, đề nghị giảm", "Cảm ơn cô giáo rất tận tâm", None], taxonomy)
>>> [[taxonomy.ids[j] for j in row.nonzero()[0]] for row in result.themes]
[['hoc_phi'], ['giao_vien', 'khen_ngoi'], []]
>>> result.tone.tolist(), result.commented.tolist()
([-1, 1, 0], [True, True, False])
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Literal, NamedTuple

import numpy as np

BUNDLED = Path(__file__).with_name("themes.toml")

#: A praise or complaint cue at most this many words after a negator is negated.
NEGATION_WINDOW = 2
#: A wish goal at most this many words after a wish opener makes a wish.
WISH_WINDOW = 5
#: Comments up to this length are classified once per call (they repeat: "Không", "Tốt").
MEMO_MAX_CHARS = 64

_ID = re.compile(r"[a-z0-9_]+")
_WORD = re.compile(r"[\w\u0300-\u036f]")
_PARTS = re.compile(r"[\w\u0300-\u036f]+|[^\w\u0300-\u036f]+")
_REPEATS = re.compile(r"([a-z])\1{2,}")
_TONE_LISTS = ("complaint", "negators", "neutral", "wish_openers", "wish_goals")
_PRAISE, _COMPLAINT, _NEGATOR, _NEUTRAL, _OPENER, _GOAL = 1, 2, 4, 8, 16, 32

#: Every token is coded as two characters (see :func:`_code`); these are the codes of a word
#: no phrase uses, a number no phrase uses, and any punctuation.
_OTHER, _NUMBER, _BREAK = "\x01\x01", "\x02\x02", "\x03\x03"
_RAW, _OWN = "\x04", "\x05"  # first characters of context abbreviations, normalise()'s words
_SPREAD = 16


def _code(number: int) -> str:
    """The code of vocabulary word ``number``: one of 16 first characters, then a second.

    A regex over one-character codes would try hundreds of first words at every position;
    with two characters each step chooses among about 16, and a match can only begin on a
    token (the first characters are never second ones).
    """
    return chr(0x3400 + number % _SPREAD) + chr(0x4E00 + number // _SPREAD)


def _fold_table() -> dict[int, str | None]:
    """Accented Latin letter → base letter (đ → d); combining mark, zero-width → nothing."""
    table: dict[int, str | None] = {}
    for code in range(0xC0, 0x1F00):
        parts = unicodedata.normalize("NFD", chr(code))
        if (
            len(parts) > 1
            and parts[0].isascii()
            and parts[0].isalpha()
            and all(unicodedata.combining(c) for c in parts[1:])
        ):
            table[code] = parts[0]
    for code in [*range(0x300, 0x370), 0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF]:
        table[code] = None
    table[ord("đ")] = "d"
    table[ord("Đ")] = "D"
    return table


_FOLD = _fold_table()
_ZERO_WIDTH = dict.fromkeys([0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF])


def _fold(word: str) -> str:
    """A word without diacritics, runs of three or more equal letters shortened."""
    return _REPEATS.sub(r"\1", word.translate(_FOLD))


def _prefold(text: str) -> str:
    """NFC, casefold, single spaces: the form abbreviation keys are compared in."""
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def _trie(phrases: Iterable[str]) -> str:
    """A regex matching any of ``phrases``, shaped as a trie so that ``re`` need not try each.

    At every branch point the longer continuation is tried first: the regex matches the longest
    phrase at a position.
    """
    root: dict[str, Any] = {}
    for phrase in phrases:
        node = root
        for char in phrase:
            node = node.setdefault(char, {})
        node[""] = {}
    return _emit(root) if root else "(?!)"


def _emit(node: Mapping[str, Any]) -> str:
    branches = [re.escape(char) + _emit(child) for char, child in sorted(node.items()) if char]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return "(?:" + body + ")?" if "" in node else body


def _near(codes: str, end: int, start: int, words: int) -> bool:
    """Whether at most ``words`` words and no punctuation lie between ``end`` and ``start``."""
    return start - end <= 2 * words and "\x03" not in codes[end:start]


class _Shortcut(NamedTuple):
    bits: int
    excludes: bool
    #: the tokens after the phrase that may let another phrase run past its end
    triggers: frozenset[str]
    inner: tuple[tuple[int, frozenset[str]], ...]


@dataclass(frozen=True)
class Theme:
    """One theme of the taxonomy, as written in the TOML."""

    id: str
    label: str
    praise: bool
    keywords: tuple[str, ...]
    exclude: tuple[str, ...] = ()


@dataclass(frozen=True)
class ToneCues:
    """The ``[tone]`` lists as written (the praise cues are the praise themes' keywords)."""

    complaint: tuple[str, ...]
    negators: tuple[str, ...]
    neutral: tuple[str, ...]
    wish_openers: tuple[str, ...]
    wish_goals: tuple[str, ...]


class _Encoder:
    """Turns text into a code string: two characters per word or punctuation run.

    ``mode`` says what a word outside the vocabulary becomes: ``"match"`` one shared code
    (classify), ``"build"`` a new vocabulary code (compiling phrases), ``"lossless"`` a code of
    its own that :meth:`words` can spell back (normalise). Tokens are cached for the encoder's
    life, which is one call: no respondent's words outlive it.
    """

    def __init__(self, compiled: _Compiled, mode: Literal["match", "build", "lossless"]) -> None:
        self.compiled = compiled
        self.mode = mode
        self.cache: dict[str, str] = {}
        self.own_code: dict[str, str] = {}
        self.own_word: dict[str, str] = {}
        self.numeric = set(compiled.numeric)

    def word(self, folded: str) -> str:
        compiled = self.compiled
        code = compiled.code_of.get(folded) or self.own_code.get(folded)
        if code:
            return code
        number = folded.isascii() and folded.isdigit()
        if self.mode == "match":
            return _NUMBER if number else _OTHER
        if self.mode == "build":
            code = _code(len(compiled.code_of))
            compiled.code_of[folded] = code
            compiled.word_of[code] = folded
            if number:
                compiled.numeric.add(code)
        else:
            code = _OWN + chr(0x10000 + len(self.own_code))
            self.own_code[folded] = code
            self.own_word[code] = folded
        if number:
            self.numeric.add(code)
        return code

    def _token(self, token: str) -> str:
        compiled = self.compiled
        codes = []
        for part in _PARTS.findall(token.translate(_ZERO_WIDTH)):
            if not _WORD.match(part):
                codes.append(self.word(part) if self.mode == "lossless" else _BREAK)
            elif part in compiled.raw_code:
                codes.append(compiled.raw_code[part])
            elif part in compiled.expansion:
                codes.append(compiled.expansion[part])
            else:
                codes.append(self.word(_fold(part)))
        self.cache[token] = code = "".join(codes)
        return code

    def _in_context(self, match: re.Match[str]) -> str:
        found = match.group()
        if len(found) > 2:
            return self.compiled.multi[found]
        expansion, literal = self.compiled.raw[found]
        start = match.start()
        if literal is not None and match.string[start - 2 : start] in self.numeric:
            return self.word(literal)
        return expansion

    def encode(self, text: str) -> str:
        get = self.cache.get
        tokens = unicodedata.normalize("NFC", text).casefold().split()
        try:
            codes = "".join(map(get, tokens))
        except TypeError:  # a token not seen yet in this call
            codes = "".join([get(token) or self._token(token) for token in tokens])
        if _RAW in codes:
            codes = self.compiled.context_sub(self._in_context, codes)
        return codes

    def words(self, codes: str) -> str:
        word_of = self.compiled.word_of
        pairs = (codes[i : i + 2] for i in range(0, len(codes), 2))
        return " ".join(word_of.get(code) or self.own_word[code] for code in pairs)


class _Compiled:
    """The matchers of one taxonomy: built once, then only read (safe to share)."""

    def __init__(
        self,
        themes: Sequence[Theme],
        tone: ToneCues,
        abbreviations: Mapping[str, str],
    ) -> None:
        self.code_of: dict[str, str] = {}
        self.word_of: dict[str, str] = {_OTHER: "…", _NUMBER: "0", _BREAK: "."}
        self.numeric: set[str] = {_NUMBER}
        self.raw_code: dict[str, str] = {}
        self.expansion: dict[str, str] = {}
        self.raw: dict[str, tuple[str, str | None]] = {}
        self.multi: dict[str, str] = {}
        builder = _Encoder(self, "build")
        self._abbreviations(abbreviations, builder)
        self.theme_info = self._theme_alternatives(themes, builder)
        trie = _trie(self.theme_info)
        self.theme_scan = re.compile(trie).finditer
        every_start = re.compile(f"(?=({trie}))")
        self.theme_finditer, self.theme_match = every_start.finditer, every_start.match
        self.theme_shortcuts = self._theme_shortcuts()
        self.tone_info, self.wish_bits = self._tone_literals(themes, tone, builder)
        self.tone_findall = re.compile(_trie(self.tone_info)).findall

    def _abbreviations(self, abbreviations: Mapping[str, str], builder: _Encoder) -> None:
        """Plain keys expand as tokens are read; the others need their neighbours (see module)."""
        keys = {_prefold(key): _prefold(value) for key, value in abbreviations.items()}
        several = [key for key in keys if " " in key]
        contextual = {key for key in keys if len(key) == 1} | {
            word for key in several for word in key.split() if word in keys
        }
        for number, key in enumerate(sorted(contextual)):
            self.raw_code[key] = _RAW + chr(0x4E00 + number)

        def codes(text: str) -> str:
            return "".join(builder.word(_fold(word)) for word in text.split())

        for key, value in keys.items():
            if key in contextual:
                literal = _fold(key) if len(key) == 1 else None
                if literal is not None:
                    builder.word(literal)
                self.raw[self.raw_code[key]] = (codes(value), literal)
            elif " " not in key:
                self.expansion[key] = codes(value)
        for key in several:
            sequence = "".join(self.raw_code.get(w) or builder.word(_fold(w)) for w in key.split())
            self.multi[sequence] = codes(keys[key])
        self.context_sub = re.compile(f"{_trie(self.multi)}|{_RAW}.").sub

    def _theme_alternatives(
        self, themes: Sequence[Theme], builder: _Encoder
    ) -> dict[str, tuple[int, tuple[tuple[int, int, int], ...], bool]]:
        """For each phrase of the theme regex: its themes, and those of its shorter prefixes.

        The regex returns one phrase per start position, the longest; a keyword (or exclusion)
        that is a prefix of it starts at the same place and is counted through it. Entries are
        ``(length, theme bits, excluded theme bits)``; the flag says whether any excludes.
        """
        own: dict[str, list[int]] = {}
        for j, theme in enumerate(themes):
            if theme.praise:
                continue
            for phrase in theme.keywords:
                own.setdefault(_phrase_codes(phrase, builder), [0, 0])[0] |= 1 << j
            for phrase in theme.exclude:
                own.setdefault(_phrase_codes(phrase, builder), [0, 0])[1] |= 1 << j
        info = {}
        for phrase in own:
            entries = tuple(
                (end, *own[phrase[:end]])
                for end in range(2, len(phrase) + 1, 2)
                if phrase[:end] in own
            )
            total = 0
            for _, bits, _ in entries:
                total |= bits
            info[phrase] = (total, entries, any(excluded for _, _, excluded in entries))
        return info

    def _tone_literals(
        self, themes: Sequence[Theme], tone: ToneCues, builder: _Encoder
    ) -> tuple[dict[str, tuple[int, int]], int]:
        flags: dict[str, list[int]] = {}
        wish_bits = 0

        def add(phrases: Iterable[str], flag: int, bits: int = 0) -> None:
            for phrase in phrases:
                entry = flags.setdefault(_phrase_codes(phrase, builder), [0, 0])
                entry[0] |= flag
                entry[1] |= bits

        for j, theme in enumerate(themes):
            if theme.praise:
                add(theme.keywords, _PRAISE, 1 << j)
                add(theme.exclude, _NEUTRAL)
                wish_bits |= 1 << j
        add(tone.complaint, _COMPLAINT)
        add(tone.negators, _NEGATOR)
        add(tone.neutral, _NEUTRAL)
        add(tone.wish_openers, _OPENER)
        add(tone.wish_goals, _GOAL)
        for codes, (flag, _) in flags.items():
            spelled = " ".join(self.word_of[codes[i : i + 2]] for i in range(0, len(codes), 2))
            if flag & _PRAISE and flag & (_COMPLAINT | _NEUTRAL):
                raise ValueError(f"tone cue {spelled!r} is both praise and complaint or neutral")
            if flag & _NEUTRAL and flag != _NEUTRAL:
                raise ValueError(f"tone cue {spelled!r} is neutral and also another kind of cue")
        return {codes: (flag, bits) for codes, (flag, bits) in flags.items()}, wish_bits

    def _theme_shortcuts(self) -> dict[str, _Shortcut]:
        """What each phrase of the scan stands for, worked out once.

        ``bits``: the themes of the keywords inside the phrase, less those inside one of its
        theme's exclusions inside the phrase; ``excludes``: whether an exclusion is inside;
        ``inner``: the offsets where another phrase could start and run past its end, each
        with the tokens that could follow the phrase then.
        """
        own = {phrase: entries[-1] for phrase, (_, entries, _) in self.theme_info.items()}
        following: dict[str, set[str]] = {}
        for phrase in own:
            for end in range(2, len(phrase), 2):
                following.setdefault(phrase[:end], set()).add(phrase[end : end + 2])
        shortcuts = {}
        for phrase in own:
            found: list[tuple[int, int, int]] = []  # (start, end, themes) of keywords inside
            exclusions: list[tuple[int, int, int]] = []
            for start in range(0, len(phrase), 2):
                for end in range(start + 2, len(phrase) + 1, 2):
                    if phrase[start:end] in own:
                        _, themes, excluded = own[phrase[start:end]]
                        found.append((start, end, themes))
                        if excluded:
                            exclusions.append((start, end, excluded))
            bits = 0
            for start, end, themes in found:
                for outer_start, outer_end, excluded in exclusions:
                    if outer_start <= start and end <= outer_end:
                        themes &= ~excluded
                bits |= themes
            inner = tuple(
                (offset, frozenset(following[phrase[offset:]]))
                for offset in range(2, len(phrase), 2)
                if phrase[offset:] in following
            )
            triggers = frozenset().union(*(could_follow for _, could_follow in inner))
            shortcuts[phrase] = _Shortcut(bits, bool(exclusions), triggers, inner)
        return shortcuts

    def theme_bits(self, codes: str) -> int:
        """Bit j set when theme j (not a praise theme) is mentioned.

        One scan takes the longest phrase at each place and moves past it; what lies inside
        that phrase is known in advance (:meth:`_theme_shortcuts`). A phrase that starts inside
        it and runs past its end is looked for where the next token allows one. When such an
        overlap meets an exclusion, the positional path decides: it is the rule as written,
        every phrase at every token, and slower.
        """
        bits = 0
        overlapped = excluding = False
        shortcuts, longest_at = self.theme_shortcuts, self.theme_match
        for match in self.theme_scan(codes):
            shortcut = shortcuts[match.group()]
            bits |= shortcut[0]
            excluding = excluding or shortcut[1]
            if shortcut[2]:
                start, end = match.span()
                after = codes[end : end + 2]
                if after not in shortcut.triggers:
                    continue
                for offset, could_follow in shortcut.inner:
                    if after not in could_follow:
                        continue
                    longer = longest_at(codes, start + offset)
                    if longer and start + offset + len(longer.group(1)) > end:
                        overlapping = shortcuts[longer.group(1)]
                        if shortcut.excludes or overlapping.excludes:
                            return self._theme_bits_excluding(codes)
                        bits |= overlapping.bits
                        overlapped = True
        # a keyword inside an overlapping phrase may lie in an exclusion matched later
        return self._theme_bits_excluding(codes) if overlapped and excluding else bits

    def _theme_bits_excluding(self, codes: str) -> int:
        """:meth:`theme_bits` when an exclusion matched: positions matter."""
        bits = 0
        spans: list[tuple[int, int]] | None = None  # exclusions seen so far: (end, theme bits)
        info = self.theme_info
        for match in self.theme_finditer(codes):
            total, entries, excludes = info[match.group(1)]
            if spans is None and not excludes:
                bits |= total
                continue
            if spans is None:
                spans = []
            start = match.start()
            spans.extend((start + end, excluded) for end, _, excluded in entries if excluded)
            for end, found, _ in entries:
                for span_end, excluded in spans:
                    if start + end <= span_end:
                        found &= ~excluded
                bits |= found
        return bits

    def tone(self, codes: str) -> tuple[int, int]:
        """The tone and the praise themes it marks (the rules are in the module doc)."""
        cues = self.tone_findall(codes)
        if not cues:
            return 0, 0
        info = self.tone_info
        flags = praise_bits = 0
        for cue in cues:
            flag, bits = info[cue]
            flags |= flag
            praise_bits |= bits
        if flags & (_NEGATOR | _OPENER):
            return self._tone_in_order(codes, cues)
        if flags & _COMPLAINT:
            return -1, 0
        return (1, praise_bits) if flags & _PRAISE else (0, 0)

    def _tone_in_order(self, codes: str, cues: list[str]) -> tuple[int, int]:
        """:meth:`tone` when a negator or wish opener is present: word distances matter."""
        complaints = praises = praise_bits = 0
        negator_end = opener_end = -1
        opener_was_complaint = False
        info = self.tone_info
        end = 0
        for cue in cues:
            # the cues do not overlap and come in order: each is the next occurrence
            start = codes.find(cue, end)
            end = start + len(cue)
            flag, bits = info[cue]
            if flag == _NEUTRAL:
                continue
            negated = negator_end >= 0 and _near(codes, negator_end, start, NEGATION_WINDOW)
            if (
                flag & _GOAL
                and opener_end >= 0
                and not negated
                and _near(codes, opener_end, start, WISH_WINDOW)
            ):
                praises += 1
                praise_bits |= self.wish_bits
                complaints -= opener_was_complaint
                opener_end = -1
            if flag & _PRAISE:
                if negated:
                    complaints += 1
                else:
                    praises += 1
                    praise_bits |= bits
            elif flag & _COMPLAINT and not negated:
                complaints += 1
            if flag & _NEGATOR:
                negator_end = end
            if flag & _OPENER:
                opener_end = end
                opener_was_complaint = bool(flag & _COMPLAINT) and not negated
        if complaints > 0:
            return -1, 0
        if praises > 0:
            return 1, praise_bits
        return 0, 0


def _phrase_codes(phrase: str, builder: _Encoder) -> str:
    codes = builder.encode(phrase)
    if not codes.strip("\x03"):
        raise ValueError(f"phrase {phrase!r} has no word")
    return codes


@dataclass(frozen=True)
class Taxonomy:
    """The themes, tone cues and abbreviations, with their compiled matchers."""

    themes: tuple[Theme, ...]
    tone: ToneCues
    abbreviations: Mapping[str, str]
    compiled: _Compiled = field(repr=False, compare=False)

    @property
    def ids(self) -> tuple[str, ...]:
        """Theme ids, in column order."""
        return tuple(theme.id for theme in self.themes)

    def normalise(self, text: str) -> str:
        """:func:`normalise` with this taxonomy's abbreviations (an office may add some)."""
        encoder = _Encoder(self.compiled, "lossless")
        return encoder.words(encoder.encode(text))


@dataclass(frozen=True)
class Classified:
    """Per comment: the themes it mentions, its tone, whether there was a comment at all.

    ``themes`` is ``(n, len(theme_ids))`` bool, ``tone`` ``(n,)`` int8 (1 praise, −1
    complaint or request, 0 neutral or no comment), ``commented`` ``(n,)`` bool: False for
    ``None`` and for text without a letter or digit ("", "..."). ``theme_ids`` names the columns.
    """

    themes: np.ndarray
    tone: np.ndarray
    commented: np.ndarray
    theme_ids: tuple[str, ...]


# --- loading -------------------------------------------------------------------------------


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"{path}: not valid TOML: {error}") from error
    except UnicodeDecodeError as error:
        raise ValueError(f"{path}: not UTF-8 text: {error}") from error


def _phrases(value: object, where: str, *, required: bool) -> tuple[str, ...]:
    if value is None and not required:
        return ()
    if not isinstance(value, list) or (required and not value):
        raise ValueError(f"{where} must be a{' non-empty' if required else ''} list of strings")
    for item in value:
        if not isinstance(item, str) or not _WORD.search(item):
            raise ValueError(f"{where}: {item!r} is not a phrase (a string with a letter)")
    return tuple(dict.fromkeys(unicodedata.normalize("NFC", item.strip()) for item in value))


def _parse_themes(
    data: Mapping[str, Any], source: Path, existing: Mapping[str, Theme]
) -> dict[str, Theme]:
    """The themes of one file merged into ``existing`` (a new dict; ``existing`` is untouched)."""
    tables = data.get("theme", [])
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise ValueError(f"{source}: 'theme' must be an array of tables ([[theme]])")
    themes = dict(existing)
    seen: set[str] = set()
    for number, table in enumerate(tables, start=1):
        theme_id = table.get("id")
        where = f"{source}: theme {theme_id!r}" if theme_id else f"{source}: theme #{number}"
        if not isinstance(theme_id, str) or not _ID.fullmatch(theme_id):
            raise ValueError(f"{where}: 'id' must be a string of [a-z0-9_]")
        if theme_id in seen:
            raise ValueError(f"{where}: defined twice in this file")
        seen.add(theme_id)
        unknown = set(table) - {"id", "label", "praise", "keywords", "exclude"}
        if unknown:
            raise ValueError(f"{where}: unknown key(s) {sorted(unknown)}")
        keywords = _phrases(
            table.get("keywords"), f"{where}: 'keywords'", required=theme_id not in existing
        )
        exclude = _phrases(table.get("exclude"), f"{where}: 'exclude'", required=False)
        if theme_id in existing:
            if "label" in table or "praise" in table:
                raise ValueError(
                    f"{where}: already defined; a file may add 'keywords' and 'exclude' to it, "
                    "not change its label or praise"
                )
            old = existing[theme_id]
            themes[theme_id] = Theme(
                theme_id,
                old.label,
                old.praise,
                tuple(dict.fromkeys(old.keywords + keywords)),
                tuple(dict.fromkeys(old.exclude + exclude)),
            )
            continue
        label = table.get("label")
        if not isinstance(label, str) or not label.strip():
            raise ValueError(f"{where}: 'label' must be a non-empty string")
        praise = table.get("praise", False)
        if not isinstance(praise, bool):
            raise ValueError(f"{where}: 'praise' must be true or false")
        label = unicodedata.normalize("NFC", label.strip())
        themes[theme_id] = Theme(theme_id, label, praise, keywords, exclude)
    return themes


def _parse_tone(data: Mapping[str, Any], source: Path, existing: ToneCues | None) -> ToneCues:
    table = data.get("tone", {})
    if not isinstance(table, dict):
        raise ValueError(f"{source}: 'tone' must be a table ([tone])")
    unknown = set(table) - set(_TONE_LISTS)
    if unknown:
        raise ValueError(f"{source}: [tone]: unknown key(s) {sorted(unknown)}")
    lists = {}
    for name in _TONE_LISTS:
        new = _phrases(table.get(name), f"{source}: [tone] {name!r}", required=False)
        old: tuple[str, ...] = getattr(existing, name) if existing else ()
        lists[name] = tuple(dict.fromkeys(old + new))
    return ToneCues(**lists)


def _parse_abbreviations(data: Mapping[str, Any], source: Path) -> dict[str, str]:
    table = data.get("abbreviations", {})
    if not isinstance(table, dict):
        raise ValueError(f"{source}: 'abbreviations' must be a table ([abbreviations])")
    parsed = {}
    for key, value in table.items():
        words = _prefold(key).split()
        if not words or not all(_PARTS.fullmatch(w) and _WORD.match(w) for w in words):
            raise ValueError(f"{source}: [abbreviations]: key {key!r} must be words")
        if not isinstance(value, str) or not value.split():
            raise ValueError(f"{source}: [abbreviations] {key!r} must map to a non-empty string")
        if not all(_PARTS.fullmatch(w) and _WORD.match(w) for w in _prefold(value).split()):
            raise ValueError(f"{source}: [abbreviations] {key!r} must map to words")
        parsed[_prefold(key)] = _prefold(value)
    return parsed


def _load(paths: Sequence[Path]) -> Taxonomy:
    themes: dict[str, Theme] = {}
    tone: ToneCues | None = None
    abbreviations: dict[str, str] = {}
    for path in paths:
        data = _read(path)
        unknown = set(data) - {"theme", "tone", "abbreviations"}
        if unknown:
            raise ValueError(
                f"{path}: unknown key(s) {sorted(unknown)}; expected [[theme]], [tone], "
                "[abbreviations]"
            )
        themes = _parse_themes(data, path, themes)
        tone = _parse_tone(data, path, tone)
        abbreviations |= _parse_abbreviations(data, path)
    if not themes or tone is None:  # tone is None only without paths
        raise ValueError(f"{paths[0]}: no [[theme]]")
    ordered = tuple(themes.values())
    try:
        compiled = _Compiled(ordered, tone, abbreviations)
    except ValueError as error:
        raise ValueError(f"{', '.join(map(str, paths))}: {error}") from error
    return Taxonomy(ordered, tone, abbreviations, compiled)


@cache
def _bundled() -> Taxonomy:
    return _load([BUNDLED])


def load_taxonomy(extra: Path | None = None) -> Taxonomy:
    """The bundled taxonomy, with an office's own TOML file merged in when given.

    The office file has the bundled file's format. A ``[[theme]]`` whose ``id`` exists adds its
    ``keywords`` and ``exclude`` to that theme (it may not change the label or ``praise``); any
    other id is a new theme, placed after the bundled ones, so columns keep their order.
    ``[tone]`` lists are appended to; ``[abbreviations]`` are added and may replace a bundled
    one (an office knows what "vs" means locally). The bundled taxonomy is compiled once per
    process; a merged one on every call, so keep the result.

    Raises:
        ValueError: a file is not TOML or not in this format; the message names the file and
            the theme or key.
        OSError: the office file cannot be read.
    """
    if extra is None:
        return _bundled()
    return _load([BUNDLED, Path(extra)])


# --- matching ------------------------------------------------------------------------------


def normalise(text: str) -> str:
    """The text as matched: lower case, teen-code expanded, no diacritics, tokens spaced.

    Uses the bundled abbreviations (:meth:`Taxonomy.normalise` uses an office's too).

    >>> normalise("Cô giáo  KO ĐC nhiệt tình, HỌC PHÍ cao quáaa!!")
    'co giao khong duoc nhiet tinh , hoc phi cao qua !!'
    >>> normalise("gv vs ph hông hỏng nhà vs, thu 50 k") == normalise(
    ...     "giáo viên với phụ huynh không hỏng nhà vệ sinh, thu 50 k"
    ... )
    True
    """
    return _bundled().normalise(text)


def classify(texts: Sequence[str | None], taxonomy: Taxonomy) -> Classified:
    """Themes and tone of each comment (``None`` or blank: no comment).

    Raises:
        TypeError: an element is neither ``str`` nor ``None``.
    """
    compiled = taxonomy.compiled
    encode, tone_of, theme_bits = (
        _Encoder(compiled, "match").encode,
        compiled.tone,
        compiled.theme_bits,
    )
    # one int per comment: theme bits << 3 | (tone + 1) << 1 | commented
    memo: dict[str, int] = {}
    packed: list[int] = []
    append = packed.append
    for index, text in enumerate(texts):
        if text is None:
            append(2)
            continue
        if not isinstance(text, str):
            raise TypeError(f"comment {index} is {type(text).__name__}, not str or None")
        short = len(text) <= MEMO_MAX_CHARS
        hit = memo.get(text) if short else None
        if hit is None:
            codes = encode(text)
            if codes.strip("\x03"):
                tone, praise_bits = tone_of(codes)
                hit = (theme_bits(codes) | praise_bits) << 3 | (tone + 1) << 1 | 1
            else:
                hit = 2
            if short:
                memo[text] = hit
        append(hit)
    width = len(taxonomy.themes)
    if width + 3 < 63:
        array = np.array(packed, dtype=np.int64)
        themes = ((array[:, None] >> np.arange(3, width + 3)) & 1).astype(bool)
    else:
        array = np.fromiter((p & 7 for p in packed), dtype=np.int64, count=len(packed))
        themes = _bit_matrix([p >> 3 for p in packed], width)
    tone = ((array >> 1) & 3).astype(np.int8) - 1
    return Classified(themes, tone, (array & 1).astype(bool), taxonomy.ids)


def _bit_matrix(masks: Sequence[int], width: int) -> np.ndarray:
    """Row i, column j: bit j of ``masks[i]`` (Python ints of any size)."""
    matrix = np.zeros((len(masks), width), dtype=bool)
    for low in range(0, width, 62):
        size = min(62, width - low)
        part = np.fromiter(
            ((mask >> low) & ((1 << size) - 1) for mask in masks), dtype=np.int64, count=len(masks)
        )
        matrix[:, low : low + size] = (part[:, None] >> np.arange(size)) & 1
    return matrix


def theme_counts(classified: Classified) -> dict[str, dict[str, int]]:
    """Per theme id: comments that mention it, and how many of those praise or complain."""
    counts = {}
    for j, theme_id in enumerate(classified.theme_ids):
        tone = classified.tone[classified.themes[:, j]]
        counts[theme_id] = {
            "mentions": int(tone.size),
            "praise": int((tone == 1).sum()),
            "complaint": int((tone == -1).sum()),
            "neutral": int((tone == 0).sum()),
        }
    return counts


def quote_candidates(
    texts: Sequence[str | None],
    classified: Classified,
    per_theme: int = 2,
    min_chars: int = 25,
    max_chars: int = 220,
) -> dict[str, list[int]]:
    """For each theme id: indices of up to ``per_theme`` representative comments.

    Representative means of typical length: the comments between ``min_chars`` and
    ``max_chars`` (NFC characters, spaces collapsed) are taken by their distance to the median
    length of all the theme's comments, ties by index; a text equal (up to case and spaces) to
    one already taken is skipped. The same input always gives the same indices.

    ``texts`` must be the sequence given to :func:`classify`. Whether a quote may be shown
    (scrubbed text, a group large enough) is the caller's decision.

    Raises:
        ValueError: bad limits, or ``texts`` of another length than ``classified``.
    """
    if per_theme < 0 or min_chars < 0 or max_chars < min_chars:
        raise ValueError("need per_theme >= 0 and 0 <= min_chars <= max_chars")
    if len(texts) != classified.themes.shape[0]:
        raise ValueError(f"{len(texts)} texts but {classified.themes.shape[0]} classified")
    cleaned = [_collapsed(text) for text in texts]
    lengths = np.fromiter((len(text) for text in cleaned), dtype=np.int64, count=len(cleaned))
    return {
        theme_id: _typical(
            cleaned,
            lengths,
            np.flatnonzero(classified.themes[:, j]),
            per_theme,
            min_chars,
            max_chars,
        )
        for j, theme_id in enumerate(classified.theme_ids)
    }


def typical_quotes(
    texts: Sequence[str], per_theme: int = 2, min_chars: int = 25, max_chars: int = 220
) -> list[int]:
    """:func:`quote_candidates` for the comments of one theme: indices of up to ``per_theme``
    of ``texts`` by the same rule (``analysis.tally`` keeps a sample of each theme's comments
    per unit and picks from the sample of a subtree)."""
    cleaned = [_collapsed(text) for text in texts]
    lengths = np.fromiter((len(text) for text in cleaned), dtype=np.int64, count=len(cleaned))
    return _typical(cleaned, lengths, np.arange(len(cleaned)), per_theme, min_chars, max_chars)


def _collapsed(text: str | None) -> str:
    return "" if text is None else " ".join(unicodedata.normalize("NFC", text).split())


def _typical(
    cleaned: Sequence[str],
    lengths: np.ndarray,
    rows: np.ndarray,
    per_theme: int,
    min_chars: int,
    max_chars: int,
) -> list[int]:
    picked: list[int] = []
    if rows.size and per_theme:
        median = float(np.median(lengths[rows]))
        fits = rows[(lengths[rows] >= min_chars) & (lengths[rows] <= max_chars)]
        order = fits[np.lexsort((fits, np.abs(lengths[fits] - median)))]
        seen: set[str] = set()
        for row in order:
            key = cleaned[row].casefold()
            if key not in seen:
                seen.add(key)
                picked.append(int(row))
                if len(picked) == per_theme:
                    break
    return picked

"""False alarms and detection of the stuffing tests on simulated campaigns.

    .venv/bin/python bench/stuffing.py [--seed N] [--runs R] [--write]

R campaigns of arrivals are simulated, and R/4 (at least one) of answers, whose drawing is the
slow part. ``--write`` replaces the section between the stuffing markers of docs/INTEGRITY.md.

Arrivals (``survey_server.integrity.arrivals``). Each run is a 21-day campaign from Monday
7 September 2026 over the schools of ``survey_server/demo/units.csv``; each school's parents
answer through the school's one link. A school of ``E`` expected respondents has ``round(E/35)``
classes of equal size and an attendance rate at its meetings drawn from U(0.75, 0.95), and ends
the campaign with U(0.40, 0.70)·E responses, which arrive as:

* class parents' meetings. Half the schools hold their start-of-year meeting in the campaign,
  all classes at once, on one of the first 14 days (weekend days three times as likely) at
  07:30, 08:00, 14:00 or 19:30; the others have a share U(0.3, 0.9) of their classes meet in
  batches of 1–8 classes on days anywhere in the campaign, at the same hours. Each homeroom
  teacher shows the QR code at U(5, 60) minutes into the meeting (teachers run their own
  agendas); U(0.5, 0.8) of the attendees answer, starting within T ~ U(30, 40) minutes
  (triangular: most at once, the last at T) and taking U(2, 6) minutes;
* the rest (at least a tenth of the school's responses): a share U(0.3, 0.6) after one to three
  school-wide reminders (on the first day, about day 7 and day 14, at 11:00 or 19:00–22:00,
  answers following exponentially with a mean of an hour), the others spread over days with
  weights ``1 + 2·exp(−day/5)`` and over hours by a daytime profile peaking at noon and in
  the evening.

Attacks, each on every school once per run, on top of its normal arrivals, at a random time
between 07:00 and 22:00 of a random campaign day: (i) 200 submissions within U(3, 5) minutes,
(ii) the same 200 spread uniformly over an hour. An attack is detected when the watch reports
the attacked link-day at or after the attack's start. Beside the default watch, two variants
show the trade-off: a 10-minute window with the same tolerance per minute, and a 60-minute
window aimed at the slow attack; and two watches see each arrival with probability ½, as one
of two server processes does: the default, and one with ``meeting_share`` and ``floor``
halved. A stress scenario has every school hold the all-classes meeting with every teacher
showing the QR code within its first 15 minutes.

Answer patterns (``analysis.integrity``). Per run, the two demo satisfaction campaigns
(HL-PT-2026 over the general schools, HL-MN-2026 over the preschools): each school answers
with U(0.40, 0.70)·E responses drawn by ``survey_server.demo.synthetic`` itself (``_answers``:
a level U(3.2, 4.6) per school, a mood of level + N(0, 0.5) per respondent), encoded as the
server stores them (checked against ``validate_answers``). Durations follow synthetic.py
(buckets 2, 3, 3, 3, 4) except that, since it never speeds, a share Beta(1, 24) (mean 4 %) per
school is under a minute. A second honest model adds *satisficers* to the same draws: parents
who answer every scale question 5, a share Beta(1.5, 20)·(level − 3)/1.6 per school (up to
about a quarter in the most satisfied schools), the heterogeneity that would make a plain
binomial test flag honest schools. Attack (iii): 60 or 200 identical all-5 forms (the school's
level ticked, each submitted in under a minute) added to one school, each school in turn.
"""

from __future__ import annotations

import argparse
import csv
import random
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analysis.instrument import Instrument, ResponseData, ScaleItem  # noqa: E402
from analysis.integrity import (  # noqa: E402
    IDENTICAL,
    SPEEDING,
    STRAIGHT_LINING,
    PatternFlag,
    pattern_flags,
)
from analysis.quality import QualityPolicy, quality_flags  # noqa: E402
from survey_server.demo.synthetic import _answers  # noqa: E402
from survey_server.integrity.arrivals import ArrivalWatch  # noqa: E402
from survey_server.questionnaires.loader import load_file  # noqa: E402
from survey_server.responses.encoding import encode, slot_layout  # noqa: E402
from survey_server.responses.validation import FormSpec, validate_answers  # noqa: E402

UNITS = ROOT / "survey_server" / "demo" / "units.csv"
DOC = ROOT / "docs" / "INTEGRITY.md"
BEGIN, END = "<!-- stuffing:begin -->", "<!-- stuffing:end -->"
FIRST_DAY = date(2026, 9, 7)
DAYS = 21
DATES = [FIRST_DAY + timedelta(days=d) for d in range(DAYS)]
DAY = 86400.0
MINUTE = 60.0
MEETING_STARTS = np.array([7.5, 8.0, 14.0, 19.5]) * 3600
#: Relative arrivals by hour of the day (00:00 to 23:00) outside meetings: lunch and evenings.
HOURLY = np.array(
    [4, 2, 1, 1, 2, 8, 20, 30, 30, 24, 20, 24, 40, 36, 20, 16, 18, 24, 30, 50, 60, 56, 36, 16]
)
STUFFED = 200
ATTACKS = (("fast", "3–5 min"), ("hour", "1 h"))
BANDS = ((0, 400, "≤ 400"), (401, 900, "401–900"), (901, 10**6, "> 900"))
#: The watches compared: (label, share of the arrivals the watch sees, factory). A server with
#: two worker processes has each watch about half of a link's arrivals.
WATCHES: tuple[tuple[str, float, Callable[[], ArrivalWatch]], ...] = (
    ("default `ArrivalWatch()`", 1.0, ArrivalWatch),
    (
        "`window_minutes=10, meeting_share=0.15, floor=30`",
        1.0,
        lambda: ArrivalWatch(window_minutes=10, meeting_share=0.15, floor=30),
    ),
    (
        "`window_minutes=60, meeting_share=0.6`",
        1.0,
        lambda: ArrivalWatch(window_minutes=60, meeting_share=0.6),
    ),
    ("default `ArrivalWatch()`, one of two processes", 0.5, ArrivalWatch),
    (
        "`meeting_share=0.0375, floor=7.5`, one of two processes",
        0.5,
        lambda: ArrivalWatch(meeting_share=0.0375, floor=7.5),
    ),
)
#: Looser thresholds of the default watch, to show how far legitimate arrivals stay from it.
LOOSER = (1e-5, 1e-4, 1e-3)
#: Questionnaire of each demo satisfaction campaign and the school levels it covers.
CAMPAIGNS = (
    ("HL-PT-2026", "hai-long-pho-thong", ("tieu_hoc", "thcs", "thpt", "lien_cap", "gdtx")),
    ("HL-MN-2026", "hai-long-mam-non", ("mam_non",)),
)
#: The option a stuffer ticks for "cấp học" (school level), by the school's level.
LEVEL_OPTION = {"tieu_hoc": "tieu_hoc", "lien_cap": "thcs", "thcs": "thcs"}
KINDS = (IDENTICAL, STRAIGHT_LINING, SPEEDING)
MODELS = ("synthetic", "satisficers")
ADDED = (60, 200)


@dataclass(frozen=True)
class School:
    code: str
    level: str
    expected: int


def schools() -> list[School]:
    with UNITS.open(encoding="utf-8") as file:
        return [
            School(row["code"], row["level"], int(row["expected_respondents"]))
            for row in csv.DictReader(file)
            if row["kind"] == "school"
        ]


# --- arrivals -----------------------------------------------------------------------------


def _meeting_day(rng: np.random.Generator, days: int) -> int:
    weights = np.where((np.arange(days) + FIRST_DAY.weekday()) % 7 >= 5, 3.0, 1.0)
    return int(rng.choice(days, p=weights / weights.sum()))


def _class_meeting(
    rng: np.random.Generator, size: int, attendance: float, start: float, shown: tuple[int, int]
) -> np.ndarray:
    qr = start + rng.uniform(*shown) * MINUTE
    answering = rng.binomial(rng.binomial(size, attendance), rng.uniform(0.5, 0.8))
    within = rng.uniform(30, 40) * MINUTE
    return qr + rng.triangular(0, 0, within, answering) + rng.uniform(2, 6, answering) * MINUTE


def normal_arrivals(rng: np.random.Generator, expected: int, *, stress: bool = False) -> np.ndarray:
    """Sorted arrival times (seconds from the campaign's first midnight) of one school; under
    ``stress`` the school holds the all-classes meeting and shows the QR code early."""
    classes = max(1, round(expected / 35))
    sizes = np.full(classes, expected // classes)
    sizes[: expected % classes] += 1
    attendance = rng.uniform(0.75, 0.95)
    meetings: list[np.ndarray] = [np.empty(0)]
    if stress or rng.random() < 0.5:  # the start-of-year meeting, every class at once
        start = _meeting_day(rng, 14) * DAY + rng.choice(MEETING_STARTS)
        shown = (0, 15) if stress else (5, 60)
        meetings += [_class_meeting(rng, size, attendance, start, shown) for size in sizes]
    else:
        meeting = rng.permutation(classes)[: round(classes * rng.uniform(0.3, 0.9))]
        while meeting.size:
            batch, meeting = np.split(meeting, [rng.integers(1, 9)])
            start = _meeting_day(rng, DAYS) * DAY + rng.choice(MEETING_STARTS)
            meetings += [_class_meeting(rng, sizes[c], attendance, start, (5, 60)) for c in batch]
    met = np.concatenate(meetings)
    total = round(rng.uniform(0.4, 0.7) * expected)
    rest = max(total - met.size, round(0.1 * total))
    reminded = rng.binomial(rest, rng.uniform(0.3, 0.6))
    reminders = [0, 7 + rng.integers(-1, 2), 14 + rng.integers(-1, 2)][: rng.integers(1, 4)]
    shares = rng.multinomial(reminded, [1 / len(reminders)] * len(reminders))
    parts = [met]
    for day, count in zip(reminders, shares, strict=True):
        sent = day * DAY + rng.choice([11, 19, 20, 21]) * 3600 + rng.uniform(0, 3600)
        parts.append(sent + rng.exponential(3600, count))
    spread = rest - reminded
    weights = 1 + 2 * np.exp(-np.arange(DAYS) / 5)
    days = rng.choice(DAYS, spread, p=weights / weights.sum())
    hours = rng.choice(24, spread, p=HOURLY / HOURLY.sum())
    parts.append(days * DAY + hours * 3600 + rng.uniform(0, 3600, spread))
    times = np.concatenate(parts)
    return np.sort(times[times < DAYS * DAY])


def attack(rng: np.random.Generator, minutes: float) -> np.ndarray:
    start = rng.integers(DAYS) * DAY + rng.uniform(7, 22) * 3600
    return start + np.sort(rng.uniform(0, minutes * MINUTE, STUFFED))


def feed(
    watch: ArrivalWatch, arrivals: list[np.ndarray], expected: list[int]
) -> list[tuple[float, int]]:
    """Every arrival of every link through ``watch`` in time order; the bursts as (time, link)."""
    links = np.concatenate([np.full(times.size, link) for link, times in enumerate(arrivals)])
    times = np.concatenate(arrivals)
    order = np.argsort(times, kind="stable")
    bursts = []
    for link, now in zip(links[order].tolist(), times[order].tolist(), strict=True):
        if watch.arrive(link, expected[link], now, DATES[int(now // DAY)]) is not None:
            bursts.append((now, link))
    return bursts


@dataclass
class Tally:
    """False alarms over campaigns of normal arrivals."""

    link_days: int = 0
    false_link_days: int = 0
    campaigns: int = 0
    false_campaigns: int = 0

    def add(self, links: int, bursts: list[tuple[float, int]]) -> None:
        self.link_days += links * DAYS
        self.false_link_days += len(bursts)
        self.campaigns += 1
        self.false_campaigns += bool(bursts)


@dataclass
class WatchResult:
    false: Tally = field(default_factory=Tally)
    #: Per attack: (expected respondents, detected, stuffed forms counted before the flag).
    attacks: dict[str, list[tuple[int, bool, int]]] = field(
        default_factory=lambda: {kind: [] for kind, _ in ATTACKS}
    )


def evaluate(
    result: WatchResult,
    factory: Callable[[], ArrivalWatch],
    normal: list[np.ndarray],
    stuffing: dict[str, list[np.ndarray]],
    expected: list[int],
) -> None:
    """False alarms on the normal arrivals and detection of each attack on each school."""
    result.false.add(len(expected), feed(factory(), normal, expected))
    for kind, extras in stuffing.items():
        for school, extra in enumerate(extras):
            arrivals = [np.concatenate([normal[school], extra])]
            day = int(extra[0] // DAY)
            caught = [
                now
                for now, _ in feed(factory(), arrivals, [expected[school]])
                if now >= extra[0] and int(now // DAY) == day
            ]
            before = int(np.searchsorted(extra, caught[0], side="right")) if caught else 0
            result.attacks[kind].append((expected[school], bool(caught), before))


def arrival_runs(units: list[School], seed: int, runs: int) -> dict:
    expected = [school.expected for school in units]
    results = [WatchResult() for _ in WATCHES]
    looser = {alpha: Tally() for alpha in LOOSER}
    stress = Tally()
    stressed: list[tuple[int, bool]] = []  # (expected respondents, school flagged)
    for run in range(runs):
        rng = np.random.default_rng([seed, 1, run])
        normal = [normal_arrivals(rng, e) for e in expected]
        stuffing = {
            "fast": [attack(rng, rng.uniform(3, 5)) for _ in units],
            "hour": [attack(rng, 60) for _ in units],
        }
        half = [times[rng.random(times.size) < 0.5] for times in normal]
        half_stuffing = {
            kind: [times[rng.random(times.size) < 0.5] for times in extras]
            for kind, extras in stuffing.items()
        }
        for (_, seen, factory), result in zip(WATCHES, results, strict=True):
            if seen == 1.0:
                evaluate(result, factory, normal, stuffing, expected)
            else:
                evaluate(result, factory, half, half_stuffing, expected)
        for alpha, tally in looser.items():
            tally.add(len(units), feed(ArrivalWatch(alpha=alpha), normal, expected))
        crowded = [normal_arrivals(rng, e, stress=True) for e in expected]
        bursts = feed(ArrivalWatch(), crowded, expected)
        stress.add(len(units), bursts)
        flagged = {link for _, link in bursts}
        stressed += [(e, school in flagged) for school, e in enumerate(expected)]
    return {"watches": results, "looser": looser, "stress": stress, "stressed": stressed}


# --- answer patterns ----------------------------------------------------------------------


@dataclass(frozen=True)
class Layout:
    """A questionnaire's form, its scale slots and the quality flags' view of them."""

    spec: FormSpec
    scale: list[int]
    instrument: Instrument

    @classmethod
    def load(cls, slug: str) -> Layout:
        spec = FormSpec.build(load_file(ROOT / "questionnaires" / f"{slug}.yaml").questionnaire)
        slots = [spec.by_id[slot.question_id] for slot in slot_layout(spec.questionnaire)]
        scale = [i for i, question in enumerate(slots) if question.type == "scale"]
        items = tuple(
            ScaleItem(slots[i].id, len(spec.questionnaire.scales[slots[i].scale or ""].points))
            for i in scale
        )
        return cls(spec, scale, Instrument(slug, 1, items))

    def check_encoding(self) -> None:
        """The bench encodes drawn answers directly: make sure that is what validation stores."""
        rng = random.Random(0)
        for _ in range(50):
            answers = _answers(self.spec, rng.uniform(3, 5), rng)
            clean, _ = validate_answers(self.spec, answers, drop_hidden=True)
            assert clean is not None and clean.closed == encode(self.spec.questions, answers)

    def stuffed(self, level: str) -> np.ndarray:
        """The all-5 form a stuffer submits, the school's level ticked."""
        answers: dict[str, object] = {}
        for question in self.spec.questions:
            if question.type == "scale":
                scale = self.spec.questionnaire.scales[question.scale or ""]
                answers[question.id] = len(scale.points)
            elif question.type == "single":
                options = [option.id for option in question.options or ()]
                answers[question.id] = LEVEL_OPTION.get(level, options[-1])
        return np.frombuffer(encode(self.spec.questions, answers), dtype=np.uint8)

    def flags(
        self, answers: np.ndarray, groups: np.ndarray, durations: np.ndarray
    ) -> list[PatternFlag]:
        """``pattern_flags`` fed as the server feeds it, with ``analysis.quality`` flags."""
        data = ResponseData(answers[:, self.scale], duration_bucket=durations)
        quality = quality_flags(self.instrument, data, QualityPolicy())
        return pattern_flags(
            answers, groups, straight=quality["straight_lining"], speeding=quality["speeding"]
        )


@dataclass(frozen=True)
class Campaign:
    answers: np.ndarray
    groups: np.ndarray
    durations: np.ndarray


def honest_campaigns(
    layout: Layout, units: list[School], rng: random.Random
) -> dict[str, Campaign]:
    """One campaign drawn like synthetic.py, and the same with satisficers."""
    closed: list[bytes] = []
    groups: list[int] = []
    durations: list[int] = []
    lazy: list[bool] = []
    for g, school in enumerate(units):
        level = rng.uniform(3.2, 4.6)
        speeding = rng.betavariate(1, 24)
        satisficing = rng.betavariate(1.5, 20) * (level - 3) / 1.6
        for _ in range(round(rng.uniform(0.4, 0.7) * school.expected)):
            closed.append(
                encode(layout.spec.questions, _answers(layout.spec, level + rng.gauss(0, 0.5), rng))
            )
            groups.append(g)
            durations.append(1 if rng.random() < speeding else rng.choice((2, 3, 3, 3, 4)))
            lazy.append(rng.random() < satisficing)
    answers = np.frombuffer(b"".join(closed), dtype=np.uint8).reshape(len(closed), -1)
    satisficed = answers.copy()
    satisficed[np.ix_(np.array(lazy), layout.scale)] = layout.instrument.scale_items[0].points
    group_array, duration_array = np.array(groups), np.array(durations)
    return {
        "synthetic": Campaign(answers, group_array, duration_array),
        "satisficers": Campaign(satisficed, group_array, duration_array),
    }


def pattern_runs(units: list[School], seed: int, runs: int) -> dict:
    honest = {
        (name, model): {"campaigns": 0, "any": 0, "schools": 0} | dict.fromkeys(KINDS, 0)
        for name, _, _ in CAMPAIGNS
        for model in MODELS
    }
    detected = {
        (model, size): {"tried": 0} | dict.fromkeys(KINDS, 0) for model in MODELS for size in ADDED
    }
    for name, slug, levels in CAMPAIGNS:
        layout = Layout.load(slug)
        layout.check_encoding()
        members = [school for school in units if school.level in levels]
        for run in range(runs):
            drawn = honest_campaigns(layout, members, random.Random(f"{seed}/{name}/{run}"))
            for model, campaign in drawn.items():
                flags = layout.flags(campaign.answers, campaign.groups, campaign.durations)
                tally = honest[(name, model)]
                tally["campaigns"] += 1
                tally["any"] += bool(flags)
                tally["schools"] = len(members)
                for flag in flags:
                    tally[flag.kind] += 1
                for size in ADDED:
                    for g, school in enumerate(members):
                        found = layout.flags(
                            np.vstack(
                                [campaign.answers, np.tile(layout.stuffed(school.level), (size, 1))]
                            ),
                            np.concatenate([campaign.groups, np.full(size, g)]),
                            np.concatenate([campaign.durations, np.ones(size, dtype=int)]),
                        )
                        counts = detected[(model, size)]
                        counts["tried"] += 1
                        for kind in {flag.kind for flag in found if flag.group == g}:
                            counts[kind] += 1
    return {"honest": honest, "detected": detected}


# --- report -------------------------------------------------------------------------------


def _rate(part: int, whole: int) -> str:
    return f"{part / whole:.1e} ({part}/{whole})" if part else f"0 (0/{whole})"


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f} % ({part}/{whole})" if whole else "–"


def _by_band(outcomes: list[tuple[int, bool]]) -> list[str]:
    """The share of true outcomes among schools of each size band."""
    cells = []
    for low, high, _ in BANDS:
        hits = [hit for expected, hit in outcomes if low <= expected <= high]
        cells.append(_pct(sum(hits), len(hits)))
    return cells


def report(arrivals: dict, patterns: dict, command: str) -> str:
    watches: list[WatchResult] = arrivals["watches"]
    default = ArrivalWatch()
    parameters = ", ".join(
        f"`{name}={getattr(default, name):g}`"
        for name in (
            "window_minutes",
            "alpha",
            "meeting_share",
            "floor",
            "min_count",
            "history_factor",
            "history_days",
        )
    )
    lines = [
        "## Simulated false alarms and detection",
        "",
        f"Produced by `{command}`; the simulation model is the docstring of `bench/stuffing.py`.",
        "",
        "### Bursts of arrivals through one link",
        "",
        f"The default watch: {parameters}. False alarms over {watches[0].false.campaigns} "
        "simulated 21-day campaigns of normal arrivals; each attack tried once on every school "
        "per campaign. A watch of one of two server processes sees each arrival, normal or "
        "stuffed, with probability ½ (its stuffed forms before the flag are those it saw).",
        "",
        "| watch | false alarms per link-day | campaigns with a false alarm | "
        f"{STUFFED} in 3–5 min detected | stuffed forms before the flag (median) | "
        f"{STUFFED} in 1 h detected |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for (label, _, _), result in zip(WATCHES, watches, strict=True):
        fast, hour = result.attacks["fast"], result.attacks["hour"]
        before = [b for _, hit, b in fast if hit]
        lines.append(
            f"| {label} | {_rate(result.false.false_link_days, result.false.link_days)} | "
            f"{_pct(result.false.false_campaigns, result.false.campaigns)} | "
            f"{_pct(sum(hit for _, hit, _ in fast), len(fast))} | "
            f"{int(np.median(before)) if before else '–'} | "
            f"{_pct(sum(hit for _, hit, _ in hour), len(hour))} |"
        )
    lines += [
        "",
        "Detection by the school's expected respondents:",
        "",
        "| watch | attack | " + " | ".join(label for _, _, label in BANDS) + " |",
        "|---|---|" + "---:|" * len(BANDS),
    ]
    for (label, _, _), result in zip(WATCHES, watches, strict=True):
        for kind, name in ATTACKS:
            cells = _by_band([(e, hit) for e, hit, _ in result.attacks[kind]])
            lines.append(f"| {label} | {STUFFED} in {name} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "Margin and stress of the default watch (false alarms only):",
        "",
        "| normal arrivals | watch | false alarms per link-day | campaigns with a false alarm |",
        "|---|---|---:|---:|",
    ]
    for alpha, tally in arrivals["looser"].items():
        lines.append(
            f"| as above | `alpha={alpha:g}` | {_rate(tally.false_link_days, tally.link_days)} | "
            f"{_pct(tally.false_campaigns, tally.campaigns)} |"
        )
    stress = arrivals["stress"]
    lines += [
        "| every school's all-classes meeting, QR code shown in its first 15 min | default | "
        f"{_rate(stress.false_link_days, stress.link_days)} | "
        f"{_pct(stress.false_campaigns, stress.campaigns)} |",
        "",
        "Schools flagged in the stress scenario, by expected respondents: "
        + ", ".join(
            f"{label}: {cell}"
            for (_, _, label), cell in zip(BANDS, _by_band(arrivals["stressed"]), strict=True)
        )
        + ".",
        "",
        "### Answer patterns per school",
        "",
        "False flags on honest campaigns (`pattern_flags` defaults: `alpha=0.001`, `min_size=10`):",
        "",
        "| campaign (schools) | honest model | campaigns | schools flagged: identical | "
        "straight-lining | speeding | campaigns with any flag |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for (name, model), tally in patterns["honest"].items():
        lines.append(
            f"| {name} ({tally['schools']}) | {model} | {tally['campaigns']} | "
            + " | ".join(str(tally[kind]) for kind in KINDS)
            + f" | {_pct(tally['any'], tally['campaigns'])} |"
        )
    lines += [
        "",
        "Detection of identical all-5 forms added to one school (each school in turn):",
        "",
        "| honest model | forms added | identical | straight-lining | speeding |",
        "|---|---:|---:|---:|---:|",
    ]
    for (model, size), counts in patterns["detected"].items():
        lines.append(
            f"| {model} | {size} | "
            + " | ".join(_pct(counts[kind], counts["tried"]) for kind in KINDS)
            + " |"
        )
    return "\n".join(lines)


def write(section: str) -> None:
    """Replace the text between the markers, creating the file with only them if needed."""
    if not DOC.exists():
        DOC.write_text(f"# Integrity of results\n\n{BEGIN}\n{END}\n", encoding="utf-8")
    text = DOC.read_text(encoding="utf-8")
    if BEGIN not in text or END not in text:
        raise SystemExit(f"{DOC} lacks the {BEGIN} … {END} markers")
    pattern = re.compile(re.escape(BEGIN) + ".*?" + re.escape(END), re.DOTALL)
    updated = pattern.sub(lambda _: f"{BEGIN}\n{section}\n{END}", text, count=1)
    DOC.write_text(updated, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--runs", type=int, default=100, help="campaigns of arrivals (and a quarter of answers)"
    )
    parser.add_argument("--write", action="store_true", help=f"update docs/{DOC.name}")
    arguments = parser.parse_args()
    started = time.perf_counter()
    units = schools()
    arrivals = arrival_runs(units, arguments.seed, arguments.runs)
    patterns = pattern_runs(units, arguments.seed, max(1, arguments.runs // 4))
    command = f".venv/bin/python bench/stuffing.py --seed {arguments.seed} --runs {arguments.runs}"
    section = report(arrivals, patterns, command)
    print(section)
    print(f"\n({time.perf_counter() - started:.0f} s)", file=sys.stderr)
    if arguments.write:
        write(section)


if __name__ == "__main__":
    main()

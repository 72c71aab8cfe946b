"""A statistical reading of names: the named-entity CRF that underthesea ships in its wheel.

The CRF (trained on the VLSP 2016 news corpus, with underthesea's CRF word segmentation and
part-of-speech tagging before it) reads each word with its neighbours, so it finds a name that
no word list predicts ("đi cùng với Nhung", "Theo Ngọc, …"). It runs offline on the CPU and
loads nothing from the network. It costs a few milliseconds per comment, too much for the
submission path (docs/PERFORMANCE.md): the scrubber runs without it when a response is stored
and with it before a response is published and wherever text arrives in bulk (paper forms,
imports, the offline ``score`` command).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from functools import cache
from typing import Any

_LOCK = threading.Lock()


@cache
def _tagger() -> tuple[Any, Any]:
    from underthesea import pos_tag
    from underthesea.pipeline.ner.model_crf import CRFNERPredictor

    return pos_tag, CRFNERPredictor.Instance()


def person_spans(text: str, fold: Callable[[str], str]) -> list[tuple[int, int]]:
    """Character spans of ``text`` the CRF tags as a person (B-PER, I-PER); ``fold`` maps a
    text to lowercase without diacritics, keeping its length."""
    if not text.strip():
        return []
    with _LOCK:  # the tagger's C state is not known to be thread-safe
        pos_tag, model = _tagger()
        tagged = pos_tag(text)
        labelled = model.predict([(word, tag, "X") for word, tag in tagged])
    folded = fold(text)
    spans: list[tuple[int, int]] = []
    position = 0
    previous = "O"
    for word, _, _, label in labelled:
        # underthesea normalises spelling ("Hoà" → "Hòa"): find the word by its folded form
        pattern = r"\s*".join(re.escape(part) for part in fold(word).split())
        match = re.compile(pattern).search(folded, position) if pattern else None
        if match is None:
            previous = "O"
            continue
        position = match.end()
        if label.endswith("PER"):
            if label.startswith("I") and previous.endswith("PER") and spans:
                spans[-1] = (spans[-1][0], match.end())
            else:
                spans.append((match.start(), match.end()))
        previous = label
    return spans

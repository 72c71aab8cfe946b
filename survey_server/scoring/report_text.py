"""The scores JSON as a few lines a person reads in a terminal (``survey-server score``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from survey_server.i18n import format_number, format_share, gettext


def percent(value: float | None, lang: str) -> str:
    """An index or share on the 0–100 scale as ``87,5%``; a dash when there is none."""
    return "—" if value is None else format_share(value / 100, lang)


def interval(bounds: list[float] | None, lang: str) -> str:
    """A 95 % interval as ``86,1–88,8%``."""
    if not bounds:
        return "—"
    low, high = bounds
    return f"{format_number(low, lang, 1)}–{percent(high, lang)}"


def summary_lines(
    scores: dict[str, Any], titles: dict[str, str] | None = None, lang: str = "vi"
) -> Iterator[str]:
    """Headline numbers, dimensions, data quality and groups (``titles``: id → label)."""
    titles = titles or {}
    k = scores["k"]
    if scores.get("suppressed"):
        yield gettext("Dưới {k} phiếu: không hiển thị số liệu để bảo vệ người trả lời.", lang, k=k)
        return
    yield gettext(
        "Bảng hỏi {slug} phiên bản {version}: {n} phiếu (ngưỡng nhóm nhỏ k = {k}).",
        lang,
        slug=scores["questionnaire"],
        version=scores["version"],
        n=format_number(scores["n"], lang),
        k=k,
    )
    overall = scores["overall"]
    if overall["index"] is not None:
        yield gettext(
            "Chỉ số hài lòng tổng hợp: {index} (khoảng tin cậy 95%: {ci}).",
            lang,
            index=percent(overall["index"], lang),
            ci=interval(overall["ci"], lang),
        )
    if overall.get("general"):
        yield gettext(
            "Chỉ số hài lòng chung: {share} ({ci}).",
            lang,
            share=percent(overall["general"]["satisfied"], lang),
            ci=interval(overall["general"]["satisfied_ci"], lang),
        )
    elif overall.get("general_question", "") is None:
        yield gettext("Bảng hỏi không có câu hỏi đánh giá chung; kết quả theo từng tiêu chí.", lang)
    for dimension in scores["dimensions"]:
        line = gettext(
            "  {title}: {index} ({ci}), {n} phiếu",
            lang,
            title=titles.get(dimension["id"], dimension["id"]),
            index=percent(dimension["index"], lang),
            ci=interval(dimension["ci"], lang),
            n=format_number(dimension["n"], lang),
        )
        if dimension["alpha_warning"]:
            line += gettext(
                " — độ tin cậy thang đo thấp (alpha = {alpha})",
                lang,
                alpha=format_number(dimension["alpha"], lang, 2),
            )
        yield line
    quality = scores["quality"]
    yield gettext(
        "Chất lượng dữ liệu: {straight} phiếu chọn một mức cho mọi câu, {speeding} phiếu làm "
        "quá nhanh, {repeated} phiếu lặp lại từ cùng thiết bị; {excluded} phiếu bị loại.",
        lang,
        straight=format_number(quality["straight_lining"], lang),
        speeding=format_number(quality["speeding"], lang),
        repeated=format_number(quality["repeated_device"], lang),
        excluded=format_number(quality["excluded"], lang),
    )
    groups = scores.get("groups") or {}
    if groups:
        yield gettext("Theo nhóm:", lang)
    for key, group in groups.items():
        if group["suppressed"]:
            yield gettext(
                "  {key}: — (dưới {k} phiếu hoặc để bảo vệ nhóm nhỏ khác, không hiển thị)",
                lang,
                key=key,
                k=k,
            )
            continue
        line = gettext(
            "  {key}: {n} phiếu, chỉ số {index} ({ci})",
            lang,
            key=key,
            n=format_number(group["n"], lang),
            index=percent(group["overall"]["index"], lang),
            ci=interval(group["overall"]["ci"], lang),
        )
        comparison = (group.get("comparison") or {}).get("overall")
        if comparison and comparison["significant"]:
            line += (
                gettext(" — cao hơn rõ rệt so với phần còn lại", lang)
                if comparison["difference"] > 0
                else gettext(" — thấp hơn rõ rệt so với phần còn lại", lang)
            )
        yield line

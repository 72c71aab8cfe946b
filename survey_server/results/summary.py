"""The rolled-up scores as JSON and as a short Vietnamese Markdown summary.

The report section of ``survey_server.reports`` is built from facts only the installation that
ran a campaign holds — monitoring counts, comments and their follow-up, integrity findings —
so the figures of imported packages are written as a summary of their own, to be pasted into
the Bộ's or the Sở's report."""

from __future__ import annotations

from typing import Any

from survey_server.i18n import N_, format_number, gettext, localize
from survey_server.questionnaires.schema import Questionnaire
from survey_server.results.merge import Rollup
from survey_server.scoring.report_text import summary_lines


def scores_json(rollup: Rollup) -> dict[str, Any]:
    """The scores JSON (docs/scoring.md) with the packages it was assembled from."""
    return {**rollup.scores, "packages": rollup.packages}


def summary_markdown(rollup: Rollup, questionnaire: Questionnaire, lang: str = "vi") -> str:
    lines = [
        "# " + gettext("Chỉ số hài lòng tổng hợp từ các gói kết quả", lang),
        "",
        gettext(
            "Tổng hợp từ {count} gói kết quả có chữ ký, chỉ gồm số liệu thống kê của các đơn vị "
            "được phép hiển thị; không có phiếu hay ý kiến nào được chuyển.",
            lang,
            count=len(rollup.packages),
        ),
        "",
        "| "
        + " | ".join(
            gettext(label, lang)
            for label in (N_("Đơn vị"), N_("Đợt khảo sát"), N_("Khóa"), N_("Số phiếu"))
        )
        + " |",
        "|---|---|---|---:|",
    ]
    for package in rollup.packages:
        lines.append(
            f"| {package['root_name']} ({package['root']}) "
            f"| {localize(package['title'], lang)} ({package['campaign']}) "
            f"| {package['key']} | {format_number(package['n'], lang)} |"
        )
    titles = {section.id: localize(section.title, lang) for section in questionnaire.sections}
    lines += ["", *summary_lines(rollup.scores, titles, lang), ""]
    return "\n".join(lines)

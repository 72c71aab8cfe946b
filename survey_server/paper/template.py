"""The spreadsheet template an office fills with answers: one column per question id, the
questions as a second header row, and a sheet that says what each column accepts."""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from survey_server.i18n import gettext, localize
from survey_server.paper.imports import UNIT_COLUMN
from survey_server.questionnaires.schema import Question
from survey_server.responses.tabular import MULTI_SEPARATOR
from survey_server.responses.validation import FormSpec


def columns(spec: FormSpec, lang: str = "vi") -> tuple[list[str], list[str]]:
    """The header (ids) and the label row of the template."""
    ids = [UNIT_COLUMN, *(question.id for question in spec.questions)]
    labels = [gettext("Mã đơn vị", lang), *(localize(q.text, lang) for q in spec.questions)]
    return ids, labels


def accepted(spec: FormSpec, question: Question, lang: str = "vi") -> str:
    """What a cell of ``question`` may hold, said for the person filling the sheet."""
    if question.type == "scale" and question.scale:
        scale = spec.questionnaire.scales[question.scale]
        points = "; ".join(
            f"{number} = {localize(point, lang)}" for number, point in enumerate(scale.points, 1)
        )
        if scale.not_applicable:
            points += "; na = " + localize(scale.not_applicable, lang)
        return points
    if question.type in ("single", "multi"):
        options = "; ".join(f"{o.id} = {localize(o.label, lang)}" for o in question.options or ())
        if question.type == "multi":
            return gettext(
                "nhiều lựa chọn, ngăn cách bằng {sep}: {options}",
                lang,
                sep=MULTI_SEPARATOR,
                options=options,
            )
        return options
    if question.type == "yes_no":
        return gettext("1 = có; 0 = không", lang)
    if question.type == "number":
        return gettext("một số", lang)
    return gettext("văn bản tự do (tên, số điện thoại, địa chỉ sẽ được tự động xóa)", lang)


def template_xlsx(spec: FormSpec, lang: str = "vi") -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = gettext("Phiếu", lang)
    ids, labels = columns(spec, lang)
    sheet.append(ids)
    sheet.append(labels)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for cell in sheet[2]:
        cell.font = Font(italic=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "B3"
    guide = book.create_sheet(gettext("Hướng dẫn", lang))
    guide.append([gettext("Cột", lang), gettext("Câu hỏi", lang), gettext("Ghi", lang)])
    guide.append(
        [
            UNIT_COLUMN,
            gettext("Mã đơn vị", lang),
            gettext(
                "mã trường hoặc lớp, ví dụ TH-LC1; để trống nếu nhập cả tệp cho một đơn vị", lang
            ),
        ]
    )
    for question in spec.questions:
        guide.append([question.id, localize(question.text, lang), accepted(spec, question, lang)])
    guide.append([])
    guide.append([gettext("Mỗi dòng là một phiếu; ô để trống là câu không trả lời.", lang)])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def template_csv(spec: FormSpec, lang: str = "vi") -> bytes:
    """The same as CSV, UTF-8 with a BOM so that Excel reads the Vietnamese right."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerows(columns(spec, lang))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")

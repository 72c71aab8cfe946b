"""The printable paper form of a questionnaire version: A4, Vietnamese, one box per answer.

Every page carries the campaign, unit and channel codes and the form's number, so a page that
comes loose still finds its stack, and the person typing it in can check that a form is not
typed twice. The questionnaire's notice (who runs the survey, what is collected, that answering
is voluntary) is printed above the questions, as on the online form. Boxes are numbered as the
entry screen expects them: the scale point (1 … n, "0" for no opinion), the option's number.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import cm, mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfgen.canvas import Canvas

from survey_server.distribution.pdf import BOLD, INK, REGULAR, document
from survey_server.i18n import gettext, localize
from survey_server.questionnaires.schema import Question, Questionnaire

MARGIN = 1.5 * cm
BOX = 3.2 * mm
LINE = 4.6 * mm


@dataclass(frozen=True)
class FormHeader:
    """What identifies a printed form (never the person who fills it in)."""

    campaign_code: str
    campaign_title: str
    unit_code: str
    unit_name: str
    channel: str
    partner: str | None
    number: int

    @property
    def form_id(self) -> str:
        return f"{self.unit_code}-{self.number:04d}"


class _Page:
    """A cursor down A4 pages that starts a new page (with the form's header) when full."""

    def __init__(self, canvas: Canvas, header: FormHeader, lang: str) -> None:
        self.canvas = canvas
        self.header = header
        self.lang = lang
        self.page = 0
        self.width = A4[0] - 2 * MARGIN
        self.y = 0.0
        self.new_page()

    def new_page(self) -> None:
        if self.page:
            self.canvas.showPage()
        self.page += 1
        canvas, header, lang = self.canvas, self.header, self.lang
        top = A4[1] - MARGIN
        canvas.setFillColorRGB(*INK)
        canvas.setFont(BOLD, 9)
        canvas.drawRightString(
            A4[0] - MARGIN,
            top,
            gettext("Phiếu số {form} · trang {page}", lang, form=header.form_id, page=self.page),
        )
        canvas.setFont(REGULAR, 8)
        codes = gettext(
            "Mã đợt {campaign} · đơn vị {unit} · kênh {channel}",
            lang,
            campaign=header.campaign_code,
            unit=header.unit_code,
            channel=header.channel,
        )
        if header.partner:
            codes += " · " + header.partner
        canvas.drawString(MARGIN, top, codes)
        canvas.setLineWidth(0.4)
        canvas.line(MARGIN, top - 2 * mm, A4[0] - MARGIN, top - 2 * mm)
        self.y = top - 7 * mm

    def need(self, height: float) -> None:
        if self.y - height < MARGIN:
            self.new_page()

    def text(self, text: str, font: str = REGULAR, size: float = 9.5, indent: float = 0) -> None:
        lines = simpleSplit(text, font, size, self.width - indent)
        self.need(len(lines) * size * 1.3)
        self.canvas.setFont(font, size)
        for line in lines:
            self.canvas.drawString(MARGIN + indent, self.y - size, line)
            self.y -= size * 1.3

    def boxes(self, labels: list[str], indent: float) -> None:
        """Tick boxes in rows, each with its label: "☐ 1 Rất không hài lòng"."""
        canvas = self.canvas
        x = MARGIN + indent
        self.need(LINE)
        canvas.setFont(REGULAR, 8.5)
        for label in labels:
            width = BOX + 1.5 * mm + canvas.stringWidth(label, REGULAR, 8.5) + 3.5 * mm
            if x + width > A4[0] - MARGIN:
                self.y -= LINE
                self.need(LINE)
                x = MARGIN + indent
            canvas.rect(x, self.y - BOX - 0.6 * mm, BOX, BOX, stroke=1, fill=0)
            canvas.drawString(x + BOX + 1.5 * mm, self.y - BOX + 0.2 * mm, label)
            x += width
        self.y -= LINE + 1 * mm

    def lines(self, count: int, indent: float) -> None:
        self.need(count * 7 * mm)
        self.canvas.setLineWidth(0.3)
        for _ in range(count):
            self.y -= 7 * mm
            self.canvas.line(MARGIN + indent, self.y, A4[0] - MARGIN, self.y)
        self.y -= 2 * mm


def answer_labels(questionnaire: Questionnaire, question: Question, lang: str) -> list[str]:
    """The boxes of a question, numbered as they are typed on the entry screen."""
    if question.type == "scale" and question.scale:
        scale = questionnaire.scales[question.scale]
        labels = [f"{n} {localize(point, lang)}" for n, point in enumerate(scale.points, 1)]
        if scale.not_applicable:
            labels.append(f"0 {localize(scale.not_applicable, lang)}")
        return labels
    if question.type in ("single", "multi"):
        return [f"{n} {localize(o.label, lang)}" for n, o in enumerate(question.options or (), 1)]
    if question.type == "yes_no":
        return [gettext("1 Có", lang), gettext("0 Không", lang)]
    return []


def _form(canvas: Canvas, questionnaire: Questionnaire, header: FormHeader, lang: str) -> None:
    page = _Page(canvas, header, lang)
    page.text(header.campaign_title, BOLD, 12)
    page.text(header.unit_name + (f" · {header.partner}" if header.partner else ""), REGULAR, 10)
    page.y -= 1 * mm
    page.text(localize(questionnaire.intro, lang), REGULAR, 8.5)
    page.text(
        gettext(
            "Cách ghi: đánh dấu X vào ô phù hợp (mỗi câu một ô, trừ câu ghi “có thể chọn "
            "nhiều”); câu nào không muốn trả lời thì để trống. Không ghi họ tên, số điện thoại "
            "lên phiếu.",
            lang,
        ),
        BOLD,
        8.5,
    )
    number = 0
    for section in questionnaire.sections:
        page.y -= 2 * mm
        page.need(3 * LINE)
        page.text(localize(section.title, lang), BOLD, 10.5)
        for question in section.questions:
            number += 1
            page.need(2 * LINE)
            text = f"{number}. {localize(question.text, lang)}"
            if question.type == "multi":
                text += " " + gettext("(có thể chọn nhiều)", lang)
            if question.show_if is not None:
                text += " " + gettext("(trả lời nếu câu trên phù hợp)", lang)
            page.text(text, REGULAR, 9.5, indent=2 * mm)
            labels = answer_labels(questionnaire, question, lang)
            if labels:
                page.boxes(labels, indent=6 * mm)
            elif question.type == "number":
                page.lines(1, indent=6 * mm)
            else:
                page.lines(4, indent=6 * mm)
    page.y -= 3 * mm
    page.text(gettext("Xin trân trọng cảm ơn ông/bà!", lang), BOLD, 10)


def render_forms(
    questionnaire: Questionnaire, headers: Iterable[FormHeader], lang: str = "vi"
) -> bytes:
    """One PDF with a form per header (each form starts on a new page)."""
    buffer = io.BytesIO()
    canvas = document(buffer, localize(questionnaire.title, lang))
    for header in headers:
        _form(canvas, questionnaire, header, lang)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()

"""Server-side HTML: the Jinja2 environment, per-language helpers and static asset URLs."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from survey_server import i18n

TEMPLATE_DIR = Path(__file__).parent / "templates"
#: Staff acts (Unix times) are shown as the office's local date.
OFFICE_ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
CHANNEL_LABELS = {
    "qr_meeting": i18n.N_("Mã QR tại họp phụ huynh"),
    "zalo": i18n.N_("Nhóm Zalo"),
    "partner": i18n.N_("Đối tác (MTTQ, đoàn thể)"),
    "paper": i18n.N_("Phiếu giấy"),
    "web": i18n.N_("Trang web"),
    "pooled": i18n.N_("Nhiều kênh, gộp khi kết thúc đợt"),
}
FLAG_LABELS = {
    "straight_lining": i18n.N_("Chọn cùng một mức cho mọi câu"),
    "speeding": i18n.N_("Làm quá nhanh (dưới một phút)"),
    "repeated_device": i18n.N_("Gửi lặp lại từ cùng thiết bị"),
}
KIND_LABELS = {
    "phan_anh": i18n.N_("Phản ánh"),
    "kien_nghi": i18n.N_("Kiến nghị"),
    "khieu_nai": i18n.N_("Khiếu nại"),
    "to_cao": i18n.N_("Tố cáo"),
}
CASE_LABELS = {
    "chua": i18n.N_("Chưa giải quyết"),
    "dang": i18n.N_("Đang giải quyết"),
    "da": i18n.N_("Đã giải quyết"),
}
STATUS_LABELS = {
    "draft": i18n.N_("Bản nháp"),
    "open": i18n.N_("Đang mở"),
    "closed": i18n.N_("Đã kết thúc"),
}


class Renderer:
    """Renders templates in one language; built once by ``create_app``."""

    def __init__(self, static_dir: Path, static_prefix: str = "/static") -> None:
        self.env = Environment(
            loader=FileSystemLoader(TEMPLATE_DIR),
            autoescape=select_autoescape(["html"]),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self._static_dir = static_dir
        self._static_prefix = static_prefix
        self._versions: dict[str, str] = {}
        self.env.globals["static"] = self.static_url

    def static_url(self, path: str) -> str:
        """The URL of a static file with a content hash, so browsers may cache it for long."""
        version = self._versions.get(path)
        if version is None:
            data = (self._static_dir / path).read_bytes()
            version = self._versions[path] = hashlib.sha256(data).hexdigest()[:10]
        return f"{self._static_prefix}/{path}?v={version}"

    def render(self, name: str, lang: str, content_lang: str | None = None, **context: Any) -> str:
        """``lang`` is the interface's language (a catalog: ``vi`` or ``en``), ``content_lang``
        the language a questionnaire's texts are shown in, any of its languages (``km``)."""
        template = self.env.get_template(name)
        content = content_lang or lang
        return template.render(
            lang=lang,
            content_lang=content,
            _=lambda message, **params: i18n.gettext(message, lang, **params),
            t=lambda text_map: i18n.localize(text_map, content),
            tl=lambda text_map: _marked(text_map, content, lang),
            number=lambda value, digits=0: i18n.format_number(value, lang, digits),
            day=lambda value: i18n.format_day(value, lang),
            short_day=lambda value: i18n.format_short_day(value, lang),
            iso_day=lambda text: i18n.format_short_day(date.fromisoformat(text), lang),
            percent=lambda value: "—" if value is None else i18n.format_share(value / 100, lang),
            band=lambda withheld: _band(withheld["at_least"], withheld["below"], lang),
            status_label=lambda status: i18n.gettext(STATUS_LABELS.get(status, status), lang),
            channel_label=lambda channel: i18n.gettext(CHANNEL_LABELS.get(channel, channel), lang),
            flag_label=lambda flag: i18n.gettext(FLAG_LABELS.get(flag, flag), lang),
            kind_label=lambda kind: i18n.gettext(KIND_LABELS.get(kind, kind), lang),
            case_label=lambda case: i18n.gettext(CASE_LABELS.get(case, case), lang),
            mix_label=lambda key: i18n.gettext(mix_label(key), lang),
            source_label=lambda source: i18n.gettext(SOURCE_LABELS.get(source, source), lang),
            decision_label=lambda d: i18n.gettext(DECISION_LABELS.get(d, d), lang),
            moment=lambda seconds: (
                i18n.format_short_day(datetime.fromtimestamp(seconds, OFFICE_ZONE).date(), lang)
                if seconds
                else "—"
            ),
            **context,
        )


#: Who brought paper forms in (``scoring.releases.ORIGIN``), as the channel mix names it.
ORIGIN_LABELS = {
    "school": i18n.N_("Phiếu giấy do trường tự nhập"),
    "office": i18n.N_("Phiếu giấy do cơ quan quản lý nhập"),
    "partner": i18n.N_("Phiếu giấy do đối tác nhập"),
    "import:school": i18n.N_("Nhập từ tệp (do trường tự nhập)"),
    "import:office": i18n.N_("Nhập từ tệp (do cơ quan quản lý nhập)"),
    "import:partner": i18n.N_("Nhập từ tệp (do đối tác nhập)"),
}
SOURCE_LABELS = {
    "entry": i18n.N_("Nhập một lần"),
    "double": i18n.N_("Nhập hai lần, đã đối chiếu"),
    "import": i18n.N_("Nhập từ tệp"),
}
DECISION_LABELS = {
    "review": i18n.N_("Chờ xem xét (phiếu chưa được tính)"),
    "kept": i18n.N_("Đã xem xét: giữ lại"),
    "excluded": i18n.N_("Đã xem xét: loại khỏi kết quả"),
}


def _marked(text_map: Mapping[str, str] | None, content: str, page: str) -> Markup | str:
    """Questionnaire text in an element; a language other than the page's is marked with
    ``lang``, so a screen reader speaks Khmer text in Khmer inside a Vietnamese interface."""
    text = i18n.localize(text_map, content)
    shown = content if text_map and text_map.get(content) else "vi"
    if shown == page:
        return text
    return Markup('<span lang="{}">{}</span>').format(shown, text)


def mix_label(key: str) -> str:
    """The label of a channel-mix key: ``channel`` or ``channel|origin``."""
    channel, _, origin = key.partition("|")
    if origin:
        return ORIGIN_LABELS.get(origin, origin)
    return CHANNEL_LABELS.get(channel, channel)


def _band(low: int, below: int, lang: str) -> str:
    """Unpublished responses as their band of k (``analysis.release.withheld_band``)."""
    if low == 0:
        return i18n.gettext("dưới {k}", lang, k=below)
    return i18n.gettext(
        "{low}–{high}",
        lang,
        low=i18n.format_number(low, lang),
        high=i18n.format_number(below - 1, lang),
    )

"""Preparing the demo: everything ``survey-server demo`` needs before it serves."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from survey_server.campaigns.services import CampaignSpec
from survey_server.campaigns.tables import Campaign
from survey_server.config import Settings
from survey_server.db.migrate import migrate
from survey_server.demo.synthetic import add_synthetic_responses
from survey_server.distribution.services import list_links, open_campaign
from survey_server.questionnaires.services import load_questionnaires
from survey_server.staff.passwords import hash_password, new_password, verify_password
from survey_server.staff.services import create_user
from survey_server.staff.tables import StaffUser
from survey_server.timekeeping import today
from survey_server.units.services import import_units

DEMO_UNITS = Path(__file__).parent / "units.csv"
ROOT = "SO-HP"
DEMO_ADMIN = "admin"
CHANGED = "(đã được đổi; dùng mật khẩu mới)"
GENERAL = ("tieu_hoc", "thcs", "thpt", "lien_cap", "gdtx")

#: (code, questionnaire slug, Vietnamese title, English title, school levels or None for the root)
DEMO_CAMPAIGNS = (
    (
        "HL-PT-2026",
        "hai-long-pho-thong",
        "Khảo sát sự hài lòng của cha mẹ học sinh năm học 2026–2027",
        "Parents' satisfaction survey, school year 2026–2027",
        GENERAL,
    ),
    (
        "HL-MN-2026",
        "hai-long-mam-non",
        "Khảo sát sự hài lòng của cha mẹ trẻ mầm non năm học 2026–2027",
        "Preschool parents' satisfaction survey, school year 2026–2027",
        ("mam_non",),
    ),
    (
        "MC-2026",
        "mot-cua",
        "Đánh giá sự hài lòng về giải quyết thủ tục hành chính năm 2026",
        "Satisfaction with administrative procedures, 2026",
        None,
    ),
    (
        "DT-2026",
        "tham-van-day-them",
        "Lấy ý kiến phụ huynh về dạy thêm, học thêm",
        "Consulting parents on extra classes",
        GENERAL,
    ),
    (
        "PA-2026",
        "phan-anh-kien-nghi",
        "Tiếp nhận phản ánh, kiến nghị của phụ huynh và người dân",
        "Feedback and recommendations from parents and citizens",
        GENERAL,
    ),
)


@dataclass(frozen=True)
class Demo:
    link: str
    """A respondent link code of the first campaign."""
    admin: str
    password: str


async def prepare_demo(settings: Settings, responses: int = 0) -> Demo:
    """Migrate, load questionnaires, units, campaigns and the administrator (idempotent)."""
    await migrate(settings.resolved_database_url)
    await load_questionnaires([settings.questionnaires_dir], settings.timezone)
    await import_units(DEMO_UNITS)
    start = today(settings.timezone) - timedelta(days=7)
    for code, slug, title_vi, title_en, levels in DEMO_CAMPAIGNS:
        if await Campaign.exists().where(Campaign.code == code):
            continue
        spec = CampaignSpec(
            code=code,
            title={"vi": title_vi, "en": title_en},
            questionnaire_slug=slug,
            root_unit_code=ROOT,
            opens_on=start,
            closes_on=start + timedelta(days=90),
            k=settings.default_k,
        )
        channels = ("web",) if levels is None else ("qr_meeting", "zalo")
        await open_campaign(spec, settings.timezone, channels, levels)
    if responses:
        await add_synthetic_responses(settings, responses, random.Random(2026))
    links = await list_links(DEMO_CAMPAIGNS[0][0])
    password = await _demo_admin(settings)
    return Demo(links[0]["code"], DEMO_ADMIN, password)


async def _demo_admin(settings: Settings) -> str:
    """The demo's administrator of the whole province, created once with a random password.

    The password is kept beside the demo database (``demo-admin-password``, readable by its
    owner only) so that every ``survey-server demo`` can print the sign-in line again; a real
    installation creates its accounts with ``survey-server users create``.
    """
    keep = settings.data_dir / "demo-admin-password"
    user = await StaffUser.select().where(StaffUser.username == DEMO_ADMIN).first()
    if user is not None:
        if keep.exists():
            kept = keep.read_text(encoding="ascii").strip()
            return kept if verify_password(user["password_hash"], kept) else CHANGED
        password = new_password()
        await StaffUser.update({StaffUser.password_hash: hash_password(password)}).where(
            StaffUser.username == DEMO_ADMIN
        )
    else:
        password = new_password()
        await create_user(DEMO_ADMIN, "admin", ROOT, password)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    keep.write_text(password, encoding="ascii")
    keep.chmod(0o600)
    return password

"""Downloads of the distribution kit: QR images of a link, posters and slips of a campaign.

A QR image carries only the link code it is asked for. Posters and slips of a campaign are for
signed-in staff: the links of their scope (a partner's own links), never of a draft campaign,
and they name the unit only. Token slips are personal and are not served here: they are
printed with ``survey-server tokens``.
"""

from typing import Any

import anyio
from litestar import Response, get
from litestar.datastructures import State
from litestar.params import FromPath, FromQuery

from survey_server.bounded import run_bounded
from survey_server.config import Settings
from survey_server.distribution.kit import PRINTED, kit_links
from survey_server.distribution.pdf import render_posters, render_slips
from survey_server.distribution.qr import qr_png, qr_svg
from survey_server.distribution.services import resolve_link
from survey_server.errors import NotFound
from survey_server.i18n import pick_lang
from survey_server.staff.routes import SIGNED_IN
from survey_server.staff.services import Scope, campaign_in_scope
from survey_server.staff.web import SignedIn

MEDIA = {"png": "image/png", "svg": "image/svg+xml", "pdf": "application/pdf"}


async def _link_qr(code: str, fmt: str, settings: Settings) -> Response[bytes]:
    info = await resolve_link(code)
    url = f"{settings.base_url}/s/{info.code}"
    body = await anyio.to_thread.run_sync(qr_png if fmt == "png" else qr_svg, url)
    return Response(body, media_type=MEDIA[fmt], headers=_attachment(f"qr-{info.code}.{fmt}"))


@get(
    "/api/v1/links/{code:str}/qr.png",
    summary="Mã QR của một đường dẫn (PNG, in 300 dpi)",
    tags=["distribution"],
)
async def link_qr_png(code: FromPath[str], state: State) -> Response[bytes]:
    return await _link_qr(code, "png", state.settings)


@get(
    "/api/v1/links/{code:str}/qr.svg",
    summary="Mã QR của một đường dẫn (SVG)",
    tags=["distribution"],
)
async def link_qr_svg(code: FromPath[str], state: State) -> Response[bytes]:
    return await _link_qr(code, "svg", state.settings)


async def _campaign_pdf(
    code: str, kind: str, settings: Settings, scope: Scope, unit: str | None, lang: str | None
) -> Response[bytes]:
    """The posters or slips of the unit's subtree (by default the user's unit or the campaign's
    root); 404 outside the scope and for a draft campaign, as for one that does not exist."""
    language = pick_lang(lang)
    campaign, target = await campaign_in_scope(scope, code[:40], unit[:40] if unit else None)
    if campaign["status"] == "draft":
        raise NotFound()
    links = await kit_links(campaign["code"], settings.base_url, target["code"])
    items = [
        link.item(language)
        for link in links
        if link.channel in PRINTED and (scope.role != "partner" or link.partner == scope.partner)
    ]
    if not items:
        raise NotFound()
    render = render_posters if kind == "posters" else render_slips
    # pages grow with the scope (a province: thousands): in a bounded child process, so neither
    # the event loop nor the interpreter lock of the server waits on it
    body = await run_bounded(render, items, language, seconds=120, memory_mb=1024)
    return Response(
        body, media_type=MEDIA["pdf"], headers=_attachment(f"{kind}-{campaign['code']}.pdf")
    )


@get(
    "/api/v1/campaigns/{code:str}/posters.pdf",
    dependencies=SIGNED_IN,
    summary="Áp phích A4 của một đợt (PDF)",
    tags=["distribution"],
)
async def campaign_posters(
    code: FromPath[str],
    state: State,
    session: SignedIn,
    unit: FromQuery[str | None] = None,
    lang: FromQuery[str | None] = None,
) -> Response[bytes]:
    return await _campaign_pdf(code, "posters", state.settings, session.scope, unit, lang)


@get(
    "/api/v1/campaigns/{code:str}/slips.pdf",
    dependencies=SIGNED_IN,
    summary="Phiếu phát tay A6, 4 phiếu mỗi tờ A4 (PDF)",
    tags=["distribution"],
)
async def campaign_slips(
    code: FromPath[str],
    state: State,
    session: SignedIn,
    unit: FromQuery[str | None] = None,
    lang: FromQuery[str | None] = None,
) -> Response[bytes]:
    return await _campaign_pdf(code, "slips", state.settings, session.scope, unit, lang)


def _attachment(name: str) -> dict[str, Any]:
    return {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"}


ROUTES = [link_qr_png, link_qr_svg, campaign_posters, campaign_slips]

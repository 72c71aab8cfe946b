"""Which campaigns concern a unit: those run at it or inside its subtree, and those run above it
that put a link inside its subtree (a province campaign concerns every school it reached).

The unit pages show the count, and a reorganisation lists them before it is confirmed."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from survey_server.campaigns.tables import Campaign
from survey_server.distribution.tables import Link
from survey_server.scoring.tables import ScoreSnapshot


async def campaigns_by_path(root_path: str, paths: Sequence[str]) -> dict[str, set[int]]:
    """For each unit path of ``paths`` (all inside ``root_path``), the ids of the campaigns that
    concern its subtree; read in two queries, whatever the number of paths."""
    links = await (
        Link.select(Link.campaign, Link.unit.path.as_alias("path"))
        .where(Link.unit.path.like(f"{root_path}%"))
        .distinct()
    )
    roots = await Campaign.select(Campaign.id, Campaign.root_unit.path.as_alias("path")).where(
        Campaign.root_unit.path.like(f"{root_path}%")
    )
    reached = [(row["campaign"], str(row["path"])) for row in links]
    reached += [(row["id"], str(row["path"])) for row in roots]
    return {
        path: {campaign for campaign, where in reached if where.startswith(path)} for path in paths
    }


async def campaigns_concerning(paths: Sequence[str]) -> list[dict[str, Any]]:
    """The campaigns that concern any of the subtrees ``paths``, oldest first, with whether a
    scoring of theirs is stored."""
    ids: set[int] = set()
    for path in paths:
        ids |= (await campaigns_by_path(path, [path]))[path]
    if not ids:
        return []
    rows = await (
        Campaign.select(
            Campaign.id,
            Campaign.code,
            Campaign.title,
            Campaign.status,
            Campaign.opens_on,
            Campaign.closes_on,
        )
        .where(Campaign.id.is_in(sorted(ids)))
        .order_by(Campaign.opens_on)
        .order_by(Campaign.code)
    )
    scored = {
        row["campaign"]
        for row in await ScoreSnapshot.select(ScoreSnapshot.campaign).where(
            ScoreSnapshot.campaign.is_in(sorted(ids)) & ScoreSnapshot.body.is_not_null()
        )
    }
    return [
        {**row, "title": json.loads(row["title"]), "scored": row["id"] in scored} for row in rows
    ]

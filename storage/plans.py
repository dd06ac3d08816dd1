"""The workspace's launch-plan template (a workspace without rows uses the standard one)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select

from bot.domain import Kind, PlanTemplateItem
from storage.base import Repository
from storage.models import PlanTemplateRow


class PlanRepository(Repository):
    async def template(self) -> list[PlanTemplateItem] | None:
        stmt = (select(PlanTemplateRow).where(PlanTemplateRow.workspace_id == self.workspace_id)
                .order_by(PlanTemplateRow.position))
        rows = (await self.session.execute(stmt)).scalars().all()
        if not rows:
            return None
        return [PlanTemplateItem(r.name, r.area, Kind(r.kind), frozenset(r.tiers or ()), r.offset_days, r.needs) for r in rows]

    async def save_template(self, items: Sequence[PlanTemplateItem] | None) -> None:
        await self.session.execute(delete(PlanTemplateRow).where(PlanTemplateRow.workspace_id == self.workspace_id))
        self.session.add_all(
            PlanTemplateRow(workspace_id=self.workspace_id, position=i, name=item.name, area=item.area,
                            kind=item.kind.value, tiers=sorted(item.tiers), offset_days=item.offset_days, needs=item.needs)
            for i, item in enumerate(items or ()))
        await self.session.flush()

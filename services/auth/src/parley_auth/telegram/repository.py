"""The owner binding in ``app_settings``."""

from __future__ import annotations

from parley_schema.models import AppSetting
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

OWNER_CHAT_KEY = "telegram_owner_chat_id"


class TelegramRepository:
    async def owner_chat_id(self, session: AsyncSession) -> int | None:
        value = await session.scalar(
            select(AppSetting.value).where(AppSetting.key == OWNER_CHAT_KEY)
        )
        return int(value) if value is not None else None

    async def set_owner_chat_id(self, session: AsyncSession, chat_id: int) -> None:
        statement = insert(AppSetting).values(key=OWNER_CHAT_KEY, value=str(chat_id))
        await session.execute(
            statement.on_conflict_do_update(
                index_elements=[AppSetting.key],
                set_={"value": statement.excluded.value, "updated_at": func.now()},
            )
        )


telegram_repository = TelegramRepository()

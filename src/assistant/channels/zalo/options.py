"""Moved: the Zalo worker's tuning is part of `assistant.config.ZaloSettings` (ASSISTANT_ZALO_*), the one
settings object's Zalo section. Kept so that old imports keep working."""

from assistant.config import ZALO_TEXT_LIMIT
from assistant.config import ZaloSettings as WorkerOptions

__all__ = ["ZALO_TEXT_LIMIT", "WorkerOptions"]

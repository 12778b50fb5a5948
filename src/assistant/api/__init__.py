"""HTTP API (FastAPI): search, ask, feedback, staff view, channels' webhooks and the handbook site."""

from assistant.api.app import create_app

__all__ = ["create_app"]

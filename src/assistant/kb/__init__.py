"""The knowledge base: models, loading, validation and importers."""

from assistant.kb.models import (
    Channel,
    Document,
    Fee,
    Guide,
    KnowledgeBase,
    LegalDoc,
    Procedure,
    Province,
    Sector,
)

__all__ = [
    "Channel",
    "Document",
    "Fee",
    "Guide",
    "KnowledgeBase",
    "LegalDoc",
    "Procedure",
    "Province",
    "Sector",
]

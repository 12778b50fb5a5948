"""The index's typed objects: what `assistant build` writes and what search, answers and the API read.

Query-time code imports from here (and from `store.py`, which loads an index), never from the build-time
modules (`build.py`, `chunks.py`): a server or `assistant ask` needs no Markdown splitter, no Jinja.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from assistant.kb.models import KnowledgeBase

if TYPE_CHECKING:
    import bm25s
    import faiss

FORMAT_VERSION = 2  # 2: fact vectors (facts.npy, facts.json)
# The lexical channels: the procedure card (names, summary) and the body text, each diacritic-folded and toned.
LEXICAL_FIELDS = ("card_folded", "card_toned", "body_folded", "body_toned")


@dataclass(frozen=True)
class Chunk:
    """A piece of handbook text with where it lives on the site."""

    id: int
    page: str  # e.g. "ho-tich.md"
    url: str  # site URL from the root, with anchor
    heading: str  # section heading as shown
    text: str  # plain text (Markdown noise removed)
    code: str = ""  # procedure code, empty for guide/sector text
    section: str = ""  # procedure section key (ho-so, le-phi…), "" for the procedure head

    def to_json(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class FactKey:
    """Which fact a row of facts.npy is: procedure code, fact kind, position within that kind."""

    code: str
    kind: str
    index: int


class Manifest(BaseModel):
    """manifest.json: how the index was built and the SHA-256 of every file in it (checked on load)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    format: int
    embedder: str  # Embedder.id; the index only loads with the same embedder
    dim: int = Field(ge=1)
    kb_fingerprint: str
    built_at: dt.datetime
    procedures: int = Field(ge=0)
    chunks: int = Field(ge=0)
    dense_vectors: int = Field(ge=0)
    files: dict[str, str]  # relative path → sha256


@dataclass
class IndexData:
    """Everything search needs, in memory."""

    folder: Path
    manifest: Manifest
    kb: KnowledgeBase
    chunks: list[Chunk]
    dense: faiss.Index  # inner-product index over the dense rows
    dense_codes: list[str]  # dense row → procedure code
    lexical: dict[str, bm25s.BM25]  # LEXICAL_FIELDS → BM25 index
    card_codes: list[str]  # card document → procedure code
    # Dense vectors of the facts worth one (rules, special cases, FAQ…), row → FactKey.
    fact_vectors: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.float32))
    fact_keys: list[FactKey] = field(default_factory=list)

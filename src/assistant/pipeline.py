"""`assistant build`: knowledge base → handbooks → site → search index, in that order."""

from __future__ import annotations

import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from assistant.handbook.render import render_handbooks, stale_pages, write_pages
from assistant.kb.load import kb_fingerprint, load_kb
from assistant.progress import Progress

DEFAULT_KB = Path("kb")


@dataclass
class BuildReport:
    procedures: int = 0
    handbooks: Path = Path("handbooks")
    changed: list[str] = field(default_factory=list)
    site: Path | None = None
    index: Path | None = None
    chunks: int = 0
    dense_vectors: int = 0
    embedded: int = 0
    seconds: dict[str, float] = field(default_factory=dict)


def handbook_folder(kb_dir: Path, out: Path) -> Path:
    """The default KB's handbooks are committed at ./handbooks; another KB's go under OUT."""
    if kb_dir.resolve() == DEFAULT_KB.resolve():
        return Path("handbooks")
    return out / "handbooks"


def check_handbooks(kb_dir: Path, out: Path) -> list[str]:
    kb = load_kb(kb_dir)
    return stale_pages(render_handbooks(kb), handbook_folder(kb_dir, out))


def build(
    kb_dir: Path,
    out: Path,
    *,
    embedder_spec: str,
    site: bool = True,
    index: bool = True,
    progress: Progress | None = None,
) -> BuildReport:
    """Run the stages; each reports to `progress` (the CLI shows it on a terminal)."""
    from assistant.config import get_settings
    from assistant.handbook.site import build_site
    from assistant.index.build import build_index
    from assistant.index.embedders import get_embedder

    progress = progress or Progress()
    report = BuildReport()
    t0 = time.perf_counter()
    with progress.stage("Sổ tay"):
        kb = load_kb(kb_dir)
        pages = render_handbooks(kb)
        report.procedures = len(kb.procedures)
        report.handbooks = handbook_folder(kb_dir, out)
        report.changed = write_pages(pages, report.handbooks)
    report.seconds["handbooks"] = time.perf_counter() - t0
    # The site (MkDocs, one core) and the index (tokens, BM25, embeddings) both read the handbooks and
    # nothing else: build the site in a second process while this one builds the index.
    site_job = None
    site_stage = None
    pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) if site and index else None
    if site:
        t_site = time.perf_counter()
        report.site = out / "site"
        settings = get_settings()
        extra = {"api_url": settings.api_url, "zalo_verification": settings.zalo_verifier_code}
        site_stage = progress.stage("Trang web")
        if pool is not None:
            site_job = pool.submit(build_site, kb, report.handbooks, report.site, extra)
            # Shown as done when it is done, not when the index is.
            site_job.add_done_callback(lambda job: None if job.cancelled() or job.exception() else site_stage.finish())
        else:
            with site_stage:
                build_site(kb, report.handbooks, report.site, extra)
            report.seconds["site"] = time.perf_counter() - t_site
    try:
        if index:
            t0 = time.perf_counter()
            with progress.stage(f"Nạp mô hình nhúng {embedder_spec}"):
                embedder = get_embedder(embedder_spec)
            report.index = out / "index"
            result = build_index(
                kb, pages, report.index, embedder, kb_fingerprint(kb_dir), out / "cache" / "embeddings.sqlite", progress
            )
            report.chunks, report.dense_vectors, report.embedded = result.chunks, result.dense_vectors, result.embedded
            report.seconds["index"] = time.perf_counter() - t0
        if site_job is not None and site_stage is not None:
            with site_stage:
                site_job.result()  # re-raises the site's UserError, if any
            report.seconds["site"] = site_stage.seconds or time.perf_counter() - t_site
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    return report

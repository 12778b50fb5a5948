"""`assistant build`: knowledge base → handbooks → site → search index, in that order."""

from __future__ import annotations

import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from assistant.config import Settings, load_settings
from assistant.handbook.render import Page, render_handbooks, stale_pages, write_pages
from assistant.kb.load import kb_fingerprint, load_kb
from assistant.kb.models import KnowledgeBase, Tier
from assistant.progress import Progress

DEFAULT_KB = Path("kb")


@dataclass
class BuildReport:
    procedures: int = 0
    national: int = 0  # of which national-tier records
    handbooks: Path = Path("handbooks")
    docs: Path = Path("handbooks")  # the pages of the site and the index (see `site_docs_folder`)
    changed: list[str] = field(default_factory=list)
    site: Path | None = None
    index: Path | None = None
    chunks: int = 0
    dense_vectors: int = 0
    embedded: int = 0
    seconds: dict[str, float] = field(default_factory=dict)


def is_default_kb(kb_dir: Path) -> bool:
    return Path(kb_dir).resolve() == DEFAULT_KB.resolve()


def handbook_folder(kb_dir: Path, out: Path) -> Path:
    """The default KB's handbooks are committed at ./handbooks; another KB's go under OUT."""
    if is_default_kb(kb_dir):
        return Path("handbooks")
    return out / "handbooks"


def site_docs_folder(kb_dir: Path, out: Path) -> Path:
    """The pages the site and the index are built from. The default KB commits its handbooks as written for the
    province (curated procedures, a few hundred KB); its national tier (about 15 MB of Markdown for 1,534
    records) is generated into OUT/docs with everything else. Another KB's handbooks are the site's pages."""
    return out / "docs" if is_default_kb(kb_dir) else handbook_folder(kb_dir, out)


def handbook_pages(kb: KnowledgeBase, kb_dir: Path) -> list[Page]:
    """What the handbook folder holds: see `site_docs_folder`."""
    return render_handbooks(kb, national=not is_default_kb(kb_dir))


def check_handbooks(kb_dir: Path, out: Path) -> list[str]:
    kb = load_kb(kb_dir)
    return stale_pages(handbook_pages(kb, kb_dir), handbook_folder(kb_dir, out))


def build(
    kb_dir: Path,
    out: Path,
    *,
    settings: Settings | None = None,
    embedder_spec: str | None = None,
    site: bool = True,
    index: bool = True,
    progress: Progress | None = None,
) -> BuildReport:
    """Run the stages; each reports to `progress` (the CLI shows it on a terminal).

    `settings` is all the build reads: the embedder, and for the site the chat's API URL and the Zalo
    verification code (default: the environment's, as `assistant build` passes them). `embedder_spec`
    overrides `settings.embedder` (tests and benchmarks pick a model that way)."""
    from assistant.handbook.site import build_site
    from assistant.index.build import build_index
    from assistant.index.embedders import get_embedder

    settings = settings or load_settings()
    embedder_spec = embedder_spec or settings.embedder
    progress = progress or Progress()
    report = BuildReport()
    t0 = time.perf_counter()
    with progress.stage("Cơ sở tri thức"):
        kb = load_kb(kb_dir)
    report.procedures = len(kb.procedures)
    report.national = sum(1 for p in kb.procedures if p.tier is Tier.national)
    with progress.stage("Sổ tay" + (f" (kèm {report.national} thủ tục quốc gia)" if report.national else "")):
        pages = render_handbooks(kb)
        report.handbooks = handbook_folder(kb_dir, out)
        docs = report.docs = site_docs_folder(kb_dir, out)
        if docs == report.handbooks:
            report.changed = write_pages(pages, docs)
        else:
            report.changed = write_pages(handbook_pages(kb, kb_dir), report.handbooks)
            write_pages(pages, docs)
    report.seconds["handbooks"] = time.perf_counter() - t0
    # The site (MkDocs, one core) and the index (tokens, BM25, embeddings) both read the handbooks and
    # nothing else: build the site in a second process while this one builds the index.
    site_job = None
    site_stage = None
    pool = (
        ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) if site and index else None
    )
    if site:
        t_site = time.perf_counter()
        report.site = out / "site"
        extra = {"api_url": settings.api_url, "zalo_verification": settings.zalo.verifier_code}
        site_stage = progress.stage("Trang web")
        if pool is not None:
            site_job = pool.submit(build_site, kb, docs, report.site, extra, out / "cache")
            # Shown as done when it is done, not when the index is.
            site_job.add_done_callback(lambda job: None if job.cancelled() or job.exception() else site_stage.finish())
        else:
            with site_stage:
                build_site(kb, docs, report.site, extra, out / "cache")
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

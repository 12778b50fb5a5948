"""Optional LLM polish against a local fake OpenAI-compatible server (real HTTP): used when it
answers well, ignored when it fails, times out, or adds facts that are not in the draft."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from tests.conftest import free_port


class FakeLlm:
    def __init__(self) -> None:
        self.mode = "ok"
        self.requests: list[dict] = []
        app = FastAPI()

        @app.post("/v1/chat/completions")
        async def chat(request: Request):
            body = await request.json()
            self.requests.append(body)
            draft = body["messages"][-1]["content"].split("Bản nháp (nguồn duy nhất):\n", 1)[1]
            if self.mode == "error":
                return JSONResponse({"error": {"message": "overloaded"}}, status_code=500)
            if self.mode == "slow":
                time.sleep(3)
            if self.mode == "invent":
                draft = draft + "\nLệ phí: 250.000 đồng. Gọi 0296 3852 123."
            content = "Chào bạn, đây là hướng dẫn:\n\n" + draft if self.mode != "invent" else draft
            return {
                "id": "x",
                "object": "chat.completion",
                "choices": [
                    {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}
                ],
            }

        self.port = free_port()
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started and time.monotonic() < deadline:
            time.sleep(0.05)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"


@pytest.fixture(scope="module")
def fake_llm():
    fake = FakeLlm()
    yield fake
    fake.server.should_exit = True


def ask(server, question: str) -> dict:
    response = httpx.post(server.url + "/api/ask", json={"question": question}, timeout=30)
    assert response.status_code == 200
    return response.json()


def test_polished_answer_is_used_and_grounding_prompt_sent(make_server, fake_llm, tmp_path: Path) -> None:
    fake_llm.mode = "ok"
    server = make_server(db_path=tmp_path / "a.db", llm_base_url=fake_llm.base_url, llm_timeout=2.0)
    body = ask(server, "đăng ký kết hôn cần giấy tờ gì")
    assert body["answer"].startswith("Chào bạn, đây là hướng dẫn:")
    assert "/ho-tich/#tt-1-000894-ho-so" in body["answer"]
    system = fake_llm.requests[-1]["messages"][0]
    assert system["role"] == "system" and "CHỈ dùng thông tin" in system["content"]


@pytest.mark.parametrize("mode", ["error", "slow", "invent"])
def test_falls_back_to_the_composed_answer(make_server, fake_llm, tmp_path: Path, mode: str) -> None:
    fake_llm.mode = mode
    server = make_server(db_path=tmp_path / f"{mode}.db", llm_base_url=fake_llm.base_url, llm_timeout=1.0)
    body = ask(server, "đăng ký kết hôn cần giấy tờ gì")
    assert body["answer"].startswith("**")  # the composed answer, title first
    assert "250.000" not in body["answer"] and "0296" not in body["answer"]
    assert body["procedure"]["code"] == "1.000894"

"""Optional polish of a composed answer by an OpenAI-compatible chat endpoint, under a strict grounding
prompt. Any failure, timeout, or an output that adds numbers or links not in the draft → None."""

from __future__ import annotations

import logging
import re

import httpx

from assistant.text import fold

log = logging.getLogger("assistant.llm")

SYSTEM_PROMPT = (
    "Bạn là trợ lý thủ tục hành chính của {province}. Viết lại câu trả lời nháp cho tự nhiên, "
    "dễ hiểu với người dân, bằng tiếng Việt. CHỈ dùng thông tin có trong bản nháp: không thêm phí, "
    "số điện thoại, địa chỉ, thời hạn, văn bản pháp luật hay đường liên kết nào khác. Giữ nguyên mọi "
    "con số và mọi đường liên kết. Giữ định dạng Markdown ngắn gọn, dưới 1.800 ký tự."
)
_NUMBER = re.compile(r"\d[\d.,/]*")
_URL = re.compile(r"https?://[^\s)]+|/[a-z0-9-]+/#[a-z0-9-]+")
# Authorities a rewrite must not bring in when the draft does not name them (folded, so "Công an"
# and "cong an" alike): a citizen sent to the wrong office is the worst error an answer can make.
_AUTHORITIES = re.compile(
    r"\b(cong an|uy ban nhan dan|ubnd|toa an|vien kiem sat|so [a-z]+|bo [a-z]+|co quan dai dien|dai su quan|"
    r"lanh su quan|van phong dang ky dat dai|bao hiem xa hoi|chi nhanh|hoi dong nhan dan|cap huyen|cap tinh|cap xa)\b"
)


class LlmPolisher:
    def __init__(
        self, base_url: str, model: str, api_key: str = "", timeout: float = 8.0, province: str = "tỉnh"
    ) -> None:
        self.system_prompt = SYSTEM_PROMPT.format(province=province)
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.model = model
        self.headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.timeout = timeout

    def polish(self, question: str, draft: str) -> str | None:
        payload = {
            "model": self.model,
            "temperature": 0.2,
            "messages": [
                {"role": "system", "content": self.system_prompt},
                {
                    "role": "user",
                    "content": f"Câu hỏi của người dân: {question}\n\nBản nháp (nguồn duy nhất):\n{draft}",
                },
            ],
        }
        try:
            response = httpx.post(self.url, json=payload, headers=self.headers, timeout=self.timeout)
            response.raise_for_status()
            text = response.json()["choices"][0]["message"]["content"].strip()
        except (httpx.HTTPError, KeyError, IndexError, TypeError, ValueError) as exc:
            log.warning("LLM polish failed, using the composed answer: %s", exc)
            return None
        if not text or len(text) > 1900 or not self._grounded(text, draft):
            log.warning("LLM output rejected (empty, too long, or not grounded in the draft)")
            return None
        return text

    @staticmethod
    def _grounded(text: str, draft: str) -> bool:
        """Every number, date, authority and link in the output must already be in the draft; every draft
        link must stay."""
        numbers = set(_NUMBER.findall(draft))
        if any(n not in numbers and n.rstrip(".,") not in numbers for n in _NUMBER.findall(text)):
            return False
        if {m.group(0) for m in _AUTHORITIES.finditer(fold(text))} - {
            m.group(0) for m in _AUTHORITIES.finditer(fold(draft))
        }:
            return False
        urls_draft, urls_out = set(_URL.findall(draft)), set(_URL.findall(text))
        return urls_out <= urls_draft and urls_draft <= urls_out

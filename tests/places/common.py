"""The default knowledge base's province and its units from the packages (no kb/units.yaml), for the place tests."""

from __future__ import annotations

from pathlib import Path

import yaml

from assistant.kb.models import Province
from assistant.places import Gazetteer
from assistant.places.load import base_units

ROOT = Path(__file__).resolve().parents[2]
PROVINCE = yaml.safe_load((ROOT / "kb" / "province.yaml").read_text(encoding="utf-8"))["name"]  # "Tỉnh An Giang"
PROVINCE_LABEL = Province(name=PROVINCE).label  # "tỉnh An Giang", as answers write it mid-sentence
GAZETTEER = Gazetteer(base_units(PROVINCE))

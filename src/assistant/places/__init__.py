"""Places: the province's 102 commune-level units, the former units that formed them, and their centres.

Data from two packages (`sources.py`: vietnam-provinces, vietnamadminunits) plus kb/units.yaml (`load.py`);
a matcher for unit names in citizens' text (`match.py`); answers to "where do I go now?" (`answer.py`).
This package imports nothing from `assistant.kb` at module level: `kb.models` carries a list of `Unit`.
"""

from assistant.places.answer import PlaceAnswer, PlaceAnswerer, answer_place, centre_line, compose_place_answer
from assistant.places.match import Gazetteer, PlaceMatch, find_places, is_place_question
from assistant.places.models import Centre, FormerUnit, Unit, UnitType

__all__ = [
    "Centre",
    "FormerUnit",
    "Gazetteer",
    "PlaceAnswer",
    "PlaceAnswerer",
    "PlaceMatch",
    "Unit",
    "UnitType",
    "answer_place",
    "centre_line",
    "compose_place_answer",
    "find_places",
    "is_place_question",
]

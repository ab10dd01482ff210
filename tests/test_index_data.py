"""Facts as plain data (modelreg/index/data.py): what the cache and the worker processes carry.

The tuples are the cache format (cache.py's FORMAT): a round trip gives the same facts, and rows
of another shape are refused, not half-read."""

from __future__ import annotations

import marshal

import pytest
from conftest import facts_of

from modelreg.index import facts_from_data, facts_to_data

SOURCE = """
import importlib
from typing import TYPE_CHECKING
from .db import Base  # noqa: MR002

__all__ = ["User"]

class User(Base):
    __tablename__ = "users"

def factory():
    class Hidden(Base):
        __tablename__ = "hidden"

importlib.import_module("app.models")
Base.metadata.create_all(engine)
"""


def test_facts_survive_a_round_trip_through_marshal():
    facts = facts_of(SOURCE)
    assert facts.imports and facts.classes and facts.hidden_classes and facts.dynamic_imports and facts.calls
    data = facts_to_data(facts)
    assert facts_from_data(marshal.loads(marshal.dumps(data))) == facts


def test_an_error_survives_a_round_trip():
    facts = facts_of(b"x = (\n")
    assert facts.error is not None
    assert facts_from_data(facts_to_data(facts)) == facts


def test_rows_of_another_shape_are_refused():
    data = list(facts_to_data(facts_of(SOURCE)))
    data[1] = (data[1][0][:-1],)  # a class row missing its last field
    with pytest.raises(ValueError, match="not the facts modelreg writes"):
        facts_from_data(tuple(data))

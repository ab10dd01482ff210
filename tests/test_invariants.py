"""Issue 27, point 5: no silent pass, no flood, no registry under tests - over every case of the field kit
(../shared/field beside the checkout) and over the trees the loading suites build (see conftest's `tree`)."""

from __future__ import annotations

import json
import os

import pytest

from invariants import field_root, invariant_errors, lay_out_case

FIELD = field_root()
CASES = sorted(p.name for p in FIELD.iterdir() if (p / "expect.json").is_file()) if FIELD.is_dir() else []


def test_the_field_kit_is_there():
    assert len(CASES) >= 50, f"the field kit is expected at {FIELD} (a copy of shared/ beside the checkout)"


@pytest.mark.parametrize("case", CASES)
def test_field_case_keeps_the_invariants(case, tmp_path):
    expect = json.loads((FIELD / case / "expect.json").read_text(encoding="utf-8"))
    root = lay_out_case(FIELD / case, tmp_path)
    run_in = root / expect.get("run_in", ".")
    here = os.getcwd()
    os.chdir(run_in)
    try:
        errors = invariant_errors(run_in)
    finally:
        os.chdir(here)
    assert errors == []

"""Decoding (modelreg/index/source.py): bytes are read as the interpreter reads them, and what it
would refuse becomes one MR100 position and message, never an exception."""

from __future__ import annotations

import pytest
from conftest import facts_of

from modelreg.index import decode, decode_encoding


def test_a_bom_is_dropped_and_utf8_is_the_default():
    assert decode("\ufeffname = 'café'\n".encode("utf-8")) == "name = 'café'\n"
    assert decode_encoding(b"x = 1\n") == "utf-8"


def test_a_coding_cookie_names_the_encoding():
    data = "# -*- coding: latin-1 -*-\nname = 'café'\n".encode("latin-1")
    assert decode_encoding(data) == "iso-8859-1"
    assert decode(data).endswith("name = 'café'\n")


def test_bytes_that_are_not_utf8_are_tolerated_in_a_comment_only():
    assert decode(b"x = 1  # caf\xe9\n") == "x = 1  # caf\ufffd\n"
    with pytest.raises(UnicodeDecodeError):
        decode(b"x = 'caf\xe9'\n")


def test_an_undecodable_file_is_an_error_at_the_line_of_its_first_bad_byte():
    facts = facts_of(b"import os\nx = 'caf\xe9'\n")
    assert facts.error == (2, 0, "cannot decode file: invalid continuation byte (byte 0xe9)")
    assert facts.imports == ()


def test_an_unknown_encoding_cookie_is_an_error():
    line, col, message = facts_of(b"# coding: no-such-codec\nx = 1\n").error
    assert (line, col) == (1, 0) and message.startswith("cannot decode file:") and "no-such-codec" in message


def test_a_nul_byte_is_an_error_at_its_position():
    assert facts_of(b"import os\nx = 1 \0\n").error == (2, 6, "source contains a NUL byte")

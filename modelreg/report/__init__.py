"""Reporters only format: a Report in, text out."""

from __future__ import annotations

from . import json_format, text

FORMATS = {
    "text": text.render,
    "json": json_format.render,
}

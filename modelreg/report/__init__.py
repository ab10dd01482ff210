"""Reporters only format: a Report in, text out."""

from __future__ import annotations

from . import github, json_format, sarif, text

FORMATS = {
    "text": text.render,
    "json": json_format.render,
    "github": github.render,
    "sarif": sarif.render,
}

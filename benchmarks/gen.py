"""Synthetic monorepos for the benchmark: about 20% model files of ~4 KB, the rest ordinary modules.

One declarative base, one registry that imports 98% of the model modules (2% unregistered).
Deterministic for a given size. Used by bench.py; not part of the package.
"""

from __future__ import annotations

import os
import random
import shutil

MODEL_TEMPLATE = '''"""Models for {domain}: {name}."""
from __future__ import annotations

import datetime
import enum
import logging
from typing import Optional

import sqlalchemy as sa
from sqlalchemy import orm

from app.db.base_class import Base
from app.{domain}.util import slugify

log = logging.getLogger(__name__)


class {cls}Status(enum.Enum):
    active = "active"
    archived = "archived"
    deleted = "deleted"


class {cls}(Base):
    __tablename__ = "{table}"

    id = sa.Column(sa.Integer, primary_key=True, autoincrement=True)
    created = sa.Column(sa.DateTime, default=datetime.datetime.utcnow, index=True)
    updated = sa.Column(sa.DateTime, default=datetime.datetime.utcnow, onupdate=datetime.datetime.utcnow)
    name = sa.Column(sa.String(200), nullable=False, index=True)
    slug = sa.Column(sa.String(200), nullable=False, unique=True)
    description = sa.Column(sa.Text, nullable=True)
    status = sa.Column(sa.Enum({cls}Status), default={cls}Status.active, nullable=False)
    owner_id = sa.Column(sa.Integer, index=True)
    price_cents = sa.Column(sa.BigInteger, default=0)
    quantity = sa.Column(sa.Integer, default=0)
    score = sa.Column(sa.Float, default=0.0)
    is_public = sa.Column(sa.Boolean, default=True)
    notes = sa.Column(sa.Text, nullable=True)
    external_ref = sa.Column(sa.String(64), nullable=True, index=True)

    def __repr__(self) -> str:
        return "<{cls} %s %r>" % (self.id, self.name)

    @property
    def price(self) -> float:
        return (self.price_cents or 0) / 100.0

    @price.setter
    def price(self, value: float) -> None:
        self.price_cents = int(round(value * 100))

    def archive(self) -> None:
        log.info("archiving %s", self)
        self.status = {cls}Status.archived
        self.updated = datetime.datetime.utcnow()

    def to_dict(self) -> dict:
        return {{
            "id": self.id,
            "name": self.name,
            "slug": self.slug,
            "description": self.description,
            "status": self.status.value if self.status else None,
            "price": self.price,
            "quantity": self.quantity,
            "score": self.score,
            "is_public": self.is_public,
        }}


    def validate(self) -> list:
        problems = []
        if not self.name or not self.name.strip():
            problems.append("name is required")
        if self.price_cents is not None and self.price_cents < 0:
            problems.append("price must not be negative")
        if self.quantity is not None and self.quantity < 0:
            problems.append("quantity must not be negative")
        if self.score is not None and not (0.0 <= self.score <= 5.0):
            problems.append("score must be between 0 and 5")
        if self.external_ref and len(self.external_ref) > 64:
            problems.append("external_ref is too long")
        return problems

    def touch(self, when: Optional[datetime.datetime] = None) -> None:
        self.updated = when or datetime.datetime.utcnow()

    @classmethod
    def from_dict(cls, data: dict) -> "{cls}":
        obj = cls(
            name=data["name"],
            slug=data.get("slug") or slugify(data["name"]),
            description=data.get("description"),
            owner_id=data.get("owner_id"),
        )
        obj.price = float(data.get("price", 0.0))
        obj.quantity = int(data.get("quantity", 0))
        obj.is_public = bool(data.get("is_public", True))
        return obj


def make_{table}(name: str, price: float = 0.0, owner_id: Optional[int] = None) -> {cls}:
    obj = {cls}(name=name, slug=slugify(name), owner_id=owner_id)
    obj.price = price
    return obj


def find_{table}_by_slug(session: orm.Session, slug: str) -> Optional[{cls}]:
    return session.query({cls}).filter({cls}.slug == slug).one_or_none()


def public_{table}(session: orm.Session, limit: int = 50):
    q = session.query({cls}).filter({cls}.is_public.is_(True))
    q = q.order_by({cls}.created.desc())
    return q.limit(limit).all()
'''

MODULE_TEMPLATE = '''"""{domain} service helpers ({name})."""
from __future__ import annotations

import dataclasses
import functools
import json
import logging
from typing import Dict, Iterable, List, Optional

from app.{domain}.util import slugify
from app.{domain} import {sibling} as sibling

log = logging.getLogger(__name__)


class {cls}Error(Exception):
    """Raised when {name} cannot be processed."""


@dataclasses.dataclass
class {cls}Request:
    name: str
    tags: List[str] = dataclasses.field(default_factory=list)
    limit: int = 20
    cursor: Optional[str] = None

    def key(self) -> str:
        return slugify(self.name) + ":" + ",".join(sorted(self.tags))


class {cls}Service:
    def __init__(self, client, cache: Optional[Dict[str, str]] = None) -> None:
        self.client = client
        self.cache = cache if cache is not None else {{}}

    def fetch(self, request: {cls}Request) -> List[dict]:
        key = request.key()
        if key in self.cache:
            return json.loads(self.cache[key])
        try:
            items = self.client.get("/{domain}/{name}", params={{"limit": request.limit}})
        except OSError as exc:
            raise {cls}Error(str(exc)) from exc
        self.cache[key] = json.dumps(items)
        return items

    def names(self, request: {cls}Request) -> Iterable[str]:
        for item in self.fetch(request):
            yield item.get("name", "")


@functools.lru_cache(maxsize=128)
def normalize_{name}(value: str) -> str:
    value = value.strip().lower()
    return " ".join(value.split())


def summarize_{name}(items: List[dict]) -> Dict[str, int]:
    counts: Dict[str, int] = {{}}
    for item in items:
        kind = item.get("kind", "unknown")
        counts[kind] = counts.get(kind, 0) + 1
    log.debug("summarized %d items", len(items))
    return counts
'''

UTIL = '''import re


def slugify(value: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-")
'''


def generate(root: str, files: int, seed: int = 7) -> dict:
    """Write a tree of `files` .py files under root (replaced). Returns facts about it."""
    rng = random.Random(seed)
    if os.path.exists(root):
        shutil.rmtree(root)
    per_domain = 100
    domains = max(1, files // per_domain)
    n_models = files // 5
    model_modules = []
    written = 0

    def write(rel, text):
        nonlocal written
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
        written += 1

    write("app/__init__.py", "")
    write("app/db/__init__.py", "")
    write("app/db/base_class.py", "from sqlalchemy.orm import DeclarativeBase\n\n\nclass Base(DeclarativeBase):\n    pass\n")
    model_index = 0
    for d in range(domains):
        domain = f"domain{d:03d}"
        write(f"app/{domain}/__init__.py", "")
        write(f"app/{domain}/util.py", UTIL)
        budget = min(per_domain - 2, files - written - 1)
        if budget <= 0:
            break
        k_models = round(budget * n_models / max(files, 1))
        for i in range(budget):
            if i < k_models and model_index < n_models:
                name = f"m{model_index:05d}"
                cls = f"Thing{model_index:05d}"
                write(f"app/{domain}/{name}.py", MODEL_TEMPLATE.format(domain=domain, name=name, cls=cls, table=f"t{model_index:05d}"))
                model_modules.append(f"app.{domain}.{name}")
                model_index += 1
            else:
                name = f"s{i:03d}"
                write(
                    f"app/{domain}/{name}.py",
                    MODULE_TEMPLATE.format(domain=domain, name=name, cls=f"Svc{d:03d}{i:03d}", sibling="util"),
                )
    unregistered = set(rng.sample(model_modules, max(1, len(model_modules) // 50)))
    lines = ['"""Every model module, for Base.metadata."""', ""]
    lines += [f"import {m}  # noqa: F401" for m in model_modules if m not in unregistered]
    write("app/db/all_models.py", "\n".join(lines) + "\n")
    with open(os.path.join(root, "pyproject.toml"), "w") as f:
        f.write('[tool.modelreg]\nregistry = "app/db/all_models.py"\n')
    return {"files": written, "models": len(model_modules), "unregistered": len(unregistered)}


MODEL_COLUMNS = (
    "id", "created", "updated", "name", "slug", "description", "status", "owner_id", "price_cents", "quantity",
    "score", "is_public", "notes", "external_ref",
)

ENV_PY = """from alembic import context

from app.db.all_models import Base  # noqa: F401

target_metadata = Base.metadata


def run_migrations_online():
    context.configure(connection=None, target_metadata=target_metadata)
"""

REVISION = '''"""{message}

Revision ID: {rev}
Revises: {down}
"""
from alembic import op
import sqlalchemy as sa

revision = {rev!r}
down_revision = {down!r}
branch_labels = None
depends_on = None


def upgrade():
{body}


def downgrade():
    pass
'''


def add_history(root: str, revisions: int = 500) -> dict:
    """An Alembic history of `revisions` revision files creating every model's table (and its index)."""
    import glob

    tables = sorted(
        os.path.basename(p)[1:-3] for p in glob.glob(os.path.join(root, "app", "domain*", "m*.py"))
    )
    with open(os.path.join(root, "alembic.ini"), "w") as f:
        f.write("[alembic]\nscript_location = alembic\n")
    os.makedirs(os.path.join(root, "alembic", "versions"), exist_ok=True)
    with open(os.path.join(root, "alembic", "env.py"), "w") as f:
        f.write(ENV_PY)
    with open(os.path.join(root, "alembic", "script.py.mako"), "w") as f:
        f.write("")
    with open(os.path.join(root, "app", "db", "all_models.py"), "a") as f:
        f.write("from app.db.base_class import Base  # noqa: F401,E402\n")
    per = max(1, -(-len(tables) // revisions))
    down = None
    for i in range(revisions):
        chunk = tables[i * per : (i + 1) * per]
        lines = []
        for t in chunk:
            cols = ",\n".join(f"        sa.Column({c!r}, sa.String(), nullable=True)" for c in MODEL_COLUMNS)
            lines.append(f"    op.create_table(\n        't{t}',\n{cols},\n        sa.PrimaryKeyConstraint('id'),\n    )")
            lines.append(f"    op.create_index('ix_t{t}_name', 't{t}', ['name'])")
        rev = f"{i:04d}{'ab' * 4}"
        with open(os.path.join(root, "alembic", "versions", f"{rev}_step.py"), "w") as f:
            f.write(REVISION.format(message=f"step {i}", rev=rev, down=down, body="\n".join(lines) or "    pass"))
        down = rev
    return {"revisions": revisions, "tables": len(tables)}


if __name__ == "__main__":
    import sys

    print(generate(sys.argv[1], int(sys.argv[2])))

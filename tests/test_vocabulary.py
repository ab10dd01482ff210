"""modelreg.vocabulary: the names the prefilter looks for are the ones that can bind something model-ish."""

from __future__ import annotations

from conftest import project_module, resolved


def test_model_ish_names_are_bases_models_dbs_registries_metadata_and_their_aliases(tree):
    root = tree(
        {
            "app/__init__.py": "",
            "app/db.py": """
                import logging
                import sqlalchemy as sa
                from flask_sqlalchemy import SQLAlchemy
                from sqlalchemy.orm import declarative_base, registry

                log = logging.getLogger(__name__)
                Base = declarative_base()
                reg = registry()
                md = sa.MetaData()
                db = SQLAlchemy()
                Model = db.Model
                VERSION = "1"

                class User(Base):
                    __tablename__ = "users"

                class Helper:
                    pass
            """,
            "app/use.py": "from app.db import Base as B, Helper as H\n",
        }
    )
    project = resolved(root)
    db, use = project_module(project, "app.db"), project_module(project, "app.use")
    assert project.modelish_names([db], set()) == {"Base", "reg", "md", "db", "Model", "User"}
    # `as` names count only for names already known to be model-ish
    assert project.modelish_names([use], {"Base"}) == {"B"}

"""The resolver: per-file facts -> a resolved project (bases, models, registries, what each registry
registers). One module per job, plain values and frozen dataclasses between them:

    state        the memoized per-module results, what each one read, and taking them over
                 (the next keystroke in the editor, the next run through the cache)
    bindings     which statement binds each module-level name (a pure function of one file's facts)
    evaluate     names and expressions -> values: a small abstract interpreter over the facts
    objects      what a call creates: declarative bases, registries, MetaData, tables, Flask dbs
    classify     what a class is to SQLAlchemy: base, model, abstract, SQLModel, plain
    bases        Flask-SQLAlchemy subclasses, generated table names, classes that cannot be verified
    inventory    the models, tables and create_all() calls of each module
    vocabulary   the names the prefilter (modelreg.store) looks for
    reach        what importing a module runs
    coverage     what a registry's own statements register; which of its imports must fail
    startup      the import stacks a registry runs under on the application's startup paths, and
                 whether an import added to it would read a name of a module still part-way run
    alembic_envs the metadata each Alembic env.py hands to autogenerate
    landing      where Flask-SQLAlchemy 3 models land against the MetaData an env.py targets
    declared     the entry points the project declares (pyproject.toml, setup.cfg, setup.py), by group
    entry_points where the application starts: console scripts, the Flask app (FLASK_APP, wsgi.py)
    registries   where the registries are: config, __all_models.py, env.py, create_all(), entry points
    project      :class:`Project`, the one object the rules, the fixer and the language server ask;
                 it wires the stages together and holds no logic of its own

The module graph (names, roots, what an import resolves to) is modelreg.imports, beside this
package. Nothing here reads files: facts come from the callable handed to :class:`Project`, so the
same resolver serves the CLI (facts from disk or the cache) and the language server (facts of
unsaved buffers). The exceptions are the project's configuration files that say where the
application starts: alembic.ini (alembic_envs), pyproject.toml / setup.cfg / setup.py / .flaskenv
(entry_points).
"""

from .project import Project
from .state import BaseInfo, ClassKind

__all__ = ["BaseInfo", "ClassKind", "Project"]

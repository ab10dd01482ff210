"""Issue 4, points 6-8: the registry found through Alembic's env.py, MR003 registry-not-loaded, MR005 duplicate-table.

The static verdicts are confirmed where it matters with the real tools in a subprocess:
`alembic revision --autogenerate` for what env.py's target_metadata really holds, SQLAlchemy for
`create_all()` and for "Table ... is already defined".
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import alembic

import modelreg
from conftest import assert_fix_runs, import_in_subprocess

SCRIPT_MAKO = (Path(alembic.__file__).parent / "templates" / "generic" / "script.py.mako").read_text()

ALEMBIC_INI = """\
[alembic]
script_location = alembic
prepend_sys_path = .
sqlalchemy.url = sqlite:///dev.db
"""

RUN_ONLINE = '''

def run_migrations_online():
    connectable = engine_from_config(
        config.get_section(config.config_ini_section), prefix="sqlalchemy.", poolclass=pool.NullPool
    )
    with connectable.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
'''


def alembic_files(env: str) -> dict:
    """alembic.ini, alembic/script.py.mako (Alembic's own) and alembic/env.py, as `alembic init` lays them out."""
    return {"alembic.ini": ALEMBIC_INI, "alembic/script.py.mako": SCRIPT_MAKO, "alembic/env.py": env}


def findings(root):
    return [
        (d.code, os.path.relpath(d.path, root).replace(os.sep, "/"), d.line, d.column, d.model)
        for d in modelreg.check([str(root)]).diagnostics
    ]


def rel(root, path):
    return os.path.relpath(path, root).replace(os.sep, "/") if path else None


def autogenerate(root: Path) -> list:
    """Tables `alembic revision --autogenerate` creates against an empty database (the revision is removed after)."""
    versions = root / "alembic" / "versions"
    versions.mkdir(exist_ok=True)
    proc = subprocess.run(
        [sys.executable, "-m", "alembic", "revision", "--autogenerate", "-m", "probe"],
        cwd=str(root), capture_output=True, text=True,
    )
    assert proc.returncode == 0, proc.stderr
    (script,) = versions.glob("*.py")
    text = script.read_text()
    script.unlink()
    return sorted(re.findall(r"op\.create_table\(\s*['\"](\w+)['\"]", text))


# -- point 6: the registry found through Alembic's env.py --------------------------------------------

FASTAPI_TEMPLATE = {
    "app/__init__.py": "",
    "app/db/__init__.py": "",
    "app/db/base_class.py": (
        "from typing import Any\n"
        "\n"
        "from sqlalchemy.orm import as_declarative, declared_attr\n"
        "\n"
        "\n"
        "@as_declarative()\n"
        "class Base:\n"
        "    id: Any\n"
        "    __name__: str\n"
        "\n"
        "    # Generate __tablename__ automatically\n"
        "    @declared_attr\n"
        "    def __tablename__(cls) -> str:\n"
        "        return cls.__name__.lower()\n"
    ),
    "app/db/base.py": (
        "# Import all the models, so that Base has them before being\n"
        "# imported by Alembic\n"
        "from app.db.base_class import Base  # noqa\n"
        "from app.models.item import Item  # noqa\n"
        "from app.models.user import User  # noqa\n"
    ),
    "app/models/__init__.py": "",
    "app/models/user.py": (
        "from sqlalchemy import Column, Integer, String\n"
        "\n"
        "from app.db.base_class import Base\n"
        "\n"
        "\n"
        "class User(Base):\n"
        "    id = Column(Integer, primary_key=True, index=True)\n"
        "    email = Column(String, unique=True, index=True, nullable=False)\n"
    ),
    "app/models/item.py": (
        "from sqlalchemy import Column, ForeignKey, Integer, String\n"
        "\n"
        "from app.db.base_class import Base\n"
        "\n"
        "\n"
        "class Item(Base):\n"
        "    id = Column(Integer, primary_key=True, index=True)\n"
        "    title = Column(String, index=True)\n"
        "    owner_id = Column(Integer, ForeignKey('user.id'))\n"
    ),
    # added later, and forgotten in app/db/base.py
    "app/models/tag.py": (
        "from sqlalchemy import Column, Integer\n"
        "\n"
        "from app.db.base_class import Base\n"
        "\n"
        "\n"
        "class Tag(Base):\n"
        "    id = Column(Integer, primary_key=True)\n"
    ),
    **alembic_files(
        "from alembic import context\n"
        "from sqlalchemy import engine_from_config, pool\n"
        "\n"
        "config = context.config\n"
        "\n"
        "# add your model's MetaData object here\n"
        "# for 'autogenerate' support\n"
        "from app.db.base import Base  # noqa\n"
        "\n"
        "target_metadata = Base.metadata\n" + RUN_ONLINE
    ),
}


def test_without_all_models_or_config_the_module_env_py_imports_the_base_from_is_the_registry(tree, run):
    root = tree(FASTAPI_TEMPLATE)
    data = run(["models", "--format", "json", root], cwd=root).json
    assert data["registries"] == [{"path": "app/db/base.py", "module": "app.db.base", "source": "env.py"}]
    assert [(m["name"], m["base"], m["registry"], m["registered"]) for m in data["models"]] == [
        ("Item", "app.db.base_class.Base", "app/db/base.py", True),
        ("Tag", "app.db.base_class.Base", "app/db/base.py", False),
        ("User", "app.db.base_class.Base", "app/db/base.py", True),
    ]


def test_the_text_inventory_says_the_registry_was_found_through_env_py(tree, run):
    root = tree(FASTAPI_TEMPLATE)
    result = run(["models", root], cwd=root)
    assert "registry app/db/base.py (app.db.base): found by env.py" in result.out.splitlines()


def test_a_model_the_env_py_registry_forgets_is_mr001_naming_that_registry(tree):
    root = tree(FASTAPI_TEMPLATE)
    report = modelreg.check([str(root)])
    assert findings(root) == [("MR001", "app/models/tag.py", 6, 7, "app.models.tag.Tag")]
    (d,) = report.diagnostics
    assert rel(root, d.registry) == "app/db/base.py"
    assert d.message.endswith("app/db/base.py does not import it; add `from app.models.tag import Tag`")


def test_autogenerate_sees_exactly_the_models_modelreg_calls_registered(tree, run):
    root = tree(FASTAPI_TEMPLATE)
    data = run(["models", "--format", "json", root], cwd=root).json
    # the template's own rule: the table is the class name, lowercased
    registered = sorted(m["name"].lower() for m in data["models"] if m["registered"])
    assert autogenerate(root) == registered == ["item", "user"]


TWO_TARGETS = {
    **FASTAPI_TEMPLATE,
    "app/audit/__init__.py": "",
    "app/audit/base_class.py": "from sqlalchemy.orm import declarative_base\n\nAuditBase = declarative_base()\n",
    "app/audit/entry.py": (
        "from sqlalchemy import Column, Integer\n"
        "\n"
        "from app.audit.base_class import AuditBase\n"
        "\n"
        "\n"
        "class AuditEntry(AuditBase):\n"
        "    __tablename__ = 'audit_entries'\n"
        "    id = Column(Integer, primary_key=True)\n"
    ),
    "app/audit/login.py": (
        "from sqlalchemy import Column, Integer\n"
        "\n"
        "from app.audit.base_class import AuditBase\n"
        "\n"
        "\n"
        "class LoginEvent(AuditBase):\n"
        "    __tablename__ = 'login_events'\n"
        "    id = Column(Integer, primary_key=True)\n"
    ),
    "app/audit/all.py": (
        "from app.audit.base_class import AuditBase  # noqa\n"
        "from app.audit.entry import AuditEntry  # noqa\n"
    ),
    "alembic/env.py": (
        "from alembic import context\n"
        "from sqlalchemy import engine_from_config, pool\n"
        "\n"
        "from app.audit.all import AuditBase\n"
        "from app.db.base import Base\n"
        "\n"
        "config = context.config\n"
        "target_metadata = [Base.metadata, AuditBase.metadata]\n" + RUN_ONLINE
    ),
}


def test_a_list_of_target_metadata_gives_each_base_the_registry_env_py_imports_it_from(tree, run):
    root = tree(TWO_TARGETS)
    data = run(["models", "--format", "json", root], cwd=root).json
    assert data["registries"] == [
        {"path": "app/db/base.py", "module": "app.db.base", "source": "env.py"},
        {"path": "app/audit/all.py", "module": "app.audit.all", "source": "env.py"},
    ]
    assert [(m["name"], m["registry"], m["registered"]) for m in data["models"]] == [
        ("AuditEntry", "app/audit/all.py", True),
        ("LoginEvent", "app/audit/all.py", False),
        ("Item", "app/db/base.py", True),
        ("Tag", "app/db/base.py", False),
        ("User", "app/db/base.py", True),
    ]
    assert findings(root) == [
        ("MR001", "app/audit/login.py", 6, 7, "app.audit.login.LoginEvent"),
        ("MR001", "app/models/tag.py", 6, 7, "app.models.tag.Tag"),
    ]


def test_env_py_importing_the_base_from_its_defining_module_is_itself_the_registry(tree, run):
    env = (
        "from alembic import context\n"
        "\n"
        "import app.models.user  # noqa: F401\n"
        "from app.db.base_class import Base\n"
        "\n"
        "target_metadata = Base.metadata\n"
    )
    root = tree({**FASTAPI_TEMPLATE, "alembic/env.py": env})
    data = run(["models", "--format", "json", root], cwd=root).json
    assert data["registries"] == [{"path": "alembic/env.py", "module": "alembic.env", "source": "env.py"}]
    assert findings(root) == [
        ("MR001", "app/models/item.py", 6, 7, "app.models.item.Item"),
        ("MR001", "app/models/tag.py", 6, 7, "app.models.tag.Tag"),
    ]


def test_an_all_models_file_takes_precedence_over_env_py(tree, run):
    root = tree({**FASTAPI_TEMPLATE, "app/db/__all_models.py": "import app.models.user  # noqa: F401\n"})
    data = run(["models", "--format", "json", root], cwd=root).json
    assert data["registries"] == [
        {"path": "app/db/__all_models.py", "module": "app.db.__all_models", "source": "file name"}
    ]


def sqlmodel_table(cls: str) -> str:
    return (
        "from typing import Optional\n"
        "\n"
        "from sqlmodel import Field, SQLModel\n"
        "\n"
        "\n"
        f"class {cls}(SQLModel, table=True):\n"
        "    id: Optional[int] = Field(default=None, primary_key=True)\n"
    )


# today's full-stack FastAPI template: SQLModel, and env.py takes SQLModel from the models package
SQLMODEL_TEMPLATE = {
    "app/__init__.py": "",
    "app/models/__init__.py": "from sqlmodel import SQLModel  # noqa\n\nfrom .hero import Hero  # noqa\n",
    "app/models/hero.py": sqlmodel_table("Hero"),
    "app/models/team.py": sqlmodel_table("Team"),
    **alembic_files(
        "from alembic import context\n"
        "from sqlalchemy import engine_from_config, pool\n"
        "\n"
        "from app.models import SQLModel  # noqa\n"
        "\n"
        "config = context.config\n"
        "target_metadata = SQLModel.metadata\n" + RUN_ONLINE
    ),
}


def test_target_metadata_sqlmodel_metadata_makes_the_module_env_py_takes_sqlmodel_from_the_registry(tree, run):
    root = tree(SQLMODEL_TEMPLATE)
    data = run(["models", "--format", "json", root], cwd=root).json
    assert data["registries"] == [{"path": "app/models/__init__.py", "module": "app.models", "source": "env.py"}]
    assert [(m["name"], m["base"], m["registry"], m["registered"]) for m in data["models"]] == [
        ("Hero", "sqlmodel.SQLModel", "app/models/__init__.py", True),
        ("Team", "sqlmodel.SQLModel", "app/models/__init__.py", False),
    ]
    assert findings(root) == [("MR001", "app/models/team.py", 6, 7, "app.models.team.Team")]


def test_autogenerate_with_sqlmodel_metadata_sees_exactly_the_models_modelreg_calls_registered(tree):
    root = tree(SQLMODEL_TEMPLATE)
    assert autogenerate(root) == ["hero"]  # SQLModel's table name: the class name, lowercased


def test_sqlmodel_metadata_create_all_without_the_registry_is_mr003(tree):
    main = (
        "from sqlmodel import SQLModel, create_engine\n"
        "\n"
        "engine = create_engine('sqlite://')\n"
        "\n"
        "\n"
        "def create_db_and_tables():\n"
        "    SQLModel.metadata.create_all(engine)\n"
    )
    every_model = "from sqlmodel import SQLModel  # noqa\n\nfrom . import hero, team  # noqa\n"
    root = tree({**SQLMODEL_TEMPLATE, "app/models/__init__.py": every_model, "app/main.py": main})
    assert findings(root) == [("MR003", "app/main.py", 7, 5, None)]
    (root / "app" / "main.py").write_text("import app.models  # noqa: F401\n" + main)
    assert findings(root) == []


def test_create_all_elsewhere_is_not_told_to_import_env_py_when_env_py_is_itself_the_registry(tree):
    env = (
        "from alembic import context\n"
        "\n"
        "import app.models.user  # noqa: F401\n"
        "from app.db.base_class import Base\n"
        "\n"
        "target_metadata = Base.metadata\n"
    )
    main = (
        "from sqlalchemy import create_engine\n"
        "\n"
        "from app.db.base_class import Base\n"
        "\n"
        "\n"
        "def init_db():\n"
        "    Base.metadata.create_all(create_engine('sqlite://'))\n"
    )
    root = tree({**FASTAPI_TEMPLATE, "alembic/env.py": env, "app/main.py": main})
    assert [f[0] for f in findings(root)] == ["MR001", "MR001"]


# -- point 7: MR003 registry-not-loaded -------------------------------------------------------------

ENV_WITHOUT_REGISTRY = (
    "from alembic import context\n"
    "from sqlalchemy import engine_from_config, pool\n"
    "\n"
    "from pkg.db import Base\n"
    "\n"
    "config = context.config\n"
    "target_metadata = Base.metadata\n" + RUN_ONLINE
)

ENV_FIXED = (
    "from alembic import context\n"
    "from sqlalchemy import engine_from_config, pool\n"
    "\n"
    "from pkg.db import Base\n"
    "import pkg.__all_models  # noqa: F401\n"
    "\n"
    "config = context.config\n"
    "target_metadata = Base.metadata\n" + RUN_ONLINE
)

PKG = {
    "pkg/__init__.py": "",
    "pkg/db.py": "from sqlalchemy.orm import declarative_base\n\nBase = declarative_base()\n",
    "pkg/models/__init__.py": "",
    "pkg/models/user.py": (
        "from sqlalchemy import Column, Integer\n"
        "\n"
        "from pkg.db import Base\n"
        "\n"
        "\n"
        "class User(Base):\n"
        "    __tablename__ = 'users'\n"
        "    id = Column(Integer, primary_key=True)\n"
    ),
    "pkg/__all_models.py": "import pkg.models.user  # noqa: F401\n",
}

MR003_ENV_MESSAGE = (
    "env.py sets target_metadata from pkg.db.Base but never imports its registry pkg/__all_models.py: "
    "autogenerate will not see its tables; add `import pkg.__all_models`"
)


def test_env_py_that_imports_the_base_but_never_the_registry_is_mr003_at_target_metadata(tree, run):
    root = tree({**PKG, **alembic_files(ENV_WITHOUT_REGISTRY)})
    result = run(["--format", "json", root], cwd=root)
    assert result.exit_code == 1
    assert result.json["diagnostics"] == [
        {
            "code": "MR003", "message": MR003_ENV_MESSAGE, "path": "alembic/env.py",
            "line": 7, "column": 1, "end_line": 7, "end_column": 16,
            "model": None, "registry": "pkg/__all_models.py", "fixable": True,
        }
    ]


def test_fix_imports_the_registry_right_after_the_base_and_the_next_check_is_clean(tree, run):
    root = tree({**PKG, **alembic_files(ENV_WITHOUT_REGISTRY)})
    result = run(["--fix", root], cwd=root)
    assert result.exit_code == 0, result.out + result.err
    assert (root / "alembic" / "env.py").read_text() == ENV_FIXED
    assert findings(root) == []
    second = run(["--fix", root], cwd=root)
    assert second.exit_code == 0
    assert (root / "alembic" / "env.py").read_text() == ENV_FIXED
    assert_fix_runs(root, "alembic/env.py", "pkg.db:Base.metadata", ["pkg.models.user"], ["users"])


def test_autogenerate_sees_no_table_before_the_mr003_fix_and_the_models_after_it(tree, run):
    root = tree({**PKG, **alembic_files(ENV_WITHOUT_REGISTRY)})
    assert autogenerate(root) == []
    run(["--fix", root], cwd=root)
    assert autogenerate(root) == ["users"]


def test_env_py_that_imports_the_registry_through_another_module_is_not_mr003(tree):
    env = ENV_WITHOUT_REGISTRY.replace("from pkg.db import Base\n", "from pkg.db import Base\nimport pkg.setup\n")
    root = tree({**PKG, "pkg/setup.py": "from pkg import __all_models  # noqa: F401\n", **alembic_files(env)})
    assert findings(root) == []


CREATE_ALL_PROJECT = {
    **PKG,
    "pkg/setup_db.py": (
        "from sqlalchemy import create_engine\n"
        "\n"
        "from pkg.db import Base\n"
        "\n"
        "\n"
        "def init_db(url):\n"
        "    engine = create_engine(url)\n"
        "    Base.metadata.create_all(engine)\n"
        "    return engine\n"
    ),
    # pypi_org's data/db_session.py: the function imports the registry before create_all()
    "pkg/db_session.py": (
        "import sqlalchemy as sa\n"
        "\n"
        "from pkg.db import Base\n"
        "\n"
        "\n"
        "def global_init(url):\n"
        "    engine = sa.create_engine(url)\n"
        "    # noinspection PyUnresolvedReferences\n"
        "    import pkg.__all_models  # noqa: F401\n"
        "\n"
        "    Base.metadata.create_all(engine)\n"
        "    return engine\n"
    ),
}


def test_create_all_in_a_function_that_never_imports_the_registry_is_mr003_and_not_fixable(tree):
    root = tree(CREATE_ALL_PROJECT)
    report = modelreg.check([str(root)])
    assert findings(root) == [("MR003", "pkg/setup_db.py", 8, 5, None)]
    (d,) = report.diagnostics
    assert d.fixable is False
    assert rel(root, d.registry) == "pkg/__all_models.py"
    assert d.message == (
        "create_all() runs without the registry pkg/__all_models.py being imported here: "
        "tables of unimported models are not created; import pkg.__all_models first"
    )


def test_fix_leaves_a_create_all_module_alone(tree, run):
    root = tree(CREATE_ALL_PROJECT)
    before = (root / "pkg" / "setup_db.py").read_text()
    result = run(["--fix", root], cwd=root)
    assert result.exit_code == 1
    assert (root / "pkg" / "setup_db.py").read_text() == before


def test_create_all_in_a_module_that_imports_the_registry_at_module_level_is_not_mr003(tree):
    source = CREATE_ALL_PROJECT["pkg/setup_db.py"].replace(
        "from pkg.db import Base\n", "import pkg.__all_models  # noqa: F401\nfrom pkg.db import Base\n"
    )
    root = tree({**CREATE_ALL_PROJECT, "pkg/setup_db.py": source})
    assert findings(root) == []


def test_create_all_really_creates_nothing_without_the_registry_and_every_table_with_it(tree):
    root = tree(CREATE_ALL_PROJECT)
    code = (
        "import sqlalchemy as sa\n"
        "print(sa.inspect(mod.init_db('sqlite://')).get_table_names())\n"
        "import pkg.db_session\n"
        "print(sa.inspect(pkg.db_session.global_init('sqlite://')).get_table_names())\n"
    )
    assert import_in_subprocess(root, "pkg.setup_db", code).splitlines() == ["[]", "['users']"]


# -- point 8: MR005 duplicate-table ---------------------------------------------------------------


def model_module(base: str, cls: str, table: str, table_args: str = "") -> str:
    return (
        "from sqlalchemy import Column, Integer\n"
        "\n"
        f"from pkg.db import {base}\n"
        "\n"
        "\n"
        f"class {cls}({base}):\n"
        f"    __tablename__ = '{table}'\n"
        + (f"    __table_args__ = {table_args}\n" if table_args else "")
        + "    id = Column(Integer, primary_key=True)\n"
    )


DUPLICATES = {
    "pkg/__init__.py": "",
    "pkg/db.py": (
        "from sqlalchemy.orm import declarative_base\n\nBase = declarative_base()\nOtherBase = declarative_base()\n"
    ),
    "pkg/models/__init__.py": "",
    "pkg/models/user.py": model_module("Base", "User", "users"),
    "pkg/models/user_v2.py": model_module("Base", "UserV2", "users"),
    "pkg/__all_models.py": "import pkg.models.user  # noqa: F401\nimport pkg.models.user_v2  # noqa: F401\n",
}


def test_two_models_of_one_base_with_one_table_name_is_mr005_at_the_later_definition(tree):
    root = tree(DUPLICATES)
    report = modelreg.check([str(root)])
    assert findings(root) == [("MR005", "pkg/models/user_v2.py", 6, 7, "pkg.models.user_v2.UserV2")]
    (d,) = report.diagnostics
    assert d.message == (
        "table 'users' is already defined by User (pkg/models/user.py:6) on the same base: "
        "SQLAlchemy raises 'Table 'users' is already defined'"
    )
    assert d.fixable is False


def test_the_later_of_two_duplicates_in_one_module_is_the_one_reported(tree):
    source = model_module("Base", "User", "users") + "\n\n" + model_module("Base", "Member", "users").split("\n\n\n")[1]
    root = tree({**DUPLICATES, "pkg/models/user.py": source, "pkg/models/user_v2.py": ""})
    assert findings(root) == [("MR005", "pkg/models/user.py", 11, 7, "pkg.models.user.Member")]


def test_every_later_duplicate_is_reported_naming_the_first(tree):
    root = tree(
        {
            **DUPLICATES,
            "pkg/models/user_v3.py": model_module("Base", "UserV3", "users"),
            "pkg/__all_models.py": DUPLICATES["pkg/__all_models.py"] + "import pkg.models.user_v3  # noqa: F401\n",
        }
    )
    report = modelreg.check([str(root)])
    assert findings(root) == [
        ("MR005", "pkg/models/user_v2.py", 6, 7, "pkg.models.user_v2.UserV2"),
        ("MR005", "pkg/models/user_v3.py", 6, 7, "pkg.models.user_v3.UserV3"),
    ]
    assert all("already defined by User (pkg/models/user.py:6)" in d.message for d in report.diagnostics)


def test_extend_existing_in_table_args_is_not_mr005(tree):
    later = model_module("Base", "UserV2", "users", table_args='{"extend_existing": True}')
    root = tree({**DUPLICATES, "pkg/models/user_v2.py": later})
    assert findings(root) == []


def test_the_same_table_name_on_two_different_bases_is_not_mr005(tree):
    root = tree({**DUPLICATES, "pkg/models/user_v2.py": model_module("OtherBase", "UserV2", "users")})
    assert findings(root) == []


def test_sqlalchemy_raises_already_defined_exactly_for_the_duplicate_modelreg_reports(tree):
    root = tree(
        {
            **DUPLICATES,
            "pkg/models/archive.py": model_module(
                "Base", "UserArchive", "users", table_args='{"extend_existing": True}'
            ),
            "pkg/models/other.py": model_module("OtherBase", "OtherUser", "users"),
            "pkg/__all_models.py": DUPLICATES["pkg/__all_models.py"]
            + "import pkg.models.archive  # noqa: F401\nimport pkg.models.other  # noqa: F401\n",
        }
    )
    assert findings(root) == [("MR005", "pkg/models/user_v2.py", 6, 7, "pkg.models.user_v2.UserV2")]
    code = (
        "import pkg.models.archive, pkg.models.other\n"
        "print('extend_existing and another base: fine')\n"
        "try:\n"
        "    import pkg.models.user_v2\n"
        "except Exception as exc:\n"
        "    print(type(exc).__name__, str(exc).split('.')[0])\n"
    )
    assert import_in_subprocess(root, "pkg.models.user", code).splitlines() == [
        "extend_existing and another base: fine",
        "InvalidRequestError Table 'users' is already defined for this MetaData instance",
    ]


def core_table(extra: str = "") -> str:
    return (
        "from sqlalchemy import Column, Integer, Table\n"
        "\n"
        "from pkg.db import Base\n"
        "\n"
        f"users = Table('users', Base.metadata, Column('id', Integer, primary_key=True){extra})\n"
    )


def test_a_core_table_named_like_a_model_table_on_one_base_is_mr005(tree):
    root = tree(
        {
            **DUPLICATES,
            "pkg/models/user_v2.py": "",
            "pkg/tables.py": core_table(),
            "pkg/__all_models.py": "import pkg.models.user  # noqa: F401\nimport pkg.tables  # noqa: F401\n",
        }
    )
    assert findings(root) == [("MR005", "pkg/tables.py", 5, 1, "pkg.tables.users")]


def test_a_core_table_with_extend_existing_true_is_not_mr005(tree):
    root = tree(
        {
            **DUPLICATES,
            "pkg/models/user_v2.py": "",
            "pkg/tables.py": core_table(", extend_existing=True"),
            "pkg/__all_models.py": "import pkg.models.user  # noqa: F401\nimport pkg.tables  # noqa: F401\n",
        }
    )
    assert findings(root) == []

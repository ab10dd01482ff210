"""--fix writes the line the registry's own author would have written (golden before/after, byte-exact)."""

import textwrap

import pytest

from conftest import assert_fixed_tree_runs

MODELBASE = "import sqlalchemy.orm as orm\n\nBase = orm.declarative_base()\n"


def model(cls, table, base_import="from pkg.data.modelbase import Base"):
    return (
        f"import sqlalchemy as sa\n{base_import}\n\n\n"
        f"class {cls}(Base):\n    __tablename__ = {table!r}\n    id = sa.Column(sa.Integer, primary_key=True)\n"
    )


def data_pkg(*names, registry_name="__all_models.py", registry=""):
    files = {"pkg/__init__.py": "", "pkg/data/__init__.py": "", "pkg/data/modelbase.py": MODELBASE}
    for n in names:
        files[f"pkg/data/{n}.py"] = model(n.capitalize(), n)
    files[f"pkg/data/{registry_name}"] = registry
    return files


def dedent(s):
    return textwrap.dedent(s).lstrip("\n")


def fix_and_read(tree, run, files, registry="pkg/data/__all_models.py", pyproject="", args=()):
    root = tree(files, pyproject=pyproject)
    for rel, text in files.items():  # write exact bytes (the tree fixture dedents)
        (root / rel).write_text(text) if isinstance(text, str) else None
    result = run(["--fix", *args, root])
    assert result.exit_code == 0, (result.out, result.err)
    again = run(["--fix", *args, root])
    assert again.exit_code == 0 and "Fixed" not in again.err, "a second --fix must change nothing"
    assert_fixed_tree_runs(root, files, registry)  # the fixed registry imports and loads every table
    return (root / registry).read_text()


def test_talk_python_style_gets_its_noinspection_comment_and_blank_line_separation(tree, run):
    registry = dedent(
        """
        # Add all your SQLAlchemy models here.

        # noinspection PyUnresolvedReferences
        import pkg.data.downloads

        # noinspection PyUnresolvedReferences
        import pkg.data.users
        """
    )
    out = fix_and_read(tree, run, data_pkg("audit", "downloads", "users", registry=registry))
    assert out == dedent(
        """
        # Add all your SQLAlchemy models here.

        # noinspection PyUnresolvedReferences
        import pkg.data.audit

        # noinspection PyUnresolvedReferences
        import pkg.data.downloads

        # noinspection PyUnresolvedReferences
        import pkg.data.users
        """
    )


def test_talk_python_style_without_blank_lines_inserts_in_alphabetical_place(tree, run):
    registry = dedent(
        """
        # noinspection PyUnresolvedReferences
        import pkg.data.audit
        # noinspection PyUnresolvedReferences
        import pkg.data.users
        """
    )
    out = fix_and_read(tree, run, data_pkg("audit", "downloads", "users", registry=registry))
    assert out == dedent(
        """
        # noinspection PyUnresolvedReferences
        import pkg.data.audit
        # noinspection PyUnresolvedReferences
        import pkg.data.downloads
        # noinspection PyUnresolvedReferences
        import pkg.data.users
        """
    )


def test_unsorted_registry_gets_the_new_entry_after_its_last_import(tree, run):
    registry = "import pkg.data.users\nimport pkg.data.audit\n\nprint('loaded')\n"
    out = fix_and_read(tree, run, data_pkg("audit", "downloads", "users", registry=registry))
    assert out == "import pkg.data.users\nimport pkg.data.audit\nimport pkg.data.downloads\n\nprint('loaded')\n"


def test_fastapi_template_style_copies_the_trailing_noqa_of_its_neighbours(tree, run):
    files = {
        "app/__init__.py": "",
        "app/db/__init__.py": "",
        "app/db/base_class.py": "from sqlalchemy.orm import DeclarativeBase\n\n\nclass Base(DeclarativeBase):\n    pass\n",
        "app/models/__init__.py": "",
        "app/models/item.py": model("Item", "item", "from app.db.base_class import Base"),
        "app/models/order.py": model("Order", "orders", "from app.db.base_class import Base"),
        "app/models/user.py": model("User", "user", "from app.db.base_class import Base"),
        "app/db/base.py": dedent(
            """
            # Import all the models, so that Base has them before being
            # imported by Alembic
            from app.db.base_class import Base  # noqa
            from app.models.item import Item  # noqa
            from app.models.user import User  # noqa
            """
        ),
    }
    out = fix_and_read(tree, run, files, "app/db/base.py", pyproject='[tool.modelreg]\nregistry = "app/db/base.py"\n')
    assert out == dedent(
        """
        # Import all the models, so that Base has them before being
        # imported by Alembic
        from app.db.base_class import Base  # noqa
        from app.models.item import Item  # noqa
        from app.models.order import Order  # noqa
        from app.models.user import User  # noqa
        """
    )


def test_relative_style_one_module_per_line(tree, run):
    registry = "from . import audit\nfrom . import users\n"
    out = fix_and_read(tree, run, data_pkg("audit", "news", "users", registry=registry))
    assert out == "from . import audit\nfrom . import news\nfrom . import users\n"


def test_relative_multi_name_statement_is_extended_not_duplicated(tree, run):
    registry = '"""Models."""\nfrom . import audit, users  # noqa: F401\n'
    out = fix_and_read(tree, run, data_pkg("audit", "news", "users", registry=registry))
    assert out == '"""Models."""\nfrom . import audit, news, users  # noqa: F401\n'


def test_parenthesized_list_is_extended_when_the_package_provides_the_model(tree, run):
    files = {
        "pkg/__init__.py": "",
        "pkg/db/__init__.py": "",
        "pkg/db/modelbase.py": MODELBASE,
        "pkg/db/models/__init__.py": "from .a import A\nfrom .b import B\nfrom .c import C\n",
        "pkg/db/models/a.py": model("A", "a", "from ..modelbase import Base"),
        "pkg/db/models/b.py": model("B", "b", "from ..modelbase import Base"),
        "pkg/db/models/c.py": model("C", "c", "from ..modelbase import Base"),
        "pkg/db/registry/__init__.py": "",
        "pkg/db/registry/all.py": "from ..models import (\n    A,\n    B,\n)\n",
    }
    out = fix_and_read(
        tree, run, files, "pkg/db/registry/all.py",
        pyproject='[tool.modelreg]\nregistry = "pkg/db/registry/all.py"\nrequire = "class"\n',
    )
    assert out == "from ..models import (\n    A,\n    B,\n    C,\n)\n"


def test_parenthesized_list_gets_a_new_statement_when_the_package_does_not_provide_the_model(tree, run):
    files = {
        "pkg/__init__.py": "",
        "pkg/db/__init__.py": "",
        "pkg/db/modelbase.py": MODELBASE,
        "pkg/db/models/__init__.py": "from .a import A\nfrom .b import B\n",
        "pkg/db/models/a.py": model("A", "a", "from ..modelbase import Base"),
        "pkg/db/models/b.py": model("B", "b", "from ..modelbase import Base"),
        "pkg/db/models/c.py": model("C", "c", "from ..modelbase import Base"),
        "pkg/db/registry.py": "from .models import (A, B,)\n",
    }
    out = fix_and_read(
        tree, run, files, "pkg/db/registry.py",
        pyproject='[tool.modelreg]\nregistry = "pkg/db/registry.py"\nrequire = "class"\n',
    )
    assert out == "from .models import (A, B,)\nfrom .models.c import C\n"


def test_empty_registry_gets_sorted_absolute_imports_with_noqa(tree, run):
    registry = '"""Every model module, imported for its side effect."""\n'
    out = fix_and_read(tree, run, data_pkg("users", "audit", registry=registry))
    assert out == (
        '"""Every model module, imported for its side effect."""\n'
        "\n"
        "import pkg.data.audit  # noqa: F401\n"
        "import pkg.data.users  # noqa: F401\n"
    )


def test_comment_only_registry_in_class_mode_names_each_class(tree, run):
    registry = "# models\n"
    out = fix_and_read(
        tree, run, data_pkg("users", "audit", registry=registry), pyproject='[tool.modelreg]\nrequire = "class"\n'
    )
    assert out == (
        "# models\n"
        "\n"
        "from pkg.data.audit import Audit  # noqa: F401\n"
        "from pkg.data.users import Users  # noqa: F401\n"
    )


def test_class_mode_adds_one_statement_per_missing_class(tree, run):
    files = data_pkg("users", registry="from pkg.data.users import Users  # noqa\n")
    files["pkg/data/audit.py"] = model("Audit", "audit") + "\n\n" + model("AuditLog", "audit_log").split("\n\n\n", 1)[1]
    out = fix_and_read(tree, run, files, pyproject='[tool.modelreg]\nrequire = "class"\n')
    assert out == (
        "from pkg.data.audit import Audit  # noqa\n"
        "from pkg.data.audit import AuditLog  # noqa\n"
        "from pkg.data.users import Users  # noqa\n"
    )


def test_missing_configured_registry_is_reported_as_mr004_and_created(tree, run):
    files = data_pkg("users", "audit")
    del files["pkg/data/__all_models.py"]
    root = tree(files, pyproject='[tool.modelreg]\nregistry = "pkg/data/all_models.py"\n')
    result = run([root])
    assert result.exit_code == 1
    assert result.codes() == ["MR004"]
    assert "pkg/data/all_models.py" in result.out
    fixed = run(["--fix", root])
    assert fixed.exit_code == 0, fixed.err
    text = (root / "pkg/data/all_models.py").read_text()
    assert text.startswith('"""Model registry')
    assert text.endswith("\nimport pkg.data.audit  # noqa: F401\nimport pkg.data.users  # noqa: F401\n")
    assert run([root]).exit_code == 0


def test_all_list_gets_the_new_name_in_its_place(tree, run):
    registry = dedent(
        """
        from pkg.data.audit import Audit
        from pkg.data.users import Users

        __all__ = ["Audit", "Users"]
        """
    )
    out = fix_and_read(tree, run, data_pkg("audit", "news", "users", registry=registry))
    assert out == dedent(
        """
        from pkg.data.audit import Audit
        from pkg.data.news import News
        from pkg.data.users import Users

        __all__ = ["Audit", "News", "Users"]
        """
    )


# -- MR002: stale imports are removed, with what they brought ---------------------------


def test_stale_entry_goes_with_its_comment_line_and_blank_separator(tree, run):
    registry = dedent(
        """
        # Add all your SQLAlchemy models here.

        # noinspection PyUnresolvedReferences
        import pkg.data.audit

        # noinspection PyUnresolvedReferences
        import pkg.data.downloads

        # noinspection PyUnresolvedReferences
        import pkg.data.users
        """
    )
    out = fix_and_read(tree, run, data_pkg("audit", "users", registry=registry))
    assert out == dedent(
        """
        # Add all your SQLAlchemy models here.

        # noinspection PyUnresolvedReferences
        import pkg.data.audit

        # noinspection PyUnresolvedReferences
        import pkg.data.users
        """
    )


def test_removing_the_first_entry_keeps_the_header_comment(tree, run):
    registry = dedent(
        """
        # Header comment.

        # noinspection PyUnresolvedReferences
        import pkg.data.old
        # noinspection PyUnresolvedReferences
        import pkg.data.users
        """
    )
    out = fix_and_read(tree, run, data_pkg("users", registry=registry))
    assert out == dedent(
        """
        # Header comment.

        # noinspection PyUnresolvedReferences
        import pkg.data.users
        """
    )


def test_only_the_stale_name_leaves_a_multi_name_import(tree, run):
    registry = "from . import gone, users  # noqa: F401\n\n__all__ = ['gone', 'users']\n"
    out = fix_and_read(tree, run, data_pkg("users", registry=registry))
    assert out == "from . import users  # noqa: F401\n\n__all__ = ['users']\n"


def test_a_stale_name_at_the_end_of_a_parenthesized_list_keeps_the_trailing_comma(tree, run):
    files = data_pkg("users", registry="from pkg.data.users import (\n    Users,\n    Gone,\n)\n")
    out = fix_and_read(tree, run, files)
    assert out == "from pkg.data.users import (\n    Users,\n)\n"


@pytest.mark.parametrize(
    "registry",
    [
        "# noinspection PyUnresolvedReferences\nimport pkg.data.users\n",
        "from pkg.data.users import Users  # noqa\n",
        "from . import users\n",
    ],
    ids=["talk-python", "fastapi", "relative"],
)
def test_a_complete_registry_is_left_byte_for_byte_alone(tree, run, registry):
    root = tree(data_pkg("users", registry=registry))
    path = root / "pkg/data/__all_models.py"
    before = path.stat().st_mtime_ns
    result = run(["--fix", root])
    assert result.exit_code == 0
    assert path.read_text() == registry
    assert path.stat().st_mtime_ns == before
    assert_fixed_tree_runs(root, data_pkg("users", registry=registry), "pkg/data/__all_models.py")


def test_an_authors_comment_above_a_removed_entry_is_kept(tree, run):
    registry = "import pkg.data.users\n# keep: billing models below\nimport pkg.data.gone\n"
    out = fix_and_read(tree, run, data_pkg("users", registry=registry))
    assert out == "import pkg.data.users\n# keep: billing models below\n"


# -- issue 14: the fixed registry still runs, and stays the author's file --------------------------


def test_a_model_importing_the_registry_module_itself_is_imported_after_what_it_needs(tree, run):
    """The model does `from app.db.base import Base`, base.py being the registry: a plain
    `import app.models.audit` after the Base line works whichever module Python imports first."""
    files = {
        "app/__init__.py": "",
        "app/db/__init__.py": "",
        "app/db/base_class.py": MODELBASE,
        "app/db/base.py": "from app.db.base_class import Base  # noqa\nfrom app.models.user import User  # noqa\n",
        "app/models/__init__.py": "",
        "app/models/audit.py": model("Audit", "audit", "from app.db.base import Base"),
        "app/models/user.py": model("User", "user", "from app.db.base_class import Base"),
    }
    out = fix_and_read(tree, run, files, "app/db/base.py", pyproject='[tool.modelreg]\nregistry = "app/db/base.py"\n')
    assert out == (
        "from app.db.base_class import Base  # noqa\nimport app.models.audit  # noqa\nfrom app.models.user import User  # noqa\n"
    )


def test_a_new_import_whose_plain_form_would_rebind_a_name_gets_a_free_alias(tree, run):
    """`from pkg.data import users` would rebind `users`, and `import pkg.data.users` would rebind `pkg`,
    both used by the registry for something else: `import pkg.data.users as data_users`."""
    registry = "from . import audit\n\nusers = ['admin']\npkg = 'billing'\n"
    out = fix_and_read(tree, run, data_pkg("audit", "users", registry=registry, registry_name="__all_models.py"))
    assert out == "from . import audit\nimport pkg.data.users as data_users\n\nusers = ['admin']\npkg = 'billing'\n"


def test_comments_of_a_multi_line_all_stay_with_their_entries(tree, run):
    registry = (
        "from pkg.data.audit import Audit\nfrom pkg.data.users import Users\n\n"
        "__all__ = [\n    'Audit',  # legacy\n    'Users',  # keep\n]\n"
    )
    out = fix_and_read(tree, run, data_pkg("audit", "users", "zeta", registry=registry))
    assert out == (
        "from pkg.data.audit import Audit\nfrom pkg.data.users import Users\nfrom pkg.data.zeta import Zeta\n\n"
        "__all__ = [\n    'Audit',  # legacy\n    'Users',  # keep\n    'Zeta',\n]\n"
    )


def test_an_annotated_all_is_kept_in_step(tree, run):
    registry = 'from pkg.data.audit import Audit\n\n__all__: list[str] = ["Audit"]\n'
    out = fix_and_read(tree, run, data_pkg("audit", "users", registry=registry))
    assert out == (
        'from pkg.data.audit import Audit\nfrom pkg.data.users import Users\n\n__all__: list[str] = ["Audit", "Users"]\n'
    )


def test_a_concatenated_all_gets_the_name_once_in_its_last_list(tree, run):
    registry = 'from pkg.data.audit import Audit\n\n__all__ = ["Base"] + ["Audit"]\n'
    out = fix_and_read(tree, run, data_pkg("audit", "users", registry=registry))
    assert out == (
        'from pkg.data.audit import Audit\nfrom pkg.data.users import Users\n\n__all__ = ["Base"] + ["Audit", "Users"]\n'
    )


def test_a_section_comment_and_a_form_feed_stay_where_they_are(tree, run):
    registry = "# --- billing ---\nimport pkg.data.audit\n\f\n# --- people ---\nimport pkg.data.users\n"
    out = fix_and_read(tree, run, data_pkg("audit", "users", "zeta", registry=registry))
    assert out == registry + "import pkg.data.zeta\n"


def test_a_multi_name_import_that_would_pass_the_line_length_gets_a_new_statement(tree, run):
    names = ["accounts", "addresses", "audit", "invoices", "orders", "payments"]
    registry = f"from . import {', '.join(names)}  # noqa: F401\n"
    assert len(registry) <= 89 < len(registry) + len(", users")
    out = fix_and_read(tree, run, data_pkg(*names, "users", registry=registry))
    assert out == registry + "from . import users  # noqa: F401\n"


def test_the_projects_line_length_wraps_a_long_new_statement_in_parentheses(tree, run):
    classes = ["Accounts", "Addresses", "Audit"]
    files = data_pkg(registry="from pkg.data.users import Users\n")
    files["pkg/data/users.py"] = model("Users", "users")
    files["pkg/data/billing.py"] = "".join(
        model(c, c.lower()) if i == 0 else model(c, c.lower()).split("\n\n\n", 1)[1] for i, c in enumerate(classes)
    )
    pyproject = "[tool.ruff]\nline-length = 40\n[tool.modelreg]\nrequire = 'module'\n"
    out = fix_and_read(tree, run, files, pyproject=pyproject)
    assert out == (
        "from pkg.data.billing import (  # noqa: F401\n    Accounts,\n    Addresses,\n    Audit,\n)\n"
        "from pkg.data.users import Users\n"
    )


def test_an_import_added_to_a_registry_without_entries_goes_after_its_other_imports(tree, run):
    registry = '"""Models."""\nimport logging\n\nlog = logging.getLogger(__name__)\n'
    out = fix_and_read(tree, run, data_pkg("users", registry=registry))
    assert out == '"""Models."""\nimport logging\n\nimport pkg.data.users  # noqa: F401\n\nlog = logging.getLogger(__name__)\n'


def test_a_project_running_ruff_gets_noqa_on_the_added_import(tree, run):
    registry = "import pkg.data.audit\n"
    out = fix_and_read(tree, run, data_pkg("audit", "users", registry=registry), pyproject="[tool.ruff]\n")
    assert out == "import pkg.data.audit\nimport pkg.data.users  # noqa: F401\n"


def test_a_project_whose_ruff_does_not_select_f401_gets_the_neighbours_style(tree, run):
    registry = "import pkg.data.audit\n"
    pyproject = '[tool.ruff.lint]\nselect = ["E"]\n'
    out = fix_and_read(tree, run, data_pkg("audit", "users", registry=registry), pyproject=pyproject)
    assert out == "import pkg.data.audit\nimport pkg.data.users\n"


def test_a_module_named_like_a_keyword_is_registered_with_importlib(tree, run):
    files = data_pkg("audit", registry="import pkg.data.audit\n")
    files["pkg/data/class.py"] = model("Klass", "klass")
    out = fix_and_read(tree, run, files)
    assert out == 'import pkg.data.audit\nimport importlib\nimportlib.import_module("pkg.data.class")\n'


def test_a_stale_name_still_used_by_the_registry_is_not_removed(tree, run):
    root = tree(data_pkg("users", registry="from pkg.data.users import Users\nfrom pkg.data.gone import Gone\n\nADMIN = [Users, Gone]\n"))
    result = run(["--fix", root])
    assert result.exit_code == 1 and "MR002" in result.out
    assert (root / "pkg/data/__all_models.py").read_text().count("Gone") == 2


def test_a_shebang_and_a_coding_cookie_stay_on_top_when_the_new_entry_sorts_first(tree, run):
    registry = "#!/usr/bin/env python\n# -*- coding: utf-8 -*-\nimport pkg.data.users\n"
    out = fix_and_read(tree, run, data_pkg("audit", "users", registry=registry))
    assert out == "#!/usr/bin/env python\n# -*- coding: utf-8 -*-\nimport pkg.data.audit\nimport pkg.data.users\n"


def test_a_clashing_class_name_in_class_mode_is_registered_by_importing_its_module(tree, run):
    registry = "from pkg.data.audit import Audit\n\nUsers = 'the admin list'\n"
    out = fix_and_read(tree, run, data_pkg("audit", "users", registry=registry), pyproject='[tool.modelreg]\nrequire = "class"\n')
    assert out == "from pkg.data.audit import Audit\nimport pkg.data.users\n\nUsers = 'the admin list'\n"


def test_removing_the_last_entry_of_commented_lists_keeps_every_other_comment(tree, run):
    registry = (
        "from . import (  # noqa: F401\n    users,  # people\n    gone,  # deleted\n)\n\n"
        "__all__ = [\n    'users',  # people\n    'gone',  # deleted\n]\n"
    )
    out = fix_and_read(tree, run, data_pkg("users", registry=registry))
    assert out == "from . import (  # noqa: F401\n    users,  # people\n)\n\n__all__ = [\n    'users',  # people\n]\n"


def test_an_added_import_goes_below_another_addition_whose_name_its_module_imports(tree, run):
    """alpha's module does `from pkg.data import Zeta`, and zeta is added in the same run: alphabetical
    order would run alpha first, before the registry binds Zeta."""
    files = data_pkg("zeta", registry_name="__init__.py", registry="from pkg.data.modelbase import Base  # noqa: F401\n")
    files["pkg/data/alpha.py"] = (
        "import sqlalchemy as sa\nfrom pkg.data.modelbase import Base\nfrom pkg.data import Zeta\n\n\n"
        "class Alpha(Base):\n    __tablename__ = 'alpha'\n    id = sa.Column(sa.Integer, primary_key=True)\n"
        "    zeta_id = sa.Column(sa.ForeignKey(Zeta.id))\n"
    )
    out = fix_and_read(
        tree, run, files, "pkg/data/__init__.py", pyproject='[tool.modelreg]\nregistry = "pkg/data/__init__.py"\n'
    )
    assert out == (
        "from pkg.data.modelbase import Base  # noqa: F401\n"
        "from pkg.data.zeta import Zeta  # noqa: F401\n"
        "from pkg.data.alpha import Alpha  # noqa: F401\n"
    )

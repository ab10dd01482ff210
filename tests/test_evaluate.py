"""modelreg.evaluate: names and expressions -> values, the way Python binds module-level names."""

from __future__ import annotations

from conftest import project_module, resolved


def test_the_last_module_level_binding_of_a_name_wins(tree):
    root = tree(
        {
            "pkg/__init__.py": "",
            "pkg/a.py": """
                import sqlalchemy as sa
                from sqlalchemy.orm import declarative_base
                Base = declarative_base()
                Base = sa.MetaData()
            """,
        }
    )
    project = resolved(root)
    a = project_module(project, "pkg.a")
    assert project.lookup(a, "Base") == ("metadata", f"{a.path}::Base")
    assert project.lookup(a, "sa") == ("ext", "sqlalchemy")


def test_a_name_re_exported_through_a_chain_of_modules_is_the_object_it_was_first_bound_to(tree):
    root = tree(
        {
            "pkg/__init__.py": "",
            "pkg/db.py": "from sqlalchemy.orm import declarative_base\nBase = declarative_base()\n",
            "pkg/b.py": "from pkg.db import Base\n",
            "pkg/c.py": "from .b import Base as B\n",
        }
    )
    project = resolved(root)
    db = project_module(project, "pkg.db")
    assert project.lookup(project_module(project, "pkg.c"), "B") == ("base", f"{db.path}::Base")


def test_a_long_chain_of_re_exports_is_followed_without_exhausting_the_stack(tree):
    files = {"pkg/__init__.py": "", "pkg/m0.py": "from sqlalchemy.orm import declarative_base\nBase = declarative_base()\n"}
    for i in range(1, 1500):
        files[f"pkg/m{i}.py"] = f"from pkg.m{i - 1} import Base\n"
    project = resolved(tree(files))
    m0 = project_module(project, "pkg.m0")
    assert project.lookup(project_module(project, "pkg.m1499"), "Base") == ("base", f"{m0.path}::Base")


def test_star_imports_bind_what_the_module_exports_and_sqlalchemy_provides_its_capitalized_names(tree):
    root = tree(
        {
            "pkg/__init__.py": "",
            "pkg/db.py": "from sqlalchemy.orm import declarative_base\n__all__ = ['Base']\nBase = declarative_base()\n_hidden = 1\n",
            "pkg/use.py": "from pkg.db import *\nfrom sqlalchemy import *\n",
        }
    )
    project = resolved(root)
    use = project_module(project, "pkg.use")
    assert project.lookup(use, "Base")[0] == "base"
    assert project.lookup(use, "Table") == ("ext", "sqlalchemy.Table")
    assert project.lookup(use, "_hidden") is None


def test_import_binds_the_top_package_and_import_as_binds_the_module_itself(tree):
    root = tree({"pkg/__init__.py": "", "pkg/sub/__init__.py": "", "pkg/sub/m.py": "", "x.py": "import pkg.sub.m\nimport pkg.sub.m as m\nimport gone_project_module_a_library\n"})
    project = resolved(root)
    x = project_module(project, "x")
    assert project.lookup(x, "pkg") == ("module", project_module(project, "pkg"))
    assert project.lookup(x, "m") == ("module", project_module(project, "pkg.sub.m"))
    assert project.lookup(x, "gone_project_module_a_library") == ("ext", "gone_project_module_a_library")
    assert project.eval_name(x, "pkg.sub.m") == ("module", project_module(project, "pkg.sub.m"))


def test_a_base_returned_by_a_project_function_is_bound_to_the_callers_name(tree):
    root = tree(
        {
            "pkg/__init__.py": "",
            "pkg/factory.py": """
                def make_base():
                    from sqlalchemy.orm import declarative_base
                    return declarative_base()
            """,
            "pkg/db.py": "from pkg.factory import make_base\nBase = make_base()\n",
        }
    )
    project = resolved(root)
    db = project_module(project, "pkg.db")
    assert project.lookup(db, "Base") == ("base", f"{db.path}::Base")
    assert project.lookup(db, "make_base") == ("function", project_module(project, "pkg.factory"), "make_base")


def test_a_name_defined_through_itself_is_unknown_not_an_endless_loop(tree):
    root = tree({"pkg/__init__.py": "", "pkg/a.py": "from pkg.b import X\n", "pkg/b.py": "from pkg.a import X\n"})
    project = resolved(root)
    assert project.lookup(project_module(project, "pkg.a"), "X") is None


def test_a_generic_base_evaluates_to_its_origin(tree):
    root = tree(
        {
            "pkg/__init__.py": "",
            "pkg/db.py": "from sqlalchemy.orm import DeclarativeBase\nclass Base(DeclarativeBase): pass\n",
            "pkg/m.py": "from pkg.db import Base\nX = Base[int]\n",
        }
    )
    project = resolved(root)
    db = project_module(project, "pkg.db")
    assert project.lookup(project_module(project, "pkg.m"), "X") == ("class", db, "Base")

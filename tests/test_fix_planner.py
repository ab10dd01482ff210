"""plan: what to add to a registry and what to remove, and why - plain data, decided with the project."""

from conftest import data_project, fix_stages
from modelreg.fix.planner import EnvRequest, plan_env
from modelreg.fix.types import Addition, Insertion, Join

# a model module that reads the declarative base back from the registry (`from registry import Base`)
AUDIT_READING_THE_REGISTRY = (
    "import sqlalchemy as sa\n"
    "from pkg.data.__all_models import Base\n"
    "\n"
    "\n"
    "class Audit(Base):\n"
    '    __tablename__ = "audit"\n'
    "    id = sa.Column(sa.Integer, primary_key=True)\n"
)


def test_an_unregistered_model_is_planned_as_one_addition_in_the_registry_style(tree):
    stages = fix_stages(tree(data_project("from pkg.data import users\n", "audit", "users")))
    audit = stages.module("pkg.data.audit")
    assert stages.plan.additions == (
        Addition(audit, ("Audit",), "from pkg.data import audit", why=("pkg.data.audit.Audit",)),
    )
    assert stages.plan.removals == () and stages.plan.fixed == 1


def test_a_model_module_reading_a_name_of_the_registry_needs_it_bound_first_and_runs_the_registry(tree):
    registry = "from pkg.data.modelbase import Base\nimport pkg.data.users\n"
    files = data_project(registry, "users", pkg__data__audit_py=AUDIT_READING_THE_REGISTRY)
    (addition,) = fix_stages(tree(files)).plan.additions
    assert addition.statement == "import pkg.data.audit"
    assert addition.needs == frozenset({"Base"})
    assert addition.cycle  # importing it runs the registry part-way: only `import a.b.c` is safe


def test_a_name_list_that_provides_the_module_is_offered_as_a_join(tree):
    registry = "from pkg.data import (\n    downloads,\n    users,\n)\n"
    (addition,) = fix_stages(tree(data_project(registry, "audit", "downloads", "users"))).plan.additions
    assert addition.joins == (Join(1, ("audit",)),)


def test_require_class_plans_one_addition_per_class_each_naming_its_class(tree):
    two_classes = (
        "import sqlalchemy as sa\nfrom pkg.data.modelbase import Base\n\n\n"
        'class Audit(Base):\n    __tablename__ = "audit"\n    id = sa.Column(sa.Integer, primary_key=True)\n\n\n'
        'class Trail(Base):\n    __tablename__ = "trail"\n    id = sa.Column(sa.Integer, primary_key=True)\n'
    )
    files = data_project("from pkg.data.users import Users\n", "users", pkg__data__audit_py=two_classes)
    root = tree(files, pyproject='[tool.modelreg]\nrequire = "class"\n')
    plan = fix_stages(root).plan
    assert [(a.classes, a.statement, a.why) for a in plan.additions] == [
        (("Audit",), "from pkg.data.audit import Audit", ("pkg.data.audit.Audit",)),
        (("Trail",), "from pkg.data.audit import Trail", ("pkg.data.audit.Trail",)),
    ]


def test_stale_imports_are_removed_last_line_first_a_name_of_a_list_alone(tree):
    registry = "from pkg.data import users, gone\nimport pkg.data.old\n"
    stages = fix_stages(tree(data_project(registry, "users")))
    assert [(r.line, r.index) for r in stages.plan.removals] == [(2, -1), (1, 1)]
    assert all("stale registry import" in r.why for r in stages.plan.removals)
    assert stages.plan.kept == ()


def test_the_last_stale_name_of_a_list_removes_the_whole_statement(tree):
    registry = "import pkg.data.users\nfrom pkg.data import gone, old\n"
    stages = fix_stages(tree(data_project(registry, "users")))
    assert [(r.line, r.index) for r in stages.plan.removals] == [(2, 1), (2, -1)]


def test_a_project_running_ruff_gets_its_added_imports_marked(tree):
    root = tree(data_project("import pkg.data.users\n", "audit", "users"), pyproject="[tool.ruff]\n")
    assert fix_stages(root).plan.linted
    other = tree(data_project("import pkg.data.users\n", "audit", "users"), pyproject="")
    assert not fix_stages(other).plan.linted


def test_env_py_gets_the_registry_import_after_the_base_import_but_never_another_env_py():
    request = EnvRequest(
        "/p/migrations/env.py",
        (("env-import", 7, "import app.models.all"), ("env-import", 7, "import plugin.migrations.env")),
    )
    plan = plan_env(request)
    assert plan.insertions == (Insertion(7, "import app.models.all", "# noqa: F401"),)
    assert plan.fixed == 2 and plan.additions == () and plan.removals == ()


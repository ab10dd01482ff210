"""apply: a plan, written by hand as plain data, carried out on a translated registry with libcst.

The planner decides what; these show where and how: the alphabetical place and the neighbours' layout,
a name list joined, what a removal leaves behind, and every other byte kept.
"""

from dataclasses import replace

import pytest

from conftest import DATA_REGISTRY, data_project, fix_stages
from modelreg.fix.apply import apply_plan
from modelreg.fix.types import Addition, Insertion, Join, RegistryPlan, Removal


def stages_of(tree, registry: bytes, *models):
    root = tree(data_project("", *models))
    (root / DATA_REGISTRY).write_bytes(registry)  # exact bytes (the tree fixture dedents)
    return fix_stages(root)


def addition(stages, name, statement, **changes):
    target = stages.module(f"pkg.data.{name}")
    return replace(Addition(target, (name.capitalize(),), statement), **changes)


def test_an_addition_takes_its_alphabetical_place_and_the_comment_its_neighbours_carry(tree):
    stages = stages_of(tree, b"import pkg.data.audit  # models\nimport pkg.data.users  # models\n", "audit", "downloads", "users")
    plan = RegistryPlan(DATA_REGISTRY, additions=(addition(stages, "downloads", "import pkg.data.downloads"),))
    done = apply_plan(stages.source, plan)
    assert done.new == b"import pkg.data.audit  # models\nimport pkg.data.downloads  # models\nimport pkg.data.users  # models\n"
    assert done.added == ("import pkg.data.downloads",)


def test_an_addition_joins_the_name_list_its_plan_names(tree):
    registry = b"from pkg.data import (\n    audit,\n    users,\n)\n"
    stages = stages_of(tree, registry, "audit", "downloads", "users")
    joined = addition(stages, "downloads", "from pkg.data import downloads", joins=(Join(1, ("downloads",)),))
    done = apply_plan(stages.source, RegistryPlan(DATA_REGISTRY, additions=(joined,)))
    assert done.new == b"from pkg.data import (\n    audit,\n    downloads,\n    users,\n)\n"


def test_without_a_join_the_same_addition_is_a_statement_of_its_own(tree):
    registry = b"from pkg.data import (\n    audit,\n    users,\n)\n"
    stages = stages_of(tree, registry, "audit", "downloads", "users")
    alone = addition(stages, "downloads", "from pkg.data import downloads")
    done = apply_plan(stages.source, RegistryPlan(DATA_REGISTRY, additions=(alone,)))
    assert done.new == registry + b"from pkg.data import downloads\n"


def test_an_addition_goes_below_the_statement_binding_the_name_it_needs(tree):
    stages = stages_of(tree, b"import pkg.data.users\nfrom pkg.data.modelbase import Base\n", "audit", "users")
    needing = addition(stages, "audit", "import pkg.data.audit", needs=frozenset({"Base"}))
    done = apply_plan(stages.source, RegistryPlan(DATA_REGISTRY, additions=(needing,)))
    assert done.new == b"import pkg.data.users\nfrom pkg.data.modelbase import Base\nimport pkg.data.audit\n"


def test_an_addition_python_would_not_find_is_not_written(tree):
    stages = stages_of(tree, b"import pkg.data.users\n", "audit", "users")
    lost = addition(stages, "audit", "import pkg.data.audit", resolves=False)
    done = apply_plan(stages.source, RegistryPlan(DATA_REGISTRY, additions=(lost,)))
    assert done.new == b"import pkg.data.users\n" and done.added == ()


def test_a_removed_statement_leaves_the_authors_comment_above_it_in_place(tree):
    registry = b"import pkg.data.users\n# audit trail, see ADR-7\nimport pkg.data.gone\n"
    stages = stages_of(tree, registry, "users")
    done = apply_plan(stages.source, RegistryPlan(DATA_REGISTRY, removals=(Removal(3, -1, "stale"),)))
    assert done.new == b"import pkg.data.users\n# audit trail, see ADR-7\n"
    assert done.removed == ("import pkg.data.gone",)


def test_a_removed_name_leaves_the_rest_of_its_list_and_a_literal_all_in_step(tree):
    registry = b'from pkg.data import users, gone\n\n__all__ = ["users", "gone"]\n'
    stages = stages_of(tree, registry, "users")
    done = apply_plan(stages.source, RegistryPlan(DATA_REGISTRY, removals=(Removal(1, 1, "stale"),)))
    assert done.new == b'from pkg.data import users\n\n__all__ = ["users"]\n'
    assert done.removed == ("gone",)


def test_an_insertion_goes_right_after_its_line_with_its_comment(tree):
    stages = stages_of(tree, b'"""Env."""\nimport os\nfrom pkg.data.modelbase import Base\n\nx = 1\n', "users")
    plan = RegistryPlan(DATA_REGISTRY, insertions=(Insertion(3, "import pkg.data.__all_models", "# noqa: F401"),))
    done = apply_plan(stages.source, plan)
    assert done.new == (
        b'"""Env."""\nimport os\nfrom pkg.data.modelbase import Base\nimport pkg.data.__all_models  # noqa: F401\n\nx = 1\n'
    )


@pytest.mark.parametrize(
    "registry",
    [b"import pkg.data.users\r\n", b"\xef\xbb\xbfimport pkg.data.users", b"import pkg.data.users\r", b"\n\n# end\n"],
    ids=["CRLF line endings", "a BOM and no final newline", "old-Mac line endings", "comments only"],
)
def test_an_empty_plan_gives_back_every_byte(tree, registry):
    stages = stages_of(tree, registry, "users")
    assert apply_plan(stages.source, RegistryPlan(DATA_REGISTRY)).new == registry

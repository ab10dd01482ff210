"""translate: a registry's bytes and facts become plain data - its statements and its names."""

import pytest

from conftest import DATA_REGISTRY, data_project, fix_stages
from modelreg.fix import FixError, translate


def rows(source):
    return [(s.line, s.is_import, s.entry, s.is_list, s.aliases) for s in source.statements]


def test_each_top_level_statement_is_read_with_its_line_and_whether_it_imports_a_project_module(tree):
    registry = '"""Models."""\n\nimport os\nimport pkg.data.users\nfrom pkg.data import (\n    audit,\n)\n\nX = 1\n'
    source = fix_stages(tree(data_project(registry, "audit", "users"))).source
    assert rows(source) == [
        (1, False, False, False, ()),
        (3, True, False, False, ("os",)),
        (4, True, True, False, ("pkg",)),
        (5, True, True, True, ("audit",)),  # parenthesized: more names can join it
        (9, False, False, False, ()),
    ]


def test_a_single_name_from_import_is_an_entry_but_not_a_list_and_a_star_import_binds_any_name(tree):
    registry = "from pkg.data import users\nfrom pkg.data.audit import *\n"
    source = fix_stages(tree(data_project(registry, "audit", "users"))).source
    assert rows(source) == [(1, True, True, False, ("users",)), (2, True, True, False, None)]


def test_the_comment_lines_at_the_top_attached_to_the_first_statement_go_with_it_not_the_header(tree):
    registry = "# Licence: MIT\n\n# noinspection PyUnresolvedReferences\nimport pkg.data.users\n"
    source = fix_stages(tree(data_project(registry, "users"))).source
    assert [ln.comment.value for ln in source.header if ln.comment] == ["# Licence: MIT"]
    first = source.statements[0]
    assert [ln.comment.value for ln in first.node.leading_lines] == ["# noinspection PyUnresolvedReferences"]
    assert first.line == 4


def test_the_names_the_file_binds_and_reads_are_counted(tree):
    registry = "import pkg.data.users\nfrom pkg.data.audit import Audit\nfrom pkg.data import audit as a\n\nprint(Audit, Audit)\n"
    names = fix_stages(tree(data_project(registry, "audit", "users"))).source.names
    assert {"pkg", "Audit", "a", "print"} <= names.used
    assert names.import_tops == {"pkg"}
    assert names.loads["Audit"] == 2 and names.loads["print"] == 1 and "a" not in names.loads
    assert names.binders == {"pkg": 1, "Audit": 1, "a": 1}


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"import (\n", "cannot parse the file to edit it"),
        (b"x = " + b"(" * 5000 + b")" * 5000 + b"\n", "cannot parse the file to edit it"),
    ],
    ids=["a syntax error", "nesting deeper than Python's parser takes"],
)
def test_a_registry_that_cannot_be_parsed_is_refused_with_a_one_line_reason(tree, data, reason):
    root = tree(data_project("import pkg.data.users\n", "users"))
    stages = fix_stages(root)
    reg = stages.analysis.registries[0]
    with pytest.raises(FixError) as raised:
        translate.read_registry(str(root / DATA_REGISTRY), data, stages.analysis.project, reg.module, ())
    assert str(raised.value).startswith(reason) and str(raised.value).endswith("nothing written")
    assert "\n" not in str(raised.value)

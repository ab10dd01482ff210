"""The README's contracts stay true to the code: every test it cites exists, every config key is parsed."""

import re

from conftest import REPO

README = (REPO / "README.md").read_text()


def test_every_test_the_guarantees_table_cites_exists():
    section = README.split("## Guarantees", 1)[1].split("\n## ", 1)[0]
    cited = re.findall(r"`(tests/\w+\.py)(?:::(\w+))?", section)
    assert len(cited) > 15
    last_file = None
    for path, name in cited:
        text = (REPO / path).read_text()
        last_file = path
        if name:
            assert re.search(rf"^(async )?def {name}\(", text, re.M), f"{path}::{name} is cited but does not exist"
    # shorthand citations (`::name` after a file) refer to the file cited before them
    for file_name, names in re.findall(r"`(tests/\w+\.py)::\w+`((?:, `::\w+`)+)", section):
        text = (REPO / file_name).read_text()
        for name in re.findall(r"`::(\w+)`", names):
            assert re.search(rf"^(async )?def {name}\(", text, re.M), f"{file_name}::{name} is cited but does not exist"
    assert last_file


def test_every_config_key_in_the_readme_example_is_a_known_key():
    from modelreg.config import _KEYS

    block = README.split("[tool.modelreg]\nregistry = \"app/db/base.py\"", 1)[1].split("```", 1)[0]
    keys = set(re.findall(r"^([a-z-]+) =", block, re.M)) - {"base", "registry"}
    assert keys <= _KEYS, keys - _KEYS
    assert {"require", "exclude", "extend-exclude", "ignore", "roots", "respect-gitignore", "cache-dir"} <= keys

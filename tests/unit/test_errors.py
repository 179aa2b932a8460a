"""The error hierarchy: one root, transient flags and exit codes that the README documents."""

import inspect

import governance.errors as errors
from governance.errors import EXIT_CODES, LakewardenError


def _classes() -> list[type[LakewardenError]]:
    return [c for _, c in inspect.getmembers(errors, inspect.isclass) if issubclass(c, LakewardenError)]


def test_every_error_derives_from_the_root_and_has_a_documented_exit_code() -> None:
    for cls in _classes():
        assert cls.exit_code in EXIT_CODES, cls.__name__


def test_transient_errors_exit_with_tempfail_and_terminal_ones_do_not() -> None:
    for cls in _classes():
        assert (cls.exit_code == 75) == cls.transient, cls.__name__


def test_readme_documents_every_exit_code() -> None:
    from pathlib import Path

    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    for code in EXIT_CODES:
        assert f"| {code} |" in readme, code

"""Load YAML files into typed pydantic models with file:line error messages.

Every YAML file Lakewarden reads (settings, policy, recognizers) goes through
:func:`load_model`, so the rest of the code only ever sees typed models. A bad file
fails at load time with the file, the line, the key path and, for closed option
sets, the valid choices.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from governance.errors import ConfigError

M = TypeVar("M", bound=BaseModel)


class _LineLoader(yaml.SafeLoader):
    """A safe loader that rejects duplicate keys."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)  # type: ignore[no-untyped-call]
        if not isinstance(key, (str, int, float, bool)) and key is not None:
            raise ConfigError(f"{loader.name}:{key_node.start_mark.line + 1}: a key must be a name, not a "
                              f"{type(key).__name__} (a '?' complex key is not allowed)")
        if key in seen:
            raise ConfigError(
                f"{loader.name}:{key_node.start_mark.line + 1}: duplicate key {key!r} "
                f"(first given on line {seen[key] + 1})"
            )
        seen[key] = key_node.start_mark.line
    return loader.construct_mapping(node, deep=deep)  # type: ignore[no-untyped-call]


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _line_of(node: yaml.Node | None, loc: tuple[int | str, ...]) -> int | None:
    """Return the 1-based line of the deepest node that ``loc`` reaches."""
    if node is None:
        return None
    line = node.start_mark.line + 1
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            nxt = None
            for k, v in node.value:
                if k.value == str(part):
                    nxt = v
                    line = k.start_mark.line + 1
                    break
            if nxt is None:
                return line
            node = nxt
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            return line
    return line


def _format_loc(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _describe(err: dict[str, Any]) -> str:
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    if kind == "literal_error" and "expected" in ctx:
        return f"invalid value {err.get('input')!r}; valid choices: {ctx['expected']}"
    if kind == "enum" and "expected" in ctx:
        return f"invalid value {err.get('input')!r}; valid choices: {ctx['expected']}"
    if kind == "extra_forbidden":
        return "unknown key (check spelling; see the documented keys in conf/)"
    if kind == "missing":
        return "required key is missing"
    return str(err.get("msg", "invalid value"))


def parse_yaml_text(text: str, *, source: str) -> tuple[Any, yaml.Node | None]:
    """Parse YAML text into Python data and its node tree.

    Args:
        text: The YAML document.
        source: The file name used in error messages.

    Raises:
        ConfigError: The text is not valid YAML (with file and line).
    """
    try:
        loader = _LineLoader(text)
        loader.name = source
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()  # type: ignore[no-untyped-call]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = f":{mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"{source}{line}: not valid YAML: {exc.problem}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{source}: not valid YAML: {exc}") from None
    return data, node


def validate_data(model: type[M], data: Any, *, source: str, node: yaml.Node | None = None) -> M:
    """Validate already-parsed data against ``model``.

    Raises:
        ConfigError: Listing every problem as ``file:line: key.path: reason``.
    """
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{source}:1: expected a mapping at the top level, got {type(data).__name__}")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and "[" in p and p.startswith(("function-", "literal["))))
            line = _line_of(node, loc)
            where = f"{source}:{line}" if line is not None else source
            problems.append(f"{where}: {_format_loc(loc)}: {_describe(dict(err))}")
        raise ConfigError("; ".join(problems)) from None


def load_model(model: type[M], path: str | Path) -> M:
    """Read the YAML file at ``path`` into ``model``.

    Raises:
        ConfigError: The file is missing, not YAML, or does not fit the model.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{p}: configuration file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{p}: cannot read configuration file: {exc}") from None
    data, node = parse_yaml_text(text, source=str(p))
    return validate_data(model, data, source=str(p), node=node)

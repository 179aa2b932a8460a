"""Load the ``retention:`` section of ``conf/policy.yaml`` into typed models.

The models themselves are in :mod:`governance.retention_policy` (so that
:mod:`governance.policy` can type the whole file without importing this package); this
module reads just the retention section with file:line errors, independent of the other
sections.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from governance.config import Settings
from governance.errors import ConfigError
from governance.retention_policy import (  # noqa: F401 - re-exported
    AgeCondition,
    AnonymizeAction,
    ColdCondition,
    Condition,
    ErasureSettings,
    KAnonymity,
    LegalHold,
    RetentionPolicy,
    RetentionRule,
    TableSelector,
)
from governance.yamlconf import parse_yaml_text, validate_data


def _subnode(node: yaml.Node | None, key: str) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if getattr(k, "value", None) == key:
                return v
    return None


def load_retention_text(text: str, *, source: str) -> RetentionPolicy:
    """Parse a policy document and validate its ``retention`` section (absent: no rules).

    Raises:
        ConfigError: With file, line and key path.
    """
    data, node = parse_yaml_text(text, source=source)
    if data is None:
        return RetentionPolicy()
    if not isinstance(data, dict):
        raise ConfigError(f"{source}:1: expected a mapping at the top level")
    section = data.get("retention")
    if section is None:
        return RetentionPolicy()
    try:
        return validate_data(RetentionPolicy, section, source=source, node=_subnode(node, "retention"))
    except ConfigError as exc:
        raise ConfigError(re.sub(re.escape(source) + r"(:\d+)?: ", lambda m: m.group(0) + "retention.", str(exc))) from None


def load_retention(settings: Settings) -> RetentionPolicy:
    """The retention policy of ``settings.policy`` (a missing file means no rules).

    Raises:
        ConfigError: The file is unreadable or the section is invalid.
    """
    p = Path(settings.policy)
    if not p.exists():
        return RetentionPolicy()
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{p}: cannot read policy file: {exc}") from None
    return load_retention_text(text, source=str(p))


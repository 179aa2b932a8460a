"""Workspace sign-in policies and user-name checks, without a key server."""

from __future__ import annotations

import re

import hvac
import pytest

from governance.config import VaultSettings, WorkspaceSettings
from governance.errors import ConfigError, InputError
from governance.keys.bootstrap import role_policies, workspace_policies
from governance.keys.workspace_users import add_workspace_user, check_username, remove_workspace_user, role_of

_BLOCK = re.compile(r'path "([^"]+)" \{\s*capabilities = \[([^\]]*)\]\s*\}')
_SELF_PATHS = {"sys/capabilities-self", "auth/token/lookup-self", "auth/token/renew-self", "auth/token/revoke-self"}


def _grants(hcl: str) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for path, caps in _BLOCK.findall(hcl):
        out.setdefault(path, set()).update(c.strip().strip('"') for c in caps.split(",") if c.strip())
    return out


def _unreachable_client() -> hvac.Client:
    # nothing listens on port 9 of localhost: a test that reached the server would fail with a connection error
    return hvac.Client(url="http://127.0.0.1:9", timeout=1)


def test_reviewer_policy_grants_update_on_the_review_marker_and_read_on_the_read_marker() -> None:
    ws = WorkspaceSettings()
    grants = _grants(workspace_policies(ws)["reviewer"])
    assert grants[ws.review_path] == {"update"}
    assert grants[ws.read_path] == {"read"}
    assert grants["sys/capabilities-self"] == {"update"}


def test_viewer_policy_has_no_capability_on_the_review_marker() -> None:
    ws = WorkspaceSettings()
    grants = _grants(workspace_policies(ws)["viewer"])
    assert ws.review_path not in grants
    assert grants[ws.read_path] == {"read"}


def test_workspace_policies_grant_only_the_markers_and_the_token_self_paths() -> None:
    ws = WorkspaceSettings()
    vault = VaultSettings()
    for role, hcl in workspace_policies(ws).items():
        grants = _grants(hcl)
        assert set(grants) <= {ws.review_path, ws.read_path} | _SELF_PATHS, role
        assert _SELF_PATHS <= set(grants), role
        for path in grants:
            assert not path.startswith((f"{vault.transit_mount}/", f"{vault.audit_kv_mount}/", "secret/", "kv/")), (role, path)
        assert "*" not in hcl and "+" not in "".join(grants), role


def test_workspace_policies_follow_configured_marker_paths() -> None:
    ws = WorkspaceSettings(review_path="gov/officers/review", read_path="gov/officers/read")
    pols = workspace_policies(ws)
    assert _grants(pols["reviewer"])["gov/officers/review"] == {"update"}
    assert "gov/officers/review" not in _grants(pols["viewer"])
    assert "lakewarden-workspace/review" not in pols["reviewer"]


@pytest.mark.parametrize("bad", ['x"; path "transit/*', "transit/*", "/leading", "a/../sys", "sys/policy/x",
                                 "auth/token/create", "cubbyhole/x", "identity/x", "a b", "", "ok\n"])
def test_unusable_marker_path_is_a_config_error_naming_it(bad: str) -> None:
    with pytest.raises(ConfigError, match="workspace.review_path"):
        workspace_policies(WorkspaceSettings(review_path=bad))


def test_job_role_policies_do_not_include_workspace_markers() -> None:
    ws = WorkspaceSettings()
    for hcl in role_policies(VaultSettings()).values():
        assert ws.review_path not in hcl and ws.read_path not in hcl


@pytest.mark.parametrize("name", ["alice", "a", "bob.smith", "j_doe-2", "0day", "x" * 64])
def test_valid_username_is_accepted(name: str) -> None:
    assert check_username(name) == name


@pytest.mark.parametrize("name", ["", "Alice", "-alice", ".alice", "_alice", "al ice", "alice/../../sys", "x" * 65,
                                  "alice\n", "ålice", "alice@example.com"])
def test_invalid_username_is_an_input_error_naming_it(name: str) -> None:
    with pytest.raises(InputError) as err:
        check_username(name)
    assert repr(name) in str(err.value)


def test_add_with_invalid_username_is_refused_before_the_server_without_echoing_the_password() -> None:
    secret = "correct-horse-battery-staple"
    with pytest.raises(InputError) as err:
        add_workspace_user(_unreachable_client(), workspace=WorkspaceSettings(), username="Bad Name",
                           password=secret, role="viewer")
    assert "'Bad Name'" in str(err.value)
    assert secret not in str(err.value)


def test_add_with_short_password_is_refused_without_echoing_it() -> None:
    with pytest.raises(InputError, match="too short") as err:
        add_workspace_user(_unreachable_client(), workspace=WorkspaceSettings(), username="alice",
                           password="tiny-pw", role="reviewer")
    assert "tiny-pw" not in str(err.value)


def test_add_with_password_holding_a_line_break_is_refused_without_echoing_it() -> None:
    with pytest.raises(InputError, match="line break") as err:
        add_workspace_user(_unreachable_client(), workspace=WorkspaceSettings(), username="alice",
                           password="long-enough-pass\nword", role="reviewer")
    assert "long-enough-pass" not in str(err.value)


def test_add_with_unknown_role_is_an_input_error() -> None:
    with pytest.raises(InputError, match="'admin'"):
        add_workspace_user(_unreachable_client(), workspace=WorkspaceSettings(), username="alice",
                           password="long-enough-password", role="admin")  # type: ignore[arg-type]


def test_remove_with_invalid_username_is_an_input_error() -> None:
    with pytest.raises(InputError, match="'../sys'"):
        remove_workspace_user(_unreachable_client(), workspace=WorkspaceSettings(), username="../sys")


def test_role_of_policies_prefers_reviewer_and_is_none_without_a_workspace_policy() -> None:
    assert role_of(["lakewarden-viewer", "lakewarden-reviewer"]) == "reviewer"
    assert role_of(("lakewarden-viewer",)) == "viewer"
    assert role_of(["default", "lakewarden-revealer"]) is None

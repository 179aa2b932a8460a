"""Workspace sign-in against a real OpenBao server: roles come from its ACL, refusals from the server."""

from __future__ import annotations

import secrets
import socket
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import hvac

import pytest

from governance.config import VaultSettings, WorkspaceSettings
from governance.errors import AccessDeniedError, AuthenticationError, ConfigError, InputError, KeyServerUnavailableError
from governance.keys.bootstrap import admin_client, bootstrap, workspace_policies
from governance.keys.workspace_users import add_workspace_user, list_workspace_users, remove_workspace_user
from governance.workspace.auth import Identity, VaultUserpassSignIn
from tests.fixtures.openbao import OpenBao, VaultLake

WS = WorkspaceSettings()


def _name(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(4)}"


def _password() -> str:
    return secrets.token_urlsafe(24)


@pytest.fixture(scope="module")
def admin(openbao: OpenBao) -> hvac.Client:
    """An administrator client after a second bootstrap run (userpass and workspace policies in place)."""
    client = admin_client(openbao.settings(), openbao.root_token)
    openbao.roles = bootstrap(client, openbao.settings(), workspace=WS)
    return client


@pytest.fixture
def signin(openbao: OpenBao, admin: hvac.Client) -> VaultUserpassSignIn:
    return VaultUserpassSignIn(openbao.settings(), WS)


def _user(admin: hvac.Client, role: str) -> tuple[str, str]:
    name, password = _name(role), _password()
    assert add_workspace_user(admin, workspace=WS, username=name, password=password, role=role) is True  # type: ignore[arg-type]
    return name, password


def _live_token_names(admin: hvac.Client) -> set[str]:
    accessors = admin.adapter.list("/v1/auth/token/accessors")["data"]["keys"]
    names = set()
    for acc in accessors:
        try:
            names.add(admin.auth.token.lookup_accessor(acc)["data"]["display_name"])
        except hvac.exceptions.VaultError:
            pass  # revoked between list and lookup
    return names


def test_bootstrap_enables_userpass_once_and_writes_the_workspace_policies(openbao: OpenBao, admin: hvac.Client) -> None:
    ws = WorkspaceSettings(userpass_mount=_name("userpass"))
    first = bootstrap(admin, openbao.settings(), workspace=ws)
    again = bootstrap(admin, openbao.settings(), workspace=ws)
    assert (first.userpass_enabled, again.userpass_enabled) == (True, False)
    assert again.userpass_mount == ws.userpass_mount
    assert again.workspace_policies == ["lakewarden-reviewer", "lakewarden-viewer"]
    assert again.created_keys == []
    assert f"{ws.userpass_mount}/" in admin.sys.list_auth_methods()["data"]
    for role, hcl in workspace_policies(ws).items():
        assert admin.sys.read_policy(f"lakewarden-{role}")["data"]["rules"] == hcl
    openbao.roles = again


@pytest.mark.parametrize("marker", ["transit/review", "lakewarden-audit/data/review"])
def test_bootstrap_refuses_a_marker_path_under_a_mounted_engine(openbao: OpenBao, admin: hvac.Client, marker: str) -> None:
    with pytest.raises(ConfigError, match=f"workspace.review_path '{marker}' lies under the secrets engine"):
        bootstrap(admin, openbao.settings(), workspace=WorkspaceSettings(review_path=marker))
    assert marker not in admin.sys.read_policy("lakewarden-reviewer")["data"]["rules"]


def test_reviewer_signs_in_as_reviewer_and_may_review(signin: VaultUserpassSignIn, admin: hvac.Client) -> None:
    name, password = _user(admin, "reviewer")
    before = datetime.now(timezone.utc)
    who = signin.sign_in(username=name, password=password)
    assert (who.username, who.role, who.policies) == (name, "reviewer", ("lakewarden-reviewer",))
    assert before < who.expires_at <= before + timedelta(minutes=WS.session_minutes, seconds=5)
    assert signin.allowed(who, "review") is True
    assert signin.allowed(who, "read") is True
    assert who.token not in repr(who)


def test_viewer_signs_in_as_viewer_and_may_read_but_not_review(signin: VaultUserpassSignIn, admin: hvac.Client) -> None:
    name, password = _user(admin, "viewer")
    who = signin.sign_in(username=name, password=password)
    assert (who.role, who.policies) == ("viewer", ("lakewarden-viewer",))
    assert signin.allowed(who, "review") is False
    assert signin.allowed(who, "read") is True


def test_user_name_in_capitals_signs_in_as_the_lower_case_user(signin: VaultUserpassSignIn, admin: hvac.Client) -> None:
    name, password = _user(admin, "viewer")
    assert signin.sign_in(username=f" {name.upper()} ", password=password).username == name


def test_wrong_password_and_unknown_user_are_refused_alike(signin: VaultUserpassSignIn, admin: hvac.Client) -> None:
    name, password = _user(admin, "reviewer")
    with pytest.raises(AuthenticationError, match=f"^sign-in refused for {name}$") as wrong:
        signin.sign_in(username=name, password=password + "x")
    assert password not in str(wrong.value)
    ghost = _name("nobody")
    with pytest.raises(AuthenticationError, match=f"^sign-in refused for {ghost}$"):
        signin.sign_in(username=ghost, password=password)
    with pytest.raises(AuthenticationError, match=f"^sign-in refused for {name}$"):
        signin.sign_in(username=name, password="")


def test_user_name_that_cannot_exist_is_refused_without_echoing_it(signin: VaultUserpassSignIn) -> None:
    with pytest.raises(AuthenticationError, match="^sign-in refused for an invalid user name$"):
        signin.sign_in(username="../../sys/seal", password="whatever-password")


def test_user_without_workspace_policy_is_denied_and_its_token_revoked(
    signin: VaultUserpassSignIn, admin: hvac.Client
) -> None:
    name, password = _name("outsider"), _password()
    admin.auth.userpass.create_or_update_user(name, password=password, mount_point=WS.userpass_mount, token_policies=["default"])
    with pytest.raises(AccessDeniedError, match=f"^{name} has no Lakewarden workspace policy "
                                                r"\(lakewarden-reviewer or lakewarden-viewer\)$"):
        signin.sign_in(username=name, password=password)
    assert f"userpass-{name}" not in _live_token_names(admin)
    # the workspace tools leave accounts of other uses of the mount alone
    with pytest.raises(InputError, match="holds no workspace policy"):
        add_workspace_user(admin, workspace=WS, username=name, password=_password(), role="reviewer")
    with pytest.raises(InputError, match="holds no workspace policy"):
        remove_workspace_user(admin, workspace=WS, username=name)
    assert admin.auth.userpass.read_user(name, mount_point=WS.userpass_mount)["data"]["token_policies"] == ["default"]


def test_after_sign_out_the_token_may_not_read_and_a_second_sign_out_is_quiet(
    signin: VaultUserpassSignIn, admin: hvac.Client
) -> None:
    name, password = _user(admin, "viewer")
    who = signin.sign_in(username=name, password=password)
    signin.sign_out(who)
    assert signin.allowed(who, "read") is False
    assert signin.allowed(who, "review") is False
    signin.sign_out(who)


def test_renewal_extends_a_live_token_and_leaves_a_revoked_one_as_it_was(signin: VaultUserpassSignIn, admin: hvac.Client) -> None:
    name, password = _user(admin, "viewer")
    who = signin.sign_in(username=name, password=password)
    time.sleep(1.1)
    renewed = signin.renew(who)
    assert renewed.expires_at > who.expires_at and renewed.token == who.token and renewed.role == "viewer"
    signin.sign_out(renewed)
    assert signin.renew(renewed) == renewed


def test_removed_user_is_refused_sign_in_and_loses_open_sessions(signin: VaultUserpassSignIn, admin: hvac.Client) -> None:
    name, password = _user(admin, "reviewer")
    open_session = signin.sign_in(username=name, password=password)
    assert remove_workspace_user(admin, workspace=WS, username=name) is True
    assert signin.allowed(open_session, "review") is False
    assert signin.allowed(open_session, "read") is False
    with pytest.raises(AuthenticationError, match=f"sign-in refused for {name}"):
        signin.sign_in(username=name, password=password)
    assert remove_workspace_user(admin, workspace=WS, username=name) is False


def test_changing_a_user_to_viewer_applies_at_the_next_sign_in(signin: VaultUserpassSignIn, admin: hvac.Client) -> None:
    name, password = _user(admin, "reviewer")
    new_password = _password()
    assert add_workspace_user(admin, workspace=WS, username=name, password=new_password, role="viewer") is False
    with pytest.raises(AuthenticationError):
        signin.sign_in(username=name, password=password)
    assert signin.sign_in(username=name, password=new_password).role == "viewer"
    listed = {u.username: u.role for u in list_workspace_users(admin, workspace=WS)}
    assert listed[name] == "viewer"


def test_adding_a_user_needs_an_administrator_token(signin: VaultUserpassSignIn, admin: hvac.Client, openbao: OpenBao) -> None:
    name, password = _user(admin, "reviewer")
    who = signin.sign_in(username=name, password=password)
    as_reviewer = admin_client(openbao.settings(), who.token)
    with pytest.raises(AccessDeniedError, match="administrator token"):
        add_workspace_user(as_reviewer, workspace=WS, username=_name("sneaky"), password=_password(), role="reviewer")


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A socket that accepts connections and never answers (a hung key server)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(8)
        yield f"http://127.0.0.1:{s.getsockname()[1]}"


def _someone() -> Identity:
    return Identity(username="alice", role="viewer", token="s.not-a-real-token", expires_at=datetime.now(timezone.utc),
                    policies=("lakewarden-viewer",))


def test_unreachable_key_server_is_unavailable_not_refused() -> None:
    down = VaultUserpassSignIn(VaultSettings(url=f"http://127.0.0.1:{_closed_port()}", timeout_s=2), WS)
    with pytest.raises(KeyServerUnavailableError, match="unreachable during the sign-in of alice"):
        down.sign_in(username="alice", password="long-enough-password")
    with pytest.raises(KeyServerUnavailableError):
        down.allowed(_someone(), "read")
    with pytest.raises(KeyServerUnavailableError):
        down.sign_out(_someone())


def test_hung_key_server_times_out_as_unavailable(silent_server: str) -> None:
    hung = VaultUserpassSignIn(VaultSettings(url=silent_server, timeout_s=1), WS)
    with pytest.raises(KeyServerUnavailableError, match="ReadTimeout|Timeout"):
        hung.sign_in(username="alice", password="long-enough-password")
    with pytest.raises(KeyServerUnavailableError):
        hung.allowed(_someone(), "review")


# -- the CLI ---------------------------------------------------------------------------------------


def _files(tmp_path: Path, bao: OpenBao) -> tuple[Path, Path, str]:
    token_file = tmp_path / "admin.token"
    token_file.write_text(bao.root_token, encoding="utf-8")
    password = _password()
    password_file = tmp_path / "password"
    password_file.write_text(password + "\n", encoding="utf-8")
    return token_file, password_file, password


def test_keys_users_cli_adds_lists_and_removes_and_audits_without_the_password(
    vault_lake: VaultLake, admin: hvac.Client, tmp_path: Path
) -> None:
    token_file, password_file, password = _files(tmp_path, vault_lake.bao)
    name = _name("officer")
    signin = VaultUserpassSignIn(vault_lake.settings.keys.vault, vault_lake.settings.workspace)
    rc, out, err = vault_lake.cli("keys", "users", "add", name, "--role", "reviewer", "--password-file", str(password_file),
                                  "--token-file", str(token_file))
    assert rc == 0, err
    assert f"workspace user {name} added as reviewer" in out
    assert signin.sign_in(username=name, password=password).role == "reviewer"

    rc, out, err = vault_lake.cli("keys", "users", "add", name, "--role", "viewer", "--password-file", str(password_file),
                                  "--token-file", str(token_file))
    assert rc == 0, err
    assert f"workspace user {name} updated as viewer" in out

    rc, out, err = vault_lake.cli("keys", "users", "list", "--token-file", str(token_file))
    assert rc == 0, err
    assert [ln.split() for ln in out.splitlines() if ln.startswith(f"{name} ")] == [[name, "viewer"]]

    rc, out, err = vault_lake.cli("keys", "users", "remove", name, "--token-file", str(token_file))
    assert rc == 0, err
    assert f"workspace user {name} removed" in out
    with pytest.raises(AuthenticationError):
        signin.sign_in(username=name, password=password)
    rc, _, err = vault_lake.cli("keys", "users", "remove", name, "--token-file", str(token_file))
    assert rc == 4 and f"no workspace user {name}" in err

    audit = vault_lake.audit_text()
    for action in ("workspace_user_add", "workspace_user_list", "workspace_user_remove"):
        assert action in audit
    assert audit.count(f'"username": "{name}"') == 3  # two adds and one remove
    assert '"role": "reviewer"' in audit and '"role": "viewer"' in audit
    assert password not in audit + out + err
    assert vault_lake.bao.root_token not in audit + out + err


def test_keys_users_add_prompts_twice_and_refuses_differing_passwords(
    vault_lake: VaultLake, admin: hvac.Client, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    token_file, _, password = _files(tmp_path, vault_lake.bao)
    name = _name("prompted")
    typed = iter([password, password + "-typo"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(typed))
    rc, out, err = vault_lake.cli("keys", "users", "add", name, "--role", "viewer", "--token-file", str(token_file))
    assert rc == 4 and "differ" in err
    assert name not in {u.username for u in list_workspace_users(admin, workspace=WS)}
    typed = iter([password, password])
    rc, out, err = vault_lake.cli("keys", "users", "add", name, "--role", "viewer", "--token-file", str(token_file))
    assert rc == 0, err
    assert password not in out + err + vault_lake.audit_text()
    signin = VaultUserpassSignIn(vault_lake.settings.keys.vault, WS)
    assert signin.sign_in(username=name, password=password).role == "viewer"


@pytest.mark.parametrize("option", ["--password", "--password="])
def test_keys_users_add_refuses_a_password_argument_without_echoing_it(
    vault_lake: VaultLake, admin: hvac.Client, option: str
) -> None:
    secret = "long-enough-password-" + secrets.token_hex(4)
    args = [f"{option}{secret}"] if option.endswith("=") else [option, secret]
    with pytest.raises(SystemExit) as stop:
        vault_lake.cli("keys", "users", "add", "alice", "--role", "viewer", *args)
    assert stop.value.code == 2
    out, err = vault_lake.capsys.readouterr()
    assert secret not in out + err
    assert "never taken on the command line" in err


def test_keys_users_add_does_not_read_an_abbreviated_option_as_the_password_file(
    vault_lake: VaultLake, admin: hvac.Client, tmp_path: Path
) -> None:
    token_file, password_file, _ = _files(tmp_path, vault_lake.bao)
    with pytest.raises(SystemExit) as stop:
        vault_lake.cli("keys", "users", "add", _name("abbrev"), "--role", "viewer", "--passw", str(password_file),
                       "--token-file", str(token_file))
    assert stop.value.code == 2


def test_keys_users_cli_needs_an_administrator_token(
    vault_lake: VaultLake, admin: hvac.Client, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BAO_TOKEN", raising=False)
    _, password_file, _ = _files(tmp_path, vault_lake.bao)
    rc, _, err = vault_lake.cli("keys", "users", "add", _name("x"), "--role", "viewer", "--password-file", str(password_file))
    assert rc == 8 and "administrator token" in err
    rc, _, err = vault_lake.cli("keys", "users", "list")
    assert rc == 8 and "administrator token" in err


def test_keys_users_cli_refuses_a_bad_user_name_before_asking_anything(vault_lake: VaultLake, admin: hvac.Client) -> None:
    rc, _, err = vault_lake.cli("keys", "users", "add", "Not/Valid", "--role", "viewer")
    assert rc == 4 and "'Not/Valid'" in err


def test_keys_users_cli_works_with_the_local_key_provider(
    openbao: OpenBao, admin: hvac.Client, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from jobs.cli import main

    root = tmp_path / "lake"
    root.mkdir()
    cfg = tmp_path / "lakewarden.yaml"
    cfg.write_text(f"lake:\n  root: {root}\naudit:\n  sink: jsonl\n  anchor_dir: {tmp_path / 'anchors'}\n"
                   f"keys:\n  provider: local\n  vault:\n    url: {openbao.url}\n", encoding="utf-8")
    token_file, password_file, password = _files(tmp_path, openbao)
    name = _name("local")
    rc = main(["--config", str(cfg), "keys", "users", "add", name, "--role", "reviewer", "--password-file",
               str(password_file), "--token-file", str(token_file)])
    out, err = capsys.readouterr()
    assert rc == 0, err
    assert VaultUserpassSignIn(openbao.settings(), WS).sign_in(username=name, password=password).role == "reviewer"
    audit = (root / "_lakewarden" / "audit.jsonl").read_text(encoding="utf-8")
    assert "workspace_user_add" in audit and password not in audit


def test_keys_policies_prints_the_workspace_policies(vault_lake: VaultLake) -> None:
    rc, out, _ = vault_lake.cli("keys", "policies")
    assert rc == 0
    assert "# ---- workspace sign-in policy lakewarden-reviewer ----" in out
    assert "# ---- workspace sign-in policy lakewarden-viewer ----" in out
    assert workspace_policies(WS)["reviewer"] in out


def test_an_administrator_token_in_the_environment_never_stands_in_for_the_person(
    openbao: OpenBao, admin: hvac.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VAULT_TOKEN", openbao.root_token)
    signin = VaultUserpassSignIn(openbao.settings(), WS)
    name, password = _user(admin, "viewer")
    who = signin.sign_in(username=name, password=password)
    assert who.role == "viewer"
    assert signin.allowed(who, "review") is False
    signin.sign_out(who)
    assert signin.allowed(who, "read") is False

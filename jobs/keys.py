"""``lakewarden keys``: bootstrap roles, print policies, rotate, rewrap, reencrypt, status, destroy subjects, workspace users."""

from __future__ import annotations

import argparse
import contextlib
import getpass
import os
from pathlib import Path

from governance.context import JobContext
from governance.errors import InputError
from governance.keys.base import NoKeyAccess
from governance.keys.manager import KeyManager, key_tables, open_provider
from governance.lake import locate_table
from governance.protection.codec import check_domain
from governance.protection.reveal import reencrypt_table, table_key_usage

HELP = "key lifecycle: bootstrap, policies, rotate, rewrap, reencrypt, status, destroy-subjects, users"
DESCRIPTION = (
    "bootstrap    create Transit keys, role policies and AppRoles (classifier, protector, revealer, eraser)\n"
    "             on Vault/OpenBao with an administrator token, or the local keyring; also the workspace\n"
    "             sign-in (userpass method, lakewarden-reviewer and lakewarden-viewer policies)\n"
    "policies     print every role's policy, and the workspace policies, for review\n"
    "rotate       new version of a domain's token/hash keys (new writes use it); --kek rotates a KEK (admin)\n"
    "rewrap       re-wrap stored data keys under the newest KEK version, data untouched (protector role)\n"
    "reencrypt    re-encrypt a table's values under the newest data keys, one commit (revealer role; --apply)\n"
    "status       key versions per domain, and in use per table and column\n"
    "destroy-subjects  destroy data subjects' keys (crypto-shredding; eraser role; --apply)\n"
    "users        workspace sign-in accounts on keys.vault (add, remove, list; administrator token)"
)

USERS_DESCRIPTION = (
    "Workspace (`lakewarden serve`) accounts: userpass users on the key server of keys.vault, whatever\n"
    "keys.provider is. A reviewer may confirm and override classifications, a viewer only reads.\n"
    "Passwords are kept by the key server only: give one with --password-file or type it when asked,\n"
    "never on the command line. Every action needs an administrator token ($VAULT_TOKEN or --token-file)\n"
    "and is written to the audit log (user name and role, never the password).\n\n"
    "add NAME --role reviewer|viewer   create the account, or set a new password and role\n"
    "remove NAME                       delete the account and revoke its open sessions' tokens\n"
    "list                              every account on the userpass mount and its workspace role"
)


class _NoPasswordArgument(argparse.Action):
    """``--password``: refused without echoing the value (it would land in shell history and the process list)."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: object,
                 option_string: str | None = None) -> None:
        parser.error("a password is never taken on the command line (shell history, process list): "
                     "use --password-file FILE or type it when asked")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="keys_command", metavar="ACTION", required=True)
    b = sub.add_parser("bootstrap", help="create keys, policies and AppRoles (admin token) or the local keyring")
    b.add_argument("--token-file", help="file holding the administrator token (default $VAULT_TOKEN)")
    b.add_argument("--credentials-dir", default=str(Path.home() / ".config" / "lakewarden" / "approle"),
                   help="where each role's role_id/secret_id files are written (mode 0600)")
    sub.add_parser("policies", help="print the policy of every role")
    r = sub.add_parser("rotate", help="rotate a domain's data keys, or a KEK with --kek")
    r.add_argument("domain", nargs="?", help="key domain (e.g. pii)")
    r.add_argument("--kek", choices=["data", "subject", "encrypt"], help="rotate a key-encryption key instead (admin)")
    r.add_argument("--token-file", help="administrator token file for --kek on Vault (default $VAULT_TOKEN)")
    w = sub.add_parser("rewrap", help="re-wrap stored data keys under the newest KEK version")
    w.add_argument("--dry-run", action="store_true", help="only count what would be re-wrapped")
    e = sub.add_parser("reencrypt", help="re-encrypt a table under the newest data keys")
    e.add_argument("table", metavar="TABLE")
    e.add_argument("--apply", action="store_true", help="rewrite the table (default: count only)")
    s = sub.add_parser("status", help="key versions per domain and per table column")
    s.add_argument("tables", metavar="TABLE", nargs="*", help="tables whose protected columns to inspect")
    d = sub.add_parser("destroy-subjects", help="destroy every key of the data subjects listed in a file")
    d.add_argument("--subjects-file", required=True, help="file with one subject id per line (kept out of shell history)")
    d.add_argument("--apply", action="store_true", help="destroy (default: count only)")
    u = sub.add_parser("users", allow_abbrev=False, help="workspace sign-in accounts on the key server (add, remove, list)",
                       description=USERS_DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    usub = u.add_subparsers(dest="users_command", metavar="USERS_ACTION", required=True)
    token_help = "file holding the administrator token (default $VAULT_TOKEN or $BAO_TOKEN)"
    ua = usub.add_parser("add", allow_abbrev=False, help="create a workspace account, or give an existing one a new password and role",
                         description="Create a workspace account on the key server (userpass), or set a new password and "
                                     "role for an existing one. The account's sessions carry only the role's policy.")
    ua.add_argument("name", metavar="NAME", help="user name: 1-64 of a-z 0-9 . _ -, starting with a letter or digit")
    ua.add_argument("--role", required=True, choices=["reviewer", "viewer"],
                    help="reviewer: may confirm/override classifications; viewer: reads only")
    ua.add_argument("--password-file", metavar="FILE",
                    help="file whose first line is the password (default: asked twice on the terminal)")
    ua.add_argument("--password", nargs="?", action=_NoPasswordArgument, help=argparse.SUPPRESS)
    ua.add_argument("--token-file", metavar="FILE", help=token_help)
    ur = usub.add_parser("remove", help="delete a workspace account and end its open sessions",
                         description="Delete a workspace account from the key server and revoke every token it signed "
                                     "in with: its open workspace sessions end at their next request.")
    ur.add_argument("name", metavar="NAME", help="the account's user name")
    ur.add_argument("--token-file", metavar="FILE", help=token_help)
    ul = usub.add_parser("list", help="every account on the workspace's userpass mount and its role",
                         description="List the accounts on the workspace's userpass mount and the workspace role each "
                                     "one's policies give (none: the account cannot use the workspace).")
    ul.add_argument("--token-file", metavar="FILE", help=token_help)


def _admin_provider(ctx: JobContext, token_file: str | None) -> object:
    from governance.keys.bootstrap import admin_token
    from governance.keys.vault import VaultKeyProvider

    return VaultKeyProvider(ctx.settings.keys.vault, role="admin", token=admin_token(token_file=token_file))


def _bootstrap(args: argparse.Namespace, ctx: JobContext) -> int:
    if ctx.settings.keys.provider == "local":
        from governance.keys.local import new_master_key

        env = ctx.settings.keys.local.master_key_env
        if not os.environ.get(env):
            ctx.out.print(f"the local provider needs a master key in ${env}; generate one and keep it out of the repo:")
            ctx.out.print(f"  export {env}=$(python -c 'import base64,os; print(base64.b64encode(os.urandom(32)).decode())')")
            ctx.out.print(f"  (for example {new_master_key()[:4]}... ; never commit it)")
            raise InputError(f"${env} is not set")
        provider = open_provider(ctx.settings, "local")
        provider.check()
        ctx.audit.append(action="keys_bootstrap", details={"provider": provider.describe()})
        ctx.out.print(f"local keyring ready: {provider.describe()} (mode 0600). Roles are not enforced locally.")
        return 0
    from governance.keys.bootstrap import admin_client, admin_token, bootstrap

    s = ctx.settings.keys.vault
    report = bootstrap(admin_client(s, admin_token(token_file=args.token_file)), s, credentials_dir=args.credentials_dir,
                       workspace=ctx.settings.workspace)
    ctx.out.table([{"transit key": k, "state": "created"} for k in report.created_keys]
                  + [{"transit key": k, "state": "existed"} for k in report.existing_keys])
    ctx.out.table([{"role": r, "policy": f"lakewarden-{r}", "approle": f"lakewarden-{r}",
                    "credentials": f"{args.credentials_dir}/{r}.role_id, .secret_id"} for r in report.credentials])
    ctx.out.print("give each job only its own role's files (LAKEWARDEN_VAULT_ROLE_ID/_SECRET_ID or keys.vault.*_file)")
    ctx.out.print(f"workspace sign-in: userpass at auth/{report.userpass_mount} "
                  f"({'enabled' if report.userpass_enabled else 'existed'}), policies {', '.join(report.workspace_policies)}; "
                  "add accounts with `lakewarden keys users add NAME --role reviewer|viewer`")
    ctx.audit.append(action="keys_bootstrap", details={"url": s.url, "created": report.created_keys,
                                                       "roles": sorted(report.credentials),
                                                       "workspace_policies": report.workspace_policies})
    return 0


def _read_password(args: argparse.Namespace) -> str:
    """The new password: the first line of ``--password-file``, else typed twice (never an argument)."""
    if args.password_file:
        try:
            text = Path(args.password_file).read_text(encoding="utf-8")
        except OSError as exc:
            raise InputError(f"cannot read password file {args.password_file} ({exc.strerror})") from None
        lines = text.splitlines()
        if not lines or not lines[0]:
            raise InputError(f"password file {args.password_file} is empty")
        return lines[0]
    first = getpass.getpass(f"password for workspace user {args.name}: ")
    if getpass.getpass("the same password again: ") != first:
        raise InputError(f"the two passwords typed for {args.name} differ; nothing was changed")
    return first


def _users(args: argparse.Namespace, ctx: JobContext) -> int:
    from governance.keys.bootstrap import admin_client, admin_token
    from governance.keys.workspace_users import add_workspace_user, check_username, list_workspace_users, remove_workspace_user

    vault = ctx.settings.keys.vault  # sign-in always uses keys.vault, whatever keys.provider is
    _ = ctx.audit  # an audit log that cannot be written stops us before the key server is changed
    ws = ctx.settings.workspace
    cmd = args.users_command
    if cmd in ("add", "remove"):
        check_username(args.name)  # before asking for a password or a token
    client = admin_client(vault, admin_token(token_file=args.token_file))
    password = _read_password(args) if cmd == "add" else ""
    where = f"{vault.url} auth/{ws.userpass_mount}"
    if cmd == "add":
        from governance.keys.bootstrap import bootstrap_workspace

        if bootstrap_workspace(client, vault, ws):
            ctx.out.print(f"enabled userpass sign-in at auth/{ws.userpass_mount} and wrote the workspace policies on {vault.url}")
        created = add_workspace_user(client, workspace=ws, username=args.name, password=password, role=args.role)
        ctx.audit.append(action="workspace_user_add", details={"username": args.name, "role": args.role, "url": vault.url,
                                                               "mount": ws.userpass_mount, "created": created})
        ctx.out.print(f"workspace user {args.name} {'added' if created else 'updated'} as {args.role} on {where}")
        return 0
    if cmd == "remove":
        if not remove_workspace_user(client, workspace=ws, username=args.name):
            raise InputError(f"no workspace user {args.name} on {where}; nothing removed")
        ctx.audit.append(action="workspace_user_remove", details={"username": args.name, "url": vault.url,
                                                                  "mount": ws.userpass_mount})
        ctx.out.print(f"workspace user {args.name} removed from {where}; its open sessions' tokens are revoked")
        return 0
    users = list_workspace_users(client, workspace=ws)
    ctx.audit.append(action="workspace_user_list", counts={"users": len(users)}, details={"url": vault.url,
                                                                                       "mount": ws.userpass_mount})
    ctx.out.table([{"user": u.username, "role": u.role or "none (no workspace policy)"} for u in users],
                  columns=["user", "role"])
    return 0


def run(args: argparse.Namespace, ctx: JobContext) -> int:
    cmd = args.keys_command
    settings = ctx.settings
    if cmd == "bootstrap":
        return _bootstrap(args, ctx)
    if cmd == "users":
        return _users(args, ctx)
    if cmd == "policies":
        from governance.keys.bootstrap import role_policies, workspace_policies

        for role, hcl in role_policies(settings.keys.vault).items():
            ctx.out.print(f"# ---- policy lakewarden-{role} ----")
            ctx.out.print(hcl)
        for role, hcl in workspace_policies(settings.workspace).items():
            ctx.out.print(f"# ---- workspace sign-in policy lakewarden-{role} ----")
            ctx.out.print(hcl)
        return 0
    tables = key_tables(settings)
    if cmd == "rotate":
        if args.kek:
            provider = _admin_provider(ctx, args.token_file) if settings.keys.provider == "vault" else open_provider(settings, "local")
            km = KeyManager(provider, tables)  # type: ignore[arg-type]
            v = km.rotate_kek(args.kek)
            ctx.audit.append(action="keys_rotate_kek", details={"kek": args.kek, "version": v})
            ctx.out.print(f"{args.kek} KEK rotated to version {v}; run `lakewarden keys rewrap` to re-wrap stored data keys")
            return 0
        if not args.domain:
            raise InputError("keys rotate needs a DOMAIN (or --kek)")
        domain = check_domain(args.domain)
        km = KeyManager(open_provider(settings, "protector"), tables)
        versions = km.rotate(domain)
        ctx.audit.append(action="keys_rotate", details={"domain": domain, "versions": versions})
        ctx.out.print(f"domain {domain}: token key now v{versions['tok']}, hash key v{versions['hsh']}; new writes use them. "
                      "Run `lakewarden keys reencrypt TABLE --apply` to move existing tokens.")
        return 0
    if cmd == "rewrap":
        km = KeyManager(open_provider(settings, "protector"), tables)
        rep = km.rewrap(dry_run=args.dry_run)
        ctx.out.table([{"kek": k, "latest version": rep.latest.get(k), ("would re-wrap" if rep.dry_run else "re-wrapped"): n}
                       for k, n in rep.rewrapped.items()])
        if not rep.dry_run:
            ctx.audit.append(action="keys_rewrap", counts=rep.rewrapped, details={"latest": rep.latest})
        return 0
    if cmd == "reencrypt":
        path = locate_table(settings, args.table, spark=lambda: ctx.spark).path
        from governance.feature_policy import check_for_job

        check_for_job(settings, path, "keys.reencrypt" if args.apply else "keys.reencrypt.plan")
        km = KeyManager(open_provider(settings, "revealer"), tables)
        try:
            with ctx.progress.task("reencrypt"):
                from governance.retry import with_conflict_retries

                from governance.locks import table_lock

                with table_lock(settings, path, job="keys reencrypt") if args.apply else contextlib.nullcontext():
                    res = with_conflict_retries(lambda: reencrypt_table(ctx.spark, km, path, dry_run=not args.apply),
                                                what=f"keys reencrypt {path}", attempts=settings.engine.commit_attempts)
        finally:
            km.forget()
        ctx.out.table([{"column": c.column, "tokens to re-key": c.tokens_to_rekey, "encrypted to re-key": c.encrypted_to_rekey,
                        "left as is": c.untouched} for c in res.columns])
        if res.write is not None:
            ctx.audit.append(action="keys_reencrypt", table=path, columns=[c.column for c in res.columns],
                             counts={"values": res.values, "rows": res.write.rows}, details={"version": res.write.version})
            ctx.out.print(f"re-encrypted {res.values} value(s) of {path}: version {res.write.version}")
        elif not res.columns:
            ctx.out.print(f"{path}: every protected value already uses the newest keys")
        else:
            ctx.out.print("dry run: nothing written; rerun with --apply")
        return 0
    if cmd == "status":
        km = KeyManager(NoKeyAccess(why="status reads the key tables only"), tables)
        rows = km.status_rows()
        ctx.out.print(f"key tables: {tables.keys_path}, {tables.subject_keys_path}")
        if rows:
            ctx.out.table(rows)
        else:
            ctx.out.print("no data keys yet")
        for t in args.tables:
            usage = table_key_usage(ctx.spark, locate_table(settings, t, spark=lambda: ctx.spark).path)
            if usage:
                ctx.out.table(usage)
            else:
                ctx.out.print(f"{t}: no protected values")
        return 0
    if cmd == "destroy-subjects":
        subjects = [ln.strip() for ln in Path(args.subjects_file).read_text(encoding="utf-8").splitlines() if ln.strip()]
        km = KeyManager(open_provider(settings, "eraser"), tables)
        destroyed = km.destroy_subjects(subjects, dry_run=not args.apply)
        if not destroyed.dry_run:
            ctx.audit.append(action="keys_destroy_subjects", counts={"subjects": destroyed.subjects, "keys": destroyed.keys,
                                                                     "files_removed": len(destroyed.removed_files)})
        ctx.out.print(destroyed.statement())
        return 0
    raise InputError(f"unknown keys action {cmd!r}")


if __name__ == "__main__":
    from jobs._entry import run_job

    raise SystemExit(run_job("keys"))

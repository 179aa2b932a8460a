"""The Lakewarden exception hierarchy.

Every error raised on purpose by Lakewarden derives from :class:`LakewardenError`.
Each class says whether retrying can help (``transient``) and which process exit
code a job returns for it (``exit_code``). The CLI prints ``str(error)`` as one
line; messages therefore name the file, table, column, key or request at fault and
never contain key material or raw sensitive values.
"""

from __future__ import annotations

from typing import ClassVar


class LakewardenError(Exception):
    """Root of every Lakewarden error."""

    transient: ClassVar[bool] = False
    exit_code: ClassVar[int] = 1


class ConfigError(LakewardenError):
    """A configuration, policy or recognizer file is invalid (file, line, key path)."""

    exit_code = 3


class PolicyError(ConfigError):
    """A policy refers to something that does not exist (column, entity, table)."""


class InputError(LakewardenError):
    """A command-line argument or input value is invalid."""

    exit_code = 4


class TableNotFoundError(InputError):
    """A table path does not exist."""


class NotADeltaTableError(InputError):
    """A path exists but holds no Delta table (no ``_delta_log``)."""


class ColumnNotFoundError(InputError):
    """A named column does not exist in a table."""


class UnsupportedTableFeatureError(LakewardenError):
    """A table uses a feature the chosen engine cannot handle (e.g. deletion vectors)."""

    exit_code = 5


class DataSafetyError(LakewardenError):
    """A write would lose or has lost data; nothing more is written."""

    exit_code = 6


class SchemaDriftError(DataSafetyError):
    """A committed table's schema differs from the one written (a column dropped or retyped)."""


class RowCountMismatchError(DataSafetyError):
    """A committed table holds a different number of rows than was written."""


class NullingDetectedError(DataSafetyError):
    """Non-null values written came back as NULL after the commit."""


class EngineError(LakewardenError):
    """The Spark engine failed."""

    exit_code = 7


class EngineUnavailableError(EngineError):
    """The Spark engine cannot be reached or started; retry later."""

    transient = True
    exit_code = 75


class ConcurrentWriteError(EngineError):
    """Another writer committed to the same table first; retry."""

    transient = True
    exit_code = 75


class TableLockedError(ConcurrentWriteError):
    """Another Lakewarden job holds the table's lock (a live owner); retry when it has finished."""


class CorruptDataError(LakewardenError):
    """A data file or Delta log entry cannot be read: the message names the table, file and version, and the way out."""

    exit_code = 12


class KeyProviderError(LakewardenError):
    """Base for key-provider failures ."""

    exit_code = 8


class KeyServerTLSError(KeyProviderError):
    """The TLS handshake with the key server failed (untrusted or misnamed certificate, client certificate missing)."""


class KeyServerUnavailableError(KeyProviderError):
    """The key server (Vault/OpenBao) cannot be reached; retry later."""

    transient = True
    exit_code = 75


class AccessDeniedError(KeyProviderError):
    """The key server refused an operation for the role in use."""


class AuthenticationError(KeyProviderError):
    """A role could not log in: wrong or expired credentials."""


class KeyNotFoundError(KeyProviderError):
    """A key, key version or subject key does not exist (or was destroyed)."""


class KeyFileError(KeyProviderError):
    """A local keyring file is missing, unreadable, tampered with or too open."""


class AuditIntegrityError(LakewardenError):
    """The audit log's hash chain is broken: an entry was removed, reordered or edited."""

    exit_code = 9


class ErasureError(LakewardenError):
    """An erasure request could not be completed."""

    exit_code = 10


class LegalHoldError(ErasureError):
    """A legal hold blocks the requested change."""


class VerificationFailedError(ErasureError):
    """A verification scan found data that should be gone."""


class StorageError(LakewardenError):
    """The object store (or file system) holding the lake refused or failed a request."""

    exit_code = 13


class StoragePermissionError(StorageError):
    """The role Lakewarden runs as may not do what the command needs (names the object and the action)."""


class StorageUnavailableError(StorageError):
    """The object store could not be reached or failed the request; retrying may help."""

    transient = True
    exit_code = 75


class UnsafeCommitError(StorageError):
    """No safe commit mechanism (put-if-absent) is configured for a table on an object store.

    Nothing was written: a second writer could overwrite this commit, or this one another's.
    """

    exit_code = 5


class PartialFailureError(LakewardenError):
    """A run over several tables finished, but some tables failed; the report names each and why."""

    exit_code = 11


#: Documented exit codes, in the order the README lists them.
EXIT_CODES: dict[int, str] = {
    0: "success",
    1: "unexpected internal error (a bug: run with --debug and report it)",
    2: "bad command line (usage error)",
    3: "invalid configuration, policy or recognizer file",
    4: "bad input: table, path, column or argument does not exist or is malformed",
    5: "unsupported table feature for the chosen engine (e.g. deletion vectors with delta-rs)",
    6: "data-safety check failed: the write was stopped or rolled back, nothing silently lost",
    7: "Spark engine failure",
    8: "key provider refused or failed (access denied, bad credentials, missing key)",
    9: "audit log integrity check failed",
    10: "erasure could not be completed or verified",
    11: "partial: some tables were processed, others failed; see the report (each failed table and why)",
    12: "corrupt data: a data file or Delta log entry cannot be read (table, file and version named); nothing was written",
    13: "object store refused a request (permission missing: the object and the action are named)",
    75: "transient failure (engine or key server unreachable, concurrent writer): retry",
}

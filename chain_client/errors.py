"""Errors of the chain client; every one derives from :class:`ChainError`."""


class ChainError(Exception):
    """Root of every error raised by ``chain_client``."""


class ChainUnavailable(ChainError):
    """The JSON-RPC node cannot be reached or did not answer in time."""


class TransactionFailed(ChainError):
    """A transaction was rejected or reverted.

    ``error_name`` and ``error_args`` carry the contract's custom error when the revert data
    decodes against the contract's ABI.
    """

    def __init__(
        self, message: str, *, error_name: str | None = None, error_args: tuple[object, ...] = ()
    ) -> None:
        super().__init__(message)
        self.error_name = error_name
        self.error_args = error_args


class ArtifactNotFound(ChainError):
    """No exported ABI/bytecode for the requested contract."""


class ContractNotDeployed(ChainError):
    """The configured address holds no code, or not the expected contract's code."""

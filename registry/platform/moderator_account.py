"""The chain account that sends a moderator's takedowns and restores.

``Moderation`` records the authority of a freeze by the role of the account that sent it, and a
moderator's freeze differs from a regulator's (lenders may enforce after a moderator's pause, an
arbiter may extend it; a regulator's is open-ended). The registry's own account is a regulator on
``Moderation``, so a moderator's decision is sent from an account of its own, holding
``MODERATOR_ROLE`` alone: what the registry records (``authority: moderator``) is then what the
chain records.
"""

from __future__ import annotations

import secrets

from eth_account import Account
from eth_account.signers.local import LocalAccount

from registry.content import check_private_file, existing_key_file
from registry.core.errors import ContractsNotConfigured
from registry.core.settings import Settings


def load_moderator_account(settings: Settings) -> LocalAccount:
    """The moderator account of ``BANQUAN_MODERATOR_KEY_FILE``, or in dev mode the development
    one in the data directory (created, mode 0600, when missing). Outside dev mode there is no
    default: :class:`ContractsNotConfigured`."""
    dev = settings.mode == "dev"
    path = existing_key_file(
        settings.resolved_moderator_key_file,
        dev_default=dev and settings.moderator_key_file is None,
        new_key=lambda: "0x" + secrets.token_hex(32) + "\n",
        what="moderator key file",
        refusal=ContractsNotConfigured,
        unset="审核员的下架须由仅持有审核员角色的账户发送 / a moderator's takedowns are sent "
        "from an account holding MODERATOR_ROLE alone: set BANQUAN_MODERATOR_KEY_FILE",
    )
    check_private_file(path, dev_mode=dev, what="moderator key file")
    try:
        account: LocalAccount = Account.from_key(path.read_text(encoding="ascii").strip())
    except (ValueError, UnicodeDecodeError) as exc:
        raise ContractsNotConfigured(
            f"the moderator key file {path} does not hold a private key (0x and 64 hex digits)",
            details={"path": str(path)},
        ) from exc
    return account

"""An asset as it stands: a licence's state at the chain time read, by the contracts' rule (in
force from its start, up to and not including its end). The whole reading runs against a real
suite in tests/api/test_assets.py and tests/cli/test_pledge.py."""

from __future__ import annotations

import pytest

from chain_client.licences import Licence
from registry.assets.standing import LicenceState, licence_state

LICENSEE = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"


def licence(*, revoked: bool = False) -> Licence:
    return Licence(
        licensee=LICENSEE, rights=1 << 4, territory=156, exclusive=False, revocable=True,
        revoked=revoked, start=1_000, end=2_000, asset_id=7,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("at", "state"),
    [
        (999, LicenceState.NOT_STARTED),
        (1_000, LicenceState.IN_FORCE),
        (1_999, LicenceState.IN_FORCE),
        (2_000, LicenceState.ENDED),
    ],
)
def test_a_licence_is_in_force_from_its_start_until_its_end(at: int, state: LicenceState) -> None:
    assert licence_state(licence(), at) is state


def test_a_revoked_licence_is_revoked_whenever_asked() -> None:
    assert {licence_state(licence(revoked=True), at) for at in (0, 1_500, 3_000)} == {
        LicenceState.REVOKED
    }

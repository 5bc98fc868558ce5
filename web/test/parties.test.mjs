// The registry's party names go beside the chain's addresses only where both read the same one.
import assert from "node:assert/strict";
import { test } from "node:test";
import { withParties } from "../src/parties.js";

const OWNER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const LICENSEE = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
const PUBLISHER = { party_id: "party_5f0c2a9e4b7d1c33", public_name: "四川人民出版社" };
const PLATFORM = { party_id: "party_0b1c2d3e4f5a6b7c", public_name: "某阅读平台" };

const chain = () => ({
  tokenized: true,
  owner: OWNER.toLowerCase(),
  licences: [{ licenceId: 3n, licensee: LICENSEE }, { licenceId: 4n, licensee: OWNER }],
});
const standing = {
  owner: OWNER,
  owner_party: PUBLISHER,
  licences: [
    { licence_id: 3, licensee: LICENSEE, licensee_party: PLATFORM },
    { licence_id: 4, licensee: LICENSEE, licensee_party: PLATFORM },
  ],
};

test("names go beside the same addresses, whatever their case", () => {
  const named = withParties(chain(), standing);
  assert.deepEqual(named.ownerParty, PUBLISHER);
  assert.deepEqual(named.licences[0].party, PLATFORM);
});

test("an address the registry read otherwise, or not at all, stays unnamed", () => {
  const named = withParties(chain(), standing);
  assert.equal(named.licences[1].party, null); // the registry names another licensee for it
  const moved = withParties(chain(), { ...standing, owner: LICENSEE });
  assert.equal(moved.ownerParty, null); // the asset changed hands between the two readings
  const silent = withParties(chain(), null);
  assert.equal(silent.ownerParty, null);
  assert.deepEqual(silent.licences.map((licence) => licence.party), [null, null]);
});

test("an asset never tokenized is left as it is", () => {
  assert.deepEqual(withParties({ tokenized: false }, standing), { tokenized: false });
});

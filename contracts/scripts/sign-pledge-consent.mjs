// Signs an owner's pledge consent (EIP-712, the `PledgeConsent` type of contracts/Pledges.sol), or a
// lender's offer of a lien that the owner sends (`LienOffer`, the same fields; `"type": "LienOffer"`
// in the request), with ethers, so that the tests can check that signatures made by ethers are
// accepted on chain.
//
//   node contracts/scripts/sign-pledge-consent.mjs < request.json
//
// The request is {privateKey, chainId, verifyingContract, message: {assetId, lender, amount,
// currencyCode, maturity, officialRegistrationNo, nonce, deadline}} with integers as decimal strings
// and bytes as 0x-hex; the answer on stdout is {signer, digest, signature}.

import { Wallet, TypedDataEncoder } from "ethers";

const DOMAIN_NAME = "banquan Pledges";
const DOMAIN_VERSION = "1";
const FIELDS = [
  { name: "assetId", type: "uint256" },
  { name: "lender", type: "address" },
  { name: "amount", type: "uint128" },
  { name: "currencyCode", type: "bytes3" },
  { name: "maturity", type: "uint64" },
  { name: "officialRegistrationNo", type: "bytes32" },
  { name: "nonce", type: "uint256" },
  { name: "deadline", type: "uint256" },
];

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
}

const request = JSON.parse(await readStdin());
const primaryType = request.type ?? "PledgeConsent";
if (primaryType !== "PledgeConsent" && primaryType !== "LienOffer") {
  throw new Error(`unknown type ${primaryType}`);
}
const TYPES = { [primaryType]: FIELDS };
const wallet = new Wallet(request.privateKey);
const domain = {
  name: DOMAIN_NAME,
  version: DOMAIN_VERSION,
  chainId: BigInt(request.chainId),
  verifyingContract: request.verifyingContract,
};
const message = {
  ...request.message,
  assetId: BigInt(request.message.assetId),
  amount: BigInt(request.message.amount),
  maturity: BigInt(request.message.maturity),
  nonce: BigInt(request.message.nonce),
  deadline: BigInt(request.message.deadline),
};
const signature = await wallet.signTypedData(domain, TYPES, message);
const digest = TypedDataEncoder.hash(domain, TYPES, message);
process.stdout.write(`${JSON.stringify({ signer: wallet.address, digest, signature })}\n`);

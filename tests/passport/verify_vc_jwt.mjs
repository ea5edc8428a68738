// Verifies a VC-JWT read from stdin the way a JavaScript counterparty would, without Filón: did-jwt with the
// did:pkh resolver (the issuer's key recovered from the signature, compared with the DID's account), then
// did-jwt-vc. did-jwt-vc's format check knows only the VC 1.1 context, so it is left to the UNTP schema
// (policies.format false). Prints one JSON object: what was verified, or the error.
import { readFileSync } from "node:fs";
import { verifyJWT } from "did-jwt";
import { verifyCredential } from "did-jwt-vc";
import { Resolver } from "did-resolver";
import { getResolver } from "pkh-did-resolver";

const token = readFileSync(0, "utf8").trim();
const resolver = new Resolver(getResolver());
try {
  const jwt = await verifyJWT(token, { resolver });
  const { verifiableCredential: vc } = await verifyCredential(token, resolver, { policies: { format: false } });
  console.log(JSON.stringify({ issuer: jwt.issuer, signer: jwt.signer.id, id: vc.id, subject: vc.credentialSubject.id }));
} catch (error) {
  console.log(JSON.stringify({ error: String(error.message ?? error) }));
}

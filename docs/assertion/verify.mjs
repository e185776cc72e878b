// Verifies a caddy-iamport identity assertion (the X-Verified-Assertion
// request header) in Node.js with the `jose` package (npm install jose).
// It needs only the gateway's JWKS URL, the audience the gateway signs for
// this backend, and the issuer.
//
// As a library:
//
//   import { assertionVerifier } from "./verify.mjs";
//   const verify = assertionVerifier({
//     jwksUrl: "http://gateway.internal/.well-known/jwks.json",
//     audience: "https://app.example.com",
//     issuer: "caddy-iamport",
//   });
//   app.post("/signup", async (req, res) => {
//     let identity;
//     try {
//       identity = await verify(req.get("X-Verified-Assertion") ?? "");
//     } catch {
//       return res.status(401).send("not verified");
//     }
//     // identity.sub is the CI hash: a UNIQUE index on it gives one account per person.
//   });
//
// From the command line (the token on standard input; prints the claims):
//
//   node verify.mjs <jwks-url> <audience> <issuer> < token
//
// Exit status: 0 verified, 1 refused, 2 usage.

import { createRemoteJWKSet, jwtVerify } from "jose";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const MAX_LIFETIME = 600; // seconds: the gateway never signs for longer

export function assertionVerifier({ jwksUrl, audience, issuer }) {
  // Caches the key set and fetches it again for an unknown key id, at most
  // once every 30 seconds. The URL is fixed here, never taken from a token.
  const keys = createRemoteJWKSet(new URL(jwksUrl));
  return async (token) => {
    const { payload } = await jwtVerify(token, keys, {
      algorithms: ["ES256", "EdDSA", "RS256"], // never "none", never HS256
      audience,
      issuer,
      clockTolerance: 30, // seconds of clock skew on exp, nbf and iat
      maxTokenAge: "10m", // now - iat: the gateway never signs for longer
      requiredClaims: ["exp", "iat", "nbf", "sub", "jti"],
    });
    // maxTokenAge bounds how old the token is, not how long it is valid:
    // exp - iat is checked here.
    if (payload.exp - payload.iat > MAX_LIFETIME) {
      throw new Error(`valid for ${payload.exp - payload.iat} s: the gateway never signs for more than ${MAX_LIFETIME} s`);
    }
    return payload;
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [jwksUrl, audience, issuer] = process.argv.slice(2);
  if (!jwksUrl || !audience || !issuer) {
    console.error("usage: node verify.mjs <jwks-url> <audience> <issuer> < token");
    process.exit(2);
  }
  const token = readFileSync(0, "utf8").trim();
  try {
    const claims = await assertionVerifier({ jwksUrl, audience, issuer })(token);
    console.log(JSON.stringify(claims));
  } catch (err) {
    console.error(`refused: ${err.code ?? err.name}: ${err.message}`);
    process.exit(1);
  }
}

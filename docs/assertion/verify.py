"""Verifies a caddy-iamport identity assertion (the X-Verified-Assertion
request header) in Python with PyJWT (Debian: apt-get install python3-jwt
python3-cryptography; pip: pip install "pyjwt[crypto]"). It needs only the
gateway's JWKS URL, the audience the gateway signs for this backend, and the
issuer.

As a library:

    from verify import AssertionVerifier
    verify = AssertionVerifier(
        "http://gateway.internal/.well-known/jwks.json",
        audience="https://app.example.com",
        issuer="caddy-iamport",
    )

    # Flask:
    @app.post("/signup")
    def signup():
        try:
            identity = verify(request.headers.get("X-Verified-Assertion", ""))
        except jwt.PyJWTError:
            return "not verified", 401
        # identity["sub"] is the CI hash: a UNIQUE index on it gives one
        # account per person.

From the command line (the token on standard input; prints the claims):

    python3 verify.py <jwks-url> <audience> <issuer> < token

Exit status: 0 verified, 1 refused, 2 usage.
"""

import json
import sys
import threading
import time

import jwt  # PyJWT
from jwt import PyJWKClient

ALGORITHMS = ["ES256", "EdDSA", "RS256"]  # never "none", never HS256
LEEWAY = 30  # seconds of clock skew on exp, nbf and iat
MAX_LIFETIME = 600  # the gateway never signs for longer
REFETCH_INTERVAL = 30  # least seconds between fetches for unknown key ids


class AssertionVerifier:
    def __init__(self, jwks_url, audience, issuer):
        # Caches the key set for 5 minutes. The URL is fixed here, never
        # taken from a token.
        self._keys = PyJWKClient(jwks_url, cache_jwk_set=True, lifespan=300)
        self._audience = audience
        self._issuer = issuer
        self._lock = threading.Lock()
        self._last_refetch = float("-inf")

    def _key(self, token):
        kid = jwt.get_unverified_header(token).get("kid")
        for key in self._keys.get_signing_keys():
            if key.key_id == kid:
                return key
        # An unknown key id: fetch the key set again (a new key may have
        # been published), but not on every forged token.
        with self._lock:
            now = time.monotonic()
            if now - self._last_refetch < REFETCH_INTERVAL:
                raise jwt.InvalidTokenError("unknown key id")
            self._last_refetch = now
        for key in self._keys.get_signing_keys(refresh=True):
            if key.key_id == kid:
                return key
        raise jwt.InvalidTokenError("unknown key id")

    def __call__(self, token):
        claims = jwt.decode(
            token,
            self._key(token).key,
            algorithms=ALGORITHMS,
            audience=self._audience,
            issuer=self._issuer,
            leeway=LEEWAY,
            options={"require": ["exp", "iat", "nbf", "iss", "aud", "sub", "jti"]},
        )
        if claims["iat"] > time.time() + LEEWAY:
            raise jwt.ImmatureSignatureError("issued in the future")
        if claims["exp"] - claims["iat"] > MAX_LIFETIME:
            raise jwt.InvalidTokenError("valid for too long")
        return claims


def main(argv):
    if len(argv) != 4:
        print("usage: python3 verify.py <jwks-url> <audience> <issuer> < token", file=sys.stderr)
        return 2
    verify = AssertionVerifier(argv[1], audience=argv[2], issuer=argv[3])
    try:
        claims = verify(sys.stdin.read().strip())
    except (jwt.PyJWTError, jwt.PyJWKClientError) as err:
        print(f"refused: {type(err).__name__}: {err}", file=sys.stderr)
        return 1
    print(json.dumps(claims, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

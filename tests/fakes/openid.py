"""A fake Bot Framework token issuer: OpenID metadata and signing keys on 127.0.0.1, and tokens.

botbuilder fetches the keys with blocking ``requests`` from inside the event loop, so this server
runs in a thread of its own rather than on the loop the app uses.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

ISSUER = "https://api.botframework.com"


class FakeIssuer:
    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        jwk = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        self.jwks = {"keys": [{**jwk, "kid": "k1", "use": "sig", "endorsements": ["msteams"]}]}
        self.server: ThreadingHTTPServer | None = None

    def __enter__(self) -> FakeIssuer:
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path.startswith("/keys"):
                    body = issuer.jwks
                else:
                    body = {"issuer": ISSUER, "jwks_uri": f"{issuer.base}/keys",
                            "id_token_signing_alg_values_supported": ["RS256"]}
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self.server:
            self.server.shutdown()

    @property
    def base(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def metadata_url(self) -> str:
        return f"{self.base}/.well-known/openid-configuration"

    def token(self, *, audience: str, service_url: str, issuer: str = ISSUER, expires_in: int = 3600,
              kid: str = "k1", key: Any = None, algorithm: str = "RS256") -> str:
        now = int(time.time())
        claims = {"iss": issuer, "aud": audience, "serviceurl": service_url, "nbf": now - 60, "iat": now - 60,
                  "exp": now + expires_in}
        signing = key or self.key
        if algorithm.startswith("HS"):
            signing = "a-shared-secret-that-is-long-enough-for-hs256"
        return jwt.encode(claims, signing, algorithm=algorithm, headers={"kid": kid})

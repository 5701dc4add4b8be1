"""Schemathesis hooks of the API fuzzing suite (see docs/fuzzing.md).

The fuzzer acts with one token and must not saw off the branch it sits on:
a generated `DELETE /tokens/{id}` that names its own token revokes a spare
token of the same user instead, and a `PATCH /users/{id}` of its own user
leaves out `role` and `password` (a demoted admin, or a password change
that ends the user's tokens, would turn the rest of the run into 401s and
403s). fuzz.py passes the ids in TESSERA_FUZZ_SELF. Everything else,
including changes to every other user and token, is fuzzed as generated.
"""

from __future__ import annotations

import json
import os

import schemathesis
from hypothesis import strategies as st

SELF = json.loads(os.environ.get("TESSERA_FUZZ_SELF", "{}"))

# `POST /mail/inbound` takes a raw e-mail (message/rfc822), which no JSON
# schema describes: the fuzzer sends arbitrary bytes, mail-like text with
# random headers and bodies, and a well-formed message now and then. Each is
# kept and applied or quarantined; none may cause a 5xx.
_HEADER = st.sampled_from(["From", "To", "Cc", "Subject", "Message-ID", "In-Reply-To", "References",
                           "Content-Type", "Content-Transfer-Encoding", "Auto-Submitted", "List-Id"])
_MAIL = st.builds(
    lambda headers, body: ("".join(f"{k}: {v}\r\n" for k, v in headers) + "\r\n" + body).encode("utf-8", "replace"),
    st.lists(st.tuples(_HEADER, st.text(max_size=60).map(lambda v: v.replace("\r", " ").replace("\n", " "))), max_size=8),
    st.text(max_size=400),
)
_GOOD = st.just(
    b"From: Fuzz <fuzz@example.com>\r\nTo: support@example.com\r\nMessage-ID: <fuzz@example.com>\r\n"
    b"Subject: Fuzz\r\n\r\nHello\r\n"
)
schemathesis.openapi.media_type("message/rfc822", st.binary(min_size=1, max_size=2048) | _MAIL | _GOOD)


@schemathesis.hook
def before_call(context, case, kwargs):  # noqa: ARG001 (the hook's signature)
    path, method = case.operation.path, case.method.upper()
    params = case.path_parameters or {}
    if path == "/api/v1/tokens/{id}" and method == "DELETE":
        if str(params.get("id")) == str(SELF.get("token_id")):
            params["id"] = SELF["spare_token_id"]
    elif path == "/api/v1/users/{id}" and method == "PATCH":
        if str(params.get("id")) == str(SELF.get("user_id")) and isinstance(case.body, dict):
            for field in ("role", "password"):
                case.body.pop(field, None)

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

SELF = json.loads(os.environ.get("TESSERA_FUZZ_SELF", "{}"))


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

"""Drives Tessera's whmcs dialect with whmcs-api-client, a WHMCS API client from PyPI
that names the action in the URL: every request it makes is
`POST <base>/api.php?action=<Action>` with the credentials and the other fields
in the form body.

Usage: whmcs_query_client.py BASE IDENTIFIER SECRET DEPTID CLIENTID

BASE is the folder of api.php (`…/compat/whmcs/includes`), as the library's
`Configuration(host=…)` takes it. The library has generated methods for
clients, orders and invoices only; ticket actions go through its own request
builder (`ApiClient.param_serialize` and `call_api`, which every generated
method uses) with the library's URL convention. The last line printed is a JSON
summary for the Rust test.
"""

import json
import os
import sys

# This folder holds whmcs_client.py (the WHMCSpy script), whose name shadows the
# library's package: import from the venv, not from here.
_here = os.path.dirname(os.path.abspath(__file__))
sys.path = [p for p in sys.path if os.path.abspath(p or ".") != _here]
import whmcs_client  # noqa: E402


def call(api, action, identifier, secret, **fields):
    """One action the way the library's generated methods send theirs."""
    form = [("username", identifier), ("password", secret), ("responsetype", "json")]
    form += [(k, str(v)) for k, v in fields.items()]
    method, url, headers, body, post = api.param_serialize(
        method="POST",
        resource_path=f"/api.php?action={action}",
        header_params={
            "Accept": "application/json",
            "Content-Type": "application/x-www-form-urlencoded",
        },
        post_params=form,
    )
    assert url.endswith(f"/api.php?action={action}"), url
    assert ("action", action) not in post, post
    response = api.call_api(method, url, header_params=headers, body=body, post_params=post)
    response.read()
    answer = json.loads(response.data.decode("utf-8"))
    return response.status, answer


def main():
    base, identifier, secret, deptid, clientid = sys.argv[1:6]
    config = whmcs_client.Configuration(host=base)
    api = whmcs_client.ApiClient(config)

    status, opened = call(
        api,
        "OpenTicket",
        identifier,
        secret,
        deptid=deptid,
        clientid=clientid,
        subject="Sorgu dizesi: action URL'de",
        message="Merhaba — 你好 — Привет",
    )
    assert (status, opened.get("result")) == (200, "success"), (status, opened)
    ticket_id = opened["id"]

    status, listed = call(api, "GetTickets", identifier, secret, deptid=deptid)
    assert (status, listed.get("result")) == (200, "success"), (status, listed)
    ids = [t["id"] for t in listed["tickets"]["ticket"]]
    assert ticket_id in ids, (ticket_id, ids)

    status, ticket = call(api, "GetTicket", identifier, secret, ticketid=ticket_id)
    assert (status, ticket.get("result")) == (200, "success"), (status, ticket)

    print(json.dumps({"id": ticket_id, "listed": len(ids), "subject": ticket["subject"]}))


if __name__ == "__main__":
    main()

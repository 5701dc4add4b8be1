"""Drives Tessera's whmcs dialect with WHMCSpy, a WHMCS API client from PyPI.

Usage: whmcs_client.py URL IDENTIFIER SECRET DEPTID CLIENTID

Opens a ticket for the client, replies to it, finds it in the paginated
ticket list and reads it back, checking what a WHMCS integration checks.
The last line printed is a JSON summary for the Rust test.
"""

import json
import sys

import whmcspy


def main():
    url, identifier, secret, deptid, clientid = sys.argv[1:6]
    whmcs = whmcspy.WHMCS(url, identifier, secret)

    opened = whmcs.call(
        "OpenTicket",
        deptid=deptid,
        clientid=clientid,
        subject="Python istemcisi: sunucu çöktü",
        message="Merhaba — 你好 — Привет",
        priority="Medium",
    )
    assert opened["result"] == "success", opened
    ticket_id = opened["id"]
    assert isinstance(ticket_id, str) and ticket_id.isdigit(), opened

    reply = whmcs.call("AddTicketReply", ticketid=ticket_id, message="Yanıt: bakıyoruz")
    assert reply["result"] == "success", reply

    listed = False
    for page in whmcs.paginated_call("GetTickets", limitnum=1, deptid=deptid):
        assert isinstance(page["numreturned"], int), page
        for ticket in page["tickets"]["ticket"]:
            if ticket["id"] == ticket_id:
                listed = True
                assert ticket["status"] == "Answered", ticket
                assert ticket["priority"] == "Medium", ticket

    ticket = whmcs.call("GetTicket", ticketid=ticket_id)
    assert ticket["subject"] == "Python istemcisi: sunucu çöktü", ticket
    replies = ticket["replies"]["reply"]
    assert replies[0]["replyid"] == "0", replies
    assert replies[0]["message"] == "Merhaba — 你好 — Привет", replies
    assert replies[1]["requestor_type"] == "Operator", replies

    try:
        whmcs.call("GetTicket", ticketid="999999")
        raise AssertionError("an unknown ticket was answered")
    except whmcspy.exceptions.Error as e:
        assert str(e) == "Ticket ID Not Found", e

    print(json.dumps({"id": ticket_id, "listed": listed, "replies": len(replies)}))


if __name__ == "__main__":
    main()

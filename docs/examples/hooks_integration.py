#!/usr/bin/env python3
# A Tessera integration in one file (docs/hooks.md), standard library only:
# - a validation hook that refuses new customer tickets asking for a refund,
# - a webhook receiver that prints each status change,
# - a panel on the agent's ticket page naming the ticket's requester and subject.
# Run: TESSERA_HOOK_SECRET=<the secret you registered> python3 hooks_integration.py [port]
import hashlib, hmac, html, json, os, sys, time
from http.server import BaseHTTPRequestHandler, HTTPServer

SECRET = os.environ["TESSERA_HOOK_SECRET"].encode()
PORT = int(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("PORT", "8099"))

class Hooks(BaseHTTPRequestHandler):
    def do_POST(self):
        raw = self.rfile.read(int(self.headers["Content-Length"] or 0))
        ts, event = self.headers["Tessera-Timestamp"] or "0", self.headers["Tessera-Event"]
        good = "v1=" + hmac.new(SECRET, ts.encode() + b"." + raw, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(good, self.headers["Tessera-Signature"] or "") or abs(time.time() - int(ts)) > 300:
            return self.send_error(401, "bad signature")
        body, answer = json.loads(raw), {}
        params = body.get("params") or {}  # the "test" buttons send empty params
        if event == "TicketClientCreateValidation" and "refund" in params.get("message", "").lower():
            answer = {"error": "Refunds are handled by billing: billing@example.com"}
        elif event == "ticket.status_changed":
            status = body["changes"]["status"]
            print(f"status of #{body['ticket']['number']}: {status['old']} -> {status['new']}", flush=True)
        elif event == "TicketAdminAreaViewDetail":
            who, t = params.get("requester") or {}, params.get("ticket", {})
            answer = f"<p>{html.escape(who.get('name', '?'))} asks: <b>{html.escape(t.get('subject', ''))}</b></p>"
        self.send_response(200)  # a panel's HTML may come as a JSON string, like everything here
        self.end_headers()
        self.wfile.write(json.dumps(answer).encode())

HTTPServer(("127.0.0.1", PORT), Hooks).serve_forever()

// Account access (issue 17) in a real browser: a billing panel asks the API for a
// hand-off URL for its customer (who has no password, as a billing sync makes them),
// and the browser that opens it lands in the portal signed in as that customer, on
// the ticket the panel named. The URL works once. The sign-in page offers
// "Forgot your password?" and answers the same neutral message for every address.
//
// The reset link itself arrives by mail; reading that mail in a browser test waits
// for outgoing mail to be configurable ([mail] smtp_url) — the API tests read it
// from the queue meanwhile (crates/server/tests/api/access.rs).

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startWithAdmin, createUser, tokenFor, api, launch, newPage, freePort, catalog } from "../lib/harness.mjs";

let server, browser;
const en = catalog("en");

before(async () => {
  // The hand-off URL names `[server] public_url`: the address this server listens on.
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  server = await startWithAdmin({ listen: `127.0.0.1:${port}`, env: { TESSERA_PUBLIC_URL: url } });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test("a billing panel's hand-off signs its customer in once", { timeout: 45_000 }, async () => {
  await createUser(server, { email: "billing.client@e2e.test", name: "Burak Client" });
  const customer = api(server.url, await tokenFor(server, "billing.client@e2e.test"));
  const ticket = await customer.ticket({ subject: "Invoice 2041 is paid twice", department_id: 1, body: "Please refund one." });

  // Server to server: the panel's admin credential asks for the URL.
  const handoff = await server.admin.post("/sso/handoff", { email: "billing.client@e2e.test", ticket_id: ticket.id });
  assert.ok(handoff.url.startsWith(`${server.url}/sso/`), handoff.url);
  assert.ok(Date.parse(handoff.expires_at) - Date.now() <= 61_000, "valid for a minute at most");

  const { context, page } = await newPage(browser);
  await page.goto(handoff.url);
  await page.waitForURL(new RegExp(`/tickets/${ticket.number}$`));
  assert.equal((await page.locator("main h1").textContent()).trim(), ticket.subject);
  await page.getByText("Please refund one.").waitFor();
  await page.getByText("Burak Client").first().waitFor();
  // Signed in for the whole portal, not only this ticket.
  await page.goto(`${server.url}/`);
  await page.getByText(ticket.subject).waitFor();
  await context.close();

  // The same URL again, in another browser: a dead link, nobody signed in.
  const other = await newPage(browser);
  const again = await other.page.goto(handoff.url);
  assert.equal(again.status(), 410);
  await other.page.getByText(en.get("access.invalid")).waitFor();
  const cookies = await other.context.cookies();
  assert.equal(cookies.filter((c) => c.name === "tessera_session").length, 0);
  await other.context.close();
});

test("forgot password answers the same for every address", { timeout: 30_000 }, async () => {
  const { context, page } = await newPage(browser);
  const answers = [];
  for (const email of ["billing.client@e2e.test", "nobody.here@e2e.test"]) {
    await page.goto(`${server.url}/sign-in`);
    await Promise.all([page.waitForURL(/\/forgot-password$/), page.click("#forgot-password")]);
    await page.fill("#email", email);
    await page.click('main form[action="/forgot-password"] button[type="submit"]');
    await page.locator("#access-sent").waitFor();
    answers.push((await page.locator("main").textContent()).trim());
  }
  assert.equal(answers[0], answers[1]);
  assert.ok(answers[0].includes(en.get("access.sent")));
  await context.close();
});

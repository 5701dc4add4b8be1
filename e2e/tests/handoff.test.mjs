// Account access (issue 17) in a real browser: a billing panel asks the API for a
// hand-off URL for its customer (who has no password, as a billing sync makes them),
// and the browser that opens it lands in the portal signed in as that customer, on
// the ticket the panel named. The URL works once. "Forgot your password?" answers
// the same for every address; the reset link arrives by mail (a small SMTP sink
// keeps what Tessera sends), and the customer sets a password with it and signs in.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startWithAdmin, createUser, tokenFor, api, launch, newPage, freePort, catalog, smtpSink } from "../lib/harness.mjs";

let server, browser, sink;
const en = catalog("en");

before(async () => {
  sink = await smtpSink();
  // The links name `[server] public_url`: the address this server listens on.
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  server = await startWithAdmin({
    listen: `127.0.0.1:${port}`,
    env: {
      TESSERA_PUBLIC_URL: url,
      TESSERA_SMTP_URL: `smtp://127.0.0.1:${sink.port}`,
      TESSERA_MAIL_FROM: "Support <support@e2e.test>",
    },
  });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await sink?.close();
});

/** The first `${base}/reset/<token>` link in a raw mail (quoted-printable or base64 text). */
function resetLink(raw, base) {
  const pattern = new RegExp(`${base.replace(/[.]/g, "\\.")}/reset/[0-9a-f]{64}`);
  const texts = [raw.replace(/=\r\n/g, "").replace(/=3D/gi, "=")];
  for (const block of raw.split("\r\n\r\n")) texts.push(Buffer.from(block.replace(/\r\n/g, ""), "base64").toString("utf8"));
  for (const t of texts) {
    const m = t.match(pattern);
    if (m) return m[0];
  }
  return null;
}

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

test("a customer without a password sets one with the mailed reset link", { timeout: 45_000 }, async () => {
  await createUser(server, { email: "synced.client@e2e.test", name: "Selin Synced" });
  const { context, page } = await newPage(browser);
  const answers = [];
  for (const email of ["synced.client@e2e.test", "nobody.here@e2e.test"]) {
    await page.goto(`${server.url}/sign-in`);
    await Promise.all([page.waitForURL(/\/forgot-password$/), page.click("#forgot-password")]);
    await page.fill("#email", email);
    await page.click('main form[action="/forgot-password"] button[type="submit"]');
    await page.locator("#access-sent").waitFor();
    answers.push((await page.locator("main").textContent()).trim());
  }
  assert.equal(answers[0], answers[1], "the same answer for a known and an unknown address");
  assert.ok(answers[0].includes(en.get("access.sent")));

  const mail = await sink.waitFor((m) => m.to.includes("synced.client@e2e.test"));
  const link = resetLink(mail.raw, server.url);
  assert.ok(link, `a reset link in the mail:\n${mail.raw}`);
  assert.equal(sink.messages.filter((m) => m.to.includes("nobody.here@e2e.test")).length, 0);

  await page.goto(link);
  await page.fill("#new_password", "a brand new secret");
  await page.fill("#confirm_password", "a brand new secret");
  await Promise.all([page.waitForURL(/\/sign-in\?reset=1$/), page.click(`main form[action^="/reset/"] button[type="submit"]`)]);
  await page.locator("#reset-done").waitFor();
  await page.fill("#email", "synced.client@e2e.test");
  await page.fill("#password", "a brand new secret");
  await Promise.all([
    page.waitForURL((u) => !u.pathname.startsWith("/sign-in")),
    page.click('main form[action="/sign-in"] button[type="submit"].primary'),
  ]);
  await page.getByText("Selin Synced").first().waitFor();

  // The link works once.
  const again = await page.goto(link);
  assert.equal(again.status(), 410);
  await context.close();
});

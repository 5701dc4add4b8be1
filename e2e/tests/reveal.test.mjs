// Issue 18, item 7: revealing a secret field oneself is not a colleague's
// change: the ticket page does not say "something changed" (a look keeps the
// ticket's version). A colleague's real change still does.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startWithAdmin, createUser, tokenFor, api, launch, newPage, signIn } from "../lib/harness.mjs";

const AGENT = { email: "kerem@e2e.test", name: "Kerem Agent", password: "agent-pass-1" };
const COLLEAGUE = { email: "nina@e2e.test", name: "Nina Colleague", password: "agent-pass-2" };

let server, browser, ticket, colleague;

before(async () => {
  server = await startWithAdmin();
  const a = await createUser(server, { ...AGENT, role: "agent" });
  const b = await createUser(server, { ...COLLEAGUE, role: "agent" });
  colleague = api(server.url, await tokenFor(server, COLLEAGUE.email));
  const dept = await server.admin.department({ name: "Servers", member_ids: [a, b] });
  await server.admin.customField({ key: "root_password", type: "secret", labels: { en: "Root password" }, department_ids: [dept.id] });
  ticket = await server.admin.ticket({
    subject: "Cannot log in to the VPS",
    department_id: dept.id,
    body: "Locked out after a reboot.",
    requester: { email: "vps.customer@e2e.test", name: "Vedat Customer" },
    custom_fields: { root_password: "s3cret-Pa55" },
  });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test("revealing a secret oneself shows it without 'something changed'; a colleague's change does show it", { timeout: 45_000 }, async () => {
  const { context, page } = await newPage(browser);
  try {
    await signIn(page, server.url, AGENT.email, AGENT.password);
    await page.goto(`${server.url}/agent/tickets/${ticket.id}`);
    await page.waitForSelector('body[data-live="on"]');
    const notice = page.locator("[data-live-notice]");

    await page.click('[data-reveal="root_password"]');
    await page.locator('[data-secret="root_password"] [data-secret-value].revealed').waitFor();
    assert.equal(await page.locator('[data-secret="root_password"] [data-secret-value]').textContent(), "s3cret-Pa55");
    // The reveal is recorded (an event on the ticket)...
    const events = await server.admin.get(`/tickets/${ticket.id}/events`);
    const kinds = (Array.isArray(events) ? events : events.events).map((e) => e.kind);
    assert.ok(kinds.includes("secret.revealed"), `recorded: ${kinds}`);
    // ...but it is not a change of the ticket: no banner.
    await page.waitForTimeout(2000);
    assert.equal(await notice.isHidden(), true, "one's own reveal is not 'something changed'");

    // A colleague looking at the secret changes nothing either.
    await colleague.post(`/tickets/${ticket.id}/secrets/root_password/reveal`);
    await page.waitForTimeout(2000);
    assert.equal(await notice.isHidden(), true, "a colleague's reveal is not a change");

    // A colleague's real change is.
    await colleague.patch(`/tickets/${ticket.id}`, { priority: "high" });
    await notice.waitFor({ state: "visible", timeout: 10_000 });
  } finally {
    await context.close();
  }
});

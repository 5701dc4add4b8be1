// Issue 18, item 2: drafts. A note typed and left (through the "Console" link) is
// back when the agent returns, and on another machine (a second browser signed in as
// the same agent, at 390 px); it is the agent's own (a colleague does not see it);
// "Discard draft" removes it everywhere; sending removes it; leaving with text the
// server has not got yet asks first; a customer's draft reply is kept too.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startWithAdmin, createUser, launch, newPage, signIn, catalog, tokenFor, api, eventually } from "../lib/harness.mjs";

const AGENT = { email: "deniz@e2e.test", name: "Deniz Agent", password: "agent-pass-1" };
const OTHER = { email: "ece@e2e.test", name: "Ece Agent", password: "agent-pass-2" };
const CUSTOMER = { email: "mert@e2e.test", name: "Mert Customer", password: "customer-pass-1" };
const en = catalog("en");

let server, browser, ticket, desk, laptop;

before(async () => {
  server = await startWithAdmin();
  const a = await createUser(server, { ...AGENT, role: "agent" });
  const b = await createUser(server, { ...OTHER, role: "agent" });
  await createUser(server, CUSTOMER);
  const dept = await server.admin.department({ name: "Mail", member_ids: [a, b] });
  ticket = await server.admin.ticket({
    subject: "Mail bounces with 550",
    department_id: dept.id,
    body: "Every mail to gmail bounces since Monday.",
    requester: { email: CUSTOMER.email, name: CUSTOMER.name },
  });
  browser = await launch();
  desk = await newPage(browser);
  await signIn(desk.page, server.url, AGENT.email, AGENT.password);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const NOTE = "SPF record lacks the new relay; ask the customer to add include:relay.example.";

test("a note typed and left is back when the agent returns", { timeout: 30_000 }, async () => {
  const { page } = desk;
  await page.goto(`${server.url}/agent/tickets/${ticket.id}`);
  await page.check("[data-kind-note]");
  await page.fill("#body", NOTE);
  const state = page.locator("[data-draft-state]");
  await eventually(async () => (await state.textContent()).includes(en.get("draft.saved")), { message: "Draft saved" });
  await Promise.all([page.waitForURL(/\/agent(\?|$)/), page.getByRole("link", { name: en.get("nav.agent") }).first().click()]);
  await page.goto(`${server.url}/agent/tickets/${ticket.id}`);
  assert.equal(await page.inputValue("#body"), NOTE);
  assert.equal(await page.isChecked("[data-kind-note]"), true, "still a note");
});

test("the draft follows the agent to another machine (390 px), not to a colleague", { timeout: 30_000 }, async () => {
  laptop = await newPage(browser, { viewport: { width: 390, height: 800 } });
  await signIn(laptop.page, server.url, AGENT.email, AGENT.password);
  await laptop.page.goto(`${server.url}/agent/tickets/${ticket.id}`);
  assert.equal(await laptop.page.inputValue("#body"), NOTE, "the server's copy");
  assert.equal(await laptop.page.isChecked("[data-kind-note]"), true);
  const state = laptop.page.locator("[data-draft-state]");
  await state.waitFor({ state: "visible" });
  assert.equal(await laptop.page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), true);

  const colleague = await newPage(browser);
  await signIn(colleague.page, server.url, OTHER.email, OTHER.password);
  await colleague.page.goto(`${server.url}/agent/tickets/${ticket.id}`);
  assert.equal(await colleague.page.inputValue("#body"), "", "a colleague does not get it");
  await colleague.context.close();
});

test("the JSON API shows the same draft", { timeout: 30_000 }, async () => {
  const mine = api(server.url, await tokenFor(server, AGENT.email));
  const d = await mine.get(`/tickets/${ticket.id}/draft`);
  assert.equal(d.body, NOTE);
  assert.equal(d.kind, "note");
});

test("discarding removes it everywhere", { timeout: 30_000 }, async () => {
  const { page } = laptop;
  await page.click("[data-draft-discard]");
  assert.equal(await page.inputValue("#body"), "");
  const mine = api(server.url, await tokenFor(server, AGENT.email));
  await eventually(async () => (await mine.get(`/tickets/${ticket.id}/draft`)) === null, { message: "the server's copy gone" });
  await desk.page.goto(`${server.url}/agent/tickets/${ticket.id}`);
  assert.equal(await desk.page.inputValue("#body"), "", "not in the first browser either");
});

test("leaving with text not yet saved asks first; staying keeps it", { timeout: 30_000 }, async () => {
  const { page } = desk;
  await page.goto(`${server.url}/agent/tickets/${ticket.id}`);
  await page.check("[data-kind-reply]");
  // Typed by hand, so the browser counts it as the person's doing; no pause for the save.
  await page.locator("#body").pressSequentially("Hello Mert,", { delay: 5 });
  let asked = null;
  page.once("dialog", async (d) => {
    asked = d.type();
    await d.dismiss();
  });
  await page.getByRole("link", { name: en.get("nav.agent") }).first().click({ noWaitAfter: true });
  await eventually(async () => asked !== null, { message: "the leave question" });
  assert.equal(asked, "beforeunload");
  assert.match(page.url(), new RegExp(`/agent/tickets/${ticket.id}`), "still on the ticket");
  assert.equal(await page.inputValue("#body"), "Hello Mert,");
});

test("sending removes the draft", { timeout: 30_000 }, async () => {
  const { page } = desk;
  await page.fill("#body", "Hello Mert, please add include:relay.example to your SPF record.");
  await Promise.all([page.waitForURL(/done=replied/), page.click('form[data-draft] button[type="submit"].primary')]);
  await page.goto(`${server.url}/agent/tickets/${ticket.id}`);
  assert.equal(await page.inputValue("#body"), "");
  const mine = api(server.url, await tokenFor(server, AGENT.email));
  assert.equal(await mine.get(`/tickets/${ticket.id}/draft`), null, "none on the server (204)");
});

test("a customer's draft reply is kept too (390 px)", { timeout: 30_000 }, async () => {
  const phone = await newPage(browser, { viewport: { width: 390, height: 800 } });
  await signIn(phone.page, server.url, CUSTOMER.email, CUSTOMER.password);
  await phone.page.goto(`${server.url}/tickets/${ticket.number}`);
  await phone.page.fill("#body", "Added it, will test in an hour.");
  const state = phone.page.locator("[data-draft-state]");
  await eventually(async () => (await state.textContent()).includes(en.get("draft.saved")), { message: "Draft saved" });
  const other = await newPage(browser);
  await signIn(other.page, server.url, CUSTOMER.email, CUSTOMER.password);
  await other.page.goto(`${server.url}/tickets/${ticket.number}`);
  assert.equal(await other.page.inputValue("#body"), "Added it, will test in an hour.");
  await other.context.close();
  await phone.context.close();
});

// Issue 18, item 1: a session that ends while someone writes does not throw the text
// away. The agent (desktop) and the customer (390 px) press Send after their session
// ended: the sign-in page says why it is asked, and after signing in they are back
// on the ticket (not on a 405 page) with their text in the reply box; sending it then
// works, and the kept copy is gone once it is sent.
//
// The session "ends" the way the server sees an expired one: the browser still sends
// a session cookie, which no longer opens a session.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startWithAdmin, createUser, launch, newPage, signIn, catalog, eventually } from "../lib/harness.mjs";

const AGENT = { email: "sena@e2e.test", name: "Sena Agent", password: "agent-pass-1" };
const CUSTOMER = { email: "kaan@e2e.test", name: "Kaan Customer", password: "customer-pass-1" };
const en = catalog("en");

let server, browser, ticket;

before(async () => {
  server = await startWithAdmin();
  const agentId = await createUser(server, { ...AGENT, role: "agent" });
  await createUser(server, CUSTOMER);
  const dept = await server.admin.department({ name: "Hosting", member_ids: [agentId] });
  ticket = await server.admin.ticket({
    subject: "VPS does not boot",
    department_id: dept.id,
    body: "My VPS hangs at GRUB since the update.",
    requester: { email: CUSTOMER.email, name: CUSTOMER.name },
  });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** Ends the browser's session as the server sees an expired one. */
async function endSession(context) {
  await context.addCookies([{ name: "tessera_session", value: "0".repeat(64), url: server.url }]);
}

async function backAfterSignIn(page, person) {
  assert.match(page.url(), /\/sign-in\?/, "the sign-in page is asked for");
  const why = page.locator("#session-expired");
  await why.waitFor({ state: "visible" });
  assert.equal((await why.textContent()).trim(), en.get("signin.expired"));
  await page.fill("#email", person.email);
  await page.fill("#password", person.password);
  const [response] = await Promise.all([
    page.waitForNavigation(),
    page.click('main form[action="/sign-in"] button[type="submit"].primary'),
  ]);
  assert.equal(response.status(), 200, "back on a page, not on a 405");
}

for (const who of ["agent", "customer"]) {
  const person = who === "agent" ? AGENT : CUSTOMER;
  const width = who === "agent" ? 1280 : 390;
  test(`the ${who}'s reply survives an ended session (${width} px)`, { timeout: 60_000 }, async () => {
    const { context, page } = await newPage(browser, { viewport: { width, height: 800 } });
    await signIn(page, server.url, person.email, person.password);
    const path = who === "agent" ? `/agent/tickets/${ticket.id}` : `/tickets/${ticket.number}`;
    await page.goto(`${server.url}${path}`);
    const text = who === "agent" ? "Please boot the rescue image from the panel, then run fsck." : "I tried the rescue image: same hang.";
    await page.fill("#body", text);
    await endSession(context);
    await Promise.all([page.waitForURL(/\/sign-in\?/), page.click('form[data-draft] button[type="submit"].primary')]);
    await backAfterSignIn(page, person);
    assert.equal(new URL(page.url()).pathname, path, "back on the ticket");
    assert.equal(await page.inputValue("#body"), text, "the text is in place");
    const state = page.locator("[data-draft-state]");
    await state.waitFor({ state: "visible" });
    assert.match(await state.textContent(), new RegExp(en.get("draft.restored").replace(/[.*+?^${}()|[\]\\]/g, "\\$&")));
    // The restored box is on screen at this width, without scrolling sideways.
    assert.equal(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), true);

    // Sending it now works, and the kept copy goes with it.
    await Promise.all([
      page.waitForURL(/done=replied/),
      page.click('form[data-draft] button[type="submit"].primary'),
    ]);
    await page.getByText(text).first().waitFor();
    await page.goto(`${server.url}${path}`);
    assert.equal(await page.inputValue("#body"), "", "nothing comes back once sent");
    const messages = await server.admin.messages(ticket.id);
    assert.equal(messages.filter((m) => m.body === text).length, 1, "sent once");
    await context.close();
  });
}

test("an ended session on a plain page also says why sign-in is asked", { timeout: 30_000 }, async () => {
  const { context, page } = await newPage(browser);
  await signIn(page, server.url, AGENT.email, AGENT.password);
  await endSession(context);
  await page.goto(`${server.url}/agent`);
  await eventually(async () => page.url().includes("/sign-in?"), { message: "the sign-in page" });
  await page.locator("#session-expired").waitFor({ state: "visible" });
  // Someone who was never signed in is not told their session ended.
  const fresh = await newPage(browser);
  await fresh.page.goto(`${server.url}/agent`);
  await fresh.page.waitForURL(/\/sign-in\?/);
  assert.equal(await fresh.page.locator("#session-expired").count(), 0);
  await fresh.context.close();
  await context.close();
});

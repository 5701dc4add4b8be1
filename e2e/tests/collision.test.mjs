// Issue 18, items 4 and 5: no double answers, and the warnings where the agent writes.
// Two agents on one ticket: the second one's presence, and the reply that arrives,
// show by the first agent's composer (inside the composer card, at desktop width and
// at 390 px). A reply sent after a colleague's answer arrived is not sent: the page
// shows what arrived and asks; "Edit" keeps the text for changing, "Send anyway"
// sends it. Nothing is sent twice.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startWithAdmin, createUser, launch, newPage, signIn, catalog, fill } from "../lib/harness.mjs";

const FIRST = { email: "ayla@e2e.test", name: "Ayla First", password: "agent-pass-1" };
const SECOND = { email: "mehmet@e2e.test", name: "Mehmet Second", password: "agent-pass-2" };
const en = catalog("en");

let server, browser, dept;

before(async () => {
  server = await startWithAdmin();
  const a = await createUser(server, { ...FIRST, role: "agent" });
  const b = await createUser(server, { ...SECOND, role: "agent" });
  dept = await server.admin.department({ name: "Billing", member_ids: [a, b] });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function newTicket(subject) {
  return server.admin.ticket({
    subject,
    department_id: dept.id,
    body: "I was charged twice for invoice 2041.",
    requester: { email: "payer@e2e.test", name: "Pelin Payer" },
  });
}

/** Whether the element `selector` is shown inside the composer card. */
async function inComposer(page, selector) {
  return page.evaluate((sel) => {
    const el = document.querySelector(sel);
    const card = document.querySelector(".composer");
    if (!el || !card || el.hidden) return false;
    const a = el.getBoundingClientRect();
    const b = card.getBoundingClientRect();
    return a.height > 0 && a.top >= b.top && a.bottom <= b.bottom;
  }, selector);
}

const send = 'form[data-draft] button[type="submit"].primary:visible';

for (const width of [1280, 390]) {
  test(`warnings by the composer, and a reply held back until the agent chooses (${width} px)`, { timeout: 60_000 }, async () => {
    const t = await newTicket(`Charged twice (${width})`);
    const first = await newPage(browser, { viewport: { width, height: 800 } });
    const second = await newPage(browser, { viewport: { width, height: 800 } });
    await signIn(first.page, server.url, FIRST.email, FIRST.password);
    await signIn(second.page, server.url, SECOND.email, SECOND.password);
    const { page } = first;
    await page.goto(`${server.url}/agent/tickets/${t.id}`);
    await page.waitForSelector('body[data-live="on"]');
    const mine = "We refunded the second charge; it shows in 3-5 days.";
    await page.fill("#body", mine);

    // Item 5: the colleague's presence shows by the composer.
    await second.page.goto(`${server.url}/agent/tickets/${t.id}`);
    const near = page.locator("[data-presence-near]");
    await near.waitFor({ state: "visible", timeout: 15_000 });
    assert.ok((await near.textContent()).includes(fill(en.get("presence.viewing"), SECOND.name)));
    assert.equal(await inComposer(page, "[data-presence-near]"), true, "in the composer card");

    // The colleague answers first; the first agent is told by the composer.
    const theirs = "Refund issued for the duplicate charge.";
    await second.page.fill("#body", theirs);
    await Promise.all([second.page.waitForURL(/done=replied/), second.page.click(send)]);
    await page.locator("[data-live-notice-near]").waitFor({ state: "visible", timeout: 15_000 });
    assert.equal(await inComposer(page, "[data-live-notice-near]"), true);

    // Item 4: sending now shows what arrived and asks; nothing is sent.
    await page.click(send);
    const ask = page.locator("[data-collision]");
    await ask.waitFor({ state: "visible" });
    const asked = await ask.textContent();
    assert.ok(asked.includes(en.get("compose.collision_title")));
    assert.ok(asked.includes(theirs), "what arrived is shown");
    assert.ok(asked.includes(SECOND.name));
    assert.equal(await page.inputValue("#body"), mine, "the text is kept");
    assert.equal(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), true);
    let bodies = (await server.admin.messages(t.id)).map((m) => m.body);
    assert.equal(bodies.filter((b) => b === mine).length, 0, "not sent");

    // "Edit": the question goes, the text stays for changing; sending then goes.
    await page.getByRole("link", { name: en.get("compose.edit") }).click();
    await ask.waitFor({ state: "hidden" });
    assert.equal(await page.evaluate(() => document.activeElement && document.activeElement.id), "body");
    const edited = `${mine} (Our colleague already confirmed it.)`;
    await page.fill("#body", edited);
    await Promise.all([page.waitForURL(/done=replied/), page.click(send)]);
    bodies = (await server.admin.messages(t.id)).map((m) => m.body);
    assert.equal(bodies.filter((b) => b === edited).length, 1, "sent once");
    await first.context.close();
    await second.context.close();
  });
}

test('"Send anyway" sends the text as it is', { timeout: 60_000 }, async () => {
  const t = await newTicket("Charged twice again");
  const first = await newPage(browser);
  await signIn(first.page, server.url, FIRST.email, FIRST.password);
  const { page } = first;
  await page.goto(`${server.url}/agent/tickets/${t.id}`);
  const mine = "Checking with the payment provider.";
  await page.fill("#body", mine);
  // A reply arrives through the API meanwhile.
  await server.admin.reply(t.id, { body: "Any news?" });
  await page.click(send);
  await page.locator("[data-collision]").waitFor({ state: "visible" });
  assert.ok((await page.locator("[data-collision]").textContent()).includes("Any news?"));
  await Promise.all([page.waitForURL(/done=replied/), page.getByRole("button", { name: en.get("compose.send_anyway") }).click()]);
  const bodies = (await server.admin.messages(t.id)).map((m) => m.body);
  assert.equal(bodies.filter((b) => b === mine).length, 1, "sent once");
  await first.context.close();
});

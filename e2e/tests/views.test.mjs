// An agent builds a personal view on the views screen: it joins the console's rail
// with its exact count, shows only its columns, and its count follows new tickets live.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startWithAdmin, createUser, launch, newPage, signIn, catalog, eventually } from "../lib/harness.mjs";

const AGENT = { email: "views@e2e.test", name: "Vera Views", password: "agent-pass-3" };
const en = catalog("en");

let server, browser;

before(async () => {
  server = await startWithAdmin();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** Picks an option; a field or comparison that changes reloads the form (its values). */
async function pick(page, selector, option) {
  if ((await page.inputValue(selector)) === option) return;
  await Promise.all([page.waitForEvent("load"), page.selectOption(selector, option)]);
}

test("an agent makes an urgent-only view and watches it count", { timeout: 60_000 }, async () => {
  const agentId = await createUser(server, { ...AGENT, role: "agent" });
  const dept = await server.admin.department({ name: "Hosting", member_ids: [agentId] });
  const make = (subject, priority) =>
    server.admin.ticket({
      subject,
      department_id: dept.id,
      priority,
      body: subject,
      requester: { email: "owner@e2e.test", name: "Oya Owner" },
    });
  await make("Server down in Frankfurt", "urgent");
  await make("Question about backups", "low");

  const { page } = await newPage(browser);
  await signIn(page, server.url, AGENT.email, AGENT.password);
  await page.goto(`${server.url}/agent`);
  await page.getByRole("link", { name: en.get("views.manage") }).first().click();
  await page.waitForURL(/\/agent\/views$/);
  await page.locator("[data-new-view]").click();

  await page.fill("#v-title", "Urgent only");
  await pick(page, "#c0-field", "priority");
  await pick(page, "#c0-op", "is");
  // The priority is picked from a list in words (issue 18, item 14).
  await page.selectOption("#c0-value", { label: en.get("priority.urgent") });
  // Columns: number, subject and priority only.
  for (const box of await page.locator('input[name="columns"]').all()) {
    const want = ["number", "subject", "priority"].includes(await box.getAttribute("value"));
    if ((await box.isChecked()) !== want) await box.setChecked(want);
  }
  await Promise.all([page.waitForURL(/\/agent\?view=\d+/), page.locator('button[name="do"][value="save"]').click()]);

  const viewId = new URL(page.url()).searchParams.get("view");
  const count = page.locator(`[data-count="v${viewId}"]`);
  assert.equal((await count.textContent()).trim(), "1", "the rail counts the one urgent ticket");
  await page.getByText("Server down in Frankfurt").waitFor();
  assert.equal(await page.getByText("Question about backups").count(), 0, "the low one is not in the view");
  const headers = (await page.locator("table[data-ticket-table] thead th[scope=col]").allTextContents()).map((h) => h.trim()).filter(Boolean);
  assert.deepEqual(headers, [en.get("col.number"), en.get("col.subject"), en.get("col.priority")]);

  // A new urgent ticket raises the count without a reload.
  await page.waitForSelector('body[data-live="on"]');
  await page.evaluate(() => {
    window.__noReload = 1;
  });
  await make("Mail queue stuck", "urgent");
  await eventually(async () => (await count.textContent()).trim() === "2", { message: "the view's count going to 2" });
  assert.equal(await page.evaluate(() => window.__noReload), 1, "the page was not reloaded");
});

test("a mistake in a condition is shown on its row and nothing is saved", { timeout: 30_000 }, async () => {
  const { page } = await newPage(browser);
  await signIn(page, server.url, AGENT.email, AGENT.password);
  await page.goto(`${server.url}/agent/views/new`);
  await page.fill("#v-title", "Stale tickets");
  await pick(page, "#c0-field", "updated_at");
  await pick(page, "#c0-op", "older_than");
  await page.fill("#c0-value", "a week");
  await page.locator('button[name="do"][value="save"]').click();
  const message = page.locator("#c0-error");
  await message.waitFor();
  assert.match(await message.textContent(), /Condition 1/);
  assert.equal(await page.locator("#c0-value").getAttribute("aria-invalid"), "true");
  assert.equal(await page.inputValue("#v-title"), "Stale tickets", "the title is kept");
  assert.equal(await page.inputValue("#c0-value"), "a week", "the value is kept");
  const views = await server.admin.get("/views");
  assert.equal(views.views.filter((v) => v.title === "Stale tickets").length, 0);
});

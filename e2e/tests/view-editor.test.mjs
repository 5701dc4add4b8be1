// Issue 18, item 14: the view editor speaks the reader's language. Fields,
// comparisons and values are picked from lists ("Me", "My departments"), no
// label is a developer's key, every row in error is named, and the rows line
// up as a table.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startWithAdmin, createUser, launch, newPage, signIn, catalog } from "../lib/harness.mjs";

const AGENT = { email: "vedit@e2e.test", name: "Vedat Editor", password: "agent-pass-7" };
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
  if (typeof option === "string" && (await page.inputValue(selector)) === option) return;
  await Promise.all([page.waitForEvent("load"), page.selectOption(selector, option)]);
}

test("a view is built from lists in words, and every bad row is named", { timeout: 60_000 }, async () => {
  const agentId = await createUser(server, { ...AGENT, role: "agent" });
  await server.admin.department({ name: "Hosting", member_ids: [agentId] });
  const { page } = await newPage(browser);
  await signIn(page, server.url, AGENT.email, AGENT.password);
  await page.goto(`${server.url}/agent/views/new`);

  // No label is a key: fields, sorts and columns are words.
  const labels = [
    ...(await page.locator("#c0-field option").allTextContents()),
    ...(await page.locator("#v-sort option").allTextContents()),
    ...(await page.locator('input[name="columns"]').evaluateAll((els) => els.map((e) => e.parentElement.textContent))),
  ].map((t) => t.trim());
  const keyish = labels.filter((t) => /^[a-z]+([._][a-z]+)+$/.test(t));
  assert.deepEqual(keyish, [], "labels that are keys");
  assert.ok(labels.includes(en.get("views.f.sla_breached")));
  assert.ok(labels.includes(en.get("views.sort_sla_due")));

  // Assignee is "Me"; department is one of "My departments": picked, not typed.
  await page.fill("#v-title", "Mine in my departments");
  await pick(page, "#c0-field", { label: en.get("views.f.assignee_id") });
  assert.equal(await page.inputValue("#v-title"), "Mine in my departments", "the title stays");
  assert.equal(await page.locator("#c0-value").evaluate((e) => e.tagName), "SELECT");
  await page.selectOption("#c0-value", { label: en.get("views.v.me") });
  await pick(page, "#c1-field", { label: en.get("views.f.department_id") });
  await pick(page, "#c1-op", { label: en.get("views.op.in") });
  assert.equal(await page.locator("#c1-value").evaluate((e) => e.multiple), true);
  await page.selectOption("#c1-value", [{ label: en.get("views.v.my_departments") }]);
  assert.equal(await page.inputValue("#c0-value"), "current_user", "row 1 kept its value");

  // The rows line up: each column starts at the same place on every row.
  const lefts = async (n) =>
    Promise.all(["group", "field", "op", "value"].map(async (k) => Math.round((await page.locator(`#c${n}-${k}`).boundingBox()).x)));
  assert.deepEqual(await lefts(1), await lefts(0));
  assert.deepEqual(await lefts(2), await lefts(0));

  await Promise.all([page.waitForURL(/\/agent\?view=\d+/), page.locator('button[name="do"][value="save"]').click()]);
  await page.goto(`${server.url}/agent/views`);
  const words = await page.locator("main").innerText();
  assert.ok(words.includes(`${en.get("views.f.assignee_id")} ${en.get("views.op.is")} ${en.get("views.v.me")}`), words);
  assert.ok(words.includes(en.get("views.v.my_departments")), words);
  assert.ok(!/current_user/.test(words), "no raw keys in the list");

  // Two bad rows: both are named.
  await page.goto(`${server.url}/agent/views/new`);
  await page.fill("#v-title", "Two mistakes");
  await pick(page, "#c0-field", "updated_at");
  await pick(page, "#c0-op", "older_than");
  await page.fill("#c0-value", "a week");
  await pick(page, "#c1-field", "created_at");
  await pick(page, "#c1-op", "less_than");
  await page.fill("#c1-value", "yesterday");
  await page.locator('button[name="do"][value="save"]').click();
  await page.locator("#c0-error").waitFor();
  await page.locator("#c1-error").waitFor();
  assert.match(await page.locator("#c0-error").textContent(), /Condition 1/);
  assert.match(await page.locator("#c1-error").textContent(), /Condition 2/);
  assert.equal(await page.inputValue("#c1-value"), "yesterday", "the value is kept");
  const views = await server.admin.get("/views");
  assert.equal(views.views.filter((v) => v.title === "Two mistakes").length, 0);
});

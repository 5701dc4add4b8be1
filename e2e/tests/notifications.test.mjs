// Notification modes (decision 48) as people set them in the browser: an agent
// picks "collected in a digest" for new tickets on their account page and it
// stays picked; an admin sets a department's default for its agents on the
// department's page; both are what the API answers.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startWithAdmin, createUser, tokenFor, api, launch, newPage, signIn } from "../lib/harness.mjs";

const AGENT = { email: "modes.agent@e2e.test", name: "Melis Agent", password: "agent-pass-1" };
const ADMIN = { email: "modes.admin@e2e.test", name: "Mert Admin", password: "admin-pass-1" };

let server, browser, agentApi;

before(async () => {
  server = await startWithAdmin();
  const agentId = await createUser(server, { ...AGENT, role: "agent" });
  await createUser(server, { ...ADMIN, role: "admin" });
  await server.admin.patch("/departments/1", { member_ids: [1, agentId] });
  agentApi = api(server.url, await tokenFor(server, AGENT.email));
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test("an agent chooses a digest for new tickets on the account page", { timeout: 30_000 }, async () => {
  const { page } = await newPage(browser);
  await signIn(page, server.url, AGENT.email, AGENT.password);
  await page.goto(`${server.url}/account`);
  const select = page.locator('select[name="mode.new_ticket"]');
  assert.equal(await select.inputValue(), "default", "the department's default at first");
  assert.equal(await page.locator('select[name="mode.solved"]').count(), 0, "customers' kinds are not an agent's");
  await select.selectOption("digest");
  await page.locator('select[name="mode.sla_warning"]').selectOption("off");
  await page.locator("form[data-notifications] button[type=submit]").click();
  await page.waitForURL(/\/account\?saved=1$/);
  assert.equal(await page.locator('select[name="mode.new_ticket"]').inputValue(), "digest", "kept after saving");
  const mine = await agentApi.get("/me/notifications");
  assert.equal(mine.modes.new_ticket, "digest");
  assert.equal(mine.modes.sla_warning, "off");
  assert.equal(mine.notifications.sla_warning, false, "the on/off form agrees");
  assert.equal(mine.modes.assigned, "default");
});

test("an admin sets a department's default mode on its page", { timeout: 30_000 }, async () => {
  const { page } = await newPage(browser);
  await signIn(page, server.url, ADMIN.email, ADMIN.password);
  await page.goto(`${server.url}/admin/departments/1`);
  const select = page.locator('select[name="mode.customer_reply"]');
  assert.equal(await select.inputValue(), "default");
  await select.selectOption("digest");
  await page.locator("form.card button.primary[type=submit]").click();
  await page.waitForURL(/\/admin\/departments\/1\?done=saved$/);
  assert.equal(await page.locator('select[name="mode.customer_reply"]').inputValue(), "digest");
  const defaults = await server.admin.get("/departments/1/notifications");
  assert.equal(defaults.modes.customer_reply, "digest");
  assert.equal(defaults.modes.new_ticket, "default");
});

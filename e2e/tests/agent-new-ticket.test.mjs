// An agent in two departments opens a ticket for a caller from the console: `c`
// leads to the form, choosing a department brings its fields without losing what
// was typed, the side column's properties belong to the form, and the agent lands
// on the new ticket.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startWithAdmin, createUser, launch, newPage, signIn, catalog, fill } from "../lib/harness.mjs";

const AGENT = { email: "selin@e2e.test", name: "Selin Agent", password: "agent-pass-1" };
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

test("an agent opens a ticket for a caller", { timeout: 45_000 }, async () => {
  const agentId = await createUser(server, { ...AGENT, role: "agent" });
  await server.admin.department({ name: "Billing", member_ids: [agentId] });
  const tech = await server.admin.department({ name: "Tech", member_ids: [agentId] });
  await server.admin.customField({
    key: "server_ip",
    type: "text",
    labels: { en: "Server IP" },
    department_ids: [tech.id],
    customer_editable: false,
  });

  const { page } = await newPage(browser);
  await signIn(page, server.url, AGENT.email, AGENT.password);
  await page.goto(`${server.url}/agent`);
  await Promise.all([page.waitForURL(/\/agent\/tickets\/new$/), page.keyboard.press("c")]);

  await page.fill("#requester_email", "caller@e2e.test");
  await page.fill("#requester_name", "Cem Caller");
  await page.fill("#subject", "Server unreachable since noon");
  await page.fill("#body", "Called at 12:40: web01 does not answer pings.");
  assert.equal(await page.locator("#cf-server_ip").count(), 0, "no department, no fields");

  // Choosing Tech brings its field; what was typed stays.
  await Promise.all([page.waitForResponse((r) => r.request().method() === "POST"), page.selectOption("#n-department", String(tech.id))]);
  await page.locator("#cf-server_ip").waitFor();
  assert.equal(await page.inputValue("#requester_email"), "caller@e2e.test");
  assert.equal(await page.inputValue("#subject"), "Server unreachable since noon");
  assert.equal(await page.inputValue("#body"), "Called at 12:40: web01 does not answer pings.");
  assert.equal(await page.inputValue("#n-department"), String(tech.id));

  await page.fill("#cf-server_ip", "203.0.113.7");
  await page.selectOption("#n-priority", "urgent");
  await page.fill("#n-tags", "outage");
  await Promise.all([
    page.waitForURL(/\/agent\/tickets\/\d+\?done=created$/),
    page.click('#new-ticket button[type="submit"].primary'),
  ]);
  // The page says where the ticket went (issue 18, item 13).
  await page.getByText(fill(en.get("setup.created_in_mine"), "Tech")).waitFor();
  await page.getByRole("heading", { name: "Server unreachable since noon" }).waitFor();
  const id = Number(new URL(page.url()).pathname.split("/").pop());
  const t = await server.admin.get(`/tickets/${id}`);
  assert.equal(t.department_id, tech.id);
  assert.equal(t.priority, "urgent");
  assert.equal(t.source, "phone");
  assert.deepEqual(t.tags, ["outage"]);
  assert.equal(t.custom_fields.server_ip, "203.0.113.7");
  const requester = await server.admin.get(`/users/${t.requester_id}`);
  assert.equal(requester.name, "Cem Caller");
});

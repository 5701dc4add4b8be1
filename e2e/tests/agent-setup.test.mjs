// Issue 18, item 13: setting up an agent. The admin picks an agent's
// departments on the user form (new user and user page); an agent in no
// department is told why the console is empty and where an admin fixes it
// (desktop and 390 px); after opening a ticket the page says where it went.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startWithAdmin, createUser, launch, newPage, signIn, catalog, fill } from "../lib/harness.mjs";

const en = catalog("en");
const ROOT = { email: "root@e2e.test", name: "Root Admin", password: "root-pass-12" };
const NUR = { email: "nur@e2e.test", name: "Nur Agent", password: "agent-pass-1" };
const YENI = { email: "yeni@e2e.test", name: "Yeni Agent", password: "agent-pass-2" };

let server, browser, billing, tech;

before(async () => {
  server = await startWithAdmin();
  browser = await launch();
  await createUser(server, { ...ROOT, role: "admin" });
  billing = await server.admin.department({ name: "Billing" });
  tech = await server.admin.department({ name: "Tech" });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function departmentsOf(email) {
  const found = await server.admin.get(`/users?q=${encodeURIComponent(email)}`);
  const u = await server.admin.get(`/users/${found.users[0].id}`);
  return { id: u.id, departments: [...u.department_ids].sort((a, b) => a - b) };
}

test("the admin gives a new agent departments on the user form, and changes them", { timeout: 60_000 }, async () => {
  const { page } = await newPage(browser);
  await signIn(page, server.url, ROOT.email, ROOT.password);
  await page.goto(`${server.url}/admin/users`);
  const form = page.locator('form[method="post"][action="/admin/users"]');
  await form.locator("#u-email").fill(NUR.email);
  await form.locator("#u-name").fill(NUR.name);
  await form.locator("#u-role").selectOption("agent");
  await form.locator("#u-password").fill(NUR.password);
  const group = form.getByRole("group", { name: en.get("field.department_ids") });
  await group.getByText(en.get("admin.users.departments_hint")).waitFor();
  await group.getByLabel("Billing").check();
  await Promise.all([page.waitForURL(/done=created/), form.locator('button[type="submit"]').click()]);
  const nur = await departmentsOf(NUR.email);
  assert.deepEqual(nur.departments, [billing.id]);

  // The user's page shows Billing ticked; moving Nur to Tech saves.
  await page.goto(`${server.url}/admin/users/${nur.id}`);
  assert.equal(await page.getByLabel("Billing").isChecked(), true);
  assert.equal(await page.getByLabel("Tech").isChecked(), false);
  await page.getByLabel("Billing").uncheck();
  await page.getByLabel("Tech").check();
  await Promise.all([page.waitForURL(/done=saved/), page.click('main form[method="post"] button[type="submit"].primary')]);
  assert.equal(await page.getByLabel("Tech").isChecked(), true);
  assert.equal(await page.getByLabel("Billing").isChecked(), false);
  assert.deepEqual((await departmentsOf(NUR.email)).departments, [tech.id]);

  // Nur, in Tech, sees no "no department" note and opens a ticket there: the
  // page says where it went.
  const agent = await newPage(browser);
  await signIn(agent.page, server.url, NUR.email, NUR.password);
  await agent.page.goto(`${server.url}/agent`);
  assert.equal(await agent.page.locator("[data-no-departments]").count(), 0);
  await agent.page.goto(`${server.url}/agent/tickets/new`);
  assert.equal(await agent.page.inputValue("#n-department"), String(tech.id), "the only department is chosen");
  await agent.page.fill("#requester_email", "caller@e2e.test");
  await agent.page.fill("#subject", "Printer on fire");
  await agent.page.fill("#body", "It is on fire.");
  await Promise.all([
    agent.page.waitForURL(/done=created/),
    agent.page.click('#new-ticket button[type="submit"].primary'),
  ]);
  await agent.page.getByText(fill(en.get("setup.created_in_mine"), "Tech")).waitFor();

  // The admin, in no department, opening one in Billing is told it is not theirs.
  await page.goto(`${server.url}/agent/tickets/new?department=${billing.id}`);
  await page.fill("#requester_email", "caller@e2e.test");
  await page.fill("#subject", "Invoice twice");
  await page.fill("#body", "Charged twice.");
  await Promise.all([page.waitForURL(/done=created/), page.click('#new-ticket button[type="submit"].primary')]);
  await page.getByText(fill(en.get("setup.created_in_other"), "Billing")).waitFor();
});

for (const width of [1280, 390]) {
  test(`an agent in no department is told why, at ${width} px`, { timeout: 45_000 }, async () => {
    const who = { ...YENI, email: `yeni${width}@e2e.test` };
    await createUser(server, { ...who, role: "agent" });
    const { page } = await newPage(browser, { viewport: { width, height: 800 } });
    await signIn(page, server.url, who.email, who.password);
    await page.goto(`${server.url}/agent`);
    const note = page.locator("[data-no-departments]");
    await note.getByRole("heading", { name: en.get("setup.no_departments_title") }).waitFor();
    await note.getByText(en.get("setup.no_departments_text")).waitFor();
    await note.getByText(fill(en.get("setup.no_departments_fix"), who.name)).waitFor();
    const box = await note.boundingBox();
    assert.ok(box.x >= 0 && box.x + box.width <= width, `the note fits the screen: ${JSON.stringify(box)}`);
    if (width === 390) {
      assert.ok(box.y < 800, `the note is on the first screen: ${JSON.stringify(box)}`);
    }
    // The new-ticket form says the same, instead of an empty list to pick from.
    await page.goto(`${server.url}/agent/tickets/new`);
    await page.getByText(en.get("setup.new_no_departments")).waitFor();
  });
}

// Issue 18, item 6: saving the properties panel after a colleague changed the
// ticket keeps the changes that do not clash with theirs (applied on the fresh
// version) and shows the one that does, both values, with a choice.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startWithAdmin, createUser, tokenFor, api, launch, newPage, signIn, catalog, fill } from "../lib/harness.mjs";

const AGENT = { email: "deniz@e2e.test", name: "Deniz Agent", password: "agent-pass-1" };
const COLLEAGUE = { email: "olga.c@e2e.test", name: "Olga Colleague", password: "agent-pass-2" };
const en = catalog("en");

let server, browser, ticket, colleague;

before(async () => {
  server = await startWithAdmin();
  const a = await createUser(server, { ...AGENT, role: "agent" });
  const b = await createUser(server, { ...COLLEAGUE, role: "agent" });
  colleague = api(server.url, await tokenFor(server, COLLEAGUE.email));
  const dept = await server.admin.department({ name: "Domains", member_ids: [a, b] });
  ticket = await server.admin.ticket({
    subject: "Domain transfer stuck",
    department_id: dept.id,
    body: "The transfer of example.org has been pending for a week.",
    requester: { email: "domain.customer@e2e.test", name: "Defne Customer" },
  });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const current = async () => {
  const t = await server.admin.get(`/tickets/${ticket.id}`);
  return t.ticket ?? t;
};

test("a save over a colleague's change keeps what does not clash and shows what does", { timeout: 45_000 }, async () => {
  const { context, page } = await newPage(browser);
  try {
    await signIn(page, server.url, AGENT.email, AGENT.password);
    await page.goto(`${server.url}/agent/tickets/${ticket.id}`);
    // The agent edits the panel...
    await page.selectOption("#p-priority", "low");
    await page.selectOption("#p-type", "problem");
    // ...while a colleague changes the priority and the tags.
    await colleague.patch(`/tickets/${ticket.id}`, { priority: "urgent", tags: ["vip"] });

    const [resp] = await Promise.all([
      page.waitForEvent("response", (r) => r.request().method() === "POST" && r.url().endsWith("/properties")),
      page.click('form[action$="/properties"] > button[type=submit].primary'),
    ]);
    await page.waitForLoadState("load");
    assert.equal(resp.status(), 409);

    // What does not clash is saved on the fresh version; the colleague's changes stay.
    let t = await current();
    assert.equal(t.ticket_type ?? t.type, "problem", "the agent's type is saved");
    assert.deepEqual(t.tags, ["vip"], "the colleague's tags are kept");
    assert.equal(t.priority, "urgent", "the clashing field keeps the colleague's value until the agent chooses");

    // The clash: both values and a choice.
    const clash = page.locator("[data-clash]");
    await clash.waitFor({ state: "visible" });
    assert.ok((await clash.textContent()).includes(fill(en.get("clash.intro"), COLLEAGUE.name)), "it names the colleague");
    const row = clash.locator('[data-clash-field="priority"]');
    assert.equal(await row.locator("[data-theirs]").textContent(), en.get("priority.urgent"));
    assert.equal(await row.locator("[data-mine]").textContent(), en.get("priority.low"));
    assert.equal(await clash.locator("[data-clash-field]").count(), 1, "only the priority clashes");
    assert.equal(await page.inputValue("#p-type"), "problem");
    assert.equal(await page.inputValue("#p-tags"), "vip", "the panel shows the colleague's tags");
    assert.ok(await clash.getByRole("link", { name: en.get("clash.keep_theirs") }).isVisible());

    // Choosing mine saves it.
    await Promise.all([
      page.waitForURL(/done=saved/),
      clash.getByRole("button", { name: en.get("clash.use_mine") }).click(),
    ]);
    t = await current();
    assert.equal(t.priority, "low");
    assert.deepEqual(t.tags, ["vip"]);
    assert.equal(t.ticket_type ?? t.type, "problem");
  } finally {
    await context.close();
  }
});

test("a save over a change to other fields is simply saved, both kept", { timeout: 45_000 }, async () => {
  const { context, page } = await newPage(browser);
  try {
    await signIn(page, server.url, AGENT.email, AGENT.password);
    await page.goto(`${server.url}/agent/tickets/${ticket.id}`);
    await page.selectOption("#p-priority", "high");
    await colleague.patch(`/tickets/${ticket.id}`, { tags: ["vip", "transfer"] });
    await Promise.all([
      page.waitForURL(/done=saved_merged/),
      page.click('form[action$="/properties"] > button[type=submit].primary'),
    ]);
    assert.equal(await page.getByText(en.get("done.saved_merged")).isVisible(), true, "the page says both were kept");
    const t = await current();
    assert.equal(t.priority, "high");
    assert.deepEqual([...t.tags].sort(), ["transfer", "vip"]);
    assert.equal(await page.locator("[data-clash]").count(), 0);
  } finally {
    await context.close();
  }
});

// A guest (a customer without a password, created when an agent opened a ticket for
// their e-mail address) replies through the ticket's access-key link.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startWithAdmin, createUser, tokenFor, api, launch, newPage } from "../lib/harness.mjs";

let server, browser;

before(async () => {
  server = await startWithAdmin();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test("a guest replies through the access-key link", { timeout: 45_000 }, async () => {
  const agentId = await createUser(server, { email: "ece@e2e.test", name: "Ece Agent", role: "agent", password: "agent-pass-1" });
  await server.admin.patch("/departments/1", { member_ids: [1, agentId] });
  const agent = api(server.url, await tokenFor(server, "ece@e2e.test"));
  const ticket = await agent.ticket({
    subject: "Phone call: domain transfer",
    department_id: 1,
    body: "Customer called about moving example.org to us.",
    requester: { email: "guest.gul@e2e.test", name: "Gül Guest" },
    source: "phone",
  });
  assert.ok(ticket.number && ticket.access_key, "the API answer has the number and the access key");
  const requester = await agent.get(`/users/${ticket.requester_id}`);
  assert.equal(requester.has_password ?? false, false, "the requester was created without a password");

  const { page } = await newPage(browser);
  // A wrong key opens nothing.
  const wrong = await page.goto(`${server.url}/t/${ticket.number}?key=${"0".repeat(ticket.access_key.length)}`);
  assert.equal(wrong.status(), 404);
  assert.equal(await page.getByText(ticket.subject).count(), 0);

  await page.goto(`${server.url}/t/${ticket.number}?key=${encodeURIComponent(ticket.access_key)}`);
  await page.waitForURL(new RegExp(`/tickets/${ticket.number}$`));
  assert.equal((await page.locator("main h1").textContent()).trim(), ticket.subject);
  await page.getByText("Customer called about moving example.org to us.").waitFor();

  const text = "Yes, please transfer example.org. The auth code is on its way.";
  await page.fill("#body", text);
  await Promise.all([page.waitForURL(/done=replied/), page.click('form[action$="/reply"] button[type=submit].primary')]);
  const mine = page.locator("article.message:not(.staff)", { hasText: text });
  await mine.waitFor();
  assert.match(await mine.locator("header strong").textContent(), /Gül Guest/);

  const messages = await agent.messages(ticket.id);
  const last = messages[messages.length - 1];
  assert.equal(last.body, text);
  assert.equal(last.author.user_id, ticket.requester_id, "the reply is the requester's");
  assert.equal((await agent.get(`/tickets/${ticket.id}`)).status, "open", "a customer reply moves the ticket to open");

  // The guest session reaches this one ticket only.
  const other = await agent.ticket({
    subject: "Another ticket of the same person",
    department_id: 1,
    body: "Private matter.",
    requester_id: ticket.requester_id,
  });
  const resp = await page.goto(`${server.url}/tickets/${other.number}`);
  assert.equal(resp.status(), 404, "a guest link opens only its own ticket");
  assert.equal(await page.getByText("Private matter.").count(), 0);
});

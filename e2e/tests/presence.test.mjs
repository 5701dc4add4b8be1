// Two agents on the same ticket: each is warned that the other is there (and when
// the other is writing), and the warning goes away when the other leaves.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startWithAdmin, createUser, launch, newPage, signIn, catalog, fill } from "../lib/harness.mjs";

const FIRST = { email: "ilker@e2e.test", name: "İlker First", password: "agent-pass-1" };
const SECOND = { email: "olga@e2e.test", name: "Olga Second", password: "agent-pass-2" };
const en = catalog("en");

let server, browser, first, second, ticket;

before(async () => {
  server = await startWithAdmin();
  const a = await createUser(server, { ...FIRST, role: "agent" });
  const b = await createUser(server, { ...SECOND, role: "agent" });
  const dept = await server.admin.department({ name: "Network", member_ids: [a, b] });
  ticket = await server.admin.ticket({
    subject: "Packet loss to Frankfurt",
    department_id: dept.id,
    body: "mtr shows 30% loss at hop 7.",
    requester: { email: "net.customer@e2e.test", name: "Nur Customer" },
  });
  browser = await launch();
  first = await newPage(browser);
  second = await newPage(browser);
  await signIn(first.page, server.url, FIRST.email, FIRST.password);
  await signIn(second.page, server.url, SECOND.email, SECOND.password);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test("a second agent opening the same ticket sees the collision warning", { timeout: 30_000 }, async () => {
  await first.page.goto(`${server.url}/agent/tickets/${ticket.id}`);
  await first.page.waitForSelector('body[data-live="on"]');
  assert.equal(await first.page.locator("[data-presence]").isHidden(), true, "nobody else is there yet");

  await second.page.goto(`${server.url}/agent/tickets/${ticket.id}`);
  const warning = second.page.locator("[data-presence]");
  await warning.waitFor({ state: "visible", timeout: 10_000 });
  const text = await warning.textContent();
  assert.ok(text.includes(fill(en.get("presence.viewing"), FIRST.name)), `the warning names the first agent: ${text}`);
  assert.ok(!text.includes(SECOND.name), "an agent is not warned about themselves");
});

test("the first agent is told, without reloading, that the second one is there and writing", { timeout: 30_000 }, async () => {
  const warning = first.page.locator("[data-presence]");
  await warning.waitFor({ state: "visible", timeout: 12_000 });
  assert.match(await warning.textContent(), /Olga Second/);

  await second.page.waitForSelector('body[data-live="on"]');
  await second.page.locator("[data-composer-body]").pressSequentially("Looking into the route", { delay: 20 });
  const typing = fill(en.get("presence.typing"), SECOND.name);
  await first.page.waitForFunction(
    (text) => {
      const p = document.querySelector("[data-presence]");
      return p && !p.hidden && p.textContent.includes(text);
    },
    typing,
    { timeout: 10_000 },
  );
});

test("the warning goes away when the other agent leaves the ticket", { timeout: 30_000 }, async () => {
  await second.page.goto(`${server.url}/agent`);
  await first.page.locator("[data-presence]").waitFor({ state: "hidden", timeout: 10_000 });
});

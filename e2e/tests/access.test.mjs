// A customer cannot reach another customer's ticket by editing the URL: the ticket
// page, its attachment, the agent page and the guest link all answer "not found"
// (or "forbidden" for the console) and show none of the ticket's text.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startWithAdmin, createUser, tokenFor, api, launch, newPage, signIn, catalog } from "../lib/harness.mjs";

const OWNER = { email: "owner@e2e.test", name: "Olcay Owner", password: "owner-pass-1" };
const INTRUDER = { email: "intruder@e2e.test", name: "Ivan Intruder", password: "intruder-pass-1" };
const SUBJECT = "Private: my root password leaked";
const BODY = "Please rotate the credentials of server db7 quickly.";
const en = catalog("en");

let server, browser, ticket, attachmentId;

before(async () => {
  server = await startWithAdmin();
  await createUser(server, OWNER);
  await createUser(server, INTRUDER);
  const ownerToken = await tokenFor(server, OWNER.email);
  const owner = api(server.url, ownerToken);
  // The owner's ticket, with an attachment, opened through the API.
  const form = new FormData();
  form.append("file", new Blob(["db7 credentials rotation notes"], { type: "text/plain" }), "db7-notes.txt");
  const up = await fetch(`${server.url}/api/v1/attachments`, {
    method: "POST",
    headers: { Authorization: `Bearer ${ownerToken}` },
    body: form,
    signal: AbortSignal.timeout(10_000),
  });
  assert.equal(up.status, 201, await up.clone().text());
  attachmentId = (await up.json()).attachments[0].id;
  ticket = await owner.ticket({ subject: SUBJECT, department_id: 1, body: BODY, attachment_ids: [attachmentId] });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function assertNothingShown(page, what) {
  const text = await page.locator("body").innerText();
  assert.ok(!text.includes(SUBJECT), `${what} shows the subject`);
  assert.ok(!text.includes(BODY), `${what} shows the message`);
  assert.ok(!text.includes(OWNER.name), `${what} shows the owner's name`);
  assert.ok(!(await page.title()).includes(SUBJECT), `${what} has the subject in its title`);
}

test("the owner sees the ticket (control)", { timeout: 30_000 }, async () => {
  const { page, context } = await newPage(browser);
  await signIn(page, server.url, OWNER.email, OWNER.password);
  const r = await page.goto(`${server.url}/tickets/${ticket.number}`);
  assert.equal(r.status(), 200);
  await page.getByText(BODY).waitFor();
  await context.close();
});

test("a customer cannot reach another customer's ticket by editing the URL", { timeout: 30_000 }, async () => {
  const { page, context } = await newPage(browser);
  await signIn(page, server.url, INTRUDER.email, INTRUDER.password);

  const r = await page.goto(`${server.url}/tickets/${ticket.number}`);
  assert.equal(r.status(), 404, "the ticket page answers not found");
  await page.getByRole("heading", { name: en.get("error.not_found_title") }).waitFor();
  await assertNothingShown(page, "the not-found page");

  // Not in their list either.
  await page.goto(`${server.url}/`);
  await assertNothingShown(page, "the intruder's list");
  await page.goto(`${server.url}/?q=${encodeURIComponent("root password")}`);
  await assertNothingShown(page, "a search of the intruder's list");

  // Nor the attachment, nor the forms of the ticket.
  const file = await page.request.get(`${server.url}/files/${attachmentId}`, { maxRedirects: 0 });
  assert.equal(file.status(), 404, "the attachment answers not found");
  assert.ok(!(await file.text()).includes("credentials rotation"));
  const csrf = await page.locator('meta[name="csrf-token"]').getAttribute("content");
  const reply = await page.request.post(`${server.url}/tickets/${ticket.number}/reply`, {
    multipart: { _csrf: csrf, body: "I was here" },
    maxRedirects: 0,
  });
  assert.equal(reply.status(), 404, "replying to it answers not found");

  // The agent's page of the ticket is not for customers.
  const agentPage = await page.goto(`${server.url}/agent/tickets/${ticket.id}`);
  assert.ok([403, 404].includes(agentPage.status()), `the agent page answers ${agentPage.status()}`);
  await assertNothingShown(page, "the agent page");

  // A guest link without the key opens nothing.
  const guest = await page.goto(`${server.url}/t/${ticket.number}`);
  assert.equal(guest.status(), 404);
  await assertNothingShown(page, "the guest link without a key");
  await context.close();

  const admin = await server.admin.messages(ticket.id);
  assert.equal(admin.length, 1, "nothing was added to the ticket");
});

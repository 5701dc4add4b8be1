// Bad input in forms: an upload over the limit is refused with a clear message next
// to the attachment field, and an empty subject comes back with the message next to
// the field and the other values kept. The server runs with a 2000-byte file limit.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startWithAdmin, createUser, tokenFor, api, launch, newPage, signIn, catalog, fill } from "../lib/harness.mjs";

const LIMIT = 2000;
const CUSTOMER = { email: "forms.customer@e2e.test", name: "Fatma Customer", password: "customer-pass-1" };
const en = catalog("en");
const BIG = { name: "full-dump.log", mimeType: "text/plain", buffer: Buffer.alloc(5000, "x") };
const SMALL = { name: "small.txt", mimeType: "text/plain", buffer: Buffer.from("just a few bytes") };

let server, browser, customerApi, service, page;

before(async () => {
  server = await startWithAdmin({ env: { TESSERA_MAX_ATTACHMENT_BYTES: String(LIMIT) } });
  const customerId = await createUser(server, CUSTOMER);
  customerApi = api(server.url, await tokenFor(server, CUSTOMER.email));
  service = await server.admin.service({ kind: "service", external_id: "4711", label: "VPS 4 GB web01", owner_id: customerId });
  await server.admin.customField({
    key: "server_ip",
    type: "text",
    labels: { en: "Server IP" },
    customer_visible: true,
    customer_editable: true,
  });
  browser = await launch();
  ({ page } = await newPage(browser));
  await signIn(page, server.url, CUSTOMER.email, CUSTOMER.password);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** Fills the new-ticket form of department 1. */
async function fillNewTicket({ subject }) {
  await page.goto(`${server.url}/tickets/new?department=1`);
  await page.fill("#subject", subject);
  await page.fill("#cf-server_ip", "203.0.113.7");
  await page.selectOption("#service_id", String(service.id));
  await page.selectOption("#priority", "high");
  await page.fill("#body", "The backup job fails every night at 02:00.");
}

async function submit(selector) {
  const [resp] = await Promise.all([page.waitForEvent("response", (r) => r.request().method() === "POST"), page.click(selector)]);
  await page.waitForLoadState("load");
  return resp;
}

async function assertValuesKept() {
  assert.equal(await page.inputValue("#cf-server_ip"), "203.0.113.7", "the custom field is kept");
  assert.equal(await page.inputValue("#service_id"), String(service.id), "the service is kept");
  assert.equal(await page.inputValue("#priority"), "high", "the priority is kept");
  assert.equal(await page.inputValue("#body"), "The backup job fails every night at 02:00.", "the message is kept");
}

async function ticketCount() {
  return (await customerApi.get("/tickets")).total;
}

/** The limit a message states ("2000 bytes", "2 KB", "1 MB"), in bytes; null if it states none. */
function statedLimit(message) {
  const m = message.match(/(\d+(?:[.,]\d+)?)\s*(bytes|byte|B|KB|KiB|MB|MiB)\b/i);
  if (!m) return null;
  const n = Number(m[1].replace(",", "."));
  const unit = m[2].toLowerCase();
  return n * (unit.startsWith("m") ? 1024 * 1024 : unit.startsWith("k") ? 1024 : 1);
}

test("a new ticket with a file over the limit is refused next to the attachment field", { timeout: 30_000 }, async () => {
  await fillNewTicket({ subject: "Backups fail" });
  await page.setInputFiles("#attachments", [SMALL, BIG]);
  const resp = await submit('main form[action="/tickets/new"] button[type=submit].primary');
  assert.equal(resp.status(), 422);
  const error = page.locator(".dropzone .field-error");
  await error.waitFor();
  const message = (await error.textContent()).trim();
  assert.ok(message.includes(BIG.name), `the message names the file: "${message}"`);
  assert.ok(!message.includes(SMALL.name), "the small file is not blamed");
  assert.equal(await page.inputValue("#subject"), "Backups fail", "the subject is kept");
  await assertValuesKept();
  assert.equal(await ticketCount(), 0, "no ticket was opened");
});

test("the over-limit message states the real limit", { timeout: 30_000 }, async () => {
  await fillNewTicket({ subject: "Backups fail" });
  await page.setInputFiles("#attachments", BIG);
  await submit('main form[action="/tickets/new"] button[type=submit].primary');
  const message = (await page.locator(".dropzone .field-error").textContent()).trim();
  const shown = statedLimit(message);
  assert.ok(shown !== null, `the message states the limit: "${message}"`);
  assert.ok(
    shown < BIG.buffer.length,
    `PRODUCT BUG: the message "${message}" gives a limit of ${shown} bytes, which the ${BIG.buffer.length}-byte file is under; ` +
      `the real limit is ${LIMIT} bytes (max_attachment_bytes is rounded up to whole megabytes for the message and the form's hint)`,
  );
});

test("a reply with a file over the limit is refused and the reply text kept", { timeout: 30_000 }, async () => {
  const t = await customerApi.ticket({ subject: "Existing ticket", department_id: 1, body: "First message." });
  await page.goto(`${server.url}/tickets/${t.number}`);
  await page.fill("#body", "Here is the full dump.");
  await page.setInputFiles("#attachments", BIG);
  const resp = await submit('form[action$="/reply"] button[type=submit].primary');
  assert.equal(resp.status(), 422);
  const message = (await page.locator(".dropzone .field-error").textContent()).trim();
  assert.ok(message.includes(BIG.name), `the message names the file: "${message}"`);
  assert.equal(await page.inputValue("#body"), "Here is the full dump.");
  assert.equal((await customerApi.messages(t.id)).length, 1, "no reply was added");
});

test("an empty subject comes back with the message next to the field and the other values kept", { timeout: 30_000 }, async () => {
  const before = await ticketCount();
  await fillNewTicket({ subject: "" });
  // The browser's own check (`required`) would stop the form; the server must too.
  await page.evaluate(() => {
    document.querySelector('main form[action="/tickets/new"]').noValidate = true;
  });
  const resp = await submit('main form[action="/tickets/new"] button[type=submit].primary');
  assert.equal(resp.status(), 422);
  const expected = fill(en.get("err.required"), en.get("field.subject"));
  const error = page.locator("#subject-error");
  assert.equal((await error.textContent()).trim(), expected);
  assert.equal(await page.getAttribute("#subject", "aria-invalid"), "true");
  assert.equal(await page.getAttribute("#subject", "aria-describedby"), "subject-error");
  // The message is right after the field it is about.
  assert.equal(await page.evaluate(() => document.querySelector("#subject").nextElementSibling?.id), "subject-error");
  await assertValuesKept();
  assert.equal(await ticketCount(), before, "no ticket was opened");
});

test("a subject of only spaces is refused like an empty one", { timeout: 30_000 }, async () => {
  const before = await ticketCount();
  await fillNewTicket({ subject: "    " });
  const resp = await submit('main form[action="/tickets/new"] button[type=submit].primary');
  assert.equal(resp.status(), 422, "spaces pass the browser's `required`, so the server has to refuse them");
  await page.locator("#subject-error").waitFor();
  await assertValuesKept();
  assert.equal(await ticketCount(), before, "no ticket was opened");
});

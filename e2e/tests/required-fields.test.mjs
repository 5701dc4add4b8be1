// Issue 18, item 12: a custom field "required when a ticket is opened", added
// after tickets were opened, is required when a ticket is opened and only then.
// On an older ticket the agent changes the priority with the properties form and
// it is saved (the empty new fields do not block it); a new ticket still needs
// the field, on the customer's form as through the API. At 1280 and 390 px.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startWithAdmin, createUser, tokenFor, api, ApiError, launch, newPage, signIn, catalog } from "../lib/harness.mjs";

const CUSTOMER = { email: "required.customer@e2e.test", name: "Rana Customer", password: "customer-pass-1" };
const en = catalog("en");

let server, browser, customer;
const old = [];

before(async () => {
  server = await startWithAdmin();
  await createUser(server, CUSTOMER);
  customer = api(server.url, await tokenFor(server, CUSTOMER.email));
  for (const n of [1, 2]) old.push(await customer.ticket({ subject: `Opened before the field, ${n}`, department_id: 1, body: "Hello." }));
  // The admin adds two required fields afterwards: a text and a box to tick.
  await server.admin.customField({ key: "contract", type: "text", required: true, labels: { en: "Contract number" }, customer_visible: true, customer_editable: true });
  await server.admin.customField({ key: "terms", type: "checkbox", required: true, labels: { en: "Terms accepted" }, customer_visible: true, customer_editable: true });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

for (const [n, width, height] of [
  [0, 1280, 800],
  [1, 390, 844],
]) {
  test(`an older ticket's priority changes after a required field was added (${width} px)`, { timeout: 45_000 }, async () => {
    const t = old[n];
    const mobile = width < 600 ? { isMobile: true, hasTouch: true } : {};
    const { context, page } = await newPage(browser, { viewport: { width, height }, ...mobile });
    try {
      await signIn(page, server.url, "admin@localhost", server.adminPassword);
      await page.goto(`${server.url}/agent/tickets/${t.id}`);
      await page.selectOption("#p-priority", "high");
      const [resp] = await Promise.all([
        page.waitForEvent("response", (r) => r.request().method() === "POST"),
        page.click('form[action$="/properties"] button[type=submit].primary'),
      ]);
      await page.waitForLoadState("load");
      assert.equal(resp.status(), 303, `the change is accepted (the page says: ${await page.locator(".field-error, .alert").allTextContents()})`);
      assert.match(page.url(), /done=saved/);
      assert.equal(await page.inputValue("#p-priority"), "high", "the page shows the new priority");
      assert.equal(await page.locator(".field-error").count(), 0, "no field is in error");
      const saved = await server.admin.get(`/tickets/${t.id}`);
      assert.equal(saved.priority ?? saved.ticket?.priority, "high");
    } finally {
      await context.close();
    }
  });
}

test("a new ticket still needs the required fields", { timeout: 45_000 }, async () => {
  // Through the API.
  await assert.rejects(
    customer.ticket({ subject: "New after the field", department_id: 1, body: "Hello." }),
    (e) => e instanceof ApiError && e.status === 422 && e.body.error.code === "required",
  );
  // On the customer's form (the browser's own check aside, the server's).
  const { context, page } = await newPage(browser);
  try {
    await signIn(page, server.url, CUSTOMER.email, CUSTOMER.password);
    await page.goto(`${server.url}/tickets/new?department=1`);
    await page.fill("#subject", "New after the field");
    await page.fill("#body", "Hello.");
    await page.evaluate(() => {
      document.querySelector('main form[action="/tickets/new"]').noValidate = true;
    });
    const [resp] = await Promise.all([
      page.waitForEvent("response", (r) => r.request().method() === "POST"),
      page.click('main form[action="/tickets/new"] button[type=submit].primary'),
    ]);
    await page.waitForLoadState("load");
    assert.equal(resp.status(), 422);
    const message = (await page.locator('[data-field="contract"] .field-error').textContent()).trim();
    assert.ok(message.includes("Contract number"), `the message names the field: "${message}"`);
    assert.ok(en.get("err.required"), "the catalog has the message");
  } finally {
    await context.close();
  }
});

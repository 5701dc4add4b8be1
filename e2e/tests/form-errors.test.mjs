// Issue 18, item 9: after a refused form the error is where the eye is. A reply
// at the bottom of a long conversation, refused for a file over the limit, comes
// back with the first field in error focused and its message in the window, a
// summary at the top that links to it, and the address bar showing the ticket
// page's address, not the form's POST address. At 1280 × 800 and at 390 px, for
// the customer's and the agent's ticket pages and the new-ticket form.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startWithAdmin, createUser, tokenFor, api, launch, newPage, signIn, catalog } from "../lib/harness.mjs";

const LIMIT = 2000;
const CUSTOMER = { email: "errors.customer@e2e.test", name: "Elif Customer", password: "customer-pass-1" };
const BIG = { name: "full-dump.log", mimeType: "text/plain", buffer: Buffer.alloc(5000, "x") };
const en = catalog("en");

let server, browser, ticket;

before(async () => {
  server = await startWithAdmin({ env: { TESSERA_MAX_ATTACHMENT_BYTES: String(LIMIT) } });
  await createUser(server, CUSTOMER);
  const customer = api(server.url, await tokenFor(server, CUSTOMER.email));
  ticket = await customer.ticket({ subject: "Backups fail every night", department_id: 1, body: "The backup job fails.\n".repeat(6) });
  // A long conversation: the reply box ends up far below the first screen.
  for (let i = 1; i <= 6; i++) {
    await server.admin.reply(ticket.id, { body: `Step ${i}: please try this.\n`.repeat(8) });
    await customer.reply(ticket.id, { body: `Tried step ${i}, still failing.\n`.repeat(8) });
  }
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function submit(page, selector) {
  // The form's own POST (not a presence heartbeat the ticket page sends meanwhile).
  const action = await page.$eval(selector, (b) => new URL(b.form.action).pathname);
  const [resp] = await Promise.all([
    page.waitForEvent("response", (r) => r.request().method() === "POST" && new URL(r.url()).pathname === action),
    page.click(selector),
  ]);
  await page.waitForLoadState("load");
  return resp;
}

/** What the person sees after the refused submit. */
async function afterRefusal(page, errorSelector) {
  // The script places the summary and focus once the page has loaded.
  await page.locator("[data-error-summary]").waitFor({ timeout: 5_000 }).catch(() => {});
  return page.evaluate((sel) => {
    const err = document.querySelector(sel);
    const r = err ? err.getBoundingClientRect() : null;
    const summary = document.querySelector("[data-error-summary]");
    const main = document.getElementById("main");
    return {
      path: location.pathname,
      search: location.search,
      error: err ? err.textContent.trim() : null,
      inView: !!r && r.top >= 0 && r.bottom <= window.innerHeight && r.height > 0,
      top: r ? Math.round(r.top) : null,
      height: window.innerHeight,
      focused: document.activeElement ? document.activeElement.id : null,
      summaryFirst: !!summary && main.contains(summary) && summary.getBoundingClientRect().top <= main.querySelector("h1, .page-head, form").getBoundingClientRect().top,
      summaryLinks: summary ? [...summary.querySelectorAll("a")].map((a) => ({ href: a.getAttribute("href"), text: a.textContent.trim() })) : [],
      summaryTitle: summary ? summary.querySelector("p")?.textContent.trim() : null,
    };
  }, errorSelector);
}

for (const [width, height] of [
  [1280, 800],
  [390, 844],
]) {
  const mobile = width < 600 ? { isMobile: true, hasTouch: true } : {};

  test(`a customer's refused reply shows its error in view and keeps the ticket's address at ${width} px`, { timeout: 45_000 }, async () => {
    const { context, page } = await newPage(browser, { viewport: { width, height }, ...mobile });
    try {
      await signIn(page, server.url, CUSTOMER.email, CUSTOMER.password);
      await page.goto(`${server.url}/tickets/${ticket.number}`);
      await page.fill("#body", "Here is the full dump.");
      await page.setInputFiles("#attachments", BIG);
      const resp = await submit(page, 'form[action$="/reply"] button[type=submit].primary');
      assert.equal(resp.status(), 422);
      const seen = await afterRefusal(page, ".dropzone .field-error");
      assert.ok(seen.error?.includes(BIG.name), `the message names the file: ${seen.error}`);
      assert.equal(seen.path, `/tickets/${ticket.number}`, "the address bar shows the ticket page, not the form's POST address");
      assert.ok(seen.inView, `the error is in the window (top ${seen.top} of ${seen.height})`);
      assert.equal(seen.focused, "attachments", "the field in error has the focus");
      assert.equal(seen.summaryTitle, en.get("form.error_summary"));
      assert.ok(seen.summaryFirst, "the summary is at the top of the page");
      assert.deepEqual(seen.summaryLinks.map((l) => l.href), ["#attachments"]);
      assert.ok(seen.summaryLinks[0].text.includes(BIG.name), "the summary says what is wrong");
      assert.equal(await page.inputValue("#body"), "Here is the full dump.", "the reply text is kept");
      // A reload asks for the ticket page, not the form's address.
      const again = await page.reload();
      assert.equal(again.request().method(), "GET");
      assert.equal(new URL(page.url()).pathname, `/tickets/${ticket.number}`);
    } finally {
      await context.close();
    }
  });

  test(`an agent's refused reply shows its error in view and keeps the ticket's address at ${width} px`, { timeout: 45_000 }, async () => {
    const { context, page } = await newPage(browser, { viewport: { width, height }, ...mobile });
    try {
      await signIn(page, server.url, "admin@localhost", server.adminPassword);
      await page.goto(`${server.url}/agent/tickets/${ticket.id}`);
      await page.fill("#body", "Please send the dump again.");
      await page.setInputFiles("#attachments", BIG);
      const resp = await submit(page, 'form[action$="/message"] button[type=submit].primary');
      assert.ok(resp.status() >= 400 && resp.status() < 500, `refused (${resp.status()})`);
      const seen = await afterRefusal(page, ".dropzone .field-error");
      assert.equal(seen.path, `/agent/tickets/${ticket.id}`, "the address bar shows the ticket page");
      assert.ok(seen.inView, `the error is in the window (top ${seen.top} of ${seen.height})`);
      assert.equal(seen.focused, "attachments");
      assert.deepEqual(seen.summaryLinks.map((l) => l.href), ["#attachments"]);
      assert.equal(await page.inputValue("#body"), "Please send the dump again.");
    } finally {
      await context.close();
    }
  });

  test(`a refused new ticket links every field in error and keeps the form's address at ${width} px`, { timeout: 45_000 }, async () => {
    const { context, page } = await newPage(browser, { viewport: { width, height }, ...mobile });
    try {
      await signIn(page, server.url, CUSTOMER.email, CUSTOMER.password);
      await page.goto(`${server.url}/tickets/new?department=1`);
      await page.fill("#body", "The backup job fails every night at 02:00.");
      await page.evaluate(() => {
        document.querySelector('main form[action="/tickets/new"]').noValidate = true;
      });
      const resp = await submit(page, 'main form[action="/tickets/new"] button[type=submit].primary');
      assert.equal(resp.status(), 422);
      const seen = await afterRefusal(page, "#subject-error");
      assert.equal(seen.path + seen.search, "/tickets/new?department=1", "the address is the form page's, with its department");
      assert.ok(seen.inView, `the first error is in the window (top ${seen.top} of ${seen.height})`);
      assert.equal(seen.focused, "subject", "the first field in error has the focus");
      assert.deepEqual(seen.summaryLinks.map((l) => l.href), ["#subject"]);
      assert.equal(await page.inputValue("#body"), "The backup job fails every night at 02:00.");
      // The summary's link leads to its field.
      await page.locator("[data-error-summary] a").first().click();
      assert.equal(await page.evaluate(() => document.activeElement.id), "subject");
    } finally {
      await context.close();
    }
  });
}

// Issue 18, item 3: `s` on a ticket page asks before it solves, keeps what is
// typed in the composer, and obeys the properties form's rules (the same desk
// call as its Save button: a required field the agent emptied refuses it). At
// 1280 px and, for the confirmation, at 390 px.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startWithAdmin, createUser, launch, newPage, signIn, catalog, eventually } from "../lib/harness.mjs";

const AGENT = { email: "sena@e2e.test", name: "Sena Agent", password: "agent-pass-1" };
const en = catalog("en");

let server, browser, dept;

before(async () => {
  server = await startWithAdmin();
  const a = await createUser(server, { ...AGENT, role: "agent" });
  dept = await server.admin.department({ name: "Hosting", member_ids: [a] });
  await server.admin.customField({ key: "contract", type: "text", required: true, labels: { en: "Contract number" }, customer_visible: true, customer_editable: true });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function openTicket(subject) {
  return server.admin.ticket({
    subject,
    department_id: dept.id,
    body: "The server does not boot.",
    requester: { email: "boot.customer@e2e.test", name: "Bora Customer" },
    custom_fields: { contract: "C-100" },
  });
}

async function statusOf(id) {
  const t = await server.admin.get(`/tickets/${id}`);
  return t.status ?? t.ticket?.status;
}

/** Types in the composer, then leaves it (shortcuts do not fire while typing). */
async function typeReply(page, text) {
  await page.locator("[data-composer-body]").fill(text);
  await page.locator("h1").click();
}

async function agentOn(viewport, ticket) {
  const mobile = viewport.width < 600 ? { isMobile: true, hasTouch: true } : {};
  const { context, page } = await newPage(browser, { viewport, ...mobile });
  await signIn(page, server.url, AGENT.email, AGENT.password);
  await page.goto(`${server.url}/agent/tickets/${ticket.id}`);
  await page.waitForSelector('body[data-live="on"]');
  return { context, page };
}

test("s asks first; cancelling changes nothing, confirming solves and keeps the typed reply", { timeout: 45_000 }, async () => {
  const t = await openTicket("Server does not boot after kernel update");
  const { context, page } = await agentOn({ width: 1280, height: 800 }, t);
  try {
    const url = page.url();
    await typeReply(page, "Please send the console output.");
    await page.keyboard.press("s");
    const dialog = page.locator("[data-solve-dialog]");
    await dialog.waitFor({ state: "visible" });
    assert.equal(await dialog.locator("h2").textContent(), en.get("solve.title"));
    assert.equal(await dialog.locator("[data-solve-kept]").isVisible(), true, "the dialog says the typed text stays");
    const before = await statusOf(t.id);
    assert.notEqual(before, "solved", "nothing happens before the answer");

    await dialog.getByRole("button", { name: en.get("solve.cancel") }).click();
    await dialog.waitFor({ state: "hidden" });
    assert.equal(await statusOf(t.id), before, "cancelled: nothing changed");

    await page.keyboard.press("s");
    await dialog.waitFor({ state: "visible" });
    await dialog.getByRole("button", { name: en.get("solve.confirm") }).click();
    await page.locator("[data-solve-result]").waitFor({ state: "visible" });
    assert.equal(await page.locator("[data-solve-result]").textContent(), en.get("done.solve"));
    await eventually(async () => (await statusOf(t.id)) === "solved", { message: "the ticket is solved" });
    assert.match(await page.locator(".page-head .status").textContent(), /solved/i, "the page shows the new status");
    assert.equal(page.url(), url, "the page was not left");
    assert.equal(await page.inputValue("[data-composer-body]"), "Please send the console output.", "the typed reply is still there");
    // One's own change is not "something changed".
    await page.waitForTimeout(1500);
    assert.equal(await page.locator("[data-live-notice]").isHidden(), true, "no 'something changed' for one's own solve");
  } finally {
    await context.close();
  }
});

test("s obeys the form's rules: a required field emptied in the panel refuses it, nothing typed is lost", { timeout: 45_000 }, async () => {
  const t = await openTicket("Billing address wrong on invoice");
  const { context, page } = await agentOn({ width: 1280, height: 800 }, t);
  try {
    await page.fill("#cf-contract", "");
    await typeReply(page, "Checking with billing.");
    await page.keyboard.press("s");
    const dialog = page.locator("[data-solve-dialog]");
    await dialog.waitFor({ state: "visible" });
    await dialog.getByRole("button", { name: en.get("solve.confirm") }).click();
    const fieldError = page.locator('[data-field="contract"] .field-error');
    await fieldError.waitFor({ state: "visible" });
    assert.match(await fieldError.textContent(), /Contract number/, "the message names the field, as Save's does");
    assert.equal(await page.locator("[data-solve-result]").getAttribute("class"), "alert");
    assert.notEqual(await statusOf(t.id), "solved", "refused: not solved");
    const saved = await server.admin.get(`/tickets/${t.id}`);
    assert.equal((saved.custom_fields ?? saved.ticket?.custom_fields).contract, "C-100", "the value stays");
    assert.equal(await page.inputValue("[data-composer-body]"), "Checking with billing.", "the typed reply is still there");
  } finally {
    await context.close();
  }
});

test("the confirmation fits a 390 px screen and solves", { timeout: 45_000 }, async () => {
  const t = await openTicket("Mail bounces from our domain");
  const { context, page } = await agentOn({ width: 390, height: 844 }, t);
  try {
    await typeReply(page, "Your SPF record is missing.");
    await page.keyboard.press("s");
    const dialog = page.locator("[data-solve-dialog]");
    await dialog.waitFor({ state: "visible" });
    const box = await dialog.boundingBox();
    assert.ok(box.x >= 0 && box.x + box.width <= 390, `the dialog is within the screen: ${JSON.stringify(box)}`);
    for (const name of [en.get("solve.confirm"), en.get("solve.cancel")]) {
      const b = await dialog.getByRole("button", { name }).boundingBox();
      assert.ok(b && b.x >= 0 && b.x + b.width <= 390, `${name} is on screen: ${JSON.stringify(b)}`);
    }
    await dialog.getByRole("button", { name: en.get("solve.confirm") }).click();
    await page.locator("[data-solve-result]").waitFor({ state: "visible" });
    await eventually(async () => (await statusOf(t.id)) === "solved", { message: "the ticket is solved" });
    assert.equal(await page.inputValue("[data-composer-body]"), "Your SPF record is missing.");
  } finally {
    await context.close();
  }
});

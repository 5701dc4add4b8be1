// Issue 17: the admins' mail template editor in a real browser. An admin opens
// a template, types a placeholder that does not exist, sees the error with its
// line while the typed text stays, fixes it, previews it on a real ticket (the
// HTML part in a sandboxed frame), saves it (the template is custom) and puts
// the built-in one back — at desktop width and at 390 px, without the page
// scrolling sideways.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startWithAdmin, createUser, launch, newPage, signIn } from "../lib/harness.mjs";

const ADMIN = { email: "templates.admin@e2e.test", name: "Template Admin", role: "admin", password: "admin-pass-tpl-1" };
const NARROW = 390;

let server, browser, ticket;

before(async () => {
  server = await startWithAdmin();
  const d = await server.admin.department({ name: "Destek", description: "", public: true });
  await createUser(server, ADMIN);
  ticket = await server.admin.ticket({
    subject: "Yazıcı çalışmıyor",
    department_id: d.id,
    body: "Merhaba, yazıcı çalışmıyor.",
    requester: { email: "zeynep@musteri.test", name: "Zeynep Kaya" },
  });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** The page does not scroll sideways at `width`. */
async function noSideways(page, width) {
  const scroll = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(scroll <= width + 4, `the page scrolls sideways at ${width} px: ${scroll}`);
}

/** Edits `kind` in `language` from the list: bad, fixed, previewed, saved, reset. */
async function editTemplate(page, kind, language, width) {
  await page.goto(`${server.url}/admin/templates`);
  await page.locator(`a[href="/admin/templates/${kind}/${language}"]`).click();
  await page.waitForURL((u) => u.pathname === `/admin/templates/${kind}/${language}`);
  assert.equal(await page.locator("[data-template-state]").getAttribute("data-template-state"), "built-in");
  assert.ok(await page.getByText("{{ ticket.number }}", { exact: true }).isVisible(), "the placeholders are listed");
  await noSideways(page, width);

  // A placeholder that does not exist, on the second line: refused, with where.
  const bad = "Merhaba {{ customer.name }},\n{{ ticket.nmber }} numaralı talebiniz.";
  await page.fill("#tpl-subject", "[{{ ticket.number }}] {{ ticket.subject }}");
  await page.fill("#tpl-body", bad);
  await page.getByRole("button", { name: "Save" }).click();
  const error = page.locator("#tpl-body-error");
  await error.waitFor();
  assert.match(await error.textContent(), /This template cannot be used: body, line 2/);
  assert.equal(await page.locator("#tpl-body").inputValue(), bad, "the typed text is kept");
  assert.equal(await page.locator("#tpl-body").getAttribute("aria-invalid"), "true");
  assert.equal(await page.locator("[data-template-state]").getAttribute("data-template-state"), "built-in");
  await noSideways(page, width);

  // Fixed, and previewed on the ticket.
  const good = "Merhaba {{ customer.name }},\n{{ ticket.number }} numaralı talebiniz: {{ ticket.url }}";
  await page.fill("#tpl-body", good);
  await page.fill("#tpl-ticket", ticket.number);
  await page.getByRole("button", { name: "Preview" }).click();
  const subject = page.locator("[data-preview-subject]");
  await subject.waitFor();
  assert.equal((await subject.textContent()).trim(), `[${ticket.number}] Yazıcı çalışmıyor`);
  assert.match(await page.locator("[data-preview-text]").textContent(), new RegExp(`${ticket.number} numaralı talebiniz`));
  const frame = page.frameLocator("iframe[data-preview-html]");
  await frame.getByText("Merhaba Zeynep Kaya,").waitFor();
  assert.equal(await page.locator("iframe[data-preview-html]").getAttribute("sandbox"), "", "scripts and forms are off");
  assert.equal(await page.locator("#tpl-body").inputValue(), good, "the text stays after a preview");
  await noSideways(page, width);

  // Saved: custom from now on.
  await page.getByRole("button", { name: "Save" }).click();
  await page.waitForURL((u) => u.search === "?done=saved");
  assert.ok(await page.getByText("The template is saved and used from now on.").isVisible());
  assert.equal(await page.locator("[data-template-state]").getAttribute("data-template-state"), "custom");
  assert.equal(await page.locator("#tpl-body").inputValue(), good);
  const stored = (await server.admin.get("/mail/templates")).templates.find(
    (t) => t.kind === kind && t.language === language,
  );
  assert.equal(stored.custom, true);
  await noSideways(page, width);

  // Back to the built-in one (after confirming).
  page.once("dialog", (d) => d.accept());
  await page.getByRole("button", { name: "Reset to built-in" }).click();
  await page.waitForURL((u) => u.pathname === "/admin/templates");
  assert.ok(await page.getByText("The built-in template is used again.").isVisible());
  const after = (await server.admin.get("/mail/templates")).templates.find(
    (t) => t.kind === kind && t.language === language,
  );
  assert.equal(after.custom, false);
}

test("an admin fixes, previews, saves and resets a template at desktop width", { timeout: 60_000 }, async () => {
  const { context, page } = await newPage(browser);
  await signIn(page, server.url, ADMIN.email, ADMIN.password);
  await editTemplate(page, "solved", "tr", 1280);
  await context.close();
});

test("the same at 390 px", { timeout: 60_000 }, async () => {
  const { context, page } = await newPage(browser, {
    viewport: { width: NARROW, height: 800 },
    isMobile: true,
    hasTouch: true,
  });
  await signIn(page, server.url, ADMIN.email, ADMIN.password);
  await editTemplate(page, "acknowledgement", "tr", NARROW);
  await context.close();
});

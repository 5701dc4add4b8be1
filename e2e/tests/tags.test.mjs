// Issue 18, item 11: tags never change silently. Next to the tags field the rule
// is said in the reader's language, and what is typed is shown as the tags it
// will be saved as before saving ("boot, kernel panic, VIP" → boot, kernel, panic,
// vip); what is saved is what was shown. On the ticket's properties at 1280 and
// 390 px, and on the agent's new-ticket form; in English and in Turkish.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startWithAdmin, launch, newPage, signIn, catalog } from "../lib/harness.mjs";

const TYPED = "boot, kernel panic, VIP";
const PASSWORD = "agent-pass-1";

let server, browser, agentEn, agentTr;

before(async () => {
  server = await startWithAdmin();
  agentEn = await server.admin.user({ email: "tags.en@e2e.test", name: "Tara Agent", role: "agent", password: PASSWORD, locale: "en" });
  agentTr = await server.admin.user({ email: "tags.tr@e2e.test", name: "Tuba Agent", role: "agent", password: PASSWORD, locale: "tr" });
  await server.admin.patch("/departments/1", { member_ids: [agentEn.id, agentTr.id] });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function preview(page, selector) {
  const out = page.locator(selector);
  await out.waitFor({ state: "visible" });
  return {
    text: (await out.textContent()).trim(),
    tags: await out.locator(".tag").allTextContents(),
    inView: await out.evaluate((el) => {
      const r = el.getBoundingClientRect();
      return r.width > 0 && r.left >= 0 && r.right <= window.innerWidth;
    }),
  };
}

for (const [width, height, lang, who] of [
  [1280, 800, "en", () => agentEn],
  [390, 844, "tr", () => agentTr],
]) {
  const words = catalog(lang);
  test(`the ticket's tags field says its rule and shows what will be saved (${lang}, ${width} px)`, { timeout: 45_000 }, async () => {
    const t = await server.admin.ticket({
      subject: "Server does not boot",
      department_id: 1,
      body: "Kernel panic at boot.",
      requester: { email: "tags.customer@e2e.test", name: "Tolga Customer" },
    });
    const mobile = width < 600 ? { isMobile: true, hasTouch: true } : {};
    const { context, page } = await newPage(browser, { viewport: { width, height }, ...mobile });
    try {
      await signIn(page, server.url, who().email, PASSWORD);
      await page.goto(`${server.url}/agent/tickets/${t.id}`);
      // The rule, next to the field and tied to it.
      const describedBy = await page.getAttribute("#p-tags", "aria-describedby");
      assert.ok(describedBy, "the tags field is described by its rule");
      const ruleId = describedBy.split(" ")[0];
      assert.equal((await page.locator(`#${ruleId}`).textContent()).trim(), words.get("tags.rule"));
      // What will be saved, before saving.
      await page.fill("#p-tags", TYPED);
      const shown = await preview(page, "[data-tags-preview=p-tags]");
      assert.deepEqual(shown.tags, ["boot", "kernel", "panic", "vip"]);
      assert.ok(shown.text.startsWith(words.get("tags.preview")), `the preview says what it is: "${shown.text}"`);
      assert.ok(shown.inView, "the preview is within the window");
      await Promise.all([page.waitForURL(/done=saved/), page.click('form[action$="/properties"] button[type=submit].primary')]);
      const saved = await server.admin.get(`/tickets/${t.id}`);
      assert.deepEqual(saved.tags ?? saved.ticket?.tags, shown.tags, "what is saved is what was shown");
      // Back on the page, the field and the preview show the saved tags.
      const again = await preview(page, "[data-tags-preview=p-tags]");
      assert.deepEqual(again.tags, shown.tags);
    } finally {
      await context.close();
    }
  });
}

test("the new-ticket form's tags field says its rule and shows what will be saved", { timeout: 45_000 }, async () => {
  const en = catalog("en");
  const { context, page } = await newPage(browser);
  try {
    await signIn(page, server.url, agentEn.email, PASSWORD);
    await page.goto(`${server.url}/agent/tickets/new?department=1`);
    const rule = await page.locator("#n-tags-rule").textContent({ timeout: 2_000 }).catch(() => null);
    assert.equal(rule?.trim(), en.get("tags.rule"), "the rule is under the field");
    await page.fill("#n-tags", "Billing  billing,refund");
    const shown = await preview(page, "[data-tags-preview=n-tags]");
    assert.deepEqual(shown.tags, ["billing", "refund"], "each tag once, in lower case");
  } finally {
    await context.close();
  }
});

test("the console's bulk bar says the rule and shows the tags it will add", { timeout: 45_000 }, async () => {
  const en = catalog("en");
  const t = await server.admin.ticket({
    subject: "Tag me",
    department_id: 1,
    body: "Hello.",
    requester: { email: "tags.customer@e2e.test", name: "Tolga Customer" },
  });
  const { context, page } = await newPage(browser);
  try {
    await signIn(page, server.url, agentEn.email, PASSWORD);
    await page.goto(`${server.url}/agent?list=waiting`);
    await page.check(`tr[data-ticket-id="${t.id}"] input[name="ids"]`);
    assert.equal(await page.getAttribute("#bulk-tags", "title"), en.get("tags.rule"), "the rule shows on hover");
    await page.fill("#bulk-tags", "Kernel panic");
    const shown = await preview(page, "[data-tags-preview=bulk-tags]");
    assert.deepEqual(shown.tags, ["kernel", "panic"]);
    await Promise.all([page.waitForURL(/done=bulk/), page.click('[data-bulk-bar] button[name="do"][value="tags"]')]);
    const saved = await server.admin.get(`/tickets/${t.id}`);
    assert.deepEqual(saved.tags ?? saved.ticket?.tags, shown.tags, "the tags added are the ones shown");
  } finally {
    await context.close();
  }
});

// Smaller things of the ticket pages (issue 18, item 15), as a person sees them:
// the sizes of picked files (bytes below 1 KB, "7 B", not "1 KB"); web and mail
// addresses in a message are links that open (safe: rel="noopener noreferrer
// nofollow", never a javascript: link); an image attached to a message is shown
// as a thumbnail (PNG, JPEG, GIF, WebP; never SVG); merging asks first, as
// deleting does, and nothing is merged when the agent says no; the rating stars
// stand out from the card (3:1 at least). At 1280 and 390 px.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startWithAdmin, createUser, tokenFor, api, launch, newPage, signIn, catalog } from "../lib/harness.mjs";

const AGENT = { email: "merve.agent@e2e.test", name: "Merve Agent", password: "agent-pass-1" };
const CUSTOMER = { email: "okan.customer@e2e.test", name: "Okan Customer", password: "customer-pass-1" };
const en = catalog("en");
const PNG = {
  name: "screenshot.png",
  mimeType: "image/png",
  buffer: Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==", "base64"),
};
const SVG = {
  name: "logo.svg",
  mimeType: "image/svg+xml",
  buffer: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>'),
};
const TINY = { name: "seven.txt", mimeType: "text/plain", buffer: Buffer.from("7 bytes") };
const ALMOST_KB = { name: "almost.txt", mimeType: "text/plain", buffer: Buffer.alloc(1023, "x") };
const URL = "https://status.example.com/incident?id=7&x=1";
const BODY = `Our status page: ${URL}. Write to mailto:help@example.com or try javascript:alert(1) please.`;

let server, browser, customerApi, agentId;

before(async () => {
  server = await startWithAdmin();
  agentId = await createUser(server, { ...AGENT, role: "agent" });
  await createUser(server, CUSTOMER);
  await server.admin.patch("/departments/1", { member_ids: [1, agentId] });
  customerApi = api(server.url, await tokenFor(server, CUSTOMER.email));
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

for (const width of [1280, 390]) {
  test(`file sizes, links and image previews at ${width} px`, { timeout: 60_000 }, async () => {
    const { context, page } = await newPage(browser, { viewport: { width, height: 860 } });
    await signIn(page, server.url, CUSTOMER.email, CUSTOMER.password);
    const t = await customerApi.ticket({ subject: `Links at ${width}`, department_id: 1, body: BODY });
    await page.goto(`${server.url}/tickets/${t.number}`);

    // The picked files' sizes, before sending.
    await page.setInputFiles("#attachments", [TINY, ALMOST_KB, PNG, SVG]);
    const picked = page.locator("[data-dropzone] ul li");
    assert.equal(await picked.nth(0).textContent(), "seven.txt (7 B)");
    assert.equal(await picked.nth(1).textContent(), "almost.txt (1,023 B)");
    await page.fill("#body", "Here are the files.");
    await Promise.all([
      page.waitForResponse((r) => r.request().method() === "POST"),
      page.click('form[action$="/reply"] button[type=submit].primary'),
    ]);
    await page.waitForLoadState("load");

    // The message's files: the tiny one in bytes, the PNG previewed, the SVG not.
    const files = page.locator("article.message ul.files li");
    await files.first().waitFor();
    const texts = (await files.allTextContents()).map((s) => s.replace(/\s+/g, " ").trim());
    assert.ok(texts.includes("seven.txt 7 B"), JSON.stringify(texts));
    const thumbs = page.locator("article.message ul.files img.thumb");
    assert.equal(await thumbs.count(), 1, "only the PNG is previewed");
    const thumb = thumbs.first();
    assert.equal(await thumb.getAttribute("alt"), PNG.name);
    const href = await page.getByRole("link", { name: PNG.name }).getAttribute("href");
    assert.equal(await thumb.getAttribute("src"), href, "the thumbnail is the attachment's own file");
    await thumb.scrollIntoViewIfNeeded();
    assert.ok(await thumb.evaluate((img) => img.complete && img.naturalWidth === 1), "the image is shown");
    const box = await thumb.boundingBox();
    assert.ok(box.x + box.width <= width, "the thumbnail stays in the window");

    // The addresses in the first message are links; javascript: is not.
    const first = page.locator("article.message").first();
    const link = first.getByRole("link", { name: URL });
    await link.waitFor();
    assert.equal(await link.getAttribute("href"), URL);
    assert.equal(await link.getAttribute("rel"), "noopener noreferrer nofollow");
    const mail = first.getByRole("link", { name: "mailto:help@example.com" });
    assert.equal(await mail.getAttribute("href"), "mailto:help@example.com");
    assert.equal(await first.locator('a[href^="javascript:"]').count(), 0);
    assert.ok((await first.locator(".body").first().textContent()).includes("javascript:alert(1) please."));
    // A click goes to the address (answered here, not on the network).
    await context.route("https://status.example.com/**", (route) => route.fulfill({ status: 200, contentType: "text/html", body: "<title>Status</title>" }));
    await Promise.all([page.waitForURL(URL), link.click()]);
    await context.close();
  });

  test(`merging asks first, like deleting, at ${width} px`, { timeout: 60_000 }, async () => {
    const { context, page } = await newPage(browser, { viewport: { width, height: 860 } });
    await signIn(page, server.url, AGENT.email, AGENT.password);
    const target = await customerApi.ticket({ subject: `Target ${width}`, department_id: 1, body: "One" });
    const source = await customerApi.ticket({ subject: `Source ${width}`, department_id: 1, body: "Two" });
    await page.goto(`${server.url}/agent/tickets/${target.id}`);
    await page.fill("#merge-numbers", String(source.number));
    const asked = [];
    page.once("dialog", (d) => {
      asked.push(d.message());
      d.dismiss();
    });
    await page.click('button[name="do"][value="merge"]');
    assert.deepEqual(asked, [en.get("ticket.confirm_merge")]);
    await page.waitForTimeout(300);
    assert.equal((await server.admin.get(`/tickets/${source.id}`)).merged_into_id ?? null, null, "nothing was merged");
    assert.equal(await page.inputValue("#merge-numbers"), String(source.number), "the numbers stay");
    // Yes merges.
    page.once("dialog", (d) => d.accept());
    await Promise.all([page.waitForLoadState("load"), page.waitForResponse((r) => r.request().method() === "POST"), page.click('button[name="do"][value="merge"]')]);
    const after = await server.admin.get(`/tickets/${source.id}`);
    assert.equal(after.merged_into_id, target.id, `the source is merged: ${JSON.stringify(after)}`);
    await context.close();
  });
}

/** The contrast ratio of two CSS rgb() colours (WCAG). */
function contrast(a, b) {
  const lum = (css) => {
    const [r, g, b] = css.match(/\d+(\.\d+)?/g).slice(0, 3).map(Number).map((v) => {
      const c = v / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

test("the rating stars stand out from the card", { timeout: 60_000 }, async () => {
  const agentApi = api(server.url, await tokenFor(server, AGENT.email));
  const t = await customerApi.ticket({ subject: "Rate me", department_id: 1, body: "Help" });
  await agentApi.reply(t.id, { body: "Done." });
  const { context, page } = await newPage(browser);
  await signIn(page, server.url, CUSTOMER.email, CUSTOMER.password);
  await page.goto(`${server.url}/tickets/${t.number}`);
  const star = page.locator(".rating .star").first();
  await star.waitFor();
  const [fg, bg] = await star.evaluate((el) => {
    let b = el;
    while (b && getComputedStyle(b).backgroundColor.match(/rgba\(.*, 0\)|transparent/)) b = b.parentElement;
    return [getComputedStyle(el).color, b ? getComputedStyle(b).backgroundColor : "rgb(255, 255, 255)"];
  });
  assert.ok(contrast(fg, bg) >= 3, `an unchosen star (${fg} on ${bg}) has a contrast of ${contrast(fg, bg).toFixed(2)}`);
  await Promise.all([page.waitForLoadState("load"), page.click('.rating .star[value="4"]')]);
  const on = page.locator('.rating .star.on[value="4"]');
  await on.waitFor();
  const chosen = await on.evaluate((el) => getComputedStyle(el).color);
  assert.ok(contrast(chosen, bg) >= 3, `a chosen star (${chosen} on ${bg}) has a contrast of ${contrast(chosen, bg).toFixed(2)}`);
  assert.ok((await customerApi.messages(t.id)).some((m) => m.rating === 4), "the rating is saved");
  await context.close();
});

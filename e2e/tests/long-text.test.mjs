// Issue 18, item 8: one long word (a pasted URL or log line) never widens a page.
// A 255-character unbroken subject, a long unbroken word in the message, a
// requester and an organization with long unbroken names: the agent's console,
// the agent's ticket page, the customer's list and ticket page keep to the
// window's width at 1280 and 390 px, every row's status, priority and assignee
// stay on screen, and text that is cut short carries its full text on hover.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startWithAdmin, tokenFor, api, launch, newPage, signIn } from "../lib/harness.mjs";

const SUBJECT = "https://panel.example.com/" + "x".repeat(255 - "https://panel.example.com/".length);
const WORD = "2026/11/23_02:00:01_[error]_upstream_timed_out_" + "a1b2c3d4".repeat(30);
const NAME = "Bartholomew" + "y".repeat(100);
const ORG = "Organisation" + "z".repeat(100);
const CUSTOMER = { email: "long.customer@e2e.test", password: "customer-pass-1" };

let server, browser, ticket;

before(async () => {
  server = await startWithAdmin();
  const org = await server.admin.organization({ name: ORG });
  await server.admin.user({ email: CUSTOMER.email, name: NAME, role: "customer", password: CUSTOMER.password, organization_id: org.id });
  const customer = api(server.url, await tokenFor(server, CUSTOMER.email));
  for (let i = 1; i <= 3; i++) {
    await customer.ticket({ subject: `An ordinary question number ${i}`, department_id: 1, body: "Hello." });
  }
  ticket = await customer.ticket({ subject: SUBJECT, department_id: 1, body: `The log says:\n${WORD}\nPlease help.` });
  const me = await server.admin.get("/me");
  await server.admin.patch(`/tickets/${ticket.id}`, { assignee_id: me.id, priority: "high" });
  await server.admin.reply(ticket.id, { body: `We see ${WORD} too.` });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** Opens `path` and answers what overflows: the document's width and the cells that end past the window. */
async function measure(page, path) {
  await page.goto(`${server.url}${path}`);
  await page.waitForLoadState("networkidle", { timeout: 10_000 }).catch(() => {});
  return page.evaluate(() => {
    const width = window.innerWidth;
    const wide = [];
    for (const el of document.body.querySelectorAll("*")) {
      const r = el.getBoundingClientRect();
      if (r.width > 0 && r.right > width + 1 && !wide.some((w) => w.el.contains(el))) wide.push({ el, right: Math.round(r.right) });
    }
    const off = [];
    for (const cell of document.querySelectorAll("table.tickets td.col-status, table.tickets td.col-priority, table.tickets td.col-assignee, table.tickets td.col-requester, table.tickets td")) {
      const r = cell.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue; // a column hidden at this width
      if (r.right > width + 1) off.push(`${cell.className || "td"} of row ${cell.closest("tr")?.dataset.ticketId ?? "?"} ends at ${Math.round(r.right)}`);
    }
    return {
      width,
      scrollWidth: document.scrollingElement.scrollWidth,
      offenders: wide.slice(0, 5).map((w) => `${w.el.tagName.toLowerCase()}${w.el.className ? "." + String(w.el.className).trim().replace(/\s+/g, ".") : ""} (right edge ${w.right})`),
      off: off.slice(0, 5),
      rows: document.querySelectorAll("table.tickets tbody tr").length,
    };
  });
}

function assertFits(m, what) {
  assert.ok(
    m.scrollWidth <= m.width,
    `${what} is ${m.scrollWidth} px wide in a ${m.width}-px window; wider elements: ${m.offenders.join(", ")}`,
  );
  assert.deepEqual(m.off, [], `${what}: cells past the window's edge`);
}

/** The long subject, where shown in a list, carries its full text on hover when it is cut short. */
async function assertFullTextOnHover(page, selector) {
  const cut = await page.evaluate((sel) => {
    const out = [];
    for (const el of document.querySelectorAll(sel)) {
      const truncated = el.scrollHeight > el.clientHeight + 1 || el.scrollWidth > el.clientWidth + 1;
      out.push({ truncated, title: el.getAttribute("title"), text: el.textContent.trim() });
    }
    return out;
  }, selector);
  const long = cut.filter((c) => c.text.startsWith("https://panel.example.com/"));
  assert.ok(long.length > 0, `the long subject is listed (${selector})`);
  for (const c of long) if (c.truncated) assert.equal(c.title, SUBJECT, "a cut subject has its full text as its title");
}

for (const [width, height] of [
  [1280, 800],
  [390, 844],
]) {
  const mobile = width < 600 ? { isMobile: true, hasTouch: true } : {};

  test(`the agent's console and ticket page hold a 255-character word at ${width} px`, { timeout: 60_000 }, async () => {
    const { context, page } = await newPage(browser, { viewport: { width, height }, ...mobile });
    try {
      await signIn(page, server.url, "admin@localhost", server.adminPassword);
      for (const path of ["/agent?list=waiting"]) {
        const m = await measure(page, path);
        assert.ok(m.rows >= 4, `${path} lists the tickets (${m.rows} rows)`);
        assertFits(m, `${path} at ${width} px`);
        await assertFullTextOnHover(page, "table.tickets td.subject a");
      }
      // Every row's status (and, where the width shows them, priority and assignee) is on screen.
      const visible = await page.evaluate(() =>
        [...document.querySelectorAll("table.tickets td.col-status")].filter((c) => c.getBoundingClientRect().right <= window.innerWidth).length,
      );
      assert.ok(visible >= 4, `every row's status is on screen (${visible})`);
      assertFits(await measure(page, `/agent/tickets/${ticket.id}`), `the agent's ticket page at ${width} px`);
      const h1 = await page.locator("h1").boundingBox();
      assert.ok(h1.x + h1.width <= width, "the ticket's title wraps inside the window");
    } finally {
      await context.close();
    }
  });

  test(`the customer's list and ticket page hold a 255-character word at ${width} px`, { timeout: 60_000 }, async () => {
    const { context, page } = await newPage(browser, { viewport: { width, height }, ...mobile });
    try {
      await signIn(page, server.url, CUSTOMER.email, CUSTOMER.password);
      const m = await measure(page, "/");
      assert.ok(m.rows >= 4, `the list shows the tickets (${m.rows} rows)`);
      assertFits(m, `the customer's list at ${width} px`);
      await assertFullTextOnHover(page, "table.tickets td.subject a");
      // The status of every row is on screen.
      const statuses = await page.evaluate(() =>
        [...document.querySelectorAll("table.tickets td .status")].map((s) => {
          const r = s.getBoundingClientRect();
          return r.width > 0 && r.right <= window.innerWidth;
        }),
      );
      if (width >= 600) assert.ok(statuses.length >= 4 && statuses.every(Boolean), `every status is on screen: ${statuses}`);
      assertFits(await measure(page, `/tickets/${ticket.number}`), `the customer's ticket page at ${width} px`);
    } finally {
      await context.close();
    }
  });
}

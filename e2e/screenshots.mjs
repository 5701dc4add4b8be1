// Regenerates docs/screenshots/ from the demo data (`npm run screenshots`):
// a server on a temporary folder, `tessera demo --tickets 150`, then the portal
// (list, new ticket, ticket), the agent console and ticket page, the admin
// settings and the mail template editor at 1280×800. Build first: `cargo build -p tessera`.
//
// The pages are shown in English: the customer and agent chosen have English as
// their language. Dates depend on when the demo was made, so two runs differ there.

import { mkdir } from "node:fs/promises";
import path from "node:path";
import { ROOT, startWithAdmin, tokenFor, api, launch, newPage, signIn } from "./lib/harness.mjs";

const OUT = path.join(ROOT, "docs", "screenshots");
const VIEWPORT = { width: 1280, height: 800 };
const CUSTOMER_PASSWORD = "screenshot-customer-1";

/** Waits until the page is quiet: loaded, no requests for a while (the agent's live
 * stream never ends, so this is bounded), fonts ready. */
async function settle(page) {
  await page.waitForLoadState("load");
  await page.waitForLoadState("networkidle", { timeout: 3_000 }).catch(() => {});
  await page.evaluate(() => document.fonts.ready);
  await page.waitForTimeout(300);
}

async function shoot(page, name) {
  await settle(page);
  const file = path.join(OUT, name);
  await page.screenshot({ path: file, animations: "disabled", caret: "hide" });
  console.log(`wrote ${path.relative(ROOT, file)}`);
}

/** Picks, among `tickets`, the one with the most messages that has an agent reply (and a note, if `note`). */
async function richest(client, tickets, { note = false } = {}) {
  let best = null;
  for (const t of tickets) {
    const full = await client.get(`/tickets/${t.id}`);
    const msgs = full.messages || [];
    const hasReply = msgs.some((m) => m.kind === "reply" && m.author?.staff);
    const hasNote = msgs.some((m) => m.kind === "note");
    if (!hasReply || (note && !hasNote) || full.merged_into_id) continue;
    if (!best || msgs.length > best.messages.length) best = full;
  }
  return best;
}

async function main() {
  await mkdir(OUT, { recursive: true });
  const server = await startWithAdmin();
  let browser;
  try {
    const { stdout, stderr } = await server.cli(["demo", "--tickets", "150"], { full: true, timeoutMs: 120_000 });
    const said = `${stdout}\n${stderr}`;
    const agentPassword = said.match(/all with the password (\S+)/)?.[1];
    if (!agentPassword) throw new Error(`the demo did not print the agents' password:\n${said}`);
    const adminPassword = said.match(/admin@localhost was created with the password (\S+)/)?.[1] ?? server.adminPassword;

    // An English-speaking agent and customer.
    const admin = server.admin;
    const agents = (await admin.get("/users?role=agent&limit=200")).users;
    const agent = agents.find((u) => u.locale === "en" && said.includes(u.email)) ?? agents[0];
    const customers = (await admin.get("/users?role=customer&limit=200")).users.filter((u) => u.locale === "en");
    let customer = null;
    let customerTicket = null;
    for (const c of customers) {
      const list = await admin.get(`/tickets?requester_id=${c.id}&limit=50`);
      if (list.total < 3) continue;
      const t = await richest(admin, list.tickets);
      if (t && (!customerTicket || t.messages.length > customerTicket.messages.length)) {
        customer = c;
        customerTicket = t;
      }
    }
    if (!customer) throw new Error("no English-speaking demo customer with tickets");
    await server.cli(["user", "set-password", "--email", customer.email, "--password", CUSTOMER_PASSWORD]);

    // The agent's ticket: an open one of an English-speaking customer, with a note if possible.
    const agentApi = api(server.url, await tokenFor(server, agent.email));
    const english = new Set(customers.map((u) => u.id));
    const open = (await agentApi.get("/tickets?status_category=open,pending&limit=100")).tickets;
    const preferred = open.filter((t) => english.has(t.requester_id));
    const agentTicket =
      (await richest(agentApi, preferred, { note: true })) ??
      (await richest(agentApi, preferred)) ??
      (await richest(agentApi, open));

    // The new-ticket form of the public department with the most custom fields of its own.
    const departments = (await admin.get("/departments")).departments.filter((d) => d.public);
    const fields = await admin.get("/custom-fields");
    const own = (d) => fields.custom_fields.filter((f) => (f.department_ids ?? []).includes(d.id)).length;
    const dept = [...departments].sort((a, b) => own(b) - own(a) || b.id - a.id)[0];

    browser = await launch();

    // The customer's portal.
    const c = await newPage(browser, { viewport: VIEWPORT });
    await signIn(c.page, server.url, customer.email, CUSTOMER_PASSWORD);
    await c.page.goto(`${server.url}/`);
    await shoot(c.page, "portal-list.png");
    await c.page.goto(`${server.url}/tickets/new?department=${dept.id}`);
    await c.page.fill("#subject", "Website is slow since this morning");
    await c.page.fill("#body", "Pages take about ten seconds to load since 09:00. Nothing was changed on our side.");
    await c.page.locator("#body").blur();
    await shoot(c.page, "new-ticket.png");
    await c.page.goto(`${server.url}/tickets/${customerTicket.number}`);
    await shoot(c.page, "ticket.png");
    await c.context.close();

    // The agent's console.
    const a = await newPage(browser, { viewport: VIEWPORT });
    await signIn(a.page, server.url, agent.email, agentPassword);
    await a.page.goto(`${server.url}/agent`);
    await a.page.waitForSelector('body[data-live="on"]', { timeout: 10_000 }).catch(() => {});
    await shoot(a.page, "agent-console.png");
    if (agentTicket) {
      await a.page.goto(`${server.url}/agent/tickets/${agentTicket.id}`);
      await shoot(a.page, "agent-ticket.png");
    } else {
      console.warn("no ticket with an agent reply for the agent; agent-ticket.png not written");
    }
    await a.context.close();

    // The admin settings.
    const ad = await newPage(browser, { viewport: VIEWPORT });
    await signIn(ad.page, server.url, "admin@localhost", adminPassword);
    const r = await ad.page.goto(`${server.url}/admin`);
    if (!r.ok()) console.warn(`/admin answered ${r.status()}; captured anyway`);
    await shoot(ad.page, "admin.png");
    // The mail template editor (issue 17), with a preview on sample values.
    await ad.page.goto(`${server.url}/admin/templates/agent_reply/en`);
    await ad.page.getByRole("button", { name: "Preview" }).click();
    await ad.page.locator("[data-preview]").waitFor();
    // The form jumps to the preview; the picture shows the editor.
    await ad.page.evaluate(() => window.scrollTo(0, 0));
    await shoot(ad.page, "admin-templates.png");
    await ad.context.close();
  } finally {
    await browser?.close();
    await server.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});

// Issue 18, item 10: the lists a person picks from keep one order, load after
// load, and that order is alphabetical in the reader's language: departments on
// the customer's new-ticket page, departments and agents on the agent's new-ticket
// form, the ticket's properties and the console's bulk bar, organizations on the
// admin's user form. In English `Çağrı` sorts among the `c`s and `Ödeme` among the
// `o`s; in Turkish they come after `c` and `o`.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startWithAdmin, createUser, launch, newPage, signIn } from "../lib/harness.mjs";

const DEPARTMENTS = ["zeta hosting", "Ödeme", "Çağrı Merkezi", "billing", "Cloud", "Alpha", "Ortak", "domains"];
const AGENTS = ["Zeynep Yılmaz", "ali Kaya", "Öykü Demir", "Can Öz", "Çetin Aras", "Burak Şen", "Deniz Ak"];
const ORGS = ["zebra Ltd", "Öz Bilişim", "Acme", "Çınar AŞ", "beta GmbH", "Orion"];
const PASSWORD = "agent-pass-1";
const LOADS = 4;

let server, browser, ticket;
const agentEmails = [];

before(async () => {
  server = await startWithAdmin();
  const ids = [];
  for (const [n, name] of AGENTS.entries()) {
    const email = `agent${n}@e2e.test`;
    agentEmails.push(email);
    // The first agent reads the pages in Turkish.
    const u = await server.admin.user({ email, name, role: "agent", password: PASSWORD, locale: n === 0 ? "tr" : "en" });
    ids.push(u.id);
  }
  const depts = [];
  for (const name of DEPARTMENTS) depts.push(await server.admin.department({ name, public: true, member_ids: ids }));
  for (const name of ORGS) await server.admin.organization({ name });
  await createUser(server, { email: "lists.customer@e2e.test", name: "Lale Customer", password: "customer-pass-1" });
  ticket = await server.admin.ticket({
    subject: "Which department?",
    department_id: depts[0].id,
    body: "Hello.",
    requester: { email: "lists.customer@e2e.test", name: "Lale Customer" },
  });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** The names a list shows, in order (placeholders such as "Unassigned" left out). */
async function names(page, selector) {
  return page.$$eval(selector, (els) =>
    els.filter((e) => e.value !== "" && e.value !== "none" && e.getAttribute("value") !== "").map((e) => e.textContent.trim()),
  );
}

/** Loads `path` LOADS times; answers each load's list at `selector`. */
async function loads(page, path, selector) {
  const out = [];
  for (let n = 0; n < LOADS; n++) {
    await page.goto(`${server.url}${path}`);
    out.push(await names(page, selector));
  }
  return out;
}

function assertSorted(lists, lang, expected, what) {
  const first = lists[0];
  for (const [n, l] of lists.entries()) assert.deepEqual(l, first, `${what}: load ${n + 1} shows another order than load 1`);
  for (const name of expected) assert.ok(first.includes(name), `${what} lists ${name}: ${first.join(" | ")}`);
  const collator = new Intl.Collator(lang);
  const sorted = [...first].sort(collator.compare);
  assert.deepEqual(first, sorted, `${what} is in ${lang} alphabetical order`);
}

for (const lang of ["en", "tr"]) {
  test(`the agent's lists are alphabetical in ${lang}, the same on every load`, { timeout: 90_000 }, async () => {
    const email = lang === "tr" ? agentEmails[0] : agentEmails[3];
    const { context, page } = await newPage(browser, { locale: lang === "tr" ? "tr-TR" : "en-US" });
    try {
      await signIn(page, server.url, email, PASSWORD);
      await page.goto(`${server.url}/agent`);
      assert.equal(await page.getAttribute("html", "lang"), lang, "the page is in the reader's language");
      assertSorted(await loads(page, "/agent/tickets/new", "#n-department option"), lang, DEPARTMENTS, "the new ticket's departments");
      assertSorted(await loads(page, "/agent/tickets/new", "#n-assignee option"), lang, AGENTS, "the new ticket's agents");
      assertSorted(await loads(page, `/agent/tickets/${ticket.id}`, "#p-department option"), lang, [], "the ticket's departments");
      assertSorted(await loads(page, `/agent/tickets/${ticket.id}`, "#p-assignee option"), lang, AGENTS, "the ticket's agents");
      assertSorted(await loads(page, "/agent", "#bulk-department option"), lang, DEPARTMENTS, "the bulk bar's departments");
      assertSorted(await loads(page, "/agent", "#bulk-assignee option"), lang, AGENTS, "the bulk bar's agents");
    } finally {
      await context.close();
    }
  });
}

test("the customer's departments are alphabetical, the same on every load", { timeout: 60_000 }, async () => {
  const { context, page } = await newPage(browser);
  try {
    await signIn(page, server.url, "lists.customer@e2e.test", "customer-pass-1");
    assertSorted(await loads(page, "/tickets/new", ".choices .choice strong"), "en", DEPARTMENTS, "the portal's departments");
  } finally {
    await context.close();
  }
});

test("the admin's organizations are alphabetical, the same on every load", { timeout: 60_000 }, async () => {
  const { context, page } = await newPage(browser);
  try {
    await signIn(page, server.url, "admin@localhost", server.adminPassword);
    assertSorted(await loads(page, "/admin/users", "#u-org option"), "en", ORGS, "the user form's organizations");
  } finally {
    await context.close();
  }
});

// Each of the four languages renders the ticket page from its catalog with no
// missing key: switched with the language buttons in the header, the page says
// `<html lang>` is the language, shows the catalog's words, and no catalog key
// appears raw (a key the catalog lacks is rendered as the key itself).
//
// The catalogs are read from crates/web/i18n/ at test time and are embedded in the
// binary at build time: build after changing them (the test command does).

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startWithAdmin, createUser, tokenFor, api, launch, newPage, signIn, catalog, pageWords, fill } from "../lib/harness.mjs";

const LANGS = ["en", "tr", "zh", "ru"];
const catalogs = Object.fromEntries(LANGS.map((l) => [l, catalog(l)]));
const KEYS = [...catalogs.en.keys()];

const CUSTOMER = { email: "lang.customer@e2e.test", name: "Lale Customer", password: "customer-pass-1" };
const AGENT = { email: "lang.agent@e2e.test", name: "Lev Agent", password: "agent-pass-1" };

let server, browser, ticket;

before(async () => {
  server = await startWithAdmin();
  await createUser(server, CUSTOMER);
  const agentId = await createUser(server, { ...AGENT, role: "agent" });
  await server.admin.patch("/departments/1", { member_ids: [1, agentId] });
  const customer = api(server.url, await tokenFor(server, CUSTOMER.email));
  ticket = await customer.ticket({
    subject: "Website down after the update",
    department_id: 1,
    body: "Since the update the site answers 502.",
  });
  await server.admin.reply(ticket.id, { body: "We restarted PHP-FPM; please check again." });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

function escapeRegExp(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

// The first parts of the keys (`nav`, `ticket`, `err`...): a word such as
// `ticket.something` is a key, even one that no catalog has.
const NAMESPACES = [...new Set(KEYS.map((k) => k.split(".")[0]))];
const KEY_LIKE = new RegExp(
  `(?:^|[^\\w.@/:-])((?:${NAMESPACES.map(escapeRegExp).join("|")})(?:\\.[a-z0-9_]+)+)(?=$|[^\\w.]|\\.(?:$|[^\\w]))`,
  "g",
);

/** Catalog keys shown as text: the keys of en.txt, and words shaped like keys (missing from every catalog). */
function rawKeys(text) {
  // A key stands alone: not part of a longer word or key (a full stop may follow it).
  const known = KEYS.filter((k) => new RegExp(`(^|[^\\w.])${escapeRegExp(k)}($|[^\\w.]|\\.($|[^\\w]))`).test(text));
  const shaped = [...text.matchAll(KEY_LIKE)].map((m) => m[1]);
  return [...new Set([...known, ...shaped])];
}

/** Clicks the header's button of `lang` and waits for the page it leads back to. */
async function switchTo(page, lang) {
  await Promise.all([page.waitForEvent("load", { timeout: 10_000 }), page.click(`header form.langs button[value="${lang}"]`)]);
}

/** Switches with the header's button, then checks the page against the catalog. */
async function checkLanguage(t, page, lang, expectedKeys) {
  await switchTo(page, lang);
  await page.waitForSelector(`html[lang="${lang}"]`, { timeout: 10_000 });
  assert.equal(await page.getAttribute(`header form.langs button[value="${lang}"]`, "aria-pressed"), "true");
  const words = await pageWords(page);
  const cat = catalogs[lang];
  const missing = expectedKeys.filter((k) => !words.includes(cat.get(k)));
  assert.deepEqual(
    missing.map((k) => `${k} = ${cat.get(k)}`),
    [],
    `the ${lang} page lacks these catalog texts (was the binary built after the catalog changed?)`,
  );
  const raw = rawKeys(words);
  assert.deepEqual(raw, [], `catalog keys shown raw on the ${lang} page (missing from the catalog or the code)`);
  if (lang !== "en") {
    const untranslated = expectedKeys.filter((k) => cat.get(k) === catalogs.en.get(k));
    if (untranslated.length) t.diagnostic(`${lang}: still the English text for ${untranslated.join(", ")}`);
  }
}

test("the customer's ticket page in en, tr, zh and ru", { timeout: 60_000 }, async (t) => {
  const { page } = await newPage(browser);
  await signIn(page, server.url, CUSTOMER.email, CUSTOMER.password);
  await page.goto(`${server.url}/tickets/${ticket.number}`);
  await page.getByText("We restarted PHP-FPM; please check again.").waitFor();
  for (const lang of [...LANGS.slice(1), "en"]) {
    await checkLanguage(t, page, lang, [
      "ticket.send",
      "ticket.your_reply",
      "field.status",
      "field.priority",
      "field.department",
      "status.answered",
      "ticket.support_team",
      "ticket.rate",
      "action.solve",
      "nav.my_tickets",
      "nav.sign_out",
    ]);
    // The rating buttons' labels are filled from the catalog too.
    const label = await page.locator('form.rating button[value="3"]').getAttribute("aria-label");
    assert.equal(label, fill(catalogs[lang].get("ticket.rate_n"), 3));
  }
});

test("the agent's ticket page in en, tr, zh and ru", { timeout: 60_000 }, async (t) => {
  const { page } = await newPage(browser);
  await signIn(page, server.url, AGENT.email, AGENT.password);
  await page.goto(`${server.url}/agent/tickets/${ticket.id}`);
  await page.getByText("We restarted PHP-FPM; please check again.").waitFor();
  for (const lang of [...LANGS.slice(1), "en"]) {
    await checkLanguage(t, page, lang, [
      "ticket.send",
      "ticket.kind_reply",
      "ticket.kind_note",
      "ticket.properties",
      "field.status",
      "field.assignee",
      "ticket.requester",
      "ticket.timeline",
      "nav.agent",
    ]);
  }
});

test("the language is the account's: it holds on the next page and after signing in again", { timeout: 30_000 }, async () => {
  const { page, context } = await newPage(browser);
  await signIn(page, server.url, CUSTOMER.email, CUSTOMER.password);
  await page.goto(`${server.url}/tickets/${ticket.number}`);
  await switchTo(page, "ru");
  await page.waitForSelector('html[lang="ru"]');
  await context.close();
  const again = await newPage(browser, { locale: "en-US" });
  await signIn(again.page, server.url, CUSTOMER.email, CUSTOMER.password);
  await again.page.goto(`${server.url}/`);
  assert.equal(await again.page.getAttribute("html", "lang"), "ru", "the choice is kept in the account");
  // Put it back for the other tests of this file.
  await switchTo(again.page, "en");
  await again.page.waitForSelector('html[lang="en"]');
  await again.context.close();
});

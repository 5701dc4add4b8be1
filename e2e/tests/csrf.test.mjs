// A POST without the CSRF token, or with a wrong one, is refused (403) and changes
// nothing; the same POST with the page's token goes through (the control that shows
// the refusal is about the token).

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startWithAdmin, createUser, tokenFor, api, launch, newPage, signIn, catalog } from "../lib/harness.mjs";

const CUSTOMER = { email: "csrf.customer@e2e.test", name: "Cansu Customer", password: "customer-pass-1" };
const AGENT = { email: "csrf.agent@e2e.test", name: "Cenk Agent", password: "agent-pass-1" };
const en = catalog("en");

let server, browser, customerApi, ticket, agentId;

before(async () => {
  server = await startWithAdmin();
  await createUser(server, CUSTOMER);
  agentId = await createUser(server, { ...AGENT, role: "agent" });
  await server.admin.patch("/departments/1", { member_ids: [1, agentId] });
  customerApi = api(server.url, await tokenFor(server, CUSTOMER.email));
  ticket = await customerApi.ticket({ subject: "Mailbox quota", department_id: 1, body: "My mailbox is full." });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const WRONG = "0123456789abcdef0123456789abcdef";

test("a customer's reply without the CSRF token, or with a wrong one, changes nothing", { timeout: 30_000 }, async () => {
  const { page } = await newPage(browser);
  await signIn(page, server.url, CUSTOMER.email, CUSTOMER.password);
  await page.goto(`${server.url}/tickets/${ticket.number}`);
  const token = await page.locator('form[action$="/reply"] input[name="_csrf"]').inputValue();
  assert.match(token, /^[0-9a-f]{16,}$/, "the reply form carries a token");
  const url = `${server.url}/tickets/${ticket.number}/reply`;

  const none = await page.request.post(url, { multipart: { body: "Forged reply, no token" }, maxRedirects: 0 });
  assert.equal(none.status(), 403, "no token");
  assert.ok((await none.text()).includes(en.get("error.csrf_title")), "the refusal says why");
  const wrong = await page.request.post(url, { multipart: { _csrf: WRONG, body: "Forged reply, wrong token" }, maxRedirects: 0 });
  assert.equal(wrong.status(), 403, "wrong token");
  const form = await page.request.post(url, { form: { _csrf: WRONG, body: "Forged reply, urlencoded" }, maxRedirects: 0 });
  assert.equal(form.status(), 403, "wrong token, urlencoded");
  // Also from a script in the page (a same-origin fetch without the token).
  const fetched = await page.evaluate(async (u) => {
    const f = new FormData();
    f.append("body", "Forged reply from a script");
    return (await fetch(u, { method: "POST", body: f, credentials: "same-origin", redirect: "manual" })).status;
  }, url);
  assert.equal(fetched, 403, "a fetch without the token");

  // Other forms of the ticket: solve and rate.
  const solve = await page.request.post(`${server.url}/tickets/${ticket.number}/action`, { form: { do: "solve" }, maxRedirects: 0 });
  assert.equal(solve.status(), 403, "solve without a token");

  let messages = await customerApi.messages(ticket.id);
  assert.equal(messages.length, 1, `no message was added: ${messages.map((m) => m.body).join(" | ")}`);
  const t = await customerApi.get(`/tickets/${ticket.id}`);
  assert.equal(t.status, "new", "the status did not change");
  await page.reload();
  assert.equal(await page.getByText("Forged reply").count(), 0);

  // The control: the same request with the page's token is accepted.
  const ok = await page.request.post(url, { multipart: { _csrf: token, body: "A real reply" }, maxRedirects: 0 });
  assert.equal(ok.status(), 303);
  messages = await customerApi.messages(ticket.id);
  assert.equal(messages.length, 2);
  assert.equal(messages[1].body, "A real reply");
});

test("an agent's bulk change and note without a valid token change nothing", { timeout: 30_000 }, async () => {
  const { page } = await newPage(browser);
  await signIn(page, server.url, AGENT.email, AGENT.password);
  await page.goto(`${server.url}/agent/tickets/${ticket.id}`);
  const before = await server.admin.get(`/tickets/${ticket.id}`);

  for (const csrf of [undefined, WRONG]) {
    const base = csrf ? { _csrf: csrf } : {};
    const bulk = await page.request.post(`${server.url}/agent/bulk`, {
      form: { ...base, ids: String(ticket.id), do: "priority", priority: "urgent" },
      maxRedirects: 0,
    });
    assert.equal(bulk.status(), 403, `bulk with ${csrf ? "a wrong" : "no"} token`);
    const note = await page.request.post(`${server.url}/agent/tickets/${ticket.id}/message`, {
      multipart: { ...base, kind: "note", body: "Forged note" },
      maxRedirects: 0,
    });
    assert.equal(note.status(), 403, `a note with ${csrf ? "a wrong" : "no"} token`);
  }
  const after = await server.admin.get(`/tickets/${ticket.id}`);
  assert.equal(after.priority, before.priority);
  assert.equal(after.version, before.version, "the ticket did not change at all");
  const messages = await server.admin.messages(ticket.id);
  assert.ok(!messages.some((m) => m.body === "Forged note"));
});

test("signing out and switching language need the token too", { timeout: 30_000 }, async () => {
  const { page } = await newPage(browser);
  await signIn(page, server.url, CUSTOMER.email, CUSTOMER.password);
  const out = await page.request.post(`${server.url}/sign-out`, { form: {}, maxRedirects: 0 });
  assert.equal(out.status(), 403);
  const lang = await page.request.post(`${server.url}/language`, { form: { lang: "tr", back: "/" }, maxRedirects: 0 });
  assert.equal(lang.status(), 403);
  const me = await customerApi.get("/me");
  assert.equal(me.locale, "en", "the language did not change");
  const r = await page.goto(`${server.url}/`);
  assert.equal(r.status(), 200);
  assert.equal(new URL(page.url()).pathname, "/", "still signed in");
});

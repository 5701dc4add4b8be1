// The integrations screens of the admin settings, end to end: an admin creates a
// webhook through the form and sees its secret once; "Send a test event" makes
// Tessera POST a signed `webhook.test` to a receiver running here (the signature
// is checked with node:crypto), and the delivery log shows it delivered. Then a
// validation hook that refuses every new ticket: its test call shows the refusal,
// and a customer opening a ticket on the portal sees exactly the hook's words and
// gets no ticket. A bad URL on the webhook form comes back next to the field and
// creates nothing.
//
// The server runs with TESSERA_HOOKS_ALLOW_INTERNAL_TARGETS (the receiver is on
// 127.0.0.1) and short retries. Everything talks to 127.0.0.1 only.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { createHmac, timingSafeEqual } from "node:crypto";
import { startWithAdmin, createUser, tokenFor, api, launch, newPage, signIn, catalog, eventually, pageWords } from "../lib/harness.mjs";

const en = catalog("en");
const CUSTOMER = { email: "hooks.customer@e2e.test", name: "Hande Customer", password: "customer-pass-1" };
const REFUSAL = "We do not handle refunds here";

let server, browser, receiver, receiverUrl, admin, customerApi;
/** Requests the receiver got: `{ method, path, headers, raw (Buffer) }`. */
const received = [];

/** A receiver on 127.0.0.1: `/refuse` answers a validation refusal, anything else 200 "ok". */
async function startReceiver() {
  const srv = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      received.push({ method: req.method, path: req.url, headers: req.headers, raw: Buffer.concat(chunks) });
      if (req.url.startsWith("/refuse")) {
        res.writeHead(200, { "Content-Type": "application/json" });
        res.end(JSON.stringify({ error: REFUSAL }));
      } else {
        res.writeHead(200, { "Content-Type": "text/plain" });
        res.end("ok");
      }
    });
  });
  await new Promise((resolve, reject) => {
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", resolve);
  });
  return srv;
}

before(async () => {
  receiver = await startReceiver();
  receiverUrl = `http://127.0.0.1:${receiver.address().port}`;
  server = await startWithAdmin({
    env: { TESSERA_HOOKS_ALLOW_INTERNAL_TARGETS: "1", TESSERA_HOOKS_RETRY_BASE_MS: "200" },
  });
  await createUser(server, CUSTOMER);
  customerApi = api(server.url, await tokenFor(server, CUSTOMER.email));
  browser = await launch();
  admin = await newPage(browser);
  await signIn(admin.page, server.url, "admin@localhost", server.adminPassword);
});

after(async () => {
  await browser?.close();
  await server?.stop();
  if (receiver) {
    receiver.closeAllConnections();
    await new Promise((resolve) => receiver.close(resolve));
  }
});

/** Clicks `selector` (a form's button) and answers the POST's response once the next page is loaded. */
async function submit(page, selector) {
  const [resp] = await Promise.all([
    page.waitForEvent("response", (r) => r.request().method() === "POST"),
    page.click(selector),
  ]);
  await page.waitForLoadState("load");
  return resp;
}

/** `v1=<hex HMAC-SHA256(secret, timestamp + "." + raw body)>`, compared in constant time. */
function signatureValid(secret, timestamp, raw, header) {
  const expected = Buffer.from(
    "v1=" + createHmac("sha256", secret).update(`${timestamp}.`).update(raw).digest("hex"),
    "utf8",
  );
  const got = Buffer.from(String(header ?? ""), "utf8");
  return got.length === expected.length && timingSafeEqual(got, expected);
}

test("a webhook URL that is not http(s) is refused next to the field and nothing is created", { timeout: 30_000 }, async () => {
  const { page } = admin;
  await page.goto(`${server.url}/admin/webhooks`);
  await page.fill("#w-url", "ftp://x");
  await page.fill("#w-description", "Should not exist");
  const resp = await submit(page, 'form[action="/admin/webhooks"] button[type=submit]');
  assert.equal(resp.status(), 422);
  const error = page.locator("#w-url-error");
  const prefix = en.get("admin.integrations.bad_url").replace("{0}", "");
  assert.ok((await error.textContent()).trim().startsWith(prefix.trim()), "the message says the URL cannot be used");
  assert.equal(await page.getAttribute("#w-url", "aria-invalid"), "true");
  assert.equal(await page.inputValue("#w-url"), "ftp://x", "what was typed is kept");
  assert.equal(await page.inputValue("#w-description"), "Should not exist");
  assert.deepEqual((await server.admin.get("/webhooks")).webhooks, [], "no webhook was created");
});

test("a webhook made in the form signs its test event, and the log shows it delivered", { timeout: 60_000 }, async () => {
  const { page } = admin;
  await page.goto(`${server.url}/admin`);
  const nav = page.locator(`nav.admin-nav a[href="/admin/webhooks"]`);
  assert.equal((await nav.textContent()).trim(), en.get("admin.nav.integrations"));
  await nav.click();
  await page.waitForURL((u) => u.pathname === "/admin/webhooks");
  assert.equal(await nav.getAttribute("aria-current"), "page");

  await page.fill("#w-url", `${receiverUrl}/hook`);
  await page.fill("#w-description", "Billing panel sync");
  await page.click("details summary");
  await page.check('input[name="kinds"][value="ticket.created"]');
  await page.check('input[name="kinds"][value="ticket.replied"]');
  const resp = await submit(page, 'form[action="/admin/webhooks"] button[type=submit]');
  assert.equal(resp.status(), 200);

  // The secret, once, with the note that it will not be shown again.
  const secret = (await page.locator("#issued-secret-value").textContent()).trim();
  assert.match(secret, /^whsec_[0-9a-f]{48}$/);
  await page.getByText(en.get("admin.integrations.secret_once")).waitFor();
  const action = await page.getAttribute('form[action$="/test"]', "action");
  const id = Number(action.match(/^\/admin\/webhooks\/(\d+)\/test$/)[1]);
  await page.goto(`${server.url}/admin/webhooks/${id}`);
  assert.equal(await page.locator("#issued-secret-value").count(), 0, "the secret is not shown again");
  assert.equal(await page.isChecked('input[name="kinds"][value="ticket.created"]'), true, "the kinds were saved");
  assert.equal(await page.isChecked('input[name="kinds"][value="ticket.closed"]'), false);
  const stored = (await server.admin.get("/webhooks")).webhooks;
  assert.equal(stored.length, 1);
  assert.equal(stored[0].url, `${receiverUrl}/hook`);

  // Send a test event.
  const before = received.length;
  await submit(page, `form[action="/admin/webhooks/${id}/test"] button[type=submit]`);
  assert.equal(new URL(page.url()).pathname, `/admin/webhooks/${id}`);
  await page.getByText(en.get("admin.webhooks.test_queued")).waitFor();
  const hit = await eventually(() => received.slice(before).find((r) => r.path === "/hook"), {
    timeoutMs: 15_000,
    message: "the receiver getting the test event",
  });
  assert.equal(hit.method, "POST");
  assert.equal(hit.headers["tessera-event"], "webhook.test");
  assert.ok(hit.headers["tessera-delivery"], "a delivery id is sent");
  const ts = hit.headers["tessera-timestamp"];
  assert.match(String(ts), /^\d+$/);
  assert.ok(Math.abs(Number(ts) - Date.now() / 1000) < 300, "the timestamp is now");
  assert.ok(
    signatureValid(secret, ts, hit.raw, hit.headers["tessera-signature"]),
    `the signature verifies with the secret shown once (got ${hit.headers["tessera-signature"]})`,
  );
  assert.ok(!signatureValid("whsec_wrong-secret", ts, hit.raw, hit.headers["tessera-signature"]));
  assert.equal(JSON.parse(hit.raw.toString("utf8")).kind, "webhook.test");

  // After a reload the log shows it delivered, with status 200.
  const row = page.locator("table.deliveries tbody tr").first();
  await eventually(
    async () => {
      await page.reload();
      return (await row.getAttribute("data-state")) === "delivered";
    },
    { timeoutMs: 15_000, every: 300, message: "the delivery log showing the test delivered" },
  );
  assert.equal((await row.locator("td.state").textContent()).trim(), en.get("admin.deliveries.delivered"));
  assert.equal((await row.locator("td.last-status").textContent()).trim(), "200");
  assert.match(await row.textContent(), /webhook\.test/);

  // The delivery's page lists its attempt; "Redeliver" sends it again as a new delivery.
  await Promise.all([page.waitForURL(/\/deliveries\/\d+$/), row.locator("a").first().click()]);
  const attempt = page.locator("table.attempts tbody tr").first();
  assert.match(await attempt.textContent(), /\b200\b/);
  const again = received.length;
  await submit(page, 'form[action$="/redeliver"] button[type=submit]');
  await page.getByText(en.get("admin.deliveries.redelivered")).waitFor();
  const second = await eventually(() => received.slice(again).find((r) => r.path === "/hook"), {
    timeoutMs: 15_000,
    message: "the receiver getting the redelivery",
  });
  assert.equal(second.headers["tessera-event"], "webhook.test");
  assert.notEqual(second.headers["tessera-delivery"], hit.headers["tessera-delivery"], "a new delivery id");
  assert.ok(signatureValid(secret, second.headers["tessera-timestamp"], second.raw, second.headers["tessera-signature"]));
});

test("a validation hook's refusal is what the customer reads on the portal form", { timeout: 60_000 }, async () => {
  const { page } = admin;
  await page.goto(`${server.url}/admin/hooks`);
  await page.selectOption("#h-kind", "validation");
  await page.selectOption("#h-name", "TicketClientCreateValidation");
  await page.fill("#h-url", `${receiverUrl}/refuse`);
  await page.fill("#h-description", "No refunds through the help desk");
  await page.selectOption("#h-on-failure", "allow");
  const resp = await submit(page, 'form[action="/admin/hooks"] button[type=submit]');
  assert.equal(resp.status(), 200);
  assert.match((await page.locator("#issued-secret-value").textContent()).trim(), /^hksec_[0-9a-f]{48}$/);

  // The test call shows the refusal the hook answers.
  await submit(page, 'form[action$="/test"] button[type=submit]');
  assert.equal((await page.locator(".probe-status").textContent()).trim(), "200");
  assert.equal((await page.locator(".probe-refusal").textContent()).trim(), REFUSAL);

  // It is listed among the validation hooks.
  await page.goto(`${server.url}/admin/hooks`);
  assert.match(await page.locator("table.validations").textContent(), /TicketClientCreateValidation/);
  assert.equal(await page.locator("table.panels").count(), 0);

  // A customer opens a ticket on the portal form.
  const customer = await newPage(browser);
  try {
    await signIn(customer.page, server.url, CUSTOMER.email, CUSTOMER.password);
    await customer.page.goto(`${server.url}/tickets/new?department=1`);
    await customer.page.fill("#subject", "Refund for invoice 1042");
    await customer.page.fill("#body", "Please refund the last invoice.");
    const calls = received.length;
    const r = await submit(customer.page, 'main form[action="/tickets/new"] button[type=submit].primary');
    assert.equal(r.status(), 422);
    const alert = customer.page.locator("main .alert");
    assert.equal((await alert.textContent()).trim(), REFUSAL);
    assert.equal(await customer.page.inputValue("#subject"), "Refund for invoice 1042", "the subject is kept");
    const asked = received.slice(calls).find((x) => x.path === "/refuse");
    assert.ok(asked, "the hook was asked");
    assert.equal(JSON.parse(asked.raw.toString("utf8")).hook, "TicketClientCreateValidation");
  } finally {
    await customer.context.close();
  }
  assert.equal((await customerApi.get("/tickets")).total, 0, "the customer has no ticket");
});

// (On the webhook, delivery and hook the tests above made.)
test("the integrations pages in en, tr, zh and ru show no raw catalog key", { timeout: 60_000 }, async () => {
  const { page } = admin;
  const keys = [...en.keys()];
  const pages = ["/admin/webhooks", "/admin/webhooks/1", "/admin/webhooks/1/deliveries/1", "/admin/hooks", "/admin/hooks/1"];
  for (const lang of ["tr", "zh", "ru", "en"]) {
    const cat = catalog(lang);
    await page.goto(`${server.url}/admin/webhooks`);
    await Promise.all([page.waitForEvent("load"), page.click(`header form.langs button[value="${lang}"]`)]);
    await page.waitForSelector(`html[lang="${lang}"]`);
    for (const p of pages) {
      const r = await page.goto(`${server.url}${p}`);
      assert.equal(r.status(), 200, `${lang} ${p}`);
      const words = await pageWords(page);
      assert.deepEqual(keys.filter((k) => words.includes(k)), [], `catalog keys shown raw on ${p} in ${lang}`);
    }
    await page.goto(`${server.url}/admin/hooks`);
    assert.ok((await pageWords(page)).includes(cat.get("admin.hooks.validations_intro")), `${lang}: the catalog's words`);
  }
});

// Issue 16: a reply that came in by e-mail shows what is new and folds the
// quoted history under "Show quoted text" — a <details> that opens and closes
// with the keyboard, on the agent's ticket page at desktop width and on the
// agent's and the customer's pages at 390 px, without scrolling sideways.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startWithAdmin, createUser, launch, newPage, signIn } from "../lib/harness.mjs";

const AGENT = { email: "quote.agent@e2e.test", name: "Quote Agent", role: "admin", password: "agent-pass-quote-1" };
const NARROW = 390;

let server, browser, ticket, reply;

function mail(id, extra, subject, parts) {
  let m =
    `From: Zeynep Kaya <zeynep@musteri.test>\r\nTo: destek@e2e.test\r\nMessage-ID: <${id}>\r\nSubject: ${subject}\r\n${extra}` +
    `Date: Mon, 07 Dec 2026 11:00:00 +0300\r\nMIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary="b1"\r\n\r\n`;
  for (const [ct, body] of parts) {
    m += `--b1\r\nContent-Type: ${ct}; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n${body}\r\n`;
  }
  return m + "--b1--\r\n";
}

async function handIn(raw) {
  const r = await fetch(`${server.url}/api/v1/mail/inbound`, {
    method: "POST",
    headers: { Authorization: `Bearer ${server.adminToken}`, "Content-Type": "message/rfc822" },
    body: raw,
    signal: AbortSignal.timeout(10_000),
  });
  assert.equal(r.status, 202);
  return r.json();
}

before(async () => {
  server = await startWithAdmin();
  await server.admin.department({ name: "Destek", description: "", public: false, email: "destek@e2e.test" });
  const first = await handIn(
    mail("e2e-q1@musteri.test", "", "Sunucu kapandı", [["text/plain", "Merhaba, sunucu kapandı. Hata kodu 502.\r\n"]]),
  );
  ticket = await server.admin.get(`/tickets/${first.ticket_id}`);
  const text =
    "Yeniden başlattım, şimdi çalışıyor. Teşekkürler!\r\n\r\n" +
    "On Mon, Dec 7, 2026 at 10:00 AM Zeynep Kaya <zeynep@musteri.test> wrote:\r\n" +
    "> Merhaba, sunucu kapandı. Hata kodu 502.\r\n> https://shop.example.com/checkout/step-2?session=4f1d2c3b4a5968778695a4b3c2d1e0f1&utm_source=newsletter&utm_campaign=winter\r\n";
  const html =
    '<div dir="ltr">Yeniden başlattım, şimdi çalışıyor. Teşekkürler!</div><br><div class="gmail_quote">' +
    '<div class="gmail_attr">On Mon, Dec 7, 2026 at 10:00 AM Zeynep Kaya &lt;zeynep@musteri.test&gt; wrote:<br></div>' +
    '<blockquote class="gmail_quote">Merhaba, sunucu kapandı. Hata kodu 502.<br>' +
    "https://shop.example.com/checkout/step-2?session=4f1d2c3b4a5968778695a4b3c2d1e0f1&amp;utm_source=newsletter&amp;utm_campaign=winter</blockquote></div>";
  await handIn(
    mail("e2e-q2@mail.gmail.test", "In-Reply-To: <e2e-q1@musteri.test>\r\n", "Re: Sunucu kapandı", [
      ["text/plain", text],
      ["text/html", html],
    ]),
  );
  const messages = (await server.admin.get(`/tickets/${ticket.id}/messages`)).messages;
  reply = messages[1];
  assert.ok(reply.quote_start > 0, "the reply has a quote offset");
  await createUser(server, AGENT);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** Checks the fold of the reply on the page: closed, keyboard-toggled, complete. */
async function checkFold(page, width) {
  const article = page.locator(`article#m${reply.id}`);
  const details = article.locator("details.quoted");
  const summary = details.locator("summary");
  await summary.waitFor();
  assert.equal(await details.evaluate((d) => d.open), false, "folded at first");
  assert.ok(await article.getByText("Yeniden başlattım").isVisible(), "the new part is shown");
  const quoted = details.getByText("Hata kodu 502.");
  assert.equal(await quoted.isVisible(), false, "the quote is folded");
  assert.match((await summary.textContent()).trim(), /Show quoted text/);
  await summary.focus();
  await page.keyboard.press("Enter");
  assert.equal(await details.evaluate((d) => d.open), true, "Enter opens it");
  assert.ok(await quoted.isVisible(), "the quoted text is there, in full");
  assert.ok(await details.getByText("utm_campaign=winter").isVisible());
  await page.keyboard.press("Space");
  assert.equal(await details.evaluate((d) => d.open), false, "Space folds it again");
  await summary.click();
  assert.equal(await details.evaluate((d) => d.open), true, "a click opens it");
  const m = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth }));
  assert.ok(m.scroll <= width + 4, `the page scrolls sideways at ${width} px: ${m.scroll}`);
}

test("the agent's page folds the quoted history at desktop width", { timeout: 30_000 }, async () => {
  const { context, page } = await newPage(browser);
  await signIn(page, server.url, AGENT.email, AGENT.password);
  await page.goto(`${server.url}/agent/tickets/${ticket.id}`);
  await checkFold(page, 1280);
  await context.close();
});

test("the agent's and the customer's pages fold it at 390 px", { timeout: 30_000 }, async () => {
  const narrow = { viewport: { width: NARROW, height: 800 }, isMobile: true, hasTouch: true };
  const agent = await newPage(browser, narrow);
  await signIn(agent.page, server.url, AGENT.email, AGENT.password);
  await agent.page.goto(`${server.url}/agent/tickets/${ticket.id}`);
  await checkFold(agent.page, NARROW);
  await agent.context.close();
  const customer = await newPage(browser, narrow);
  await customer.page.goto(`${server.url}/t/${ticket.number}?key=${ticket.access_key}`);
  await customer.page.waitForURL((u) => u.pathname === `/tickets/${ticket.number}`);
  await checkFold(customer.page, NARROW);
  await customer.context.close();
});

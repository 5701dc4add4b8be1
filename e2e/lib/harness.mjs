// The browser tests' harness: a Tessera server on a fresh data folder, its CLI,
// a small client of the JSON API, and a chromium driven by playwright-core.
//
// Nothing is built here: `target/debug/tessera` must exist (the test command builds
// it first); set TESSERA_BIN to test another binary. Everything talks to 127.0.0.1,
// every wait has a timeout, and every server is stopped and its folder removed by
// `stop()` (and, as a last resort, when the Node process exits).

import { spawn, execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

/** The repository's root folder. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

/** The binary under test. */
export const BIN = process.env.TESSERA_BIN || path.join(ROOT, "target", "debug", "tessera");

/** Chromium: Debian's package, never downloaded by Playwright (CHROMIUM overrides, as in scripts/test). */
export const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";

/** Default timeout of page actions and waits, in milliseconds. */
export const TIMEOUT = 10_000;

// Servers still running (child → data folder), killed and removed if the process
// exits without stopping them (a crashed script, an interrupted test).
const running = new Map();
process.on("exit", () => {
  for (const [child, dir] of running) {
    try {
      child.kill("SIGKILL");
    } catch {
      /* already gone */
    }
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      /* best effort */
    }
  }
});
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.once(signal, () => process.exit(130));
}

/** Reads `key = text` lines of a message catalog (`crates/web/i18n/<lang>.txt`). */
export function catalog(lang) {
  const text = readFileSync(path.join(ROOT, "crates", "web", "i18n", `${lang}.txt`), "utf8");
  const out = new Map();
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const at = line.indexOf("=");
    if (at < 0) continue;
    out.set(line.slice(0, at).trim(), line.slice(at + 1).trim());
  }
  return out;
}

/** Replaces `{0}`, `{1}`... of a catalog text. */
export function fill(text, ...args) {
  return args.reduce((t, a, i) => t.split(`{${i}}`).join(String(a)), text);
}

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Starts `tessera serve` on a fresh temporary data folder and a free port.
 *
 * Options: `env` (extra environment, e.g. `{ TESSERA_MAX_ATTACHMENT_BYTES: "2000" }`),
 * `timeoutMs` (how long to wait for the banner), `listen` (the address, by default a free
 * loopback port; see `freePort` for a server that must know its URL first).
 *
 * Answers `{ url, dir, adminPassword, stop(), cli(args), log() }`.
 */
export async function startServer({ env = {}, timeoutMs = 20_000, listen = "127.0.0.1:0" } = {}) {
  const dir = await mkdtemp(path.join(tmpdir(), "tessera-e2e-"));
  const child = spawn(BIN, ["serve", "--data-dir", dir, "--listen", listen], {
    env: { ...process.env, TESSERA_LOG: "warn", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.set(child, dir);
  const lines = [];
  let stopped = false;

  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      try {
        await withTimeout(exited, 5_000, "stopping the server");
      } catch {
        child.kill("SIGKILL");
        await withTimeout(exited, 5_000, "killing the server").catch(() => {});
      }
    }
    running.delete(child);
    await rm(dir, { recursive: true, force: true });
  };

  const ready = new Promise((resolve, reject) => {
    let url = null;
    let buffer = "";
    const onLine = (line) => {
      lines.push(line);
      if (lines.length > 400) lines.shift();
      const m = line.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
      if (m) url = m[1];
      if (line.includes("Press Ctrl-C to stop")) {
        if (url) resolve(url);
        else reject(new Error(`the server's banner has no URL:\n${lines.join("\n")}`));
      }
    };
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk) => {
      buffer += chunk;
      let nl;
      while ((nl = buffer.indexOf("\n")) >= 0) {
        onLine(buffer.slice(0, nl));
        buffer = buffer.slice(nl + 1);
      }
    });
    // Keep stdout drained so the server never blocks on a full pipe.
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk) => {
      for (const l of chunk.split("\n")) if (l) lines.push(`[stdout] ${l}`);
    });
    child.once("error", (e) => reject(new Error(`cannot start ${BIN}: ${e.message}`)));
    child.once("exit", (code, signal) =>
      reject(new Error(`the server exited (${code ?? signal}) before it was ready:\n${lines.join("\n")}`)),
    );
  });

  let url;
  try {
    url = await withTimeout(ready, timeoutMs, "starting the server");
  } catch (e) {
    await stop();
    throw e;
  }
  let adminPassword = null;
  try {
    adminPassword = (await readFile(path.join(dir, "initial-admin-password"), "utf8")).trim();
  } catch {
    /* not a new installation */
  }

  /** Runs `tessera <args> --data-dir DIR`; answers its standard output. */
  const cli = async (args, { timeoutMs: t = 60_000, full = false } = {}) => {
    const { stdout, stderr } = await new Promise((resolve, reject) => {
      execFile(
        BIN,
        [...args, "--data-dir", dir],
        { env: { ...process.env, TESSERA_LOG: "warn" }, timeout: t, maxBuffer: 16 * 1024 * 1024 },
        (err, stdout, stderr) => {
          if (err) reject(new Error(`tessera ${args.join(" ")} failed: ${err.message}\n${stderr}`));
          else resolve({ stdout, stderr });
        },
      );
    });
    return full ? { stdout, stderr } : stdout;
  };

  return { url, dir, adminPassword, stop, cli, log: () => lines.join("\n") };
}

/** Answers the JSON a CLI command printed. */
export function parseJson(stdout) {
  return JSON.parse(stdout.trim().split("\n").filter(Boolean).pop());
}

/** Creates a user with the CLI; answers its id. */
export async function createUser(server, { email, name, role = "customer", password = null }) {
  const args = ["user", "create", "--email", email, "--name", name, "--role", role];
  if (password) args.push("--password", password);
  return parseJson(await server.cli(args)).id;
}

/** Makes an API token for a user with the CLI. */
export async function tokenFor(server, email) {
  return parseJson(await server.cli(["token", "create", "--email", email])).token;
}

/** An error answer of the API. */
export class ApiError extends Error {
  constructor(method, path, status, body) {
    super(`${method} ${path} answered ${status}: ${typeof body === "string" ? body : JSON.stringify(body)}`);
    this.status = status;
    this.body = body;
  }
}

/**
 * A client of the native API (`/api/v1`, see docs/api.md) acting with `token`.
 * Every call has a timeout; a non-2xx answer throws an ApiError.
 */
export function api(url, token) {
  const call = async (method, p, body) => {
    const headers = { Authorization: `Bearer ${token}`, Accept: "application/json" };
    const init = { method, headers, signal: AbortSignal.timeout(TIMEOUT) };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const r = await fetch(`${url}/api/v1${p}`, init);
    const text = await r.text();
    let parsed = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      /* not JSON */
    }
    if (!r.ok) throw new ApiError(method, p, r.status, parsed);
    return parsed;
  };
  return {
    get: (p) => call("GET", p),
    post: (p, body = {}) => call("POST", p, body),
    patch: (p, body) => call("PATCH", p, body),
    del: (p) => call("DELETE", p),
    /** `{name, description?, member_ids?, public?, auto_assign?, ...}` */
    department: (input) => call("POST", "/departments", { auto_assign: "none", ...input }),
    /** `{name, external_id?, notes?}` */
    organization: (input) => call("POST", "/organizations", input),
    /** `{kind, external_id, label, owner_id | owner_email, status?}` */
    service: (input) => call("POST", "/services", { kind: "service", ...input }),
    /** `{key, type, labels: {en: ...}, ...}` */
    customField: (input) => call("POST", "/custom-fields", input),
    /** `{email, name, role?, password?, locale?, organization_id?}` */
    user: (input) => call("POST", "/users", input),
    /** Opens a ticket; answers the ticket (with `number`, `access_key`, `messages`). */
    ticket: (input) => call("POST", "/tickets", input),
    reply: (id, input) => call("POST", `/tickets/${id}/replies`, input),
    messages: async (id) => {
      const r = await call("GET", `/tickets/${id}/messages`);
      return Array.isArray(r) ? r : r.messages;
    },
  };
}

/**
 * A fresh server with an admin token, for tests that set up data through the API:
 * answers the server plus `admin` (an API client acting as admin@localhost).
 */
export async function startWithAdmin(options) {
  const server = await startServer(options);
  try {
    const token = await tokenFor(server, "admin@localhost");
    return { ...server, admin: api(server.url, token), adminToken: token };
  } catch (e) {
    await server.stop();
    throw e;
  }
}

/**
 * A loopback port nobody listens on just now: for a server that must know its
 * own address before it starts (`[server] public_url`).
 */
export async function freePort() {
  const { createServer } = await import("node:net");
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/**
 * A minimal SMTP server on a loopback port that accepts every message and keeps
 * it: for tests that read the mail Tessera sends (a reset link) without a real
 * mail system. Answers `{ port, messages, waitFor(predicate), close() }`;
 * `messages` are `{ to: [addresses], raw }`.
 */
export async function smtpSink() {
  const { createServer } = await import("node:net");
  const messages = [];
  const server = createServer((socket) => {
    socket.setEncoding("utf8");
    let buffer = "";
    let inData = false;
    let data = [];
    let to = [];
    socket.write("220 sink ESMTP\r\n");
    socket.on("data", (chunk) => {
      buffer += chunk;
      let nl;
      while ((nl = buffer.indexOf("\r\n")) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 2);
        if (inData) {
          if (line === ".") {
            inData = false;
            messages.push({ to, raw: data.join("\r\n") });
            data = [];
            to = [];
            socket.write("250 kept\r\n");
          } else data.push(line.startsWith("..") ? line.slice(1) : line);
          continue;
        }
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === "EHLO") socket.write("250-sink\r\n250 8BITMIME\r\n");
        else if (verb === "HELO") socket.write("250 sink\r\n");
        else if (verb === "RCPT") {
          to.push((line.match(/<([^>]*)>/) || [])[1]);
          socket.write("250 ok\r\n");
        } else if (verb === "DATA") {
          inData = true;
          socket.write("354 go on\r\n");
        } else if (verb === "QUIT") {
          socket.end("221 bye\r\n");
        } else socket.write("250 ok\r\n");
      }
    });
    socket.on("error", () => {});
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: server.address().port,
    messages,
    waitFor: (predicate) =>
      eventually(() => messages.find(predicate), { timeoutMs: 20_000, message: "a mail in the SMTP sink" }),
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/** Launches Debian's chromium (a fresh temporary profile each time). */
export async function launch() {
  return chromium.launch({
    executablePath: CHROMIUM,
    timeout: 30_000,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
}

/** A new browser context (one person) with one page and bounded timeouts. */
export async function newPage(browser, options = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: "en-US", ...options });
  context.setDefaultTimeout(TIMEOUT);
  context.setDefaultNavigationTimeout(TIMEOUT);
  const page = await context.newPage();
  return { context, page };
}

/** Signs in through the sign-in form and waits to land on another page. */
export async function signIn(page, url, email, password) {
  await page.goto(`${url}/sign-in`);
  await page.fill("#email", email);
  await page.fill("#password", password);
  await Promise.all([
    page.waitForURL((u) => !u.pathname.startsWith("/sign-in"), { timeout: TIMEOUT }),
    page.click('main form[action="/sign-in"] button[type="submit"].primary'),
  ]);
}

/** The text a reader gets from the page: visible text and the words in labelling attributes. */
export async function pageWords(page) {
  return page.evaluate(() => {
    const parts = [document.title, document.body.innerText];
    for (const el of document.querySelectorAll("[aria-label], [title], [placeholder], [alt], [data-label-viewing], [data-label-typing], [data-confirm]")) {
      for (const a of ["aria-label", "title", "placeholder", "alt", "data-label-viewing", "data-label-typing", "data-confirm"]) {
        const v = el.getAttribute(a);
        if (v) parts.push(v);
      }
    }
    // Text in closed <details> and <dialog> is not in innerText; take it too.
    for (const el of document.querySelectorAll("details, dialog, [hidden]")) parts.push(el.textContent);
    return parts.join("\n");
  });
}

/** Waits until `fn` answers a truthy value (polling), or throws `message` after `timeoutMs`. */
export async function eventually(fn, { timeoutMs = TIMEOUT, every = 100, message = "condition" } = {}) {
  const until = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > until) {
      throw new Error(`${message} did not happen within ${timeoutMs} ms (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
    }
    await new Promise((r) => setTimeout(r, every));
  }
}

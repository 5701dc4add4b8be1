//! The `tessera` binary's black-box contract: output formats of `user create`
//! and `token create`, both working while the server runs, the first start's
//! sign-in instructions, and `migrate`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::{get_json, serve, tessera, token_for};

#[test]
fn user_and_token_create_print_their_documented_json() {
    let dir = tempfile::tempdir().unwrap();
    let out = tessera(
        dir.path(),
        &[
            "user",
            "create",
            "--email",
            "Ayse@Example.com",
            "--name",
            "Ayşe",
            "--role",
            "agent",
            "--password",
            "a long password",
        ],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(stdout.lines().count(), 1);
    let v: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(v.as_object().unwrap().keys().collect::<Vec<_>>(), ["id"]);
    assert!(v["id"].as_i64().unwrap() > 0);

    let out = tessera(dir.path(), &["token", "create", "--email", "ayse@example.com", "--name", "whmcs"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(stdout.lines().count(), 1);
    let t: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    let mut keys: Vec<&String> = t.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(keys, ["identifier", "secret", "token"]);
    assert_eq!(
        t["token"].as_str().unwrap(),
        format!("{}.{}", t["identifier"].as_str().unwrap(), t["secret"].as_str().unwrap())
    );

    // Errors are clear and fail the command.
    let dup =
        tessera(dir.path(), &["user", "create", "--email", "ayse@example.com", "--name", "X", "--role", "customer"]);
    assert!(!dup.status.success());
    assert!(String::from_utf8_lossy(&dup.stderr).contains("exists"));
    let nobody = tessera(dir.path(), &["token", "create", "--email", "nobody@example.com"]);
    assert!(!nobody.status.success());
    assert!(String::from_utf8_lossy(&nobody.stderr).contains("no user"));
    let bad_role =
        tessera(dir.path(), &["user", "create", "--email", "x@example.com", "--name", "X", "--role", "king"]);
    assert!(!bad_role.status.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_start_explains_sign_in_and_the_cli_works_while_serving() {
    let dir = tempfile::tempdir().unwrap();
    let server = serve(dir.path());
    assert!(server.stderr.contains("admin@localhost"), "{}", server.stderr);
    let pw_file = dir.path().join("initial-admin-password");
    assert!(server.stderr.contains(&pw_file.display().to_string()), "{}", server.stderr);
    let password = std::fs::read_to_string(&pw_file).unwrap().trim().to_string();
    assert!(password.len() >= 16);
    assert!(!server.stderr.contains(&password), "the password must not be printed or logged");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(&pw_file).unwrap().permissions().mode() & 0o777, 0o600);

    // While it runs, the CLI adds a user and a token the server accepts.
    let out =
        tessera(dir.path(), &["user", "create", "--email", "wang@example.cn", "--name", "王芳", "--role", "customer"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let id = serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()["id"].as_i64().unwrap();
    let token = token_for(dir.path(), "wang@example.cn");
    let me = get_json(&server.base, "/api/v1/me", &token).await;
    assert_eq!(me["id"], id);
    assert_eq!(me["name"], "王芳");

    // The one-time password signs the administrator in.
    let config = tessera_server::Config::load(dir.path(), &|_| None).unwrap();
    let desk = tessera_server::startup::open_desk(&config).await.unwrap();
    let admin = desk.authenticate_password("admin@localhost", &password).await.unwrap();
    assert!(admin.is_admin());
    drop(server);

    // A second start does not make another administrator.
    let again = serve(dir.path());
    assert!(!again.stderr.contains("new installation"), "{}", again.stderr);
}

#[test]
fn migrate_creates_and_updates_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let out = tessera(dir.path(), &["migrate"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(dir.path().join("tessera.db").exists());
    let again = tessera(dir.path(), &["migrate"]);
    assert!(again.status.success());
    let help = Command::new(env!("CARGO_BIN_EXE_tessera")).arg("--help").output().unwrap();
    let text = String::from_utf8_lossy(&help.stdout);
    for cmd in ["serve", "migrate", "reindex", "user", "token", "demo"] {
        assert!(text.contains(cmd), "{text}");
    }
}

#[test]
fn a_broken_configuration_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("tessera.toml"), "[server]\nlisten_address = 1\n").unwrap();
    let out = tessera(dir.path(), &["migrate"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("tessera.toml"), "{}", String::from_utf8_lossy(&out.stderr));
    let pg = Command::new(env!("CARGO_BIN_EXE_tessera"))
        .args(["migrate", "--data-dir"])
        .arg(dir.path())
        .env("TESSERA_DATABASE_URL", "postgres://u:hunter2@127.0.0.1:1/db")
        .output()
        .unwrap();
    assert!(!pg.status.success());
    assert!(!String::from_utf8_lossy(&pg.stderr).contains("hunter2"), "no password in errors");
}

#[test]
fn serve_refuses_s3_storage_without_a_bucket() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_tessera"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path())
        .env("TESSERA_STORAGE_KIND", "s3")
        .env("TESSERA_S3_SECRET_ACCESS_KEY", "s3cr3t-do-not-print")
        .env_remove("TESSERA_S3_BUCKET")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if started.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("tessera serve started without a bucket");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    assert!(!status.success());
    assert!(err.contains("needs a bucket") && err.contains("TESSERA_S3_BUCKET"), "{err}");
    assert!(!err.contains("s3cr3t"), "no secret in errors: {err}");
}

/// Searches as the administrator `admin@example.com` through the desk.
async fn search_total(dir: &Path, q: &str) -> u64 {
    let config = tessera_server::Config::load(dir, &|_| None).unwrap();
    let desk = tessera_server::startup::open_desk(&config).await.unwrap();
    let admin = desk.user_by_email_unchecked("admin@example.com").await.unwrap().unwrap();
    let actor = desk.actor_for(&admin).await.unwrap();
    let req = tessera_desk::SearchRequest { query: q.into(), ..Default::default() };
    desk.search(&actor, req).await.unwrap().total
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reindex_builds_the_search_index_of_a_bulk_import() {
    let dir = tempfile::tempdir().unwrap();
    assert!(tessera(dir.path(), &["migrate"]).status.success());
    let out =
        tessera(dir.path(), &["user", "create", "--email", "admin@example.com", "--name", "A", "--role", "admin"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // Rows written straight into the database, as bench/generate.py does,
    // are not in the index.
    let db = rusqlite::Connection::open(dir.path().join("tessera.db")).unwrap();
    db.execute_batch(
        "INSERT INTO departments (id, name, description, public, email, auto_assign, requires_service, signature, position, created_at)
             VALUES (1, 'Billing', '', 1, NULL, 'none', 0, '', 0, 0);
         INSERT INTO users (id, email, email_key, name, role, sees_all, locale, disabled, created_at, updated_at)
             VALUES (100, 'ivan@example.ru', 'ivan@example.ru', 'Иван Петров', 'customer', 0, 'ru', 0, 0, 0);
         INSERT INTO tickets (id, number, access_key, subject, department_id, requester_id, cc, tags, priority, status,
             status_category, source, custom_fields, locked, archived, queue_boost, created_at, updated_at,
             customer_unread, agent_unread, version)
             VALUES (1, '123456', 'k', 'Оплата', 1, 100, '{\"emails\":[],\"agent_ids\":[]}', '[]', 1, 'new', 'new',
             'web', '{}', 0, 0, 0, 0, 0, 0, 0, 1);
         INSERT INTO messages (ticket_id, kind, author_id, author_name, author_staff, body, channel, encrypted, created_at)
             VALUES (1, 'reply', 100, 'Иван Петров', 0, 'Счёт не пришёл', 'web', 0, 0);",
    )
    .unwrap();
    drop(db);
    assert_eq!(search_total(dir.path(), "СЧЕТ").await, 0);
    let out = tessera(dir.path(), &["reindex"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("1 tickets and 1 messages"), "{err}");
    assert_eq!(search_total(dir.path(), "СЧЕТ").await, 1);
    assert_eq!(search_total(dir.path(), "петров").await, 1);
    // On a folder that does not exist it fails clearly.
    let missing = dir.path().join("nowhere");
    let out = tessera(&missing, &["reindex"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no data folder"));
}

/// Pipes `raw` into `tessera mail ingest [--to to]` as an MTA does.
fn ingest(data: &Path, to: Option<&str>, raw: &[u8]) -> std::process::Output {
    use std::io::Write;
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tessera"));
    cmd.args(["mail", "ingest", "--data-dir"]).arg(data);
    if let Some(t) = to {
        cmd.args(["--to", t]);
    }
    let mut child = cmd
        .env_remove("TESSERA_DATABASE_URL")
        .env_remove("TESSERA_SECRET_KEY")
        .env("TESSERA_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(raw).unwrap();
    child.wait_with_output().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mail_ingest_takes_a_piped_message_while_the_server_runs() {
    let dir = tempfile::tempdir().unwrap();
    let server = serve(dir.path());
    let out =
        tessera(dir.path(), &["user", "create", "--email", "root@tessera.test", "--name", "Root", "--role", "admin"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let token = token_for(dir.path(), "root@tessera.test");
    tessera_hooks::install_tls_provider();
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let made = client
        .post(format!("{}/api/v1/departments", server.base))
        .bearer_auth(&token)
        .json(
            &serde_json::json!({"name": "Yardım", "description": "", "public": false, "email": "yardim@tessera.test"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(made.status(), 201);

    // Postfix hands the message over with the envelope recipient: exit 0,
    // and the ticket is there within seconds.
    let raw = "From: Ahmet <ahmet@musteri.test>\r\nTo: Undisclosed recipients:;\r\nMessage-ID: <p1@musteri.test>\r\n\
               Subject: Alan adım çalışmıyor\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nDNS kayıtları kayboldu.\r\n";
    let out = ingest(dir.path(), Some("yardim@tessera.test"), raw.as_bytes());
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let started = Instant::now();
    let subject = loop {
        let list = get_json(&server.base, "/api/v1/tickets", &token).await;
        if let Some(t) = list["tickets"].as_array().and_then(|t| t.first()) {
            break t["subject"].as_str().unwrap().to_string();
        }
        assert!(started.elapsed() < Duration::from_secs(10), "no ticket after 10 s: {list}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(subject, "Alan adım çalışmıyor");

    // What cannot become a ticket is still kept (exit 0): quarantined, with
    // its reason, for an admin.
    let out = ingest(dir.path(), None, b"this is not an e-mail");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let q = get_json(&server.base, "/api/v1/mail/inbound?state=quarantined", &token).await;
    assert_eq!(q["messages"].as_array().unwrap().len(), 1, "{q}");

    // Nowhere to store it: 75, so the MTA tries again later.
    let not_a_folder = dir.path().join("tessera.db").join("nested");
    let out = ingest(&not_a_folder, Some("yardim@tessera.test"), raw.as_bytes());
    assert_eq!(out.status.code(), Some(75), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn demo_prints_the_address_the_server_uses() {
    // The configured listen address, not the default one.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("tessera.toml"), "[server]\nlisten = \"127.0.0.1:9123\"\n").unwrap();
    let out = tessera(dir.path(), &["demo", "--tickets", "1"]);
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{said}");
    assert!(said.contains("sign in at http://127.0.0.1:9123/"), "{said}");
    assert!(said.contains("http://127.0.0.1:9123/api/v1/tickets"), "{said}");
    assert!(!said.contains("8080"), "{said}");
    // The public address when there is one.
    std::fs::write(
        dir.path().join("tessera.toml"),
        "[server]\nlisten = \"0.0.0.0:9124\"\npublic_url = \"https://help.example.com/\"\n",
    )
    .unwrap();
    let out = tessera(dir.path(), &["demo", "--tickets", "1"]);
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{said}");
    assert!(said.contains("sign in at https://help.example.com/)"), "{said}");
    assert!(!said.contains("127.0.0.1"), "{said}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_tickets_are_mostly_read_by_the_agents() {
    let dir = tempfile::tempdir().unwrap();
    let out = tessera(dir.path(), &["demo", "--tickets", "40"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let token = token_for(dir.path(), "admin@localhost");
    let server = serve(dir.path());
    let list = get_json(&server.base, "/api/v1/tickets?limit=100", &token).await;
    let tickets = list["tickets"].as_array().unwrap();
    assert!(tickets.len() >= 40, "{list}");
    let unread: Vec<&serde_json::Value> = tickets.iter().filter(|t| t["agent_unread"] == true).collect();
    // "New reply" is for what customers wrote in the last day, on open tickets.
    assert!(unread.len() * 4 < tickets.len(), "{} of {} tickets unread", unread.len(), tickets.len());
    for t in unread {
        assert!(!["solved", "closed"].contains(&t["status"].as_str().unwrap()), "{t}");
    }
}

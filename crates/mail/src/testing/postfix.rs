//! A real Postfix per test: a private instance (its own configuration,
//! queue and log in a temporary folder) whose SMTP server listens on a free
//! loopback port; stopped when dropped.
//!
//! It exists so mail tests go through a real MTA: inbound tests have
//! Postfix pipe a domain into `tessera mail ingest` ([`Pipe`]), outbound
//! tests submit to [`Postfix::port`] and read what a customer would
//! receive from Dovecot, which Postfix relays a domain to over LMTP
//! ([`Options::lmtp`]). A recipient access map ([`Postfix::set_answer`])
//! refuses chosen recipients at RCPT time, temporarily or for good, and
//! can change while Postfix runs (a `tcp:` table this harness answers).
//!
//! Nothing leaves the machine: Postfix listens on 127.0.0.1 only, looks
//! nothing up in DNS, delivers only the domains of [`Options`] and discards
//! mail for every other domain (bounces included).
//!
//! Needs Debian's `postfix` (with `postmap`, `postqueue`). Postfix's master
//! runs as root, so a test using this must run as root (CI does); it fails
//! with an explanation otherwise, it never skips.
//!
//! Starting Postfix relaying to Dovecot:
//!
//! ```no_run
//! # async fn f() {
//! use tessera_mail::testing::{dovecot::Dovecot, postfix::{Options, Postfix}};
//! let dovecot = Dovecot::start().await;
//! let postfix = Postfix::start(Options::relay_to(&dovecot));
//! postfix.send("help@tessera.test", "ana@customer.test", "Subject: Hi\n\nHello.\n");
//! let inbox = dovecot.wait_for_inbox("ana", 1, std::time::Duration::from_secs(30), || postfix.log()).await;
//! # }
//! ```

use std::collections::BTreeMap;
use std::io::{BufRead as _, BufReader, Write as _};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::dovecot::{CUSTOMER_DOMAIN, Dovecot};

/// Where Debian installs Postfix's commands.
const SBIN: &str = "/usr/sbin";

/// One domain piped into a command, the way an MTA hands inbound mail to
/// Tessera (`tessera mail ingest`).
#[derive(Clone, Debug)]
pub struct Pipe {
    /// The master.cf service name; the log shows `relay=<name>`.
    pub name: String,
    /// The domain whose mail goes to the command.
    pub domain: String,
    /// The user the command runs as (Postfix's pipe refuses root).
    pub user: String,
    /// The command line, Postfix's `argv=` (one recipient per delivery, so
    /// `${recipient}` is that one address), run with `flags=Rq`.
    pub argv: String,
}

/// What a [`Postfix`] delivers and how it authenticates.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Domains piped into commands.
    pub pipes: Vec<Pipe>,
    /// Domains relayed over LMTP to a port on 127.0.0.1 (Dovecot's
    /// [`Dovecot::lmtp_port`]): `(domain, port)`.
    pub lmtp: Vec<(String, u16)>,
    /// Offer SMTP AUTH (PLAIN, LOGIN) checked by Dovecot through this socket
    /// ([`Dovecot::auth_socket`]), so a test can see that the code under
    /// test logs in (`sasl_username=` in [`Postfix::log`]).
    pub sasl_socket: Option<PathBuf>,
    /// With `sasl_socket`: refuse to relay for clients that did not log
    /// in, even from loopback (otherwise 127.0.0.0/8 needs no login).
    pub require_auth: bool,
    /// Domains taken and then bounced with a delivery status notification
    /// to the envelope sender, as a smarthost does for a domain without MX
    /// or address records (DNS is off here, so Postfix's `error` transport
    /// stands in for the failed lookup): `(domain, "5.4.4 why")`. A relay
    /// that looks the domain up at RCPT time refuses it there instead,
    /// which is the 5xx path any access-map answer tests.
    pub bounce: Vec<(String, String)>,
}

impl Options {
    /// [`CUSTOMER_DOMAIN`] relayed to `dovecot` over LMTP, with SMTP AUTH
    /// offered against its users (not required): the usual outbound setup.
    pub fn relay_to(dovecot: &Dovecot) -> Self {
        Self {
            lmtp: vec![(CUSTOMER_DOMAIN.to_owned(), dovecot.lmtp_port)],
            sasl_socket: Some(dovecot.auth_socket()),
            ..Self::default()
        }
    }
}

/// A running private Postfix; `postfix abort` on drop.
pub struct Postfix {
    dir: tempfile::TempDir,
    /// The SMTP port on 127.0.0.1 the code under test submits to (plain
    /// SMTP; clients on 127.0.0.0/8 need no login unless
    /// [`Options::require_auth`]).
    pub port: u16,
    /// The recipient access map's entries: address → answer, served to
    /// Postfix by [`AnswerServer`] as a `tcp:` table.
    answers: Arc<Mutex<BTreeMap<String, String>>>,
    /// The lookup server's port and stop flag.
    answer_server: AnswerServer,
}

impl Postfix {
    /// Starts a Postfix delivering what `options` says; waits (up to 20 s)
    /// until its SMTP server answers.
    pub fn start(options: Options) -> Self {
        assert!(
            Path::new(SBIN).join("postfix").exists() && Path::new(SBIN).join("postmap").exists(),
            "Postfix is not installed: apt-get install -y postfix (.ci/run installs it)"
        );
        assert!(
            options.sasl_socket.is_some() || !options.require_auth,
            "Options::require_auth needs a sasl_socket to check logins with"
        );
        let uid = String::from_utf8(Command::new("id").arg("-u").output().expect("run id").stdout).expect("id");
        assert_eq!(uid.trim(), "0", "Postfix's master runs as root: run this test as root (CI does)");
        let dir = tempfile::Builder::new().prefix("tessera-postfix-").tempdir().expect("temp dir");
        // Postfix's daemons run as `postfix` and must reach their files.
        std::fs::set_permissions(dir.path(), std::os::unix::fs::PermissionsExt::from_mode(0o755)).expect("chmod");
        let port = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
        let t = dir.path();
        for d in ["etc", "queue", "data"] {
            std::fs::create_dir_all(t.join(d)).expect("mkdir");
        }
        let status = Command::new("chown").arg("postfix").arg(t.join("data")).status().expect("chown");
        assert!(status.success(), "chown postfix {}", t.join("data").display());
        let answers = Arc::new(Mutex::new(BTreeMap::new()));
        let answer_server = AnswerServer::start(Arc::clone(&answers));
        let pf = Self { dir, port, answers, answer_server };
        std::fs::write(pf.etc().join("main.cf"), pf.main_cf(&options)).expect("main.cf");
        std::fs::write(pf.etc().join("master.cf"), pf.master_cf(&options)).expect("master.cf");
        pf.postfix(&["post-install", "create-missing"]);
        pf.postfix(&["start"]);
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(started.elapsed() < Duration::from_secs(20), "Postfix did not listen: {}", pf.log());
            std::thread::sleep(Duration::from_millis(100));
        }
        pf
    }

    fn etc(&self) -> PathBuf {
        self.dir.path().join("etc")
    }

    fn main_cf(&self, options: &Options) -> String {
        let t = self.dir.path().display();
        let answers = self.answer_server.port;
        let mut domains = Vec::new();
        let mut transports = Vec::new();
        let mut extra = String::new();
        for pipe in &options.pipes {
            domains.push(pipe.domain.clone());
            transports.push(format!("{}={}:", pipe.domain, pipe.name));
            extra.push_str(&format!("{}_destination_recipient_limit = 1\n", pipe.name));
        }
        for (domain, port) in &options.lmtp {
            domains.push(domain.clone());
            transports.push(format!("{domain}=lmtp:inet:127.0.0.1:{port}"));
        }
        for (domain, why) in &options.bounce {
            domains.push(domain.clone());
            transports.push(format!("{{ {domain} = error:{why} }}"));
        }
        if !options.bounce.is_empty() {
            // Take the mail first (smtpd would refuse an `error` domain at
            // RCPT), so the refusal comes later, as a report.
            extra.push_str("smtpd_reject_unlisted_recipient = no\n");
        }
        let permit = match (&options.sasl_socket, options.require_auth) {
            (Some(socket), require) => {
                extra.push_str(&format!(
                    "smtpd_sasl_auth_enable = yes\n\
                     smtpd_sasl_type = dovecot\n\
                     smtpd_sasl_path = {}\n\
                     broken_sasl_auth_clients = no\n",
                    socket.display()
                ));
                if require { "permit_sasl_authenticated" } else { "permit_mynetworks, permit_sasl_authenticated" }
            }
            (None, _) => "permit_mynetworks",
        };
        let domains = domains.join(", ");
        let transports = if transports.is_empty() {
            String::new()
        } else {
            format!("transport_maps = inline:{{ {} }}\n", transports.join(", "))
        };
        format!(
            "compatibility_level = 3.6\n\
             queue_directory = {t}/queue\n\
             data_directory = {t}/data\n\
             command_directory = /usr/sbin\n\
             daemon_directory = /usr/lib/postfix/sbin\n\
             meta_directory = /etc/postfix\n\
             shlib_directory = /usr/lib/postfix\n\
             mail_owner = postfix\n\
             setgid_group = postdrop\n\
             myhostname = mx.tessera.test\n\
             mydomain = tessera.test\n\
             myorigin = tessera.test\n\
             mydestination =\n\
             inet_interfaces = 127.0.0.1\n\
             inet_protocols = ipv4\n\
             mynetworks = 127.0.0.0/8\n\
             relay_domains = {domains}\n\
             {transports}\
             default_transport = discard\n\
             relay_transport = discard\n\
             smtpd_relay_restrictions = {permit}, reject\n\
             smtpd_recipient_restrictions = check_recipient_access tcp:127.0.0.1:{answers}, {permit}, reject\n\
             local_recipient_maps =\n\
             alias_maps =\n\
             alias_database =\n\
             smtp_dns_support_level = disabled\n\
             lmtp_dns_support_level = disabled\n\
             smtpd_peername_lookup = no\n\
             queue_run_delay = 1s\n\
             minimal_backoff_time = 1s\n\
             maximal_backoff_time = 2s\n\
             maillog_file_prefixes = {t}\n\
             maillog_file = {t}/maillog\n\
             {extra}"
        )
    }

    fn master_cf(&self, options: &Options) -> String {
        let mut cf = format!(
            "127.0.0.1:{} inet n - n - - smtpd\n\
             pickup unix n - n 60 1 pickup\n\
             cleanup unix n - n - 0 cleanup\n\
             qmgr unix n - n 300 1 qmgr\n\
             rewrite unix - - n - - trivial-rewrite\n\
             bounce unix - - n - 0 bounce\n\
             defer unix - - n - 0 bounce\n\
             trace unix - - n - 0 bounce\n\
             verify unix - - n - 1 verify\n\
             flush unix n - n 1000? 0 flush\n\
             proxymap unix - - n - - proxymap\n\
             error unix - - n - - error\n\
             retry unix - - n - - error\n\
             discard unix - - n - - discard\n\
             lmtp unix - - n - - lmtp\n\
             anvil unix - - n - 1 anvil\n\
             scache unix - - n - 1 scache\n\
             postlog unix-dgram n - n - 1 postlogd\n\
             showq unix n - n - - showq\n",
            self.port
        );
        for pipe in &options.pipes {
            cf.push_str(&format!("{} unix - n n - - pipe flags=Rq user={} argv={}\n", pipe.name, pipe.user, pipe.argv));
        }
        cf
    }

    /// Runs `postfix -c <etc> <args>`; panics with the log if it fails.
    fn postfix(&self, args: &[&str]) {
        let out = Command::new(Path::new(SBIN).join("postfix"))
            .arg("-c")
            .arg(self.etc())
            .args(args)
            .output()
            .expect("postfix");
        assert!(out.status.success(), "postfix {args:?}: {} {}", String::from_utf8_lossy(&out.stderr), self.log());
    }

    /// Makes Postfix answer `RCPT TO:<address>` with `answer` (e.g.
    /// `"450 4.2.0 Mailbox busy"` or `"550 5.1.1 No such user"`), or accept
    /// it again with `None`. Applies to the very next `RCPT TO`, also in a
    /// session open now (a pooled sender's): the map is a `tcp:` table
    /// that smtpd asks on each lookup, answered from memory by this
    /// harness. (A `hash:` map is re-read only between sessions, and ending
    /// sessions by killing smtpd makes the master throttle the service.)
    pub fn set_answer(&self, address: &str, answer: Option<&str>) {
        let mut answers = self.answers.lock().expect("answers");
        match answer {
            Some(a) => answers.insert(address.to_lowercase(), a.to_owned()),
            None => answers.remove(&address.to_lowercase()),
        };
    }

    /// Postfix's log so far (for failure messages, and to check what was
    /// delivered where: `relay=`, `status=`, `sasl_username=`).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("maillog")).unwrap_or_default()
    }

    /// The queue now, one JSON object a message (`postqueue -j`); empty
    /// when everything was delivered, discarded or bounced.
    pub fn queue(&self) -> String {
        let out = Command::new(Path::new(SBIN).join("postqueue"))
            .arg("-c")
            .arg(self.etc())
            .arg("-j")
            .output()
            .expect("run postqueue");
        assert!(out.status.success(), "postqueue -j: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Waits, asking every 100 ms for up to `within`, until the queue is
    /// empty; panics with the queue and the log if it is not.
    pub fn wait_for_empty_queue(&self, within: Duration) {
        let started = Instant::now();
        loop {
            let queue = self.queue();
            if queue.trim().is_empty() {
                return;
            }
            assert!(
                started.elapsed() < within,
                "Postfix's queue is not empty after {within:?}:\n{queue}\n--- Postfix's log ---\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Asks Postfix to try its deferred mail now (`postqueue -f`).
    pub fn flush(&self) {
        let out = Command::new(Path::new(SBIN).join("postqueue"))
            .arg("-c")
            .arg(self.etc())
            .arg("-f")
            .output()
            .expect("run postqueue");
        assert!(out.status.success(), "postqueue -f: {}", String::from_utf8_lossy(&out.stderr));
    }

    /// A new SMTP session with this Postfix, greeting read: for tests that
    /// look at each answer (a refused RCPT, AUTH).
    pub fn smtp(&self) -> Smtp {
        Smtp::connect(self.port)
    }

    /// Sends `message` (`\n` line ends are made `\r\n`) from `from` to `to`
    /// over SMTP; panics with the log unless every step is accepted.
    pub fn send(&self, from: &str, to: &str, message: &str) {
        let mut smtp = self.smtp();
        for (command, code) in [
            ("EHLO client.test".to_owned(), "250"),
            (format!("MAIL FROM:<{from}>"), "250"),
            (format!("RCPT TO:<{to}>"), "250"),
        ] {
            let reply = smtp.command(&command);
            assert!(reply.starts_with(code), "SMTP {command}: wanted {code}, got {reply:?}\n{}", self.log());
        }
        let reply = smtp.data(message);
        assert!(reply.starts_with("250"), "SMTP DATA: got {reply:?}\n{}", self.log());
        smtp.command("QUIT");
    }
}

impl Drop for Postfix {
    fn drop(&mut self) {
        let _ = Command::new(Path::new(SBIN).join("postfix")).arg("-c").arg(self.etc()).arg("abort").output();
    }
}

/// A plain SMTP session over a `std::net::TcpStream` to 127.0.0.1, 10 s
/// read timeout: the test's side of the conversation, so a test can check
/// each answer Postfix gives (it is not Tessera's SMTP client).
pub struct Smtp {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl Smtp {
    /// Connects to `port` on 127.0.0.1 and reads the greeting (must be 220).
    pub fn connect(port: u16) -> Self {
        let stream = TcpStream::connect(("127.0.0.1", port)).expect("connect to Postfix");
        stream.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
        let reader = BufReader::new(stream.try_clone().expect("clone"));
        let mut smtp = Self { reader, writer: stream };
        let greeting = smtp.reply();
        assert!(greeting.starts_with("220"), "SMTP greeting: {greeting:?}");
        smtp
    }

    /// Reads one reply; answers its lines joined with `\n` (the code first).
    fn reply(&mut self) -> String {
        let mut lines = Vec::new();
        loop {
            let mut line = String::new();
            let n = self.reader.read_line(&mut line).expect("read an SMTP reply");
            assert!(n > 0, "Postfix closed the connection; so far: {lines:?}");
            let done = line.as_bytes().get(3) != Some(&b'-');
            lines.push(line.trim_end().to_owned());
            if done {
                return lines.join("\n");
            }
        }
    }

    /// Sends one command line and answers the reply (e.g. `"250 2.1.5 Ok"`).
    pub fn command(&mut self, line: &str) -> String {
        self.writer.write_all(format!("{line}\r\n").as_bytes()).expect("write an SMTP command");
        self.reply()
    }

    /// `DATA`, then `message` (line ends made `\r\n`, dots stuffed) and the
    /// final dot; answers the reply to the message (or to DATA if refused).
    pub fn data(&mut self, message: &str) -> String {
        let go = self.command("DATA");
        if !go.starts_with("354") {
            return go;
        }
        let mut body = String::new();
        for line in message.replace("\r\n", "\n").split_terminator('\n') {
            if line.starts_with('.') {
                body.push('.');
            }
            body.push_str(line);
            body.push_str("\r\n");
        }
        body.push_str(".\r\n");
        self.writer.write_all(body.as_bytes()).expect("write the message");
        self.reply()
    }
}

/// Postfix's `tcp:` lookup table (tcp_table(5)) for the recipient access
/// map: `get KEY` → `200 VALUE` or `500 not found`, keys and values
/// %-encoded. A thread on a loopback port, stopped with the harness.
struct AnswerServer {
    port: u16,
    stop: Arc<std::sync::atomic::AtomicBool>,
}

impl AnswerServer {
    fn start(answers: Arc<Mutex<BTreeMap<String, String>>>) -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind the lookup server");
        let port = listener.local_addr().expect("addr").port();
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if flag.load(std::sync::atomic::Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let answers = Arc::clone(&answers);
                std::thread::spawn(move || {
                    let _ = conn.set_read_timeout(Some(Duration::from_secs(120)));
                    let mut reader = std::io::BufReader::new(conn.try_clone().expect("clone"));
                    let mut writer = conn;
                    let mut line = String::new();
                    while std::io::BufRead::read_line(&mut reader, &mut line).is_ok_and(|n| n > 0) {
                        let reply = match line.trim_end().strip_prefix("get ") {
                            Some(key) => match answers.lock().expect("answers").get(&decode(key).to_lowercase()) {
                                Some(v) => format!("200 {}\n", encode(v)),
                                None => "500 not%20found\n".to_string(),
                            },
                            None => "400 bad%20request\n".to_string(),
                        };
                        if std::io::Write::write_all(&mut writer, reply.as_bytes()).is_err() {
                            break;
                        }
                        line.clear();
                    }
                });
            }
        });
        Self { port, stop }
    }
}

impl Drop for AnswerServer {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

/// tcp_table(5)'s encoding: bytes up to 32, from 127, and `%` as `%XX`.
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| if b <= 32 || b >= 127 || b == b'%' { format!("%{b:02X}") } else { (b as char).to_string() })
        .collect()
}

fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16)
        {
            out.push(v);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

//! The world every test starts from: a desk over a real SQLite store in a
//! temporary folder, a clock the test moves by hand, and a small cast.
//!
//! - departments: Support and Billing (public), Internal (not public);
//! - Ayşe, an agent of Support; Bora, an agent of Billing; an admin;
//! - the organization Acme with Erin (a member) and Faruk (a member who
//!   sees all of Acme's tickets); Gül, a customer of her own.
//!
//! Nobody has a password: hashing one costs tens of milliseconds, so only
//! the tests that sign in make users with one ([`World::user_with_password`]).

use chrono::{DateTime, Duration, Utc};
use std::fmt::Debug;
use std::sync::{Arc, Mutex};
use tempfile::TempDir;
use tessera_core::ids::{DepartmentId, OrganizationId, TicketId};
use tessera_core::time::ManualClock;
use tessera_core::{Actor, Email, Event, Organization, Role, Ticket};
use tessera_desk::mail::outbound::OutboundSettings;
use tessera_desk::{
    CreateUser, DepartmentInput, Desk, DeskResult, Limits, OpenTicket, OrganizationInput, Origin, PostMessage, Posted,
    SecretBox,
};
use tessera_store::{FsBlobStore, OutboundKind};
use tessera_store_sqlite::SqliteStore;

/// The password of users made with [`World::user_with_password`]: one
/// known text, so sign-in tests can tell a right password from a guess.
pub const PASSWORD: &str = "correct horse battery";

/// Where every world's clock starts: a fixed instant, so a failing test
/// fails the same way each time.
pub fn start_of_time() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-03-02T09:00:00Z").expect("a valid instant").with_timezone(&Utc)
}

/// A desk and its cast.
pub struct World {
    /// The desk under test.
    pub desk: Desk,
    /// Its clock: tests move time with it instead of sleeping.
    pub clock: Arc<ManualClock>,
    /// An admin.
    pub admin: Actor,
    /// Ayşe, an agent of Support.
    pub ayse: Actor,
    /// Bora, an agent of Billing.
    pub bora: Actor,
    /// Erin, a customer of Acme who sees only her own tickets.
    pub erin: Actor,
    /// Faruk, a customer of Acme who sees all of Acme's tickets.
    pub faruk: Actor,
    /// Gül, a customer of no organization.
    pub gul: Actor,
    /// Acme.
    pub acme: OrganizationId,
    /// A public department Ayşe works in.
    pub support: DepartmentId,
    /// A public department Bora works in.
    pub billing: DepartmentId,
    /// A department customers cannot pick; no agent belongs to it.
    pub internal: DepartmentId,
    /// The mail the SMTP sender took from the outbound queue so far
    /// (address, kind, text), oldest first: what the users find in their
    /// mailboxes.
    pub mailbox: Arc<Mutex<Vec<(String, OutboundKind, String)>>>,
    /// The data folder; removed when the world is dropped.
    _dir: TempDir,
}

/// The installation's address in every world (`[server] public_url`).
pub const PUBLIC_URL: &str = "https://help.tessera.test";

/// An address from a literal (a typo in a test fails it at once, where it is).
pub fn email(s: &str) -> Email {
    Email::parse(s).expect("a valid address")
}

/// Where the tests' requests come from: the web, with no address. The
/// origin only names the channel a message arrived through, which no test
/// here is about.
pub fn web() -> Origin {
    Origin::default()
}

/// The stable code and the field of a refusal: what every door shows its
/// caller, so what the tests compare (the message texts may be reworded).
pub fn refusal<T: Debug>(result: DeskResult<T>) -> (&'static str, Option<String>) {
    let e = result.expect_err("the desk should have refused");
    (e.code(), e.field().map(str::to_string))
}

impl World {
    /// A new installation with the cast above.
    pub async fn new() -> Self {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let store = Arc::new(SqliteStore::open(&dir.path().join("tessera.db")).expect("open the store"));
        let blobs = Arc::new(FsBlobStore::new(dir.path().join("blobs")));
        let clock = Arc::new(ManualClock::new(start_of_time()));
        let secrets = SecretBox::from_hex(&SecretBox::generate_hex().expect("a key")).expect("the key");
        // Outgoing mail on, as `[mail]` and `[server] public_url` set it:
        // queued mail waits for the sender, which [`World::mail_to`] plays.
        let outbound = OutboundSettings {
            enabled: true,
            public_url: Some(format!("{PUBLIC_URL}/")),
            from: Some((Some("Support".into()), "support@tessera.test".into())),
            language: "en".into(),
            acknowledgement_window: std::time::Duration::from_secs(300),
            digest_period: std::time::Duration::from_secs(3600),
        };
        let desk = Desk::new(store, blobs, clock.clone(), secrets, Limits::default()).with_outbound(outbound);

        let admin = desk
            .create_user_unchecked(CreateUser::new(email("admin@tessera.test"), "Admin", Role::Admin))
            .await
            .expect("the admin");
        let admin = desk.actor_for(&admin.user).await.expect("the admin's actor");
        let staff = |address: &str, name: &str| CreateUser::new(email(address), name, Role::Agent);
        let ayse = desk.create_user(&admin, staff("ayse@tessera.test", "Ayşe")).await.expect("Ayşe").user;
        let bora = desk.create_user(&admin, staff("bora@tessera.test", "Bora")).await.expect("Bora").user;
        let department = |name: &str, public: bool, members: Vec<_>| DepartmentInput {
            name: Some(name.into()),
            public: Some(public),
            member_ids: Some(members),
            ..DepartmentInput::default()
        };
        let support = desk.create_department(&admin, department("Support", true, vec![ayse.id])).await.unwrap();
        let billing = desk.create_department(&admin, department("Billing", true, vec![bora.id])).await.unwrap();
        let internal = desk.create_department(&admin, department("Internal", false, vec![])).await.unwrap();
        let acme: Organization = desk
            .create_organization(&admin, OrganizationInput { name: Some("Acme".into()), ..Default::default() })
            .await
            .expect("Acme");
        let customer = |address: &str, name: &str, sees_all: bool, org: Option<OrganizationId>| CreateUser {
            organization_id: org,
            sees_all,
            ..CreateUser::new(email(address), name, Role::Customer)
        };
        let erin = desk.create_user(&admin, customer("erin@acme.test", "Erin", false, Some(acme.id))).await.unwrap();
        let faruk = desk.create_user(&admin, customer("faruk@acme.test", "Faruk", true, Some(acme.id))).await.unwrap();
        let gul = desk.create_user(&admin, customer("gul@example.test", "Gül", false, None)).await.unwrap();
        let actor = |u| {
            let desk = desk.clone();
            async move { desk.actor_for(&u).await.expect("an actor") }
        };
        Self {
            admin,
            ayse: actor(ayse).await,
            bora: actor(bora).await,
            erin: actor(erin.user).await,
            faruk: actor(faruk.user).await,
            gul: actor(gul.user).await,
            acme: acme.id,
            support: support.department.id,
            billing: billing.department.id,
            internal: internal.department.id,
            desk,
            clock,
            mailbox: Arc::default(),
            _dir: dir,
        }
    }

    /// Moves the desk's time forward: idle expiry, sign-in waits and
    /// presence are checked in milliseconds instead of sleeping.
    pub fn advance(&self, by: Duration) {
        self.clock.advance(by);
    }

    /// A new user of `role` with [`PASSWORD`], made by the admin: apart
    /// from the cast, who have none, so only tests that sign in pay for
    /// hashing a password.
    pub async fn user_with_password(&self, address: &str, role: Role) -> Actor {
        let input = CreateUser { password: Some(PASSWORD.into()), ..CreateUser::new(email(address), "Someone", role) };
        let user = self.desk.create_user(&self.admin, input).await.expect("the user").user;
        self.desk.actor_for(&user).await.expect("their actor")
    }

    /// The mail sent to `address` so far (kind, plain text), oldest first:
    /// the sender's part is played here (the queue is claimed as the SMTP
    /// sender claims it, and each copy marked sent).
    pub async fn mail_to(&self, address: &str) -> Vec<(OutboundKind, String)> {
        let claimed = self.desk.claim_mail(100, std::time::Duration::from_secs(300)).await.expect("the queue");
        let mut mailbox = self.mailbox.lock().expect("the mailbox").clone();
        for m in claimed {
            let sent = tessera_desk::mail::outbound::SendResult::Sent("250 ok".into());
            self.desk.finish_mail(&m.delivery, sent).await.expect("marked sent");
            mailbox.push((m.delivery.address.clone(), m.plan.kind, m.plan.text.clone()));
        }
        *self.mailbox.lock().expect("the mailbox") = mailbox.clone();
        mailbox.into_iter().filter(|(to, ..)| to.eq_ignore_ascii_case(address)).map(|(_, k, t)| (k, t)).collect()
    }

    /// The token of the newest link mailed to `address`, as the user copies
    /// it from the mail's text; panics if none came.
    pub async fn last_link_token(&self, address: &str) -> String {
        let (_, text) = self.mail_to(address).await.pop().expect("a mail with a link");
        let at = text.find(PUBLIC_URL).unwrap_or_else(|| panic!("a link made from public_url in {text}"));
        let link: String = text[at..].chars().take_while(|c| !c.is_whitespace()).collect();
        link.rsplit('/').next().expect("a token").to_string()
    }

    /// `who` opens a ticket in `department` (as its requester, or for an
    /// agent on their own behalf), as the answer shows it to them — with
    /// its access key, which the opener is handed once. Panics if refused:
    /// for tests where opening is a step, not the point.
    pub async fn open(&self, who: &Actor, department: DepartmentId, subject: &str) -> Ticket {
        let input = OpenTicket::new(subject, department, &format!("{subject}: please help"));
        self.desk.open_ticket(who, input, &web()).await.expect("the ticket opens").ticket
    }

    /// Ayşe opens a ticket in Support for `requester` (a phone call): a
    /// ticket the requester did not write, for tests of what agents open for
    /// customers.
    pub async fn open_for(&self, requester: &Actor, subject: &str) -> Ticket {
        let input = OpenTicket {
            requester_id: Some(requester.user_id),
            ..OpenTicket::new(subject, self.support, &format!("{subject}: noted on the phone"))
        };
        self.desk.open_ticket(&self.ayse, input, &web()).await.expect("the ticket opens").ticket
    }

    /// `who` replies `text` to the ticket. Panics if refused: for tests
    /// where the reply is a step, not the point.
    pub async fn reply(&self, who: &Actor, id: TicketId, text: &str) -> Posted {
        self.desk.reply(who, id, PostMessage::text(text), &web()).await.expect("the reply is taken")
    }

    /// The ticket as the admin sees it: its version and its timeline, which
    /// is how a change is counted (one commit, one version, one batch of
    /// events at that version).
    pub async fn history(&self, id: TicketId) -> (Ticket, Vec<Event>) {
        let ticket = self.desk.ticket(&self.admin, id).await.expect("the admin sees every ticket");
        let events = self.desk.events(&self.admin, id).await.expect("the admin sees every timeline");
        (ticket, events)
    }
}

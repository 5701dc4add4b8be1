//! DKIM signing end to end (`[mail] dkim_*`): Tessera signs what it sends
//! through a private Postfix on loopback, and the message the customer
//! finds in their Dovecot inbox carries a `DKIM-Signature` for the sender's
//! domain that mail-auth's verifier accepts against the key an operator
//! would publish (checked without DNS); a department sending from another
//! domain is not signed. Runs as root (Postfix's master does).

use crate::mail_out::header;
use crate::support::*;
use serde_json::json;
use std::time::Duration;
use tessera_mail::testing::dkim::{DkimResult, key, verify};
use tessera_mail::testing::dovecot::Dovecot;
use tessera_mail::testing::postfix::{Options, Postfix};

#[tokio::test]
async fn mail_arrives_in_the_customers_inbox_with_a_dkim_signature_that_verifies() {
    bounded(async {
        let keys = tempfile::tempdir().unwrap();
        let (path, public) = key(keys.path(), "dkim.pem", &["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"]);
        let dovecot = Dovecot::start().await;
        let postfix = Postfix::start(Options::relay_to(&dovecot));
        // The configuration as an operator writes it: the signing domain
        // is [mail] from's; the key is read when the server starts.
        let data = tempfile::tempdir().unwrap();
        let toml = format!(
            "[mail]\nsmtp_url = \"smtp://127.0.0.1:{}\"\nfrom = \"Tessera <support@tessera.test>\"\n\
             dkim_selector = \"s2026\"\ndkim_key_file = \"{}\"\n",
            postfix.port,
            path.display()
        );
        std::fs::write(data.path().join("tessera.toml"), toml).unwrap();
        let server = TestServer::start_in(data, |c| c.public_url = Some("https://help.tessera.test".into())).await;
        let admin = server.admin().await;
        let signed = admin
            .post(
                "/departments",
                json!({"name": "Hosting", "description": "", "public": true, "email": "destek@tessera.test"}),
            )
            .await
            .expect(201)
            .id();
        let other = admin
            .post(
                "/departments",
                json!({"name": "Partner", "description": "", "public": true, "email": "help@partner.test"}),
            )
            .await
            .expect(201)
            .id();
        // One acknowledgement each (one per address in the window).
        for (department, who) in [(signed, "bora"), (other, "cem")] {
            let (_, customer) = admin.make_user(&server, "customer", &format!("{who}@customer.test"), who).await;
            customer
                .post("/tickets", json!({"department_id": department, "subject": "Hello", "body": "Hello."}))
                .await
                .expect(201);
        }
        let wait = Duration::from_secs(30);
        let ours = dovecot.wait_for_inbox("bora", 1, wait, || postfix.log()).await.remove(0);
        let theirs = dovecot.wait_for_inbox("cem", 1, wait, || postfix.log()).await.remove(0);
        assert!(header(&theirs, "From").unwrap().contains("help@partner.test"));

        let signature = header(&ours, "DKIM-Signature").expect("a DKIM-Signature");
        assert!(signature.contains("d=tessera.test;") && signature.contains("s=s2026;"), "{signature}");
        assert!(signature.contains("a=rsa-sha256;"), "{signature}");
        let record = format!("v=DKIM1; k=rsa; p={public}");
        assert_eq!(verify(&ours, "s2026", "tessera.test", &record).await, [DkimResult::Pass]);
        // A department in a domain the key is not for: no signature that
        // could never align.
        assert_eq!(header(&theirs, "DKIM-Signature"), None);
    })
    .await;
}

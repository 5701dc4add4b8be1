//! What a user's profile accepts (issue 18, item 15): a time zone is one
//! the server can apply — a well-formed but unknown name is refused, on
//! creating a user as on changing one, and nothing is saved.

use crate::support::*;
use tessera_core::Role;
use tessera_desk::{CreateUser, UpdateUser};

#[tokio::test]
async fn unknown_time_zones_are_refused_and_known_ones_kept() {
    let w = World::new().await;
    let zone = |tz: &str| UpdateUser { time_zone: Some(tz.into()), ..UpdateUser::default() };
    for bad in ["Mars/Olympus_Mons", "Europe/Nowhere", "europe/istanbul", "not a zone!", ""] {
        assert_eq!(
            refusal(w.desk.update_user(&w.admin, w.erin.user_id, zone(bad)).await),
            ("invalid_time_zone", Some("time_zone".into())),
            "{bad:?}"
        );
        let create =
            CreateUser { time_zone: Some(bad.into()), ..CreateUser::new(email("new@x.test"), "New", Role::Customer) };
        assert_eq!(refusal(w.desk.create_user(&w.admin, create).await).1.as_deref(), Some("time_zone"), "{bad:?}");
    }
    assert!(w.desk.user_by_email(&w.admin, &email("new@x.test")).await.expect("a lookup").is_none());
    assert_eq!(w.desk.user(&w.admin, w.erin.user_id).await.expect("Erin").user.time_zone, "UTC");
    // Every zone of the database is accepted, and kept as written.
    for good in ["Europe/Istanbul", "America/Argentina/Buenos_Aires", "Etc/GMT+3", "UTC", " Asia/Shanghai "] {
        let user = w.desk.update_user(&w.admin, w.erin.user_id, zone(good)).await.expect("a known zone").user;
        assert_eq!(user.time_zone, good.trim());
    }
}

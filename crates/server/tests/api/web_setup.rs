//! Setting up an agent on the web (issue 18, item 13): the admin's user
//! forms set the departments a user belongs to, through the desk; an agent
//! in no department is told why the console is empty.

use crate::support::*;
use serde_json::json;

const PW: &str = "a long test password";

/// Signs in a second admin with a password (the first one's is one-time).
async fn admin_browser(w: &World) -> Browser {
    let (id, _) = w.admin.make_user(&w.server, "admin", "root@example.com", "Root").await;
    w.admin.patch(&format!("/users/{id}"), json!({"password": PW})).await.expect(200);
    let mut b = Browser::new(&w.server);
    assert_eq!(b.sign_in("root@example.com", PW).await.status, 303);
    b
}

async fn departments_of(w: &World, id: i64) -> Vec<i64> {
    let u = w.admin.get(&format!("/users/{id}")).await.expect(200);
    let mut d: Vec<i64> = u.body["department_ids"].as_array().unwrap().iter().map(|v| v.as_i64().unwrap()).collect();
    d.sort_unstable();
    d
}

#[tokio::test]
async fn the_user_forms_set_an_agents_departments() {
    let w = World::new().await;
    let mut b = admin_browser(&w).await;
    let (billing, tech) = (w.billing.to_string(), w.tech.to_string());

    // The new-user form offers the departments; ticked ones are joined.
    let page = b.get("/admin/users").await;
    assert!(page.text.contains("name=\"department_ids\""), "{}", page.text);
    let csrf = b.csrf("/admin/users").await;
    let fields = [
        ("_csrf", csrf.as_str()),
        ("email", "nur@example.com"),
        ("name", "Nur"),
        ("role", "agent"),
        ("password", PW),
        ("organization_id", ""),
        ("locale", "en"),
        ("department_ids", billing.as_str()),
        ("department_ids", tech.as_str()),
    ];
    assert_eq!(b.post("/admin/users", &fields).await.status, 303);
    let found = w.admin.get("/users?q=nur@example.com").await.expect(200);
    let id = found.body["users"][0]["id"].as_i64().unwrap();
    let mut both = vec![w.billing, w.tech];
    both.sort_unstable();
    assert_eq!(departments_of(&w, id).await, both);
    // The department's own page agrees (one membership, two doors).
    let d = w.admin.get(&format!("/departments/{}", w.tech)).await.expect(200);
    assert!(d.body["member_ids"].as_array().unwrap().iter().any(|m| m.as_i64() == Some(id)), "{}", d.body);

    // The user's page shows them ticked; unticking one leaves it.
    let page = b.get(&format!("/admin/users/{id}")).await;
    assert!(page.text.contains(&format!("value=\"{}\" checked", w.billing)), "{}", page.text);
    let csrf = b.csrf(&format!("/admin/users/{id}")).await;
    let edit = [
        ("_csrf", csrf.as_str()),
        ("name", "Nur"),
        ("email", "nur@example.com"),
        ("role", "agent"),
        ("organization_id", ""),
        ("locale", "en"),
        ("time_zone", "UTC"),
        ("department_ids", tech.as_str()),
    ];
    assert_eq!(b.post(&format!("/admin/users/{id}"), &edit).await.status, 303);
    assert_eq!(departments_of(&w, id).await, vec![w.tech]);

    // A customer with departments ticked is refused, by name, and not created.
    let csrf = b.csrf("/admin/users").await;
    let customer = [
        ("_csrf", csrf.as_str()),
        ("email", "cem@example.com"),
        ("name", "Cem"),
        ("role", "customer"),
        ("organization_id", ""),
        ("locale", "en"),
        ("department_ids", billing.as_str()),
    ];
    let r = b.post("/admin/users", &customer).await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(r.text.contains("Only agents and admins belong to departments"), "{}", r.text);
    let none = w.admin.get("/users?q=cem@example.com").await.expect(200);
    assert_eq!(none.body["users"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn an_agent_in_no_department_is_told_why_and_where_to_fix_it() {
    let w = World::new().await;
    let (id, _) = w.admin.make_user(&w.server, "agent", "yeni@example.com", "Yeni Agent").await;
    w.admin.patch(&format!("/users/{id}"), json!({"password": PW})).await.expect(200);
    let mut b = Browser::new(&w.server);
    b.sign_in("yeni@example.com", PW).await;
    let console = b.get("/agent").await;
    assert!(console.text.contains("You are not in any department yet"), "{}", console.text);
    assert!(console.text.contains("Settings › Users › Yeni Agent › Departments"), "{}", console.text);
    let new = b.get("/agent/tickets/new").await;
    assert!(new.text.contains("so you cannot open a ticket yet"), "{}", new.text);
    // An agent in a department is not told.
    let mut a = Browser::new(&w.server);
    w.admin.patch(&format!("/users/{}", w.ayse_id), json!({"password": PW})).await.expect(200);
    a.sign_in("ayse@example.com", PW).await;
    assert!(!a.get("/agent").await.text.contains("You are not in any department yet"));
}

#[tokio::test]
async fn a_view_with_two_bad_rows_names_both_and_values_are_picked_in_words() {
    let w = World::new().await;
    w.admin.patch(&format!("/users/{}", w.ayse_id), json!({"password": PW})).await.expect(200);
    let mut b = Browser::new(&w.server);
    b.sign_in("ayse@example.com", PW).await;
    let csrf = b.csrf("/agent/views/new").await;
    let form = [
        ("_csrf", csrf.as_str()),
        ("title", "Two mistakes"),
        ("active", "1"),
        ("c0_group", "all"),
        ("c0_field", "updated_at"),
        ("c0_op", "older_than"),
        ("c0_value", "a week"),
        ("c1_group", "all"),
        ("c1_field", "created_at"),
        ("c1_op", "less_than"),
        ("c1_value", "yesterday"),
        ("columns", "number"),
        ("columns", "subject"),
        ("sort_by", "queue"),
        ("order", "desc"),
        ("do", "save"),
    ];
    let r = b.post("/agent/views/new", &form).await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(r.text.contains("id=\"c0-error\""), "{}", r.text);
    assert!(r.text.contains("id=\"c1-error\""), "{}", r.text);
    assert!(r.text.contains("Condition 1:") && r.text.contains("Condition 2:"), "{}", r.text);
    let views = w.admin.get("/views").await.expect(200);
    assert!(!views.body.to_string().contains("Two mistakes"));

    // The assignee is picked from a list that says "Me", and the view's
    // summary says it too.
    let page = b.get("/agent/views/new").await;
    assert!(!page.text.contains(">sla_breached<") && page.text.contains("SLA breached"), "{}", page.text);
    assert!(!page.text.contains(">col.sla_due<"), "{}", page.text);
    let csrf = b.csrf("/agent/views/new").await;
    let refresh = [
        ("_csrf", csrf.as_str()),
        ("title", "Mine"),
        ("active", "1"),
        ("c0_group", "all"),
        ("c0_field", "assignee_id"),
        ("c0_op", "is"),
        ("c0_value", ""),
        ("columns", "number"),
        ("sort_by", "queue"),
        ("order", "desc"),
        ("do", "refresh"),
    ];
    let r = b.post("/agent/views/new", &refresh).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.text.contains("<select id=\"c0-value\""), "{}", r.text);
    assert!(r.text.contains("<option value=\"current_user\">Me</option>"), "{}", r.text);
    let mut save = refresh;
    save[6] = ("c0_value", "current_user");
    save[10] = ("do", "save");
    let r = b.post("/agent/views/new", &save).await;
    assert_eq!(r.status, 303, "{}", r.text);
    let list = b.get("/agent/views").await;
    assert!(list.text.contains("Assignee is Me"), "{}", list.text);
    assert!(!list.text.contains("current_user"), "{}", list.text);
}

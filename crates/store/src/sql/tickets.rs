//! The ticket-query compiler: what a permission scope, the list filters, a
//! view's resolved conditions and a sort order select, as SQL over
//! `tickets t`. The one home of those meanings; each backend runs it with
//! its [`Dialect`] and its own full-text lookup.
//!
//! Conditions are written so that they are never NULL where they may be
//! negated, and so that SQLite can use the tickets' indexes: the
//! [`Dialect::unseekable`] hints below keep its planner from seeking an index
//! that would read a large share of the tickets (decision 22).

use super::rows::TICKET_SELECT;
use super::{Dialect, Fragment, Value};
use crate::{SortField, TicketQuery};
use tessera_core::Timestamp;
use tessera_core::permission::TicketScope;
use tessera_core::status::StatusCategory;
use tessera_core::view::{Field, Operator, Resolved, ResolvedConditions, ResolvedValue};

/// The most tickets one page holds.
pub const MAX_PAGE: u32 = 1000;

/// Which table a condition's SQL reads: the tickets (`t`), or SQLite's
/// tally of live tickets by status, category, department, assignee,
/// priority and archived (`c`, see migration 0007 and decision 22), which
/// holds only some of the columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    /// `tickets t`.
    Tickets,
    /// `ticket_counts c`.
    Counts,
}

/// A backend's ticket-query compiler: the shared meanings in its dialect.
#[derive(Debug, Clone, Copy)]
pub struct TicketSql {
    /// The backend's SQL spelling.
    pub dialect: &'static Dialect,
    /// The condition of a list's plain `text` filter over `tickets t`: every
    /// word in the ticket's text (notes too when the flag says so), or the
    /// text is the ticket's number. Each backend has its own index.
    pub text_filter: fn(&str, bool) -> Fragment,
}

/// The page size of a query.
pub fn limit(q: &TicketQuery) -> u32 {
    q.limit.clamp(1, MAX_PAGE)
}

/// Whether the query asks for tickets created, updated or solved after
/// some time (a "recent" window, which the time indexes answer well).
pub fn recent_window(q: &TicketQuery) -> bool {
    let f = &q.filter;
    let windowed = |c: &Resolved| {
        c.operator == Operator::GreaterThan
            && matches!(c.value, ResolvedValue::Time(_))
            && matches!(c.field, Field::CreatedAt | Field::UpdatedAt | Field::SolvedAt)
    };
    f.created_after.is_some()
        || f.updated_after.is_some()
        || f.view.as_ref().is_some_and(|v| v.all.iter().any(windowed))
}

/// The earliest due time of the ticket's running SLA targets (stored beside
/// the ticket; `NULL` when none runs).
pub const SLA_NEXT_DUE: &str = "(SELECT s.next_due_at FROM ticket_sla s WHERE s.ticket_id = t.id)";

/// The condition "an SLA target of `t` is (not) breached".
pub fn sla_breached(wanted: bool) -> String {
    let exists = "EXISTS (SELECT 1 FROM ticket_sla s WHERE s.ticket_id = t.id AND s.breached = 1)";
    if wanted { exists.to_string() } else { format!("NOT {exists}") }
}

/// A `LIKE` pattern matching texts that contain `text`, escaped with `\`.
fn like(text: &str) -> String {
    format!("%{}%", text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"))
}

fn ms(t: Timestamp) -> i64 {
    t.timestamp_millis()
}

/// A `?` for one value.
fn param(v: Value) -> Fragment {
    Fragment::with("?", vec![v])
}

impl TicketSql {
    /// The condition of a permission scope over `t` (`None`: every ticket).
    /// `unseekable`: the query also asks for a recent time window (see
    /// [`recent_window`]).
    pub fn scope(&self, scope: &TicketScope, unseekable: bool) -> Option<Fragment> {
        let d = self.dialect;
        match scope {
            TicketScope::All => None,
            TicketScope::Single(id) => Some(Fragment::with("t.id = ?", vec![Value::Int(id.0)])),
            TicketScope::Agent { user_id, department_ids } => {
                // An agent's scope is typically a tenth of the tickets; when
                // the query also asks for a recent window of time, reading
                // that window's index is far cheaper, so the scope must not
                // be sought.
                let p = if unseekable { d.unseekable } else { "" };
                let mut f = Fragment::new("(");
                if department_ids.is_empty() {
                    f.push(d.false_sql);
                } else {
                    f.append(&d.in_ints(&format!("{p}t.department_id"), department_ids.iter().map(|d| d.0).collect()));
                }
                f.push(&format!(" OR {p}t.assignee_id = ")).bind(user_id.0);
                f.push(&format!(" OR {p}t.flagged_id = ")).bind(user_id.0).push(")");
                Some(f)
            }
            TicketScope::Customer { user_id, organization_id } => Some(match organization_id {
                Some(org) => Fragment::with(
                    "(t.requester_id = ? OR t.organization_id = ?)",
                    vec![Value::Int(user_id.0), Value::Int(org.0)],
                ),
                None => Fragment::with("t.requester_id = ?", vec![Value::Int(user_id.0)]),
            }),
        }
    }

    /// The `WHERE` condition (without `WHERE`) of a query's scope and
    /// filter; deleted tickets never match.
    pub fn filter(&self, q: &TicketQuery) -> Fragment {
        let d = self.dialect;
        let mut w = vec![Fragment::new("t.deleted_at IS NULL")];
        w.extend(self.scope(&q.scope, recent_window(q)));
        let f = &q.filter;
        if let Some(n) = &f.number {
            w.push(d.text_equals("t.number", n));
        }
        if !f.statuses.is_empty() {
            w.push(d.in_texts("t.status", f.statuses.iter().map(|s| s.0.clone()).collect()));
        }
        if !f.categories.is_empty() {
            // Unseekable: never seek the category index (see `category`).
            let column = d.unseekable("t.status_category");
            w.push(d.in_texts(&column, f.categories.iter().map(|s| s.as_str().to_string()).collect()));
        }
        if !f.department_ids.is_empty() {
            w.push(d.in_ints("t.department_id", f.department_ids.iter().map(|s| s.0).collect()));
        }
        match f.assignee {
            None => {}
            // Unseekable: unassigned tickets are too many for the assignee
            // index to help.
            Some(None) => w.push(Fragment::new(format!("{} IS NULL", d.unseekable("t.assignee_id")))),
            Some(Some(a)) => w.push(Fragment::with("t.assignee_id = ?", vec![Value::Int(a.0)])),
        }
        if let Some(r) = f.requester_id {
            w.push(Fragment::with("t.requester_id = ?", vec![Value::Int(r.0)]));
        }
        if let Some(o) = f.organization_id {
            w.push(Fragment::with("t.organization_id = ?", vec![Value::Int(o.0)]));
        }
        if !f.priorities.is_empty() {
            w.push(d.in_ints("t.priority", f.priorities.iter().map(|s| s.rank()).collect()));
        }
        if !f.types.is_empty() {
            w.push(d.in_texts("t.ticket_type", f.types.iter().map(|s| s.as_str().to_string()).collect()));
        }
        for tag in &f.tags {
            w.push(if d.refuses(tag) {
                Fragment::new(d.false_sql)
            } else {
                Fragment::with(
                    "EXISTS (SELECT 1 FROM ticket_tags g WHERE g.ticket_id = t.id AND g.tag = ?)",
                    vec![Value::Text(tag.clone())],
                )
            });
        }
        if let Some(a) = f.archived {
            w.push(Fragment::with("t.archived = ?", vec![Value::flag(a)]));
        }
        if let Some(text) = f.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            w.push((self.text_filter)(text, f.text_in_notes));
        }
        if let Some(view) = &f.view {
            w.extend(self.view(view, Table::Tickets));
        }
        if let Some(b) = f.sla_breached {
            w.push(Fragment::new(sla_breached(b)));
        }
        if let Some(t) = f.sla_due_before {
            w.push(Fragment::with(format!("{SLA_NEXT_DUE} < ?"), vec![Value::Int(ms(t))]));
        }
        for (col, op, val) in [
            ("created_at", ">=", f.created_after),
            ("created_at", "<", f.created_before),
            ("updated_at", ">=", f.updated_after),
            ("updated_at", "<", f.updated_before),
        ] {
            if let Some(t) = val {
                w.push(Fragment::with(format!("t.{col} {op} ?"), vec![Value::Int(ms(t))]));
            }
        }
        Fragment::join(w, " AND ")
    }

    /// A view's conditions as one condition (always true when there are
    /// none); `None` when a condition looks at a column `table` does not
    /// hold (only the tally lacks some).
    pub fn view(&self, view: &ResolvedConditions, table: Table) -> Option<Fragment> {
        let mut w = Vec::new();
        for c in &view.all {
            w.push(self.condition(c, table)?);
        }
        if !view.any.is_empty() {
            let mut parts = Vec::new();
            for c in &view.any {
                parts.push(self.condition(c, table)?);
            }
            let mut any = Fragment::new("(");
            any.append(&Fragment::join(parts, " OR ")).push(")");
            w.push(any);
        }
        if w.is_empty() { Some(Fragment::new(self.dialect.true_sql)) } else { Some(Fragment::join(w, " AND ")) }
    }

    /// One resolved view condition, over `t` or over the tally's `c`;
    /// `None` when the tally does not hold the field. Conditions were
    /// checked when the view was saved, so a value of an unexpected shape
    /// here matches nothing rather than failing.
    fn condition(&self, c: &Resolved, table: Table) -> Option<Fragment> {
        if c.field == Field::StatusCategory {
            // Over the tickets the category index is never sought: a view's
            // categories usually cover a large share of the tickets (all
            // unsolved, solved or closed), where that index only adds a
            // sort. Counts come from the tally; pages walk an order index or
            // a narrower one (SQLite's `walk_the_order`).
            let column = match table {
                Table::Tickets => self.dialect.unseekable("t.status_category"),
                Table::Counts => "c.status_category".to_string(),
            };
            return Some(self.category(&column, c));
        }
        if table == Table::Counts {
            let column = match &c.field {
                Field::Status => "c.status",
                Field::Priority => "c.priority",
                Field::DepartmentId => "c.department_id",
                Field::AssigneeId => "NULLIF(c.assignee_id, 0)",
                Field::Archived => "c.archived",
                _ => return None,
            };
            return Some(self.value(column, c));
        }
        let column = match &c.field {
            Field::Status => "t.status",
            Field::StatusCategory => "t.status_category",
            Field::Priority => "t.priority",
            Field::Type => "t.ticket_type",
            Field::Source => "t.source",
            Field::DepartmentId => "t.department_id",
            Field::AssigneeId => "t.assignee_id",
            Field::RequesterId => "t.requester_id",
            Field::OrganizationId => "t.organization_id",
            Field::ServiceId => "t.service_id",
            Field::FlaggedId => "t.flagged_id",
            Field::Subject => "t.subject",
            Field::Number => "t.number",
            Field::Locked => "t.locked",
            Field::Archived => "t.archived",
            Field::QueueBoost => "t.queue_boost",
            Field::CreatedAt => "t.created_at",
            Field::UpdatedAt => "t.updated_at",
            Field::LastCustomerReplyAt => "t.last_customer_reply_at",
            Field::LastAgentReplyAt => "t.last_agent_reply_at",
            Field::AwaitingAgentSince => "t.awaiting_agent_since",
            Field::SolvedAt => "t.solved_at",
            Field::DueAt => "t.due_at",
            Field::SlaBreached => return Some(self.sla_breached(c)),
            Field::SlaNextDueAt => SLA_NEXT_DUE,
            Field::Tags => return Some(self.tags(c)),
            Field::Custom(key) => return Some(self.custom(key, c)),
        };
        Some(self.value(column, c))
    }

    /// A status-category condition (values are category ranks, see
    /// `tessera_core::view::category_rank`) as `column` in the categories
    /// it selects, which the category index can answer, unlike a computed
    /// rank.
    fn category(&self, column: &str, c: &Resolved) -> Fragment {
        use Operator::*;
        let ranks = match &c.value {
            ResolvedValue::Ints(v) => v.clone(),
            _ => Vec::new(),
        };
        let chosen: Vec<String> = StatusCategory::ALL
            .into_iter()
            .filter(|cat| {
                let r = tessera_core::view::category_rank(*cat);
                match c.operator {
                    Is | In => ranks.contains(&r),
                    IsNot | NotIn => !ranks.contains(&r),
                    LessThan => ranks.first().is_some_and(|b| r < *b),
                    GreaterThan => ranks.first().is_some_and(|b| r > *b),
                    // A ticket always has a category.
                    Present => true,
                    _ => false,
                }
            })
            .map(|c| c.as_str().to_string())
            .collect();
        match chosen.len() {
            0 => Fragment::new(self.dialect.false_sql),
            n if n == StatusCategory::ALL.len() => Fragment::new(self.dialect.true_sql),
            _ => self.dialect.in_texts(column, chosen),
        }
    }

    /// `column <operator> value` for one resolved condition.
    fn value(&self, column: &str, c: &Resolved) -> Fragment {
        use Operator::*;
        let d = self.dialect;
        let col = Fragment::new(column);
        let ints = |v: &[i64]| v.iter().map(|i| param(Value::Int(*i))).collect::<Vec<_>>();
        let texts = |v: &[String]| v.iter().map(|t| param(Value::Text(t.clone()))).collect::<Vec<_>>();
        match (&c.value, c.operator) {
            (_, Present) => Fragment::new(format!("{column} IS NOT NULL")),
            // Unseekable: an empty value is common (unassigned, no due
            // date), so an index seek on it would read a large share of the
            // tickets.
            (_, Absent) => Fragment::new(format!("{} IS NULL", d.unseekable(column))),
            (ResolvedValue::Flag(b), Is) => Fragment::with(format!("{column} = ?"), vec![Value::flag(*b)]),
            (ResolvedValue::Flag(b), IsNot) => Fragment::with(format!("{column} != ?"), vec![Value::flag(*b)]),
            (ResolvedValue::Time(t), LessThan) => Fragment::with(format!("{column} < ?"), vec![Value::Int(ms(*t))]),
            (ResolvedValue::Time(t), GreaterThan) => Fragment::with(format!("{column} > ?"), vec![Value::Int(ms(*t))]),
            (ResolvedValue::Ints(v), op) => self.compare(&col, op, ints(v)),
            (ResolvedValue::Texts(v), op @ (Contains | NotContains)) if c.field == Field::Subject && !v.is_empty() => {
                let not = if op == NotContains { "NOT " } else { "" };
                Fragment::with(format!("{column} {not}{} ? ESCAPE '\\'", d.like_nocase), vec![Value::Text(like(&v[0]))])
            }
            (ResolvedValue::Texts(v), op @ (Is | IsNot | In | NotIn)) => self.compare(&col, op, texts(v)),
            (ResolvedValue::Texts(v), op @ (LessThan | GreaterThan)) if !v.is_empty() => {
                let sign = if op == LessThan { "<" } else { ">" };
                Fragment::with(format!("{column}{} {sign} ?", d.code_point_order), vec![Value::Text(v[0].clone())])
            }
            _ => Fragment::new(d.false_sql),
        }
    }

    /// `column op values`, where an empty column is "not" every value.
    fn compare(&self, column: &Fragment, op: Operator, values: Vec<Fragment>) -> Fragment {
        use Operator::*;
        let Some(first) = values.first() else {
            return Fragment::new(self.dialect.lit(matches!(op, IsNot | NotIn)));
        };
        let mut out = Fragment::default();
        match op {
            Is if values.len() == 1 => out.append(column).push(" = ").append(first),
            Is | In => out.append(column).push(" IN (").append(&Fragment::join(values, ", ")).push(")"),
            IsNot if values.len() == 1 => {
                out.push("(").append(column).push(" IS NULL OR ").append(column).push(" != ").append(first).push(")")
            }
            IsNot | NotIn => out
                .push("(")
                .append(column)
                .push(" IS NULL OR ")
                .append(column)
                .push(" NOT IN (")
                .append(&Fragment::join(values, ", "))
                .push("))"),
            LessThan => out.append(column).push(" < ").append(first),
            GreaterThan => out.append(column).push(" > ").append(first),
            _ => out.push(self.dialect.false_sql),
        };
        out
    }

    /// Whether an SLA target of the ticket is breached, as the condition's
    /// flag says.
    fn sla_breached(&self, c: &Resolved) -> Fragment {
        match (&c.value, c.operator) {
            (ResolvedValue::Flag(b), Operator::Is) => Fragment::new(sla_breached(*b)),
            (ResolvedValue::Flag(b), Operator::IsNot) => Fragment::new(sla_breached(!*b)),
            _ => Fragment::new(self.dialect.false_sql),
        }
    }

    /// A condition on the ticket's tags.
    fn tags(&self, c: &Resolved) -> Fragment {
        use Operator::*;
        let tags = match &c.value {
            ResolvedValue::Texts(t) => t.clone(),
            _ => Vec::new(),
        };
        let any = "EXISTS (SELECT 1 FROM ticket_tags g WHERE g.ticket_id = t.id)";
        let has_any = |not: &str| {
            let mut f =
                Fragment::new(format!("{not}EXISTS (SELECT 1 FROM ticket_tags g WHERE g.ticket_id = t.id AND "));
            f.append(&self.dialect.in_texts("g.tag", tags.clone())).push(")");
            f
        };
        match c.operator {
            Present => Fragment::new(any),
            Absent => Fragment::new(format!("NOT {any}")),
            _ if tags.is_empty() => Fragment::new(self.dialect.false_sql),
            Is | Contains | In => has_any(""),
            IsNot | NotContains | NotIn => has_any("NOT "),
            _ => Fragment::new(self.dialect.false_sql),
        }
    }

    /// A condition on a custom field's value in the ticket's JSON (see
    /// [`super::Json`]); a JSON `null` counts as no value.
    fn custom(&self, key: &str, c: &Resolved) -> Fragment {
        use Operator::*;
        let json = self.dialect.json;
        let field = json.field(key);
        let vals: Vec<&serde_json::Value> = match &c.value {
            ResolvedValue::Json(v) => v.iter().collect(),
            _ => Vec::new(),
        };
        let mut out = Fragment::default();
        match c.operator {
            Present => out.append(&field).push(" IS NOT NULL"),
            Absent => out.append(&field).push(" IS NULL"),
            Contains | NotContains => {
                let Some(serde_json::Value::String(text)) = vals.first() else {
                    return Fragment::new(self.dialect.false_sql);
                };
                if c.operator == NotContains {
                    out.push("NOT ");
                }
                out.append(&json.contains(key, &field, like(text), text))
            }
            op => return self.compare(&field, op, vals.into_iter().map(|v| json.value(v)).collect()),
        };
        out
    }

    /// The expression a sort order reads.
    fn sort_column(&self, f: SortField) -> String {
        let folded = |e: &str| self.dialect.folded_order.around(e);
        match f {
            SortField::CreatedAt => "t.created_at".into(),
            SortField::UpdatedAt => "t.updated_at".into(),
            SortField::Priority => "t.priority".into(),
            SortField::Id => "t.id".into(),
            SortField::Number => self.dialect.leading_number.around("t.number"),
            SortField::Subject => folded("t.subject"),
            SortField::Requester => folded("(SELECT u.name FROM users u WHERE u.id = t.requester_id)"),
            SortField::Department => folded("(SELECT d.name FROM departments d WHERE d.id = t.department_id)"),
            SortField::Assignee => folded("COALESCE((SELECT u.name FROM users u WHERE u.id = t.assignee_id), '')"),
            SortField::Status => "CASE t.status_category WHEN 'new' THEN 0 WHEN 'open' THEN 1 WHEN 'pending' THEN 2 \
                 WHEN 'hold' THEN 3 WHEN 'solved' THEN 4 ELSE 5 END"
                .into(),
            SortField::Wait => "COALESCE(t.awaiting_agent_since, 9223372036854775807)".into(),
            SortField::Queue => "t.priority".into(),
            SortField::SlaDue => {
                "COALESCE((SELECT s.next_due_at FROM ticket_sla s WHERE s.ticket_id = t.id), 9223372036854775807)"
                    .into()
            }
        }
    }

    /// A page of tickets ([`TICKET_SELECT`] columns): keyset cursors for
    /// the orders that have them, offsets for the others; ties broken by
    /// id. `hint` follows the table's alias (SQLite's `INDEXED BY`).
    pub fn page(&self, q: &TicketQuery, hint: &str) -> Fragment {
        let mut w = self.filter(q);
        let col = self.sort_column(q.sort.field);
        let dir = if q.sort.descending { "DESC" } else { "ASC" };
        if let Some(cur) = q.after.filter(|_| q.sort.field.keyset()) {
            let cmp = if q.sort.descending { "<" } else { ">" };
            w.push(&format!(" AND ({col}, t.id) {cmp} (")).bind(cur.value).push(", ").bind(cur.id.0).push(")");
        }
        let boost = if q.sort.boosted_first || q.sort.field == SortField::Queue { "t.queue_boost DESC, " } else { "" };
        let order = if q.sort.field == SortField::Queue {
            "t.priority DESC, COALESCE(t.awaiting_agent_since, 9223372036854775807) ASC, t.id ASC".to_string()
        } else {
            format!("{col} {dir}, t.id {dir}")
        };
        Fragment::with(
            format!(
                "SELECT {} FROM tickets t{hint} WHERE {} ORDER BY {boost}{order} LIMIT {} OFFSET {}",
                *TICKET_SELECT,
                w.sql,
                limit(q),
                q.offset
            ),
            w.values,
        )
    }

    /// The exact count of a query's tickets (paging ignored), by counting
    /// them; `hint` follows the table's alias.
    pub fn count(&self, q: &TicketQuery, hint: &str) -> Fragment {
        let w = self.filter(q);
        Fragment::with(format!("SELECT COUNT(*) FROM tickets t{hint} WHERE {}", w.sql), w.values)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::{POSTGRES, SQLITE};
    use crate::{TicketFilter, TicketSort};
    use serde_json::json;
    use tessera_core::ids::{DepartmentId, UserId};

    fn no_text(_: &str, _: bool) -> Fragment {
        Fragment::new("NO_TEXT")
    }

    const S: TicketSql = TicketSql { dialect: &SQLITE, text_filter: no_text };
    const P: TicketSql = TicketSql { dialect: &POSTGRES, text_filter: no_text };

    fn query(filter: TicketFilter) -> TicketQuery {
        TicketQuery {
            scope: TicketScope::Agent { user_id: UserId(3), department_ids: vec![DepartmentId(1), DepartmentId(2)] },
            filter,
            sort: TicketSort::default(),
            after: None,
            offset: 0,
            limit: 25,
        }
    }

    fn view(field: Field, operator: Operator, value: ResolvedValue) -> TicketFilter {
        let c = Resolved { field, operator, value };
        TicketFilter { view: Some(ResolvedConditions { all: vec![c], any: vec![] }), ..Default::default() }
    }

    #[test]
    fn one_meaning_two_spellings() {
        let q = query(view(Field::AssigneeId, Operator::IsNot, ResolvedValue::Ints(vec![7])));
        let s = S.filter(&q);
        assert_eq!(
            s.sql,
            "t.deleted_at IS NULL AND (t.department_id IN (?, ?) OR t.assignee_id = ? OR t.flagged_id = ?) \
             AND (t.assignee_id IS NULL OR t.assignee_id != ?)"
        );
        assert_eq!(s.values, [1, 2, 3, 3, 7].map(Value::Int));
        let p = P.filter(&q);
        assert_eq!(
            p.sql,
            "t.deleted_at IS NULL AND (t.department_id = ANY(?) OR t.assignee_id = ? OR t.flagged_id = ?) \
             AND (t.assignee_id IS NULL OR t.assignee_id != ?)"
        );
        assert_eq!(p.values, vec![Value::Ints(vec![1, 2]), Value::Int(3), Value::Int(3), Value::Int(7)]);
    }

    #[test]
    fn a_custom_field_written_twice_binds_its_path_twice() {
        let q = query(view(Field::Custom("size".into()), Operator::IsNot, ResolvedValue::Json(vec![json!(3)])));
        let s = S.filter(&q);
        assert!(s.sql.ends_with("(json_extract(t.custom_fields, ?) IS NULL OR json_extract(t.custom_fields, ?) != ?)"));
        assert_eq!(s.values[4..], [Value::Text("$.\"size\"".into()), Value::Text("$.\"size\"".into()), Value::Int(3)]);
        // Nothing to compare with: no value is bound, the path neither.
        let q = query(view(Field::Custom("size".into()), Operator::Is, ResolvedValue::Json(vec![])));
        let s = S.filter(&q);
        assert_eq!((s.sql.matches('?').count(), s.values.len()), (4, 4));
        let p =
            P.filter(&query(view(Field::Custom("size".into()), Operator::Is, ResolvedValue::Json(vec![json!("a")]))));
        assert!(p.sql.ends_with("NULLIF(t.custom_fields::jsonb -> 'size', 'null'::jsonb) = (?::text)::jsonb"));
        assert_eq!(p.values.last(), Some(&Value::Text("\"a\"".into())));
    }

    #[test]
    fn recent_windows_keep_sqlite_off_the_scope_indexes() {
        let mut f = view(Field::UpdatedAt, Operator::GreaterThan, ResolvedValue::Time(chrono::Utc::now()));
        f.assignee = Some(None);
        let s = S.filter(&query(f.clone()));
        assert!(s.sql.contains("(+t.department_id IN (?, ?) OR +t.assignee_id = ? OR +t.flagged_id = ?)"));
        assert!(s.sql.contains("+t.assignee_id IS NULL"));
        let p = P.filter(&query(f));
        assert!(!p.sql.contains('+'));
    }

    #[test]
    fn pages_order_by_the_sort_then_id() {
        let mut q = query(TicketFilter::default());
        q.sort = TicketSort { field: SortField::Subject, descending: false, boosted_first: true };
        q.limit = 5000;
        assert!(
            S.page(&q, "")
                .sql
                .ends_with("ORDER BY t.queue_boost DESC, t.subject COLLATE NOCASE ASC, t.id ASC LIMIT 1000 OFFSET 0")
        );
        assert!(P.page(&q, "").sql.ends_with(
            "ORDER BY t.queue_boost DESC, lower(t.subject) COLLATE \"C\" ASC, t.id ASC LIMIT 1000 OFFSET 0"
        ));
    }
}

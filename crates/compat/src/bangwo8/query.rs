//! Bangwo8's query parameters: paging (`page`, `per_page` ≤ 100), the
//! time windows and orders of `tickets.json`, view id lists (`15,2` and
//! the seed's `{15,2}`), and the label language (`lang`).

use crate::common::parse_local;
use tessera_core::Timestamp;
use tessera_core::lang::Lang;
use tessera_store::{SortField, TicketSort};

/// The most tickets one page holds (and the default).
pub const MAX_PER_PAGE: u32 = 100;

/// The most views one `show_many` call may ask about.
pub const MAX_IDS: usize = 100;

/// A parameter that could not be read: its name and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{name}: {why}")]
pub struct BadParam {
    /// The parameter.
    pub name: &'static str,
    /// What is wrong with it.
    pub why: String,
}

fn bad(name: &'static str, why: impl Into<String>) -> BadParam {
    BadParam { name, why: why.into() }
}

/// The query string's pairs.
#[derive(Debug, Clone, Default)]
pub struct Query(pub Vec<(String, String)>);

impl Query {
    /// Parses a raw query string.
    pub fn parse(raw: Option<&str>) -> Result<Self, BadParam> {
        match raw {
            None | Some("") => Ok(Self::default()),
            Some(q) => serde_urlencoded::from_str(q)
                .map(Self)
                .map_err(|_| bad("query", "the query string is not valid URL encoding")),
        }
    }

    /// The value of a parameter (the last one given), trimmed; `None`
    /// when absent or blank.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.trim()).filter(|v| !v.is_empty())
    }

    /// The pairs with `page` set to `page` (for the neighbour pages' links).
    pub fn with_page(&self, page: u32) -> String {
        let mut pairs: Vec<(String, String)> = self.0.iter().filter(|(k, _)| k != "page").cloned().collect();
        pairs.push(("page".into(), page.to_string()));
        serde_urlencoded::to_string(&pairs).unwrap_or_default()
    }

    /// `page` (from 1) and `per_page` (1–100, default 100).
    pub fn paging(&self) -> Result<(u32, u32), BadParam> {
        let page = match self.get("page") {
            None => 1,
            Some(p) => {
                p.parse::<u32>().ok().filter(|n| *n >= 1).ok_or_else(|| bad("page", "must be a whole number from 1"))?
            }
        };
        let per_page = match self.get("per_page") {
            None => MAX_PER_PAGE,
            Some(p) => p
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=MAX_PER_PAGE).contains(n))
                .ok_or_else(|| bad("per_page", format!("must be a whole number from 1 to {MAX_PER_PAGE}")))?,
        };
        // The offset must fit the store's paging.
        page.checked_sub(1).and_then(|p| p.checked_mul(per_page)).ok_or_else(|| bad("page", "is too large"))?;
        Ok((page, per_page))
    }

    /// The label language: `lang` when given (an unknown one is an error),
    /// else `Accept-Language` when it names one, else Chinese.
    pub fn lang(&self, accept: Option<Lang>) -> Result<Lang, BadParam> {
        match self.get("lang") {
            Some(code) => Lang::parse(code).ok_or_else(|| bad("lang", "must be zh, en, tr or ru")),
            None => Ok(accept.unwrap_or(Lang::Zh)),
        }
    }

    /// Whether `fields` asks for `show_tickets_num`.
    pub fn show_tickets_num(&self) -> bool {
        self.get("fields").is_some_and(|f| f.split(',').any(|x| x.trim() == "show_tickets_num"))
    }

    /// A time bound in the zone: `Y-m-d H:i:s` or `Y-m-d`. An end bound is
    /// inclusive: through that second, or through that whole day.
    pub fn time(&self, name: &'static str, tz: chrono_tz::Tz, end: bool) -> Result<Option<Timestamp>, BadParam> {
        let Some(text) = self.get(name) else { return Ok(None) };
        let t = parse_local(text, tz).ok_or_else(|| bad(name, "must be a time written 2019-12-19 14:28:51"))?;
        if !end {
            return Ok(Some(t));
        }
        let step = if text.contains(':') { chrono::Duration::seconds(1) } else { chrono::Duration::days(1) };
        Ok(Some(t + step))
    }

    /// The order of `tickets.json`: the first of `created_order`,
    /// `updated_order`, `status_order` given; by id ascending otherwise.
    pub fn order(&self) -> Result<TicketSort, BadParam> {
        let fields: [(&'static str, SortField); 3] = [
            ("created_order", SortField::CreatedAt),
            ("updated_order", SortField::UpdatedAt),
            ("status_order", SortField::Status),
        ];
        for (name, field) in fields {
            if let Some(v) = self.get(name) {
                let descending = match v.to_ascii_lowercase().as_str() {
                    "asc" => false,
                    "desc" => true,
                    _ => return Err(bad(name, "must be asc or desc")),
                };
                return Ok(TicketSort { field, descending, boosted_first: false });
            }
        }
        Ok(TicketSort { field: SortField::Id, descending: false, boosted_first: false })
    }
}

/// View ids as the seed writes them: `15,2` or `{15,2}` (spaces allowed).
pub fn view_ids(raw: Option<&str>) -> Result<Vec<i64>, BadParam> {
    let raw = raw.map(str::trim).filter(|r| !r.is_empty()).ok_or_else(|| bad("ids", "is required"))?;
    let inner = raw.strip_prefix('{').and_then(|r| r.strip_suffix('}')).unwrap_or(raw);
    let mut ids = Vec::new();
    for part in inner.split(',').map(str::trim) {
        let id = part
            .parse::<i64>()
            .ok()
            .filter(|n| *n > 0 && part.bytes().all(|b| b.is_ascii_digit()))
            .ok_or_else(|| bad("ids", format!("{part:?} is not a view id")))?;
        ids.push(id);
    }
    if ids.len() > MAX_IDS {
        return Err(bad("ids", format!("at most {MAX_IDS} views at once")));
    }
    Ok(ids)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn both_id_list_forms_read_alike() {
        assert_eq!(view_ids(Some("15,2")).unwrap(), [15, 2]);
        assert_eq!(view_ids(Some("{15,2}")).unwrap(), [15, 2]);
        assert_eq!(view_ids(Some(" { 15 , 2 } ")).unwrap(), [15, 2]);
        assert!(view_ids(Some("15,,2")).is_err());
        assert!(view_ids(Some("{15,x}")).is_err());
        assert!(view_ids(Some("-1")).is_err());
        assert!(view_ids(None).is_err());
    }

    #[test]
    fn paging_is_bounded() {
        let q = |s: &str| Query::parse(Some(s)).unwrap();
        assert_eq!(q("").paging().unwrap(), (1, 100));
        assert_eq!(q("page=3&per_page=10").paging().unwrap(), (3, 10));
        assert!(q("per_page=101").paging().is_err());
        assert!(q("page=0").paging().is_err());
        assert!(q("page=abc").paging().is_err());
        assert!(q("page=4294967295&per_page=100").paging().is_err());
        assert_eq!(q("per_page=5&page=2&x=%E4%B8%AD").with_page(3), "per_page=5&x=%E4%B8%AD&page=3");
    }

    #[test]
    fn end_bounds_are_inclusive() {
        let q = Query::parse(Some("created_end=2019-12-19&updated_end=2019-12-19+14%3A28%3A51")).unwrap();
        let utc = chrono_tz::UTC;
        assert_eq!(q.time("created_end", utc, true).unwrap().unwrap().to_rfc3339(), "2019-12-20T00:00:00+00:00");
        assert_eq!(q.time("updated_end", utc, true).unwrap().unwrap().to_rfc3339(), "2019-12-19T14:28:52+00:00");
        let q = Query::parse(Some("created_start=yesterday")).unwrap();
        assert!(q.time("created_start", utc, false).is_err());
    }

    #[test]
    fn orders_and_languages() {
        let q = |s: &str| Query::parse(Some(s)).unwrap();
        assert_eq!(q("").order().unwrap().field, SortField::Id);
        assert!(q("updated_order=desc").order().unwrap().descending);
        assert!(q("status_order=sideways").order().is_err());
        assert_eq!(q("").lang(None).unwrap(), Lang::Zh);
        assert_eq!(q("").lang(Some(Lang::Ru)).unwrap(), Lang::Ru);
        assert_eq!(q("lang=en").lang(Some(Lang::Ru)).unwrap(), Lang::En);
        assert!(q("lang=xx").lang(None).is_err());
    }
}

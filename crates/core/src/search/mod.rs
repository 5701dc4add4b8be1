//! Search: the query language of the search box, and the text folding that
//! makes it work in our users' languages.
//!
//! # The search language
//!
//! A search is a list of terms; a ticket matches when it matches **every**
//! term. Field names and the keywords `OR`, `AND`, `me`, `none` are not case
//! sensitive, and neither is the text.
//!
//! | You type | Finds tickets |
//! | --- | --- |
//! | `refund` | with the text in the subject, a message, the requester's name or e-mail; a word of three characters or more also finds the longer words it starts (`istanbul` finds `İstanbul'da`, `fatura` finds `faturanın`), shorter words match whole words; Chinese, Japanese or Korean text matches anywhere, from one character on (see [`word_match`]) |
//! | `"server is down"` | with this exact phrase |
//! | `status:open` | in this status, or in every status of this category (`new`, `open`, `pending`, `hold`, `solved`, `closed`) |
//! | `status<solved` | before this category in the order new < open < pending < hold < solved < closed (also `<=`, `>`, `>=`) |
//! | `priority:high`, `priority>=high` | of this priority; by rank low < normal < high < urgent |
//! | `type:incident` | of this type (`question`, `incident`, `problem`, `task`) |
//! | `department:Billing`, `department:3` | in this department (name or id) |
//! | `assignee:me`, `assignee:none`, `assignee:ana@example.com` | assigned to you, to nobody, to this agent (e-mail, name or id) |
//! | `requester:"Ayşe Yılmaz"` | from this customer (e-mail, name or id; `me` is you) |
//! | `org:Acme` | of this organization (name or id) |
//! | `tag:vip` | with this tag |
//! | `#482913`, `number:482913` | with this ticket number |
//! | `has:attachment` | with at least one attachment |
//! | `created>2026-01-31` | created after that day (UTC); also `<`, `<=`, `>=` |
//! | `created<=2026-01-31T10:00` | created up to that minute (UTC) |
//! | `created:2026-01-31` | created during that day (or minute) |
//! | `updated<7d` | updated within the last 7 days (`h` hours, `d` days, `w` weeks) |
//! | `updated>2w` | last updated more than 2 weeks ago |
//! | `-tag:spam`, `-"out of office"`, `-invoice` | that do **not** match the term |
//! | `refund OR chargeback` | matching either side |
//! | `(refund OR chargeback) priority:urgent` | parentheses group terms |
//!
//! `OR` binds looser than the implied "and": `a b OR c` means `(a b) OR c`.
//! `AND` may be written between terms; it changes nothing. A value with
//! spaces goes in double quotes (`requester:"Ayşe Yılmaz"`); a quoted value is
//! taken literally, so `assignee:"me"` looks for an agent named "me" and
//! `department:"2024"` for a department named "2024". To search for text
//! that looks like a field (`error:`, a URL) or starts with `-`, or for the
//! words `or` and `and`, put it in quotes.
//!
//! Dates are UTC, written `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM`. A date stands
//! for its whole day (a date with a time for its whole minute): `>` means
//! after it, `>=` from its start, `<` before it, `<=` up to its end. An age
//! compares how long ago the time was: `<7d` is less than 7 days ago
//! ("within the last 7 days"), `>7d` more than 7 days ago; `<=`, `>=` include
//! the boundary instant. Ages go from 1 to 100000 units.
//!
//! A search holds at most 500 characters and nests parentheses and `-` at
//! most 20 deep. A mistake (an unknown field, a bad value, an unbalanced
//! quote or parenthesis, an `OR` or `-` with nothing to apply to) is
//! reported with what is wrong and where.
//!
//! # Text
//!
//! The query's words and the indexed text both go through [`fold`] (Turkish
//! `I`/`İ`/`ı`/`i`, Russian `ё`, full-width forms…) and are cut into the same
//! tokens; [`word_match`] plans how a word or phrase is looked up in a word
//! index, and [`find_term`] finds the same matches in a text for
//! highlighting. The rules and their reasons are in [`text`].
//!
//! # Where things are
//!
//! - `query.rs`: the syntax tree ([`Query`], [`Term`], [`FieldMatch`]…)
//!   and the time ranges its date terms stand for;
//! - `lex.rs`, `parse.rs` and `error.rs`: text to tree ([`parse`]), or a
//!   [`ParseError`] that says what is wrong and where;
//! - `display.rs`: the tree back to text;
//! - [`text`]: folding, tokens, word lookups and highlights.
//!
//! How each store indexes and looks up tokens is the store's own business
//! (`search_index.rs` in the SQLite store, `search.rs` in the PostgreSQL
//! one); everything here is pure.

mod display;
mod error;
mod lex;
mod parse;
mod query;
pub mod text;

#[cfg(test)]
mod properties;

pub use error::{ParseError, ParseErrorKind};
pub use parse::parse;
pub use query::{
    Ago, AgoUnit, CompareOp, Comparison, DateField, DateSpec, DateValue, FieldMatch, HasWhat, NamedRef, Query,
    SlaState, StatusValue, Term, TextPart, TimeRange, UserRef,
};
pub use text::{TextMatch, find_term, fold, fold_case, index_tokens, is_cjk, word_match};

/// The longest search, in characters.
pub const MAX_QUERY_CHARS: usize = 500;
/// How deep parentheses and negations may nest.
pub const MAX_DEPTH: usize = 20;
/// The largest age (`100000d`).
pub const MAX_AGO: u32 = 100_000;

//! Full-text search as the store runs it: a boolean expression over the
//! search index and ticket fields, with every name already resolved to ids
//! by the desk, inside the searcher's permission scope.

use tessera_core::ids::{DepartmentId, OrganizationId, TicketId, UserId};
use tessera_core::permission::TicketScope;
use tessera_core::search::{DateField, TimeRange};
use tessera_core::status::{StatusCategory, StatusKey};
use tessera_core::ticket::{Priority, TicketType};

/// The most results one page of a search holds.
pub const MAX_SEARCH_LIMIT: u32 = 100;

/// How far into a result list a search pages (deeper pages cost more to
/// compute than anyone reads; narrow the search instead).
pub const MAX_SEARCH_OFFSET: u32 = 10_000;

/// A search expression: what the search language's [`Query`] becomes once
/// the desk has resolved its names.
///
/// [`Query`]: tessera_core::search::Query
#[derive(Debug, Clone, PartialEq)]
pub enum SearchExpr {
    /// Every item holds.
    All(Vec<SearchExpr>),
    /// At least one item holds.
    Any(Vec<SearchExpr>),
    /// The item does not hold.
    Not(Box<SearchExpr>),
    /// The ticket's text (subject, requester, messages the searcher may
    /// read) contains this word or phrase, as typed.
    Text {
        /// The word or phrase.
        text: String,
        /// A quoted phrase: its words exactly, in order.
        phrase: bool,
    },
    /// A condition on the ticket's fields.
    Field(SearchField),
    /// Holds for no ticket (a name that resolved to nothing).
    Nothing,
}

/// A condition on a ticket's fields.
#[derive(Debug, Clone, PartialEq)]
pub enum SearchField {
    /// This public number.
    Number(String),
    /// Any of these statuses.
    Statuses(Vec<StatusKey>),
    /// Any of these status categories.
    Categories(Vec<StatusCategory>),
    /// Any of these priorities.
    Priorities(Vec<Priority>),
    /// This type.
    Type(TicketType),
    /// Any of these departments.
    Departments(Vec<DepartmentId>),
    /// Assigned to this agent, or to nobody (`None`).
    Assignee(Option<UserId>),
    /// From any of these requesters.
    Requesters(Vec<UserId>),
    /// Of any of these organizations.
    Organizations(Vec<OrganizationId>),
    /// With this tag.
    Tag(String),
    /// With at least one attachment.
    HasAttachment,
    /// The time is in the range.
    Time(DateField, TimeRange),
    /// A target of the ticket's SLA policy is breached.
    SlaBreached,
    /// The earliest due time of the ticket's running SLA targets is in the
    /// range (an unbounded range: any target is running).
    SlaDue(TimeRange),
}

/// The order of search results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SearchOrder {
    /// Best match first (needs text in the search; without text the same as
    /// [`SearchOrder::Updated`]). A store may list a very large result newest
    /// opened first instead, without scores.
    #[default]
    Relevance,
    /// Last changed, newest first (`descending`) or oldest first.
    Updated {
        /// Newest first.
        descending: bool,
    },
    /// Opened, newest first (`descending`) or oldest first.
    Created {
        /// Newest first.
        descending: bool,
    },
}

/// A search to run.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchQuery {
    /// Whose tickets (permissions); the expression only narrows it.
    pub scope: TicketScope,
    /// Which tickets.
    pub expr: SearchExpr,
    /// Text may match internal notes (agents).
    pub include_notes: bool,
    /// Order.
    pub order: SearchOrder,
    /// Skip this many results (at most [`MAX_SEARCH_OFFSET`]).
    pub offset: u32,
    /// Page size (1 to [`MAX_SEARCH_LIMIT`]).
    pub limit: u32,
}

/// One result: a ticket and how well it matched.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchHit {
    /// The ticket.
    pub ticket: tessera_core::Ticket,
    /// Relevance, larger is better; `None` when the order is not by
    /// relevance, the search has no text, or it matched too many tickets for
    /// the store to rank (they come newest first).
    pub score: Option<f64>,
}

/// A page of results.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchPage {
    /// The results, in order.
    pub hits: Vec<SearchHit>,
    /// The exact number of matching tickets.
    pub total: u64,
}

/// What a rebuild of the search index did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReindexStats {
    /// Tickets indexed.
    pub tickets: u64,
    /// Messages read.
    pub messages: u64,
}

/// How a rebuild is going: tickets done so far and in all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReindexProgress {
    /// Tickets indexed so far.
    pub done: u64,
    /// Tickets to index.
    pub total: u64,
    /// The highest ticket id done.
    pub last_id: TicketId,
}

/// Called after each batch of a rebuild.
pub type ReindexObserver = std::sync::Arc<dyn Fn(ReindexProgress) + Send + Sync>;

//! The Tessera domain: the types every layer speaks, the status machine, the
//! permission rules, custom-field validation and the events a change produces.
//!
//! Nothing here does I/O. Time comes in through a [`time::Clock`], randomness
//! through the caller, so every rule is tested without a database.
#![forbid(unsafe_code)]

pub mod custom_field;
pub mod department;
pub mod email;
pub mod error;
pub mod event;
pub mod ids;
pub mod lang;
pub mod message;
pub mod permission;
pub mod search;
pub mod service;
pub mod sla;
pub mod status;
pub mod ticket;
pub mod time;
pub mod user;
pub mod view;

pub use custom_field::{CustomFieldDef, FieldType};
pub use department::{AutoAssign, Department};
pub use email::Email;
pub use error::DomainError;
pub use event::{Change, Event, EventKind, Side};
pub use ids::*;
pub use message::{Author, Message, MessageEdit, MessageKind};
pub use permission::{Actor, Role, TicketScope};
pub use service::{Service, ServiceKind, ServiceStatus};
pub use status::{Status, StatusCategory, StatusKey};
pub use ticket::{Cc, Priority, Source, Ticket, TicketType};
pub use time::{Clock, SystemClock, Timestamp};
pub use user::{Organization, User};

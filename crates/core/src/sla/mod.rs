//! SLA policies and the business-hours calendar they count in.
//!
//! A [`Schedule`] is a weekly pattern of working intervals in one IANA time
//! zone, less holidays. [`Schedule::add_business`] and
//! [`Schedule::business_between`] turn business time into instants and back.
//! An [`SlaPolicy`] sets targets in business minutes per priority;
//! [`SlaPolicy::evaluate`] turns a ticket's times ([`TicketTimes`]) into a due
//! time, a met/breached state and a countdown for each target ([`SlaTargets`]).
//!
//! Everything here is pure: instants in, instants out. The desk stores the
//! results, plans its timers with [`SlaTargets::next_change_at`] and writes the
//! `sla.warning` and `sla.breached` events.
//!
//! - `week.rs`: clock times, intervals and the weekly pattern;
//! - `schedule.rs`: the calendar ([`Schedule`]) and how local time becomes
//!   an instant;
//! - `policy.rs`: policies and their targets ([`SlaPolicy`]);
//! - `targets.rs`: a ticket's times, the state of each target and the
//!   alerts.

mod policy;
mod schedule;
mod targets;
mod week;

pub use policy::*;
pub use schedule::*;
pub use targets::*;
pub use week::*;

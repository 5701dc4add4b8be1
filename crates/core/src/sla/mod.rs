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
//! # How local time becomes an instant
//!
//! An interval such as 09:00–18:00 is read in the schedule's zone on each
//! date, and business time is real elapsed time inside the resulting
//! instants. So a 09:00–18:00 day is 9 hours on every date, including the
//! days the clocks change, and local 09:00 after a change is the new 09:00.
//! An interval that spans a change is as long as the clocks say: 00:00–24:00
//! on the day Europe springs forward is 23 hours, which is why a 24/7
//! schedule counts plain wall time.
//!
//! * A local time that does not exist (skipped when the clocks jump forward)
//!   means the moment the jump ends: 02:30 on 2026-03-29 in Europe/Berlin is
//!   03:00 CEST.
//! * A local time that happens twice (when the clocks go back) means the
//!   first time.
//!
//! Both rules keep later local times at later (or equal) instants, so a
//! day's windows never run backwards.

use crate::error::DomainError;
use crate::ids::DepartmentId;
use crate::status::StatusCategory;
use crate::ticket::{Priority, Ticket};
use chrono::Weekday;
use chrono::{DateTime, Datelike, Days, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::{GapInfo, Tz};
use serde::{Deserialize, Serialize};
use std::fmt;
use thiserror::Error;

/// At most this many working intervals on one weekday.
pub const MAX_INTERVALS_PER_DAY: usize = 12;
/// At most this many holidays in one schedule (30 a year for 30 years).
pub const MAX_HOLIDAYS: usize = 1000;
/// How far [`Schedule::add_business`] and [`Schedule::business_between`]
/// look, in days (about 100 years): business time beyond it is not counted.
pub const HORIZON_DAYS: u64 = 36_525;
/// The longest target or warning lead, in business minutes (a year of them).
pub const MAX_TARGET_MINUTES: u32 = 525_600;
/// At most this many departments named by one policy.
pub const MAX_POLICY_DEPARTMENTS: usize = 1000;

const MINUTES_PER_DAY: u32 = 24 * 60;
const DAY_KEYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// Every IANA zone name a schedule accepts, in the database's order (for
/// pickers).
pub fn time_zone_names() -> impl Iterator<Item = &'static str> {
    chrono_tz::TZ_VARIANTS.iter().map(|z| z.name())
}

/// The JSON key of a weekday (`mon` … `sun`).
fn day_key(day: &Weekday) -> &'static str {
    DAY_KEYS[day.num_days_from_monday() as usize]
}

// ---------------------------------------------------------------------------
// Clock times and intervals
// ---------------------------------------------------------------------------

/// A time of day to the minute, `00:00` to `24:00` (`24:00` only ends a day).
/// Written as `"HH:MM"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ClockTime(u16);

impl ClockTime {
    /// 00:00, the start of a day.
    pub const MIDNIGHT: Self = Self(0);
    /// 24:00, the end of a day.
    pub const END_OF_DAY: Self = Self(MINUTES_PER_DAY as u16);

    /// `hour:minute`; `None` unless it is 00:00 to 24:00.
    pub fn new(hour: u32, minute: u32) -> Option<Self> {
        let total = hour.checked_mul(60)?.checked_add(minute)?;
        (minute < 60 && total <= MINUTES_PER_DAY).then_some(Self(total as u16))
    }

    /// Parses `"HH:MM"` (or `"H:MM"`).
    pub fn parse(s: &str) -> Option<Self> {
        let (h, m) = s.split_once(':')?;
        let digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
        if !(1..=2).contains(&h.len()) || m.len() != 2 || !digits(h) || !digits(m) {
            return None;
        }
        Self::new(h.parse().ok()?, m.parse().ok()?)
    }

    /// Minutes since midnight (0 to 1440).
    pub fn minutes(self) -> u32 {
        u32::from(self.0)
    }
}

impl fmt::Display for ClockTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.0 / 60, self.0 % 60)
    }
}

impl Serialize for ClockTime {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ClockTime {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Self::parse(&s).ok_or_else(|| {
            serde::de::Error::custom(format!("{s:?} is not a time of day; expected HH:MM from 00:00 to 24:00"))
        })
    }
}

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for ClockTime {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .pattern(Some("^([01]?[0-9]|2[0-3]):[0-5][0-9]$|^24:00$"))
            .description(Some("A time of day, HH:MM; 24:00 ends a day."))
            .examples(["09:00"])
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for ClockTime {}

/// Working time on one day, from the first time to the second:
/// `["09:00", "18:00"]`. `["00:00", "24:00"]` is the whole day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Interval(pub ClockTime, pub ClockTime);

impl Interval {
    /// The whole day, 00:00–24:00.
    pub const ALL_DAY: Self = Self(ClockTime::MIDNIGHT, ClockTime::END_OF_DAY);

    /// `start`–`end` from hours and minutes; `None` if either time is not a
    /// time of day (the order is checked by [`Schedule::new`]).
    pub fn hm(start: (u32, u32), end: (u32, u32)) -> Option<Self> {
        Some(Self(ClockTime::new(start.0, start.1)?, ClockTime::new(end.0, end.1)?))
    }

    /// When it starts.
    pub fn start(self) -> ClockTime {
        self.0
    }

    /// When it ends.
    pub fn end(self) -> ClockTime {
        self.1
    }
}

impl fmt::Display for Interval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}–{}", self.0, self.1)
    }
}

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Interval {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ArrayBuilder::new()
            .items(<ClockTime as utoipa::PartialSchema>::schema())
            .min_items(Some(2))
            .max_items(Some(2))
            .description(Some("Working time on one day: [start, end], e.g. [\"09:00\", \"18:00\"]."))
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for Interval {}

/// Working intervals for each weekday; a day left out has none.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Week {
    /// Monday.
    #[serde(default)]
    pub mon: Vec<Interval>,
    /// Tuesday.
    #[serde(default)]
    pub tue: Vec<Interval>,
    /// Wednesday.
    #[serde(default)]
    pub wed: Vec<Interval>,
    /// Thursday.
    #[serde(default)]
    pub thu: Vec<Interval>,
    /// Friday.
    #[serde(default)]
    pub fri: Vec<Interval>,
    /// Saturday.
    #[serde(default)]
    pub sat: Vec<Interval>,
    /// Sunday.
    #[serde(default)]
    pub sun: Vec<Interval>,
}

impl Week {
    /// The same intervals Monday to Friday, nothing at the weekend.
    pub fn weekdays(intervals: &[Interval]) -> Self {
        let v = intervals.to_vec();
        Self { mon: v.clone(), tue: v.clone(), wed: v.clone(), thu: v.clone(), fri: v, ..Self::default() }
    }

    /// The same intervals every day.
    pub fn every_day(intervals: &[Interval]) -> Self {
        let v = intervals.to_vec();
        Self { sat: v.clone(), sun: v, ..Self::weekdays(intervals) }
    }

    /// The intervals of `day`.
    pub fn day(&self, day: Weekday) -> &[Interval] {
        match day {
            Weekday::Mon => &self.mon,
            Weekday::Tue => &self.tue,
            Weekday::Wed => &self.wed,
            Weekday::Thu => &self.thu,
            Weekday::Fri => &self.fri,
            Weekday::Sat => &self.sat,
            Weekday::Sun => &self.sun,
        }
    }
}

// ---------------------------------------------------------------------------
// Schedule
// ---------------------------------------------------------------------------

/// A schedule as an admin writes it:
/// `{"time_zone": "Europe/Istanbul", "week": {"mon": [["09:00", "18:00"]]},
/// "holidays": ["2026-10-29"]}`. [`Schedule::new`] checks it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleConfig {
    /// An IANA zone name such as `Europe/Berlin`; intervals and holidays are
    /// read in it.
    pub time_zone: String,
    /// Working intervals per weekday.
    pub week: Week,
    /// Whole days off, in the schedule's zone.
    #[serde(default)]
    pub holidays: Vec<NaiveDate>,
}

/// Why a schedule is refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ScheduleError {
    /// The zone is not in the IANA database.
    #[error("unknown time zone {0:?}; use an IANA name such as Europe/Istanbul")]
    UnknownTimeZone(String),
    /// An interval does not end after it starts.
    #[error("{}: the interval {start}–{end} must end after it starts", day_key(.day))]
    ReversedInterval {
        /// The weekday.
        day: Weekday,
        /// Its start.
        start: ClockTime,
        /// Its end.
        end: ClockTime,
    },
    /// Two intervals of a day overlap (touching is fine).
    #[error("{}: the intervals {first} and {second} overlap", day_key(.day))]
    OverlappingIntervals {
        /// The weekday.
        day: Weekday,
        /// The earlier interval.
        first: Interval,
        /// The interval that starts inside it.
        second: Interval,
    },
    /// A day has too many intervals.
    #[error("{}: {count} intervals; a day has at most {max}", day_key(.day))]
    TooManyIntervals {
        /// The weekday.
        day: Weekday,
        /// How many it has.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// Too many holidays.
    #[error("{count} holidays; a schedule has at most {max}")]
    TooManyHolidays {
        /// How many it has.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// No weekday has working time, so no target could ever fall due.
    #[error("the schedule has no working time")]
    NoWorkingTime,
}

impl ScheduleError {
    /// The stable snake_case code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::UnknownTimeZone(_) => "unknown_time_zone",
            Self::ReversedInterval { .. } => "reversed_interval",
            Self::OverlappingIntervals { .. } => "overlapping_intervals",
            Self::TooManyIntervals { .. } => "too_many_intervals",
            Self::TooManyHolidays { .. } => "too_many_holidays",
            Self::NoWorkingTime => "no_working_time",
        }
    }

    /// The field at fault, as a path in the JSON (`week.mon`, `time_zone`).
    pub fn field(&self) -> String {
        match self {
            Self::UnknownTimeZone(_) => "time_zone".into(),
            Self::ReversedInterval { day, .. }
            | Self::OverlappingIntervals { day, .. }
            | Self::TooManyIntervals { day, .. } => format!("week.{}", day_key(day)),
            Self::TooManyHolidays { .. } => "holidays".into(),
            Self::NoWorkingTime => "week".into(),
        }
    }
}

impl From<ScheduleError> for DomainError {
    fn from(e: ScheduleError) -> Self {
        DomainError::invalid(e.field(), e.code(), e.to_string())
    }
}

/// A checked business-hours calendar. Built by [`Schedule::new`] (or by
/// deserializing a [`ScheduleConfig`], which checks it the same way);
/// serializes back to the config it was made from.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(try_from = "ScheduleConfig", into = "ScheduleConfig")]
pub struct Schedule {
    config: ScheduleConfig,
    tz: Tz,
    /// Per weekday, Monday first: sorted, merged minute ranges `[start, end)`.
    days: [Vec<(u32, u32)>; 7],
    /// Sorted, unique.
    holidays: Vec<NaiveDate>,
    /// The nominal business time of a week without holidays or clock changes.
    week_total: Duration,
    /// Every day 00:00–24:00 and no holidays: business time is wall time.
    around_the_clock: bool,
}

impl PartialEq for Schedule {
    fn eq(&self, other: &Self) -> bool {
        self.config == other.config
    }
}

impl TryFrom<ScheduleConfig> for Schedule {
    type Error = ScheduleError;

    fn try_from(config: ScheduleConfig) -> Result<Self, Self::Error> {
        Self::new(config)
    }
}

impl From<Schedule> for ScheduleConfig {
    fn from(s: Schedule) -> Self {
        s.config
    }
}

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Schedule {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        <ScheduleConfig as utoipa::PartialSchema>::schema()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for Schedule {
    fn schemas(schemas: &mut Vec<(String, utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>)>) {
        <ScheduleConfig as utoipa::ToSchema>::schemas(schemas);
    }
}

/// Instants the calendar works with: year 1 to year 100 000. Others are
/// moved to the nearest end first, so nothing here can overflow.
fn clamp_supported(t: DateTime<Utc>) -> DateTime<Utc> {
    let lo = NaiveDate::from_ymd_opt(1, 1, 1).map(|d| d.and_time(NaiveTime::MIN).and_utc());
    let hi = NaiveDate::from_ymd_opt(100_000, 1, 1).map(|d| d.and_time(NaiveTime::MIN).and_utc());
    match (lo, hi) {
        (Some(lo), Some(hi)) => t.clamp(lo, hi),
        _ => t,
    }
}

impl Schedule {
    /// Checks `config`: a known zone; per day at most
    /// [`MAX_INTERVALS_PER_DAY`] intervals, each ending after it starts, none
    /// overlapping; at most [`MAX_HOLIDAYS`] holidays (duplicates are
    /// dropped); some working time in the week.
    pub fn new(config: ScheduleConfig) -> Result<Self, ScheduleError> {
        let tz: Tz = config.time_zone.parse().map_err(|_| ScheduleError::UnknownTimeZone(config.time_zone.clone()))?;
        let mut days: [Vec<(u32, u32)>; 7] = Default::default();
        let mut week_minutes: i64 = 0;
        for (i, ranges) in days.iter_mut().enumerate() {
            let day = Weekday::try_from(i as u8).unwrap_or(Weekday::Mon);
            let mut intervals = config.week.day(day).to_vec();
            if intervals.len() > MAX_INTERVALS_PER_DAY {
                return Err(ScheduleError::TooManyIntervals {
                    day,
                    count: intervals.len(),
                    max: MAX_INTERVALS_PER_DAY,
                });
            }
            if let Some(bad) = intervals.iter().find(|iv| iv.0 >= iv.1) {
                return Err(ScheduleError::ReversedInterval { day, start: bad.0, end: bad.1 });
            }
            intervals.sort();
            for pair in intervals.windows(2) {
                if pair[1].0 < pair[0].1 {
                    return Err(ScheduleError::OverlappingIntervals { day, first: pair[0], second: pair[1] });
                }
            }
            for iv in intervals {
                let (s, e) = (iv.0.minutes(), iv.1.minutes());
                week_minutes += i64::from(e - s);
                match ranges.last_mut() {
                    Some(last) if last.1 == s => last.1 = e,
                    _ => ranges.push((s, e)),
                }
            }
        }
        if config.holidays.len() > MAX_HOLIDAYS {
            return Err(ScheduleError::TooManyHolidays { count: config.holidays.len(), max: MAX_HOLIDAYS });
        }
        if week_minutes == 0 {
            return Err(ScheduleError::NoWorkingTime);
        }
        let mut holidays = config.holidays.clone();
        holidays.sort();
        holidays.dedup();
        let around_the_clock = holidays.is_empty() && days.iter().all(|d| d.as_slice() == [(0, MINUTES_PER_DAY)]);
        Ok(Self { config, tz, days, holidays, week_total: Duration::minutes(week_minutes), around_the_clock })
    }

    /// The config it was made from.
    pub fn config(&self) -> &ScheduleConfig {
        &self.config
    }

    /// The zone.
    pub fn time_zone(&self) -> Tz {
        self.tz
    }

    /// Business time in a week without holidays or clock changes.
    pub fn weekly_business_time(&self) -> Duration {
        self.week_total
    }

    /// Whether `at` falls in working time.
    pub fn is_business_time(&self, at: DateTime<Utc>) -> bool {
        let at = clamp_supported(at);
        let day = self.local_date(at);
        [day.pred_opt(), Some(day)].into_iter().flatten().any(|d| self.windows(d).any(|(s, e)| s <= at && at < e))
    }

    /// The instant at which `duration` of business time has passed since
    /// `start`: the earliest such instant, so it is `start` itself for a zero
    /// or negative duration and never falls in a break. Counting stops
    /// [`HORIZON_DAYS`] after `start`: if the duration has not passed by
    /// then, that far instant is returned (for a helpdesk, "never").
    pub fn add_business(&self, start: DateTime<Utc>, duration: Duration) -> DateTime<Utc> {
        if duration <= Duration::zero() {
            return start;
        }
        if self.around_the_clock {
            return start.checked_add_signed(duration).unwrap_or(DateTime::<Utc>::MAX_UTC);
        }
        let start = clamp_supported(start);
        let first = self.local_date(start).pred_opt().unwrap_or(NaiveDate::MIN);
        let last = first.checked_add_days(Days::new(HORIZON_DAYS)).unwrap_or(first);
        let mut day = first;
        let mut pos = start;
        let mut remaining = duration;
        while day < last {
            // Whole ordinary weeks at once: long durations take a few
            // hundred steps, not thousands.
            if remaining > self.week_total {
                let day_start = self.day_start(day);
                if day_start >= pos
                    && let Some((next, next_start)) = self.plain_week(day, day_start)
                {
                    remaining -= self.week_total;
                    pos = next_start;
                    day = next;
                    continue;
                }
            }
            for (ws, we) in self.windows(day) {
                let ws = ws.max(pos);
                if we <= ws {
                    continue;
                }
                let len = we - ws;
                if len >= remaining {
                    return ws + remaining;
                }
                remaining -= len;
                pos = we;
            }
            let Some(next) = day.succ_opt() else { break };
            day = next;
        }
        pos.max(self.day_start(last))
    }

    /// The business time between `a` and `b`; negative when `b` is before
    /// `a`. Counts at most [`HORIZON_DAYS`] after the earlier instant.
    pub fn business_between(&self, a: DateTime<Utc>, b: DateTime<Utc>) -> Duration {
        if b < a {
            return -self.business_between(b, a);
        }
        if self.around_the_clock {
            return b - a;
        }
        let (a, b) = (clamp_supported(a), clamp_supported(b));
        let first = self.local_date(a).pred_opt().unwrap_or(NaiveDate::MIN);
        let last = first.checked_add_days(Days::new(HORIZON_DAYS)).unwrap_or(first);
        let mut day = first;
        let mut total = Duration::zero();
        while day < last {
            let day_start = self.day_start(day);
            if day_start >= b {
                break;
            }
            if day_start >= a
                && b - day_start >= Duration::days(7)
                && let Some((next, next_start)) = self.plain_week(day, day_start)
                && next_start <= b
            {
                total += self.week_total;
                day = next;
                continue;
            }
            for (ws, we) in self.windows(day) {
                let (s, e) = (ws.max(a), we.min(b));
                if e > s {
                    total += e - s;
                }
            }
            let Some(next) = day.succ_opt() else { break };
            day = next;
        }
        total
    }

    /// The local date of `at` in the schedule's zone.
    fn local_date(&self, at: DateTime<Utc>) -> NaiveDate {
        at.with_timezone(&self.tz).date_naive()
    }

    /// The instant of a local time, by the rules in the module docs.
    fn to_utc(&self, local: NaiveDateTime) -> DateTime<Utc> {
        match self.tz.from_local_datetime(&local) {
            LocalResult::Single(t) => t.with_timezone(&Utc),
            LocalResult::Ambiguous(earliest, _) => earliest.with_timezone(&Utc),
            LocalResult::None => match GapInfo::new(&local, &self.tz).and_then(|g| g.end) {
                Some(end) => end.with_timezone(&Utc),
                // Outside the zone's known history: read it as UTC.
                None => local.and_utc(),
            },
        }
    }

    /// The instant local `day` begins.
    fn day_start(&self, day: NaiveDate) -> DateTime<Utc> {
        self.to_utc(day.and_time(NaiveTime::MIN))
    }

    /// The instant of `minute` (0 to 1440) on local `day`.
    fn local_instant(&self, day: NaiveDate, minute: u32) -> DateTime<Utc> {
        if minute >= MINUTES_PER_DAY {
            return self.day_start(day.succ_opt().unwrap_or(day));
        }
        let time = NaiveTime::from_hms_opt(minute / 60, minute % 60, 0).unwrap_or(NaiveTime::MIN);
        self.to_utc(day.and_time(time))
    }

    /// The working windows of local `day`, in order, as instants.
    fn windows(&self, day: NaiveDate) -> impl Iterator<Item = (DateTime<Utc>, DateTime<Utc>)> + '_ {
        let ranges: &[(u32, u32)] = if self.holidays.binary_search(&day).is_ok() {
            &[]
        } else {
            &self.days[day.weekday().num_days_from_monday() as usize]
        };
        ranges.iter().map(move |&(s, e)| (self.local_instant(day, s), self.local_instant(day, e)))
    }

    /// If the seven days from `day` hold no holiday and exactly seven days of
    /// real time (no clock change between them), the day after and its start:
    /// such a week has exactly the nominal business time.
    ///
    /// Two opposite clock changes inside one week would pass for none; no
    /// zone does that.
    fn plain_week(&self, day: NaiveDate, day_start: DateTime<Utc>) -> Option<(NaiveDate, DateTime<Utc>)> {
        let next = day.checked_add_days(Days::new(7))?;
        let i = self.holidays.partition_point(|h| *h < day);
        if self.holidays.get(i).is_some_and(|h| *h < next) {
            return None;
        }
        let next_start = self.day_start(next);
        (next_start - day_start == Duration::days(7)).then_some((next, next_start))
    }
}

// ---------------------------------------------------------------------------
// Policies
// ---------------------------------------------------------------------------

/// Targets for one priority, in business minutes; a missing one is not
/// measured.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Targets {
    /// From the ticket's creation to the first agent reply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_response_minutes: Option<u32>,
    /// From a customer's message (after an agent's reply) to the next agent
    /// reply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_response_minutes: Option<u32>,
    /// From creation to solved, less the time spent waiting for the customer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution_minutes: Option<u32>,
}

impl Targets {
    /// The target for `metric`.
    pub fn get(&self, metric: SlaMetric) -> Option<u32> {
        match metric {
            SlaMetric::FirstResponse => self.first_response_minutes,
            SlaMetric::NextResponse => self.next_response_minutes,
            SlaMetric::Resolution => self.resolution_minutes,
        }
    }
}

/// Targets per priority: `{"urgent": {"first_response_minutes": 30}, ...}`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriorityTargets {
    /// Low priority.
    #[serde(default)]
    pub low: Targets,
    /// Normal priority.
    #[serde(default)]
    pub normal: Targets,
    /// High priority.
    #[serde(default)]
    pub high: Targets,
    /// Urgent priority.
    #[serde(default)]
    pub urgent: Targets,
}

impl PriorityTargets {
    /// The targets for `priority`.
    pub fn get(&self, priority: Priority) -> &Targets {
        match priority {
            Priority::Low => &self.low,
            Priority::Normal => &self.normal,
            Priority::High => &self.high,
            Priority::Urgent => &self.urgent,
        }
    }
}

/// An SLA policy: targets per priority, counted in a schedule's business
/// hours, for some departments or (with none listed) for all.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlaPolicy {
    /// Display name.
    pub name: String,
    /// The departments it applies to; empty means the general policy.
    #[serde(default)]
    pub department_ids: Vec<DepartmentId>,
    /// The business hours targets are counted in.
    pub schedule: Schedule,
    /// Targets per priority.
    pub targets: PriorityTargets,
    /// Warn this many business minutes before a target is breached.
    #[serde(default)]
    pub warning_minutes: u32,
}

/// Why a policy is refused (its schedule is checked when it is built).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SlaPolicyError {
    /// The name is empty or longer than 100 characters.
    #[error("the policy name must be 1 to 100 characters")]
    BadName,
    /// A target is zero or longer than [`MAX_TARGET_MINUTES`].
    #[error("the {metric} target for {} priority must be 1 to {max} minutes", priority.as_str())]
    BadTarget {
        /// The priority.
        priority: Priority,
        /// The target.
        metric: SlaMetric,
        /// The limit.
        max: u32,
    },
    /// The warning lead is longer than [`MAX_TARGET_MINUTES`].
    #[error("the warning lead must be at most {0} minutes")]
    BadWarning(u32),
    /// Too many departments.
    #[error("a policy names at most {0} departments")]
    TooManyDepartments(usize),
}

impl SlaPolicyError {
    /// The stable snake_case code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadName => "invalid_name",
            Self::BadTarget { .. } => "invalid_target",
            Self::BadWarning(_) => "invalid_warning",
            Self::TooManyDepartments(_) => "too_many_departments",
        }
    }

    /// The field at fault (`targets.urgent.resolution_minutes`).
    pub fn field(&self) -> String {
        match self {
            Self::BadName => "name".into(),
            Self::BadTarget { priority, metric, .. } => {
                format!("targets.{}.{}_minutes", priority.as_str(), metric.as_str())
            }
            Self::BadWarning(_) => "warning_minutes".into(),
            Self::TooManyDepartments(_) => "department_ids".into(),
        }
    }
}

impl From<SlaPolicyError> for DomainError {
    fn from(e: SlaPolicyError) -> Self {
        DomainError::invalid(e.field(), e.code(), e.to_string())
    }
}

/// The policy for a ticket of `department_id`: the first policy that names
/// the department, else the first general one (naming none), else none.
/// Order is the admin's (the slice's).
pub fn choose_policy(policies: &[SlaPolicy], department_id: DepartmentId) -> Option<&SlaPolicy> {
    policies
        .iter()
        .find(|p| p.department_ids.contains(&department_id))
        .or_else(|| policies.iter().find(|p| p.department_ids.is_empty()))
}

impl SlaPolicy {
    /// Checks the name, the targets (1 to [`MAX_TARGET_MINUTES`]), the
    /// warning lead and the department list.
    pub fn validate(&self) -> Result<(), SlaPolicyError> {
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(SlaPolicyError::BadName);
        }
        for priority in Priority::ALL {
            let targets = self.targets.get(priority);
            for metric in SlaMetric::ALL {
                if let Some(m) = targets.get(metric)
                    && !(1..=MAX_TARGET_MINUTES).contains(&m)
                {
                    return Err(SlaPolicyError::BadTarget { priority, metric, max: MAX_TARGET_MINUTES });
                }
            }
        }
        if self.warning_minutes > MAX_TARGET_MINUTES {
            return Err(SlaPolicyError::BadWarning(MAX_TARGET_MINUTES));
        }
        if self.department_ids.len() > MAX_POLICY_DEPARTMENTS {
            return Err(SlaPolicyError::TooManyDepartments(MAX_POLICY_DEPARTMENTS));
        }
        Ok(())
    }

    /// Whether it applies to tickets of `department_id` (named, or general).
    pub fn covers(&self, department_id: DepartmentId) -> bool {
        self.department_ids.is_empty() || self.department_ids.contains(&department_id)
    }

    /// The state of every target the policy sets for the ticket's priority,
    /// at `now`.
    ///
    /// * First response runs from creation to the first agent reply, or to
    ///   solving if the ticket is solved without one. It never pauses.
    /// * Next response runs from [`TicketTimes::next_response_since`] to
    ///   [`TicketTimes::next_response_at`] (one cycle; earlier cycles were
    ///   judged when they ended).
    /// * Resolution runs from creation to solved, except during
    ///   [`TicketTimes::paused`].
    pub fn evaluate(&self, times: &TicketTimes, now: DateTime<Utc>) -> SlaTargets {
        let targets = self.targets.get(times.priority);
        let measure = |metric: SlaMetric, start: DateTime<Utc>, pauses: &[Pause], done: Option<DateTime<Utc>>| {
            targets.get(metric).map(|minutes| {
                let clock = TargetClock::new(&self.schedule, start, pauses, done);
                clock.state(metric, minutes, self.warning_minutes, now)
            })
        };
        let first_done = match (times.first_response_at, times.resolved_at) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        SlaTargets {
            first_response: measure(SlaMetric::FirstResponse, times.created_at, &[], first_done),
            next_response: times
                .next_response_since
                .and_then(|since| measure(SlaMetric::NextResponse, since, &[], times.next_response_at)),
            resolution: measure(SlaMetric::Resolution, times.created_at, &times.paused, times.resolved_at),
        }
    }
}

// ---------------------------------------------------------------------------
// Per-ticket measurement
// ---------------------------------------------------------------------------

/// What a target measures.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlaMetric {
    /// Creation to the first agent reply.
    FirstResponse,
    /// A customer's message to the next agent reply.
    NextResponse,
    /// Creation to solved, less waiting for the customer.
    Resolution,
}

impl SlaMetric {
    /// Every metric.
    pub const ALL: [Self; 3] = [Self::FirstResponse, Self::NextResponse, Self::Resolution];

    /// The serialized name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::FirstResponse => "first_response",
            Self::NextResponse => "next_response",
            Self::Resolution => "resolution",
        }
    }
}

impl fmt::Display for SlaMetric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A period during which the resolution clock stands still (the ticket
/// waits for the customer or someone else); `until` is `None` while it lasts.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pause {
    /// When it began.
    pub from: DateTime<Utc>,
    /// When it ended.
    pub until: Option<DateTime<Utc>>,
}

/// The times the SLA clocks read, taken from a ticket by
/// [`TicketTimes::from_ticket`] or put together by the desk from its event
/// log (which can list every pause exactly).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketTimes {
    /// Chooses the targets.
    pub priority: Priority,
    /// Opened: first response and resolution start here.
    pub created_at: DateTime<Utc>,
    /// The first agent reply.
    pub first_response_at: Option<DateTime<Utc>>,
    /// Start of the current next-response cycle: the ticket, already
    /// answered once, waits for an agent again.
    pub next_response_since: Option<DateTime<Utc>>,
    /// The agent reply that ended that cycle, when judging a finished one.
    pub next_response_at: Option<DateTime<Utc>>,
    /// Solved (or closed), which stops the resolution clock.
    pub resolved_at: Option<DateTime<Utc>>,
    /// Waiting periods excluded from resolution.
    pub paused: Vec<Pause>,
}

impl TicketTimes {
    /// The times from a ticket's own fields.
    ///
    /// A ticket keeps only its latest times (not its status history), so
    /// two things are approximated:
    ///
    /// * **Next response** starts when the ticket, answered once, began
    ///   waiting for an agent again (`awaiting_agent_since`) if that is after
    ///   the last agent reply: the customer's reply reopened it. If the ticket
    ///   stayed open across the agent's reply, it starts at the last customer
    ///   message after that reply (the first one is not kept, so a customer
    ///   who wrote twice gets the later time). If the agent had the last
    ///   word, no cycle runs.
    /// * **Resolution** stands still while the ticket waits for the customer
    ///   or a third party (pending or on hold), but only the latest such
    ///   stretch can be seen. An agent's reply is what usually puts a ticket
    ///   in pending, so the stretch is taken to start at the last agent reply:
    ///   - pending or on hold now: from the later of the last agent reply and
    ///     the last customer message (put on hold without a reply: a lower
    ///     bound), still running;
    ///   - new or open now, after an agent reply: from that reply to
    ///     `awaiting_agent_since`, when the customer's answer reopened it;
    ///   - solved or closed, and the agent had the last word: from that reply
    ///     to solving (the customer never answered; pending would have
    ///     stopped the clock the same way).
    ///
    ///   Exact in the common flow (reply and set pending, customer answers,
    ///   solve). Off in two ways: earlier stretches are unknown and count
    ///   toward resolution (erring toward a breach), and a stretch that began
    ///   after the last reply (the agent replied, kept the ticket open, put it
    ///   on hold later) is taken as longer than it was (erring toward "met").
    ///   The desk can pass every stretch exactly, from its event log, in
    ///   [`TicketTimes::paused`].
    pub fn from_ticket(t: &Ticket) -> Self {
        let agent = t.last_agent_reply_at;
        let customer = t.last_customer_reply_at;
        let after_agent = |x: DateTime<Utc>| agent.is_none_or(|a| x > a);
        let next_response_since = match (t.first_response_at, t.awaiting_agent_since) {
            (Some(_), Some(since)) if after_agent(since) => Some(since),
            (Some(_), Some(_)) => customer.filter(|c| after_agent(*c)),
            _ => None,
        };
        let resolved_at = if t.status_category.is_done() { t.solved_at.or(t.closed_at) } else { None };
        let mut paused = Vec::new();
        match t.status_category {
            StatusCategory::New | StatusCategory::Open => {
                if let (Some(a), Some(since)) = (agent, t.awaiting_agent_since)
                    && a < since
                {
                    paused.push(Pause { from: a, until: Some(since) });
                }
            }
            StatusCategory::Pending | StatusCategory::Hold => {
                let from = [agent, customer].into_iter().flatten().max().unwrap_or(t.created_at);
                paused.push(Pause { from, until: None });
            }
            StatusCategory::Solved | StatusCategory::Closed => {
                if let (Some(a), Some(end)) = (agent, resolved_at)
                    && customer.is_none_or(|c| c <= a)
                    && a < end
                {
                    paused.push(Pause { from: a, until: Some(end) });
                }
            }
        }
        Self {
            priority: t.priority,
            created_at: t.created_at,
            first_response_at: t.first_response_at,
            next_response_since,
            next_response_at: None,
            resolved_at,
            paused,
        }
    }
}

/// Where a target stands.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetStatus {
    /// The clock runs; the due time is ahead.
    Running,
    /// The clock stands still (resolution while waiting for the customer).
    Paused,
    /// Done by the due time.
    Met,
    /// The due time passed first (whether or not it is done since).
    Breached,
}

/// One target of one ticket.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetState {
    /// What it measures.
    pub metric: SlaMetric,
    /// The target, in business minutes.
    pub target_minutes: u32,
    /// When the clock started.
    pub started_at: DateTime<Utc>,
    /// When it falls (or fell) due; `None` while paused before that.
    pub due_at: Option<DateTime<Utc>>,
    /// When the warning falls due (`warning_minutes` of business time before
    /// `due_at`); `None` while paused before that.
    pub warning_at: Option<DateTime<Utc>>,
    /// When it was done (in time or late).
    pub completed_at: Option<DateTime<Utc>>,
    /// Running, paused, met or breached.
    pub status: TargetStatus,
    /// Business seconds left at `now` (or at completion), negative when
    /// overdue; the countdown. It stands still outside business hours.
    pub remaining_seconds: i64,
    /// Running or paused with no more than the warning lead left.
    pub warning: bool,
}

/// Every measured target of a ticket.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SlaTargets {
    /// The first-response target, if the policy sets one.
    pub first_response: Option<TargetState>,
    /// The next-response target, if one is set and a cycle runs.
    pub next_response: Option<TargetState>,
    /// The resolution target, if set.
    pub resolution: Option<TargetState>,
}

impl SlaTargets {
    /// The targets present.
    pub fn iter(&self) -> impl Iterator<Item = &TargetState> {
        [&self.first_response, &self.next_response, &self.resolution].into_iter().flatten()
    }

    /// Whether any target is breached.
    pub fn breached(&self) -> bool {
        self.iter().any(|t| t.status == TargetStatus::Breached)
    }

    /// The earliest due time of a running target: what "breaches within N
    /// hours" compares.
    pub fn next_due_at(&self) -> Option<DateTime<Utc>> {
        self.iter().filter(|t| t.status == TargetStatus::Running).filter_map(|t| t.due_at).min()
    }

    /// The next instant after `now` at which a running target warns or
    /// breaches: when the desk should evaluate the ticket again.
    pub fn next_change_at(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.iter()
            .filter(|t| t.status == TargetStatus::Running)
            .flat_map(|t| [t.warning_at, t.due_at])
            .flatten()
            .filter(|at| *at > now)
            .min()
    }
}

// ---------------------------------------------------------------------------
// Alerts
// ---------------------------------------------------------------------------

/// What an alert says of a target.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlaAlert {
    /// The warning lead began: the target is about to be breached
    /// (`sla.warning`).
    Warning,
    /// The due time passed before the target was met (`sla.breached`).
    Breached,
}

impl SlaAlert {
    /// The serialized name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Warning => "warning",
            Self::Breached => "breached",
        }
    }
}

impl TargetState {
    /// The name of one alert of this target instance, as kept in the list of
    /// alerts already written: `first_response:breached:<start ms>`. A new
    /// next-response cycle starts later, so it gets new names and can warn
    /// and breach again.
    pub fn alert_key(&self, alert: SlaAlert) -> String {
        format!("{}:{}:{}", self.metric.as_str(), alert.as_str(), self.started_at.timestamp_millis())
    }

    /// Whether `key` names an alert of this target instance.
    fn owns_key(&self, key: &str) -> bool {
        let prefix = self.metric.as_str();
        let start = self.started_at.timestamp_millis().to_string();
        key.strip_prefix(prefix)
            .and_then(|k| k.strip_prefix(':'))
            .and_then(|k| k.split_once(':'))
            .is_some_and(|(_, s)| s == start)
    }
}

impl SlaTargets {
    /// The alerts due at `now` that `announced` does not hold yet, each with
    /// the target it concerns. A breached target gives its breach only (a
    /// warning after the fact would be noise); a running one its warning
    /// once `warning_at` passed, when `warn` (the policy has a warning lead).
    /// Met and paused targets give none.
    pub fn alerts_due(&self, announced: &[String], warn: bool, now: DateTime<Utc>) -> Vec<(SlaAlert, TargetState)> {
        let has = |t: &TargetState, a: SlaAlert| announced.iter().any(|k| *k == t.alert_key(a));
        let mut out = Vec::new();
        for t in self.iter() {
            match t.status {
                TargetStatus::Breached if !has(t, SlaAlert::Breached) => out.push((SlaAlert::Breached, *t)),
                TargetStatus::Running
                    if warn
                        && t.warning_at.is_some_and(|w| w <= now)
                        && !has(t, SlaAlert::Warning)
                        && !has(t, SlaAlert::Breached) =>
                {
                    out.push((SlaAlert::Warning, *t))
                }
                _ => {}
            }
        }
        out
    }

    /// When the next alert not in `announced` falls due (possibly already
    /// past): when the checker must look at the ticket again. `None` when no
    /// alert can come without a change of the ticket.
    pub fn next_alert_at(&self, announced: &[String], warn: bool) -> Option<DateTime<Utc>> {
        let has = |t: &TargetState, a: SlaAlert| announced.iter().any(|k| *k == t.alert_key(a));
        self.iter()
            .filter_map(|t| match t.status {
                TargetStatus::Breached if !has(t, SlaAlert::Breached) => t.due_at.or(t.completed_at),
                TargetStatus::Running if has(t, SlaAlert::Breached) => None,
                TargetStatus::Running if warn && !has(t, SlaAlert::Warning) => t.warning_at.or(t.due_at),
                TargetStatus::Running => t.due_at,
                _ => None,
            })
            .min()
    }

    /// `announced` without the names of alerts of target instances that no
    /// longer exist (a finished next-response cycle), so the list stays short.
    pub fn keep_current(&self, announced: &[String]) -> Vec<String> {
        announced.iter().filter(|k| self.iter().any(|t| t.owns_key(k))).cloned().collect()
    }
}

/// One target's clock: the stretches of time it runs in.
struct TargetClock<'a> {
    schedule: &'a Schedule,
    /// Running stretches in order; the last has no end unless an open pause
    /// stopped the clock.
    runs: Vec<(DateTime<Utc>, Option<DateTime<Utc>>)>,
    start: DateTime<Utc>,
    done: Option<DateTime<Utc>>,
}

impl<'a> TargetClock<'a> {
    fn new(schedule: &'a Schedule, start: DateTime<Utc>, pauses: &[Pause], done: Option<DateTime<Utc>>) -> Self {
        // Pauses clipped to [start, done]; once done, an open pause ends there.
        let mut ps: Vec<(DateTime<Utc>, Option<DateTime<Utc>>)> = pauses
            .iter()
            .filter_map(|p| {
                let from = p.from.max(start);
                let until = match (p.until, done) {
                    (Some(u), Some(d)) => Some(u.min(d)),
                    (None, Some(d)) => Some(d),
                    (u, None) => u,
                };
                let keep = done.is_none_or(|d| from < d) && until.is_none_or(|u| u > from);
                keep.then_some((from, until))
            })
            .collect();
        ps.sort();
        let mut runs = Vec::new();
        let mut cursor = start;
        for (from, until) in ps {
            if from > cursor {
                runs.push((cursor, Some(from)));
            }
            match until {
                Some(u) => cursor = cursor.max(u),
                None => return Self { schedule, runs, start, done },
            }
        }
        runs.push((cursor, None));
        Self { schedule, runs, start, done }
    }

    /// When `budget` of business time has run, if the clock gets there.
    fn deadline(&self, budget: Duration) -> Option<DateTime<Utc>> {
        let mut left = budget;
        for &(s, e) in &self.runs {
            match e {
                Some(e) => {
                    let available = self.schedule.business_between(s, e);
                    if available >= left {
                        return Some(self.schedule.add_business(s, left));
                    }
                    left -= available;
                }
                None => return Some(self.schedule.add_business(s, left)),
            }
        }
        None
    }

    /// Business time run by `at`.
    fn elapsed(&self, at: DateTime<Utc>) -> Duration {
        self.runs
            .iter()
            .filter(|(s, _)| *s < at)
            .map(|&(s, e)| self.schedule.business_between(s, e.map_or(at, |e| e.min(at))))
            .fold(Duration::zero(), |a, b| a + b)
    }

    fn state(&self, metric: SlaMetric, minutes: u32, warning_minutes: u32, now: DateTime<Utc>) -> TargetState {
        let budget = Duration::minutes(i64::from(minutes));
        let lead = Duration::minutes(i64::from(warning_minutes.min(minutes)));
        let due_at = self.deadline(budget);
        let warning_at = self.deadline(budget - lead);
        let at = self.done.unwrap_or(now);
        let remaining = budget - self.elapsed(at);
        let status = match (self.done, due_at) {
            (Some(done), Some(due)) if done <= due => TargetStatus::Met,
            (Some(_), _) => TargetStatus::Breached,
            (None, Some(due)) if now >= due => TargetStatus::Breached,
            (None, Some(_)) => TargetStatus::Running,
            (None, None) => TargetStatus::Paused,
        };
        let open = matches!(status, TargetStatus::Running | TargetStatus::Paused);
        TargetState {
            metric,
            target_minutes: minutes,
            started_at: self.start,
            due_at,
            warning_at,
            completed_at: self.done,
            status,
            remaining_seconds: remaining.num_seconds(),
            warning: open && remaining <= lead,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{TicketId, UserId};
    use crate::status::StatusKey;
    use crate::ticket::{Cc, Source};
    use chrono::Timelike;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    fn utc(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn iv(s: &str, e: &str) -> Interval {
        Interval(ClockTime::parse(s).unwrap(), ClockTime::parse(e).unwrap())
    }

    fn schedule(tz: &str, week: Week, holidays: &[&str]) -> Schedule {
        Schedule::new(ScheduleConfig {
            time_zone: tz.into(),
            week,
            holidays: holidays.iter().map(|h| h.parse().unwrap()).collect(),
        })
        .unwrap()
    }

    fn office(tz: &str) -> Schedule {
        schedule(tz, Week::weekdays(&[iv("09:00", "18:00")]), &[])
    }

    fn hours(n: i64) -> Duration {
        Duration::hours(n)
    }

    /// Checks both directions: `start + business` lands on `end`, and the
    /// business time between them is `business`.
    fn assert_span(s: &Schedule, start: &str, business: Duration, end: &str) {
        let (start, end) = (utc(start), utc(end));
        assert_eq!(s.add_business(start, business), end, "add_business from {start}");
        assert_eq!(s.business_between(start, end), business, "business_between {start}..{end}");
    }

    #[test]
    fn friday_evening_resumes_monday_morning() {
        let s = office("Europe/Berlin");
        // Friday 2026-01-09 17:30 CET: half an hour left, the rest on Monday.
        assert_span(&s, "2026-01-09T16:30:00Z", hours(1), "2026-01-12T08:30:00Z");
        // Friday 19:00: nothing left that day; Monday 09:00 + 30 min.
        assert_span(&s, "2026-01-09T18:00:00Z", Duration::minutes(30), "2026-01-12T08:30:00Z");
        // Saturday noon, exactly one working day: Monday 18:00.
        assert_span(&s, "2026-01-10T11:00:00Z", hours(9), "2026-01-12T17:00:00Z");
        // A due time never lands in a break: 9 hours from Monday 09:00 is Monday 18:00, not Tuesday 09:00.
        assert_eq!(s.add_business(utc("2026-01-12T08:00:00Z"), hours(9)), utc("2026-01-12T17:00:00Z"));
        assert_eq!(s.business_between(utc("2026-01-09T17:00:00Z"), utc("2026-01-12T08:00:00Z")), Duration::zero());
        assert!(s.is_business_time(utc("2026-01-12T08:00:00Z")));
        assert!(!s.is_business_time(utc("2026-01-12T17:00:00Z")));
        assert!(!s.is_business_time(utc("2026-01-10T11:00:00Z")));
    }

    #[test]
    fn holidays_are_skipped() {
        // Republic Day, Thursday 2026-10-29, in Istanbul (UTC+3 all year).
        let s = schedule("Europe/Istanbul", Week::weekdays(&[iv("09:00", "18:00")]), &["2026-10-29"]);
        // Wednesday 17:00: one hour that day, Thursday off, Friday 09:00 + 1 h.
        assert_span(&s, "2026-10-28T14:00:00Z", hours(2), "2026-10-30T07:00:00Z");
        // A holiday Monday after a weekend.
        let s = schedule("Europe/Berlin", Week::weekdays(&[iv("09:00", "18:00")]), &["2026-04-06", "2026-04-03"]);
        // Thursday 2026-04-02 17:00 CEST; Good Friday and Easter Monday off: Tuesday 10:00.
        assert_span(&s, "2026-04-02T15:00:00Z", hours(2), "2026-04-07T08:00:00Z");
        assert!(!s.is_business_time(utc("2026-04-06T10:00:00Z")));
    }

    #[test]
    fn berlin_clock_changes() {
        let s = office("Europe/Berlin");
        // Spring forward on Sunday 2026-03-29: Friday 17:00 CET is 16:00Z,
        // Monday 09:00 CEST is 07:00Z.
        assert_span(&s, "2026-03-27T16:00:00Z", hours(2), "2026-03-30T08:00:00Z");
        // Fall back on Sunday 2026-10-25: Friday 17:00 CEST is 15:00Z, Monday 09:00 CET is 08:00Z.
        assert_span(&s, "2026-10-23T15:00:00Z", hours(2), "2026-10-26T09:00:00Z");
        // A whole week across the change is still 45 hours.
        assert_eq!(s.business_between(utc("2026-03-23T00:00:00Z"), utc("2026-04-05T00:00:00Z")), hours(90));

        // Days that span the change are as long as the clocks say.
        let sunday = |intervals: &[Interval]| {
            schedule("Europe/Berlin", Week { sun: intervals.to_vec(), ..Week::default() }, &[])
        };
        let all_day = sunday(&[Interval::ALL_DAY]);
        // 2026-03-29 00:00 CET = 03-28 23:00Z; 03-30 00:00 CEST = 03-29 22:00Z: 23 hours.
        assert_span(&all_day, "2026-03-28T12:00:00Z", hours(23), "2026-03-29T22:00:00Z");
        // 2026-10-25 00:00 CEST = 10-24 22:00Z; 10-26 00:00 CET = 10-25 23:00Z: 25 hours.
        assert_span(&all_day, "2026-10-24T12:00:00Z", hours(25), "2026-10-25T23:00:00Z");
        // 01:00–04:00 across the jump: 01:00 CET (00:00Z) to 04:00 CEST (02:00Z).
        let night = sunday(&[iv("01:00", "04:00")]);
        assert_span(&night, "2026-03-28T00:00:00Z", hours(2), "2026-03-29T02:00:00Z");
        // Starting in the skipped hour: 02:30 is read as 03:00 CEST (01:00Z).
        let gap = sunday(&[iv("02:30", "05:00")]);
        assert_eq!(gap.add_business(utc("2026-03-28T00:00:00Z"), Duration::minutes(1)), utc("2026-03-29T01:01:00Z"));
        assert_eq!(gap.business_between(utc("2026-03-29T00:00:00Z"), utc("2026-03-29T04:00:00Z")), hours(2));
        // An interval wholly inside the skipped hour has no time that day.
        let lost = schedule(
            "Europe/Berlin",
            Week { sun: vec![iv("02:10", "02:50")], mon: vec![iv("09:00", "09:10")], ..Week::default() },
            &[],
        );
        assert_eq!(lost.business_between(utc("2026-03-28T00:00:00Z"), utc("2026-03-29T23:00:00Z")), Duration::zero());
        assert_span(&lost, "2026-03-28T00:00:00Z", Duration::minutes(5), "2026-03-30T07:05:00Z");
    }

    #[test]
    fn new_york_clock_changes() {
        let s = office("America/New_York");
        // Spring forward on Sunday 2026-03-08: Friday 17:00 EST = 22:00Z; Monday 09:00 EDT = 13:00Z.
        assert_span(&s, "2026-03-06T22:00:00Z", hours(2), "2026-03-09T14:00:00Z");
        // Fall back on Sunday 2026-11-01: Friday 17:00 EDT = 21:00Z; Monday 09:00 EST = 14:00Z.
        assert_span(&s, "2026-10-30T21:00:00Z", hours(2), "2026-11-02T15:00:00Z");
        // The repeated hour: 01:00–03:00 on 2026-11-01 runs from the first 01:00
        // (EDT, 05:00Z) to 03:00 EST (08:00Z): three hours of real time.
        let night = schedule("America/New_York", Week { sun: vec![iv("01:00", "03:00")], ..Week::default() }, &[]);
        assert_span(&night, "2026-10-31T12:00:00Z", hours(3), "2026-11-01T08:00:00Z");
        assert_span(&night, "2026-03-07T12:00:00Z", hours(1), "2026-03-08T07:00:00Z");
    }

    #[test]
    fn istanbul_has_no_clock_changes() {
        let s = office("Europe/Istanbul");
        // Monday 2026-03-30 11:00 +03 (08:00Z) + 3 h = 14:00 +03.
        assert_span(&s, "2026-03-30T08:00:00Z", hours(3), "2026-03-30T11:00:00Z");
        // Europe's change weekend does not move Istanbul: Monday 09:00 +03 = 06:00Z.
        assert_span(&s, "2026-03-27T14:00:00Z", hours(2), "2026-03-30T07:00:00Z");
        assert_span(&s, "2026-10-23T14:00:00Z", hours(2), "2026-10-26T07:00:00Z");
    }

    #[test]
    fn around_the_clock_is_wall_time() {
        let fast = schedule("Europe/Berlin", Week::every_day(&[Interval::ALL_DAY]), &[]);
        // Split intervals that touch are merged into the same thing.
        let split = schedule("Europe/Berlin", Week::every_day(&[iv("00:00", "12:00"), iv("12:00", "24:00")]), &[]);
        // A far holiday forces the general path; it must agree.
        let slow = schedule("Europe/Berlin", Week::every_day(&[Interval::ALL_DAY]), &["2100-01-01"]);
        assert!(fast.around_the_clock && split.around_the_clock && !slow.around_the_clock);
        for (start, d) in [("2026-03-27T16:00:00Z", 50), ("2026-10-24T01:30:00Z", 49), ("2026-01-01T00:00:00Z", 2000)] {
            let start = utc(start);
            for s in [&fast, &split, &slow] {
                assert_eq!(s.add_business(start, hours(d)), start + hours(d));
                assert_eq!(s.business_between(start, start + hours(d)), hours(d));
            }
        }
        let (a, b) = (utc("2026-01-01T00:00:00Z"), utc("2027-01-01T00:00:00Z"));
        assert_eq!(slow.business_between(a, b), b - a);
    }

    #[test]
    fn whole_weeks_agree_with_day_by_day() {
        // The week skipping must give what counting each day gives.
        let s = schedule(
            "Europe/Berlin",
            Week {
                sat: vec![iv("10:00", "14:00")],
                sun: vec![Interval::ALL_DAY],
                ..Week::weekdays(&[iv("08:00", "12:00"), iv("13:00", "17:30")])
            },
            &["2026-01-01", "2026-04-03", "2026-04-06", "2026-05-01", "2026-12-25", "2027-01-01"],
        );
        let (a, b) = (utc("2025-12-20T07:13:00Z"), utc("2027-02-03T19:00:00Z"));
        let mut sum = Duration::zero();
        let mut t = a;
        while t < b {
            let next = (t + hours(20)).min(b);
            sum += s.business_between(t, next);
            t = next;
        }
        let total = s.business_between(a, b);
        assert_eq!(total, sum);
        let end = s.add_business(a, total);
        assert!(end <= b);
        assert_eq!(s.business_between(end, b), Duration::zero());
        assert_eq!(s.business_between(b, a), -total);
    }

    #[test]
    fn long_durations_return() {
        let s = schedule("Europe/Berlin", Week::weekdays(&[iv("09:00", "18:00")]), &["2026-12-25"]);
        let start = utc("2026-01-05T08:00:00Z");
        let end = s.add_business(start, hours(2000));
        assert_eq!(s.business_between(start, end), hours(2000));
        // About 44 weeks of 45 hours.
        assert!(end > start + Duration::weeks(44) && end < start + Duration::weeks(46));

        // One minute a week, the rest eaten by holidays for years: the search
        // stops at the horizon instead of running for ever.
        let mondays: Vec<String> = (0..MAX_HOLIDAYS as u64)
            .map(|w| (NaiveDate::from_ymd_opt(2026, 1, 5).unwrap() + Days::new(7 * w)).to_string())
            .collect();
        let refs: Vec<&str> = mondays.iter().map(String::as_str).collect();
        let sparse = schedule("America/New_York", Week { mon: vec![iv("10:00", "10:01")], ..Week::default() }, &refs);
        let far = sparse.add_business(start, hours(2000));
        assert!(far > start + Duration::days(365 * 99));
        assert!(sparse.business_between(start, far) < hours(2000));
        assert!(sparse.business_between(start, far) > Duration::zero());
        // Across the horizon and at the ends of time it neither loops nor panics.
        let _ = sparse.business_between(DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC);
        let _ = sparse.add_business(DateTime::<Utc>::MAX_UTC, Duration::days(3));
        let _ = s.add_business(DateTime::<Utc>::MIN_UTC, Duration::days(3));
        let _ = s.add_business(start, Duration::MAX);
    }

    #[test]
    fn invalid_schedules_are_refused() {
        let config = |tz: &str, week: Week| ScheduleConfig { time_zone: tz.into(), week, holidays: vec![] };
        let err = |c: ScheduleConfig| Schedule::new(c).unwrap_err();
        let office_week = Week::weekdays(&[iv("09:00", "18:00")]);
        assert_eq!(err(config("Mars/Olympus", office_week.clone())).code(), "unknown_time_zone");
        assert_eq!(err(config("", office_week.clone())).field(), "time_zone");
        let e = err(config("UTC", Week { tue: vec![iv("18:00", "09:00")], ..Week::default() }));
        assert_eq!((e.code(), e.field().as_str()), ("reversed_interval", "week.tue"));
        assert_eq!(e.to_string(), "tue: the interval 18:00–09:00 must end after it starts");
        assert_eq!(
            err(config("UTC", Week { mon: vec![iv("09:00", "09:00")], ..Week::default() })).code(),
            "reversed_interval"
        );
        let e = err(config("UTC", Week { wed: vec![iv("13:00", "17:00"), iv("09:00", "13:30")], ..Week::default() }));
        assert_eq!(
            e,
            ScheduleError::OverlappingIntervals {
                day: Weekday::Wed,
                first: iv("09:00", "13:30"),
                second: iv("13:00", "17:00")
            }
        );
        let many: Vec<Interval> = (0..13).map(|h| Interval::hm((h, 0), (h, 30)).unwrap()).collect();
        assert_eq!(err(config("UTC", Week { fri: many, ..Week::default() })).code(), "too_many_intervals");
        assert_eq!(err(config("UTC", Week::default())), ScheduleError::NoWorkingTime);
        let mut c = config("UTC", office_week);
        c.holidays =
            (0..=MAX_HOLIDAYS as u64).map(|d| NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + Days::new(d)).collect();
        assert_eq!(err(c).code(), "too_many_holidays");
        let d: DomainError = ScheduleError::NoWorkingTime.into();
        assert_eq!(d.code(), "no_working_time");

        // Shapes that do not even parse.
        for bad in [
            r#"{"time_zone": "UTC", "week": {"mon": [["25:00", "26:00"]]}}"#,
            r#"{"time_zone": "UTC", "week": {"mon": [["9", "18:00"]]}}"#,
            r#"{"time_zone": "UTC", "week": {"mon": [["09:00"]]}}"#,
            r#"{"time_zone": "UTC", "week": {"monday": [["09:00", "18:00"]]}}"#,
            r#"{"time_zone": "UTC", "week": {"mon": [["09:00", "18:00"]]}, "holidays": ["2026-02-30"]}"#,
            r#"{"time_zone": "UTC", "week": {"mon": [["09:00", "18:00"]]}, "extra": 1}"#,
            r#"{"time_zone": "Europe/Nowhere", "week": {"mon": [["09:00", "18:00"]]}}"#,
            r#"{"time_zone": "UTC", "week": {"mon": [["10:00", "18:00"], ["09:00", "11:00"]]}}"#,
        ] {
            assert!(serde_json::from_str::<Schedule>(bad).is_err(), "{bad}");
        }
        assert_eq!(ClockTime::parse("24:00"), Some(ClockTime::END_OF_DAY));
        assert_eq!(ClockTime::parse("24:01"), None);
        assert_eq!(ClockTime::parse("7:05").map(|t| t.to_string()), Some("07:05".into()));
        assert_eq!(ClockTime::parse("07:5"), None);
        assert_eq!(ClockTime::parse("-1:00"), None);
    }

    #[test]
    fn schedules_read_and_write_the_admin_json() {
        let json = serde_json::json!({
            "time_zone": "Europe/Istanbul",
            "week": {"mon": [["09:00", "12:30"], ["13:30", "18:00"]], "sat": [["10:00", "14:00"]]},
            "holidays": ["2026-10-29"]
        });
        let s: Schedule = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(s.time_zone(), chrono_tz::Europe::Istanbul);
        assert_eq!(s.weekly_business_time(), hours(12));
        let back = serde_json::to_value(&s).unwrap();
        assert_eq!(back["time_zone"], json["time_zone"]);
        assert_eq!(back["week"]["mon"], json["week"]["mon"]);
        assert_eq!(back["holidays"], json["holidays"]);
        assert_eq!(serde_json::from_value::<Schedule>(back).unwrap(), s);
    }

    // --- properties -------------------------------------------------------

    fn sample_schedules() -> Vec<Schedule> {
        vec![
            schedule("Europe/Berlin", Week::weekdays(&[iv("09:00", "18:00")]), &["2026-04-06", "2026-12-24"]),
            schedule(
                "America/New_York",
                Week {
                    sat: vec![iv("10:00", "14:00")],
                    ..Week::weekdays(&[iv("08:00", "12:00"), iv("13:00", "17:00")])
                },
                &["2026-07-03", "2026-11-26"],
            ),
            schedule("Europe/Istanbul", Week::weekdays(&[iv("09:00", "18:00")]), &["2026-10-29"]),
            // 30-minute clock changes.
            schedule("Australia/Lord_Howe", Week::every_day(&[iv("08:00", "20:00")]), &[]),
            schedule("Asia/Kathmandu", Week { sun: vec![Interval::ALL_DAY], ..Week::default() }, &[]),
            schedule(
                "Europe/Berlin",
                Week { sun: vec![Interval::ALL_DAY], wed: vec![iv("23:00", "24:00")], ..Week::default() },
                &[],
            ),
        ]
    }

    /// Is `at` working time, asked the slow way: by its local wall-clock time.
    fn brute_is_business(s: &Schedule, at: DateTime<Utc>) -> bool {
        let local = at.with_timezone(&s.tz).naive_local();
        let minute = local.hour() * 60 + local.minute();
        !s.holidays.contains(&local.date())
            && s.days[local.weekday().num_days_from_monday() as usize].iter().any(|&(a, b)| a <= minute && minute < b)
    }

    const ANCHORS: [&str; 8] = [
        "2026-03-29T00:00:00Z",
        "2026-10-25T00:00:00Z",
        "2026-03-08T00:00:00Z",
        "2026-11-01T00:00:00Z",
        "2026-04-05T00:00:00Z",
        "2026-10-04T00:00:00Z",
        "2026-04-06T00:00:00Z",
        "2026-07-01T00:00:00Z",
    ];

    proptest! {
        #[test]
        fn add_and_between_are_inverse(
            which in 0usize..6,
            start in 946_684_800i64..2_208_988_800, // 2000 to 2040
            secs in 0i64..2000 * 3600,
            later in 0i64..400 * 86_400,
        ) {
            let s = &sample_schedules()[which];
            let start = DateTime::from_timestamp(start, 0).unwrap();
            let d = Duration::seconds(secs);
            let end = s.add_business(start, d);
            prop_assert!(end >= start);
            prop_assert_eq!(s.business_between(start, end), d);
            // Earliest: a moment earlier is not enough.
            if secs > 0 {
                prop_assert!(s.business_between(start, end - Duration::seconds(1)) < d);
            }
            // The other way round.
            let t = start + Duration::seconds(later);
            let b = s.business_between(start, t);
            let e = s.add_business(start, b);
            prop_assert!(e <= t);
            prop_assert_eq!(s.business_between(e, t), Duration::zero());
            prop_assert_eq!(s.business_between(t, start), -b);
            // Additive.
            let mid = start + Duration::seconds(later / 3);
            prop_assert_eq!(s.business_between(start, mid) + s.business_between(mid, t), b);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        #[test]
        fn matches_a_minute_by_minute_count(
            which in 0usize..6,
            anchor in 0usize..ANCHORS.len(),
            offset in -4 * 1440i64..2 * 1440,
            len in 0i64..4 * 1440,
        ) {
            let s = &sample_schedules()[which];
            let a = utc(ANCHORS[anchor]) + Duration::minutes(offset);
            let b = a + Duration::minutes(len);
            let brute = (0..len).filter(|m| brute_is_business(s, a + Duration::minutes(*m))).count() as i64;
            prop_assert_eq!(s.business_between(a, b), Duration::minutes(brute));
        }
    }

    // --- policies ---------------------------------------------------------

    fn policy(name: &str, departments: &[i64], schedule: Schedule) -> SlaPolicy {
        let t = |fr, nr, res| Targets {
            first_response_minutes: Some(fr),
            next_response_minutes: Some(nr),
            resolution_minutes: Some(res),
        };
        SlaPolicy {
            name: name.into(),
            department_ids: departments.iter().map(|d| DepartmentId(*d)).collect(),
            schedule,
            targets: PriorityTargets {
                low: Targets { resolution_minutes: Some(5 * 540), ..Targets::default() },
                normal: t(240, 240, 2 * 540),
                high: t(60, 120, 540),
                urgent: t(30, 30, 240),
            },
            warning_minutes: 30,
        }
    }

    fn ticket(created: &str) -> Ticket {
        let at = utc(created);
        Ticket {
            id: TicketId(1),
            number: "123456".into(),
            access_key: "k".into(),
            subject: "Sunucu çöktü".into(),
            department_id: DepartmentId(1),
            requester_id: UserId(2),
            organization_id: None,
            service_id: None,
            assignee_id: None,
            assigned_by_id: None,
            flagged_id: None,
            cc: Cc::default(),
            tags: vec![],
            ticket_type: None,
            priority: Priority::High,
            status: StatusKey::new(StatusKey::NEW),
            status_category: StatusCategory::New,
            source: Source::Web,
            custom_fields: BTreeMap::new(),
            locked: false,
            archived: false,
            queue_boost: false,
            closed_reason: None,
            merged_into_id: None,
            follow_up_of_id: None,
            created_at: at,
            updated_at: at,
            last_reply_at: Some(at),
            last_customer_reply_at: Some(at),
            last_agent_reply_at: None,
            first_response_at: None,
            awaiting_agent_since: Some(at),
            solved_at: None,
            closed_at: None,
            due_at: None,
            deleted_at: None,
            customer_unread: false,
            agent_unread: true,
            version: 1,
        }
    }

    #[test]
    fn the_department_policy_wins_over_the_general_one() {
        let general = policy("General", &[], office("UTC"));
        let billing = policy("Billing", &[2, 3], office("Europe/Istanbul"));
        let policies = vec![general, billing];
        assert_eq!(choose_policy(&policies, DepartmentId(3)).map(|p| p.name.as_str()), Some("Billing"));
        assert_eq!(choose_policy(&policies, DepartmentId(9)).map(|p| p.name.as_str()), Some("General"));
        assert!(choose_policy(&policies[1..], DepartmentId(9)).is_none());
        assert!(policies[0].covers(DepartmentId(9)) && !policies[1].covers(DepartmentId(9)));
    }

    #[test]
    fn policies_are_checked() {
        let mut p = policy("General", &[], office("UTC"));
        assert_eq!(p.validate(), Ok(()));
        p.targets.urgent.resolution_minutes = Some(0);
        let e = p.validate().unwrap_err();
        assert_eq!(e.field(), "targets.urgent.resolution_minutes");
        assert_eq!(e.to_string(), "the resolution target for urgent priority must be 1 to 525600 minutes");
        p.targets.urgent.resolution_minutes = Some(60);
        p.name = "  ".into();
        assert_eq!(p.validate(), Err(SlaPolicyError::BadName));
        p.name = "x".into();
        p.warning_minutes = MAX_TARGET_MINUTES + 1;
        assert_eq!(DomainError::from(p.validate().unwrap_err()).code(), "invalid_warning");

        let json = serde_json::json!({
            "name": "Standard",
            "department_ids": [4],
            "schedule": {"time_zone": "Europe/Istanbul", "week": {"mon": [["09:00", "18:00"]]}},
            "targets": {"urgent": {"first_response_minutes": 30, "resolution_minutes": 240}},
            "warning_minutes": 15
        });
        let p: SlaPolicy = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(p.targets.urgent.first_response_minutes, Some(30));
        assert_eq!(p.targets.low, Targets::default());
        assert_eq!(serde_json::to_value(&p).unwrap()["targets"]["urgent"], json["targets"]["urgent"]);
        let mut bad = json;
        bad["targets"]["urgent"]["first_reply"] = 5.into();
        assert!(serde_json::from_value::<SlaPolicy>(bad).is_err());
    }

    #[test]
    fn first_response_met_breached_and_counting_down() {
        let p = policy("General", &[], office("Europe/Berlin"));
        // High: first response in 60 business minutes. Friday 2026-01-09 17:30 CET.
        let mut t = ticket("2026-01-09T16:30:00Z");
        let now = utc("2026-01-10T12:00:00Z"); // Saturday
        let fr = p.evaluate(&TicketTimes::from_ticket(&t), now).first_response.unwrap();
        assert_eq!(fr.due_at, Some(utc("2026-01-12T08:30:00Z")));
        // The warning comes when 30 business minutes are left: Friday 18:00.
        assert_eq!(fr.warning_at, Some(utc("2026-01-09T17:00:00Z")));
        assert_eq!((fr.status, fr.remaining_seconds, fr.warning), (TargetStatus::Running, 30 * 60, true));

        // Answered Monday 09:10: met with 20 minutes to spare.
        t.first_response_at = Some(utc("2026-01-12T08:10:00Z"));
        let fr = p.evaluate(&TicketTimes::from_ticket(&t), utc("2026-01-13T12:00:00Z")).first_response.unwrap();
        assert_eq!(
            (fr.status, fr.completed_at, fr.remaining_seconds),
            (TargetStatus::Met, t.first_response_at, 20 * 60)
        );

        // Unanswered at Monday 10:00: breached, half an hour over.
        t.first_response_at = None;
        let targets = p.evaluate(&TicketTimes::from_ticket(&t), utc("2026-01-12T09:00:00Z"));
        let fr = targets.first_response.unwrap();
        assert_eq!((fr.status, fr.remaining_seconds, fr.warning), (TargetStatus::Breached, -30 * 60, false));
        assert!(targets.breached());
        // Answered late: still breached.
        t.first_response_at = Some(utc("2026-01-12T09:00:00Z"));
        let fr = p.evaluate(&TicketTimes::from_ticket(&t), utc("2026-01-12T10:00:00Z")).first_response.unwrap();
        assert_eq!((fr.status, fr.remaining_seconds), (TargetStatus::Breached, -30 * 60));
        // Low priority sets no response targets.
        t.priority = Priority::Low;
        let targets = p.evaluate(&TicketTimes::from_ticket(&t), utc("2026-01-12T10:00:00Z"));
        assert!(targets.first_response.is_none() && targets.next_response.is_none() && targets.resolution.is_some());
    }

    #[test]
    fn alerts_come_once_per_target_instance() {
        let p = policy("General", &[], office("Europe/Berlin"));
        // High, Friday 2026-01-09 17:30 CET: first response warns Friday
        // 18:00, falls due Monday 09:30.
        let t = ticket("2026-01-09T16:30:00Z");
        let at = |now: &str| p.evaluate(&TicketTimes::from_ticket(&t), utc(now));
        let none: Vec<String> = vec![];

        let before = at("2026-01-09T16:45:00Z");
        assert!(before.alerts_due(&none, true, utc("2026-01-09T16:45:00Z")).is_empty());
        assert_eq!(before.next_alert_at(&none, true), Some(utc("2026-01-09T17:00:00Z")));
        // Without a warning lead the next alert is the breach.
        assert_eq!(before.next_alert_at(&none, false), Some(utc("2026-01-12T08:30:00Z")));

        let saturday = at("2026-01-10T12:00:00Z");
        let alerts = saturday.alerts_due(&none, true, utc("2026-01-10T12:00:00Z"));
        assert_eq!(alerts.len(), 1);
        assert_eq!((alerts[0].0, alerts[0].1.metric), (SlaAlert::Warning, SlaMetric::FirstResponse));
        let announced = vec![alerts[0].1.alert_key(SlaAlert::Warning)];
        assert!(saturday.alerts_due(&announced, true, utc("2026-01-10T12:00:00Z")).is_empty());
        // After the warning, the next alert is the breach (resolution warns later).
        assert_eq!(saturday.next_alert_at(&announced, true), Some(utc("2026-01-12T08:30:00Z")));

        let monday = at("2026-01-12T09:00:00Z");
        let alerts = monday.alerts_due(&announced, true, utc("2026-01-12T09:00:00Z"));
        assert_eq!(alerts.len(), 1);
        assert_eq!(alerts[0].0, SlaAlert::Breached);
        let mut announced = announced;
        announced.push(alerts[0].1.alert_key(SlaAlert::Breached));
        assert!(monday.alerts_due(&announced, true, utc("2026-01-12T09:00:00Z")).is_empty());
        assert_eq!(monday.keep_current(&announced), announced);
        assert!(monday.keep_current(&["next_response:warning:5".to_string()]).is_empty());

        // Found breached with nothing announced: the breach alone.
        let alerts = monday.alerts_due(&none, true, utc("2026-01-12T09:00:00Z"));
        assert_eq!(alerts.iter().map(|a| a.0).collect::<Vec<_>>(), vec![SlaAlert::Breached]);
    }

    #[test]
    fn next_response_runs_from_the_customers_reply() {
        let p = policy("General", &[], office("UTC"));
        let mut t = ticket("2026-01-12T09:00:00Z"); // Monday
        t.first_response_at = Some(utc("2026-01-12T09:20:00Z"));
        t.last_agent_reply_at = t.first_response_at;
        // The agent's reply set it pending; the customer answered at 11:00 and reopened it.
        t.status_category = StatusCategory::Open;
        t.awaiting_agent_since = Some(utc("2026-01-12T11:00:00Z"));
        t.last_customer_reply_at = t.awaiting_agent_since;
        let times = TicketTimes::from_ticket(&t);
        assert_eq!(times.next_response_since, t.awaiting_agent_since);
        assert_eq!(times.paused, vec![Pause { from: utc("2026-01-12T09:20:00Z"), until: t.awaiting_agent_since }]);
        let now = utc("2026-01-12T12:00:00Z");
        let targets = p.evaluate(&times, now);
        let nr = targets.next_response.unwrap();
        assert_eq!((nr.due_at, nr.status), (Some(utc("2026-01-12T13:00:00Z")), TargetStatus::Running));
        assert_eq!(targets.next_due_at(), Some(utc("2026-01-12T13:00:00Z")));
        assert_eq!(targets.next_change_at(now), Some(utc("2026-01-12T12:30:00Z")));
        // Judging the cycle when the agent answers at 12:45.
        let done = TicketTimes { next_response_at: Some(utc("2026-01-12T12:45:00Z")), ..times };
        assert_eq!(p.evaluate(&done, now).next_response.unwrap().status, TargetStatus::Met);

        // Open all along: the cycle starts at the customer's message after the agent's reply.
        t.awaiting_agent_since = Some(t.created_at);
        t.last_customer_reply_at = Some(utc("2026-01-12T10:00:00Z"));
        assert_eq!(TicketTimes::from_ticket(&t).next_response_since, t.last_customer_reply_at);
        // The agent had the last word: no cycle.
        t.last_customer_reply_at = Some(t.created_at);
        assert_eq!(TicketTimes::from_ticket(&t).next_response_since, None);
        assert!(p.evaluate(&TicketTimes::from_ticket(&t), now).next_response.is_none());
    }

    #[test]
    fn resolution_stops_while_waiting_for_the_customer() {
        let p = policy("General", &[], office("UTC"));
        // High: resolution in 540 business minutes (one working day).
        let mut t = ticket("2026-01-12T09:00:00Z"); // Monday 09:00
        let reply = utc("2026-01-12T12:00:00Z");
        t.first_response_at = Some(reply);
        t.last_agent_reply_at = Some(reply);
        t.status_category = StatusCategory::Pending;
        t.awaiting_agent_since = None;
        // Pending since the reply: paused with six hours left, whatever the time.
        let res = p.evaluate(&TicketTimes::from_ticket(&t), utc("2026-01-20T12:00:00Z")).resolution.unwrap();
        assert_eq!((res.status, res.due_at, res.remaining_seconds), (TargetStatus::Paused, None, 6 * 3600));
        assert!(!res.warning);
        // The customer answers Wednesday 10:00 and reopens it: due Wednesday 16:00.
        t.status_category = StatusCategory::Open;
        t.awaiting_agent_since = Some(utc("2026-01-14T10:00:00Z"));
        t.last_customer_reply_at = t.awaiting_agent_since;
        let res = p.evaluate(&TicketTimes::from_ticket(&t), utc("2026-01-14T11:00:00Z")).resolution.unwrap();
        assert_eq!(
            (res.status, res.due_at, res.remaining_seconds),
            (TargetStatus::Running, Some(utc("2026-01-14T16:00:00Z")), 5 * 3600)
        );
        // Solved Wednesday 15:00 with the customer's last word: met with an hour left.
        t.status_category = StatusCategory::Solved;
        t.awaiting_agent_since = None;
        t.solved_at = Some(utc("2026-01-14T15:00:00Z"));
        let res = p.evaluate(&TicketTimes::from_ticket(&t), utc("2026-01-20T00:00:00Z")).resolution.unwrap();
        // from_ticket only knows the latest stretch; the desk passes the earlier one.
        let mut times = TicketTimes::from_ticket(&t);
        assert!(times.paused.is_empty());
        assert_eq!(res.status, TargetStatus::Breached);
        times.paused.push(Pause { from: reply, until: Some(utc("2026-01-14T10:00:00Z")) });
        let res = p.evaluate(&times, utc("2026-01-20T00:00:00Z")).resolution.unwrap();
        assert_eq!((res.status, res.remaining_seconds, res.completed_at), (TargetStatus::Met, 3600, t.solved_at));

        // Solved right after the agent's reply with no answer since: the wait counts as pending.
        let mut t = ticket("2026-01-12T09:00:00Z");
        t.first_response_at = Some(reply);
        t.last_agent_reply_at = Some(reply);
        t.status_category = StatusCategory::Solved;
        t.awaiting_agent_since = None;
        t.solved_at = Some(utc("2026-01-19T09:00:00Z")); // auto-solved a week later
        let targets = p.evaluate(&TicketTimes::from_ticket(&t), utc("2026-01-20T00:00:00Z"));
        let res = targets.resolution.unwrap();
        assert_eq!((res.status, res.remaining_seconds), (TargetStatus::Met, 6 * 3600));
        assert_eq!(targets.first_response.unwrap().status, TargetStatus::Breached);
        assert_eq!(targets.next_change_at(utc("2026-01-20T00:00:00Z")), None);
    }

    #[test]
    fn solving_without_a_reply_ends_the_first_response_clock() {
        let p = policy("General", &[], office("UTC"));
        let mut t = ticket("2026-01-12T09:00:00Z");
        t.status_category = StatusCategory::Closed;
        t.awaiting_agent_since = None;
        t.closed_at = Some(utc("2026-01-12T09:30:00Z"));
        let targets = p.evaluate(&TicketTimes::from_ticket(&t), utc("2026-01-13T09:00:00Z"));
        assert_eq!(targets.first_response.unwrap().status, TargetStatus::Met);
        assert_eq!(targets.resolution.unwrap().completed_at, t.closed_at);
        let json = serde_json::to_value(targets).unwrap();
        assert_eq!(json["first_response"]["status"], "met");
        assert_eq!(json["first_response"]["metric"], "first_response");
    }
}

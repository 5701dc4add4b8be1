//! The business-hours calendar: a [`Schedule`] is a weekly pattern of
//! working intervals in one IANA time zone, less holidays.
//! [`Schedule::add_business`] and [`Schedule::business_between`] turn
//! business time into instants and back.
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

use super::week::{ClockTime, Interval, MAX_INTERVALS_PER_DAY, MINUTES_PER_DAY, Week, day_key};
use crate::error::DomainError;
use chrono::Weekday;
use chrono::{DateTime, Datelike, Days, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::{GapInfo, Tz};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// At most this many holidays in one schedule (30 a year for 30 years).
pub const MAX_HOLIDAYS: usize = 1000;
/// How far [`Schedule::add_business`] and [`Schedule::business_between`]
/// look, in days (about 100 years): business time beyond it is not counted.
pub const HORIZON_DAYS: u64 = 36_525;

/// Every IANA zone name a schedule accepts, in the database's order (for
/// pickers).
pub fn time_zone_names() -> impl Iterator<Item = &'static str> {
    chrono_tz::TZ_VARIANTS.iter().map(|z| z.name())
}

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

#[cfg(test)]
mod tests {
    use super::*;

    use chrono::Timelike;
    use proptest::prelude::*;

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
}

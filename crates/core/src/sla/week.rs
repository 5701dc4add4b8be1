//! Clock times, working intervals and the weekly pattern of a schedule:
//! the parts an administrator writes (`"09:00"`, `["09:00", "18:00"]`,
//! `{"mon": […], …}`), checked as they are read.

use chrono::Weekday;
use serde::{Deserialize, Serialize};
use std::fmt;

/// At most this many working intervals on one weekday.
pub const MAX_INTERVALS_PER_DAY: usize = 12;

pub(super) const MINUTES_PER_DAY: u32 = 24 * 60;
const DAY_KEYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

pub(super) fn day_key(day: &Weekday) -> &'static str {
    DAY_KEYS[day.num_days_from_monday() as usize]
}
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
    /// time of day (the order is checked by [`Schedule::new`](super::Schedule::new)).
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

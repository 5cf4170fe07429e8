//! Timestamps in the layouts proxies use, to epoch milliseconds (UTC).

use crate::formats::fields::split_once_byte;
use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Utc};

/// `1700000000.123` (Squid, WSA): seconds with optional fraction.
pub fn epoch_seconds(s: &str) -> Option<i64> {
    let (secs, frac) = split_once_byte(s, b'.').unwrap_or((s, ""));
    if secs.is_empty() || !secs.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) || secs.len() > 12 {
        return None;
    }
    let secs: i64 = secs.parse().ok()?;
    let mut millis = 0i64;
    for (i, b) in frac.bytes().take(3).enumerate() {
        millis += i64::from(b - b'0') * [100, 10, 1][i];
    }
    Some(secs * 1000 + millis)
}

/// Epoch milliseconds as an integer (Sumo `_messageTime`), also accepting a
/// decimal string.
pub fn epoch_millis(s: &str) -> Option<i64> {
    let s = crate::event::trim(s);
    if s.is_empty() || s.len() > 16 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// `10/Oct/2000:13:55:36 -0700` (common log format).
pub fn clf(s: &str) -> Option<i64> {
    let s = crate::event::trim(s);
    if let Some(t) = fixed_clf(s.as_bytes()) {
        return Some(t);
    }
    DateTime::parse_from_str(s, "%d/%b/%Y:%H:%M:%S %z").ok().map(|t| t.timestamp_millis())
}

/// `DD/Mon/YYYY:HH:MM:SS +hhmm`, exactly, as Squid and Apache write it.
fn fixed_clf(b: &[u8]) -> Option<i64> {
    let [d1, d2, b'/', mon @ .., b'/', y1, y2, y3, y4, b':', h1, h2, b':', m1, m2, b':', s1, s2, b' ', sign, z1, z2, z3, z4] = b else { return None };
    const MONTHS: [&[u8; 3]; 12] = [b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec"];
    let month = MONTHS.iter().position(|m| m.as_slice() == mon)? as u32 + 1;
    let date = (digits(&[*y1, *y2, *y3, *y4])? as i32, month, digits(&[*d1, *d2])?);
    let time = fixed_time(&[*h1, *h2, b':', *m1, *m2, b':', *s1, *s2])?;
    let (oh, om) = (digits(&[*z1, *z2])?, digits(&[*z3, *z4])?);
    if oh > 23 || om > 59 {
        return None;
    }
    let offset = i64::from(oh * 3600 + om * 60) * 1000;
    let local = millis(date, time)?;
    match sign {
        b'+' => Some(local - offset),
        b'-' => Some(local + offset),
        _ => None,
    }
}

/// W3C `date` + `time` (`2024-05-01`, `13:45:10` or `13:45:10.123`), UTC.
pub fn w3c_date_time(date: &str, time: &str) -> Option<i64> {
    if let Some(t) = fixed_date(date.as_bytes()).zip(fixed_time(time.as_bytes())).and_then(|(d, t)| millis(d, t)) {
        return Some(t);
    }
    let d = NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()?;
    let t = chrono::NaiveTime::parse_from_str(time, "%H:%M:%S%.f").ok()?;
    Some(NaiveDateTime::new(d, t).and_utc().timestamp_millis())
}

/// RFC 3339 / ISO 8601 (`@timestamp`, `2024-05-01T13:45:10.123Z`); a value
/// without an offset is taken as UTC; a space may replace the `T`.
pub fn iso8601(s: &str) -> Option<i64> {
    let s = crate::event::trim(s);
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.timestamp_millis());
    }
    for f in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, f) {
            return Some(t.and_utc().timestamp_millis());
        }
    }
    None
}

/// Zscaler NSS time: `Fri Dec 31 07:07:07 2021` or `2021-06-17 14:53:16`,
/// in the zone named by `tz` (`GMT`, `UTC`, `+0530`, `-08:00`); UTC when absent.
pub fn zscaler(s: &str, tz: Option<&str>) -> Option<i64> {
    let s = crate::event::trim(s);
    let fast = match s.as_bytes() {
        [date @ .., b' ', _, _, b':', _, _, b':', _, _] if date.len() == 10 => fixed_date(date).zip(fixed_time(&s.as_bytes()[11..])).and_then(|(d, t)| naive(d, t)),
        _ => None,
    };
    let naive = fast
        .map(Ok)
        .unwrap_or_else(|| NaiveDateTime::parse_from_str(s, "%a %b %d %H:%M:%S %Y"))
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%a %b %e %H:%M:%S %Y"))
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S"))
        .ok()?;
    let offset = tz.and_then(parse_offset).unwrap_or_else(|| FixedOffset::east_opt(0).expect("zero offset"));
    offset.from_local_datetime(&naive).single().map(|t| t.with_timezone(&Utc).timestamp_millis())
}

// Fast paths for the fixed-width layouts most logs use. chrono's
// format-string parser interprets its pattern on every call, which was the
// largest single cost of a Zscaler or ProxySG line after JSON and field
// splitting. These accept only the exact digit layout; anything else (other
// widths, leap seconds, junk) falls through to chrono, so the results are
// the same either way (unit-tested below).

/// `YYYY-MM-DD`, exactly, as (year, month, day) digits.
fn fixed_date(b: &[u8]) -> Option<(i32, u32, u32)> {
    match b {
        [y @ .., b'-', m1, m2, b'-', d1, d2] if y.len() == 4 => Some((digits(y)? as i32, digits(&[*m1, *m2])?, digits(&[*d1, *d2])?)),
        _ => None,
    }
}

/// `HH:MM:SS` with an optional `.` and one to nine fraction digits, as
/// (hour, minute, second, nanosecond). Seconds past 59 are left to chrono.
fn fixed_time(b: &[u8]) -> Option<(u32, u32, u32, u32)> {
    let [h1, h2, b':', m1, m2, b':', s1, s2, rest @ ..] = b else { return None };
    let sec = digits(&[*s1, *s2])?;
    if sec > 59 {
        return None;
    }
    let nanos = match rest {
        [] => 0,
        [b'.', frac @ ..] if (1..=9).contains(&frac.len()) => digits(frac)? * 10u32.pow(9 - frac.len() as u32),
        _ => return None,
    };
    Some((digits(&[*h1, *h2])?, digits(&[*m1, *m2])?, sec, nanos))
}

/// ASCII digits (at most nine) as a number.
fn digits(b: &[u8]) -> Option<u32> {
    b.iter().try_fold(0u32, |n, &c| c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0')))
}

fn naive((y, mo, d): (i32, u32, u32), (h, mi, s, ns): (u32, u32, u32, u32)) -> Option<NaiveDateTime> {
    NaiveDate::from_ymd_opt(y, mo, d)?.and_hms_nano_opt(h, mi, s, ns)
}

fn millis(d: (i32, u32, u32), t: (u32, u32, u32, u32)) -> Option<i64> {
    naive(d, t).map(|n| n.and_utc().timestamp_millis())
}

fn parse_offset(tz: &str) -> Option<FixedOffset> {
    let tz = tz.trim();
    if matches!(tz.to_ascii_uppercase().as_str(), "GMT" | "UTC" | "Z") {
        return FixedOffset::east_opt(0);
    }
    let tz = tz.strip_prefix("GMT").or_else(|| tz.strip_prefix("UTC")).unwrap_or(tz);
    let (sign, rest) = match tz.as_bytes().first()? {
        b'+' => (1, &tz[1..]),
        b'-' => (-1, &tz[1..]),
        _ => return None,
    };
    let digits: String = rest.chars().filter(|c| c.is_ascii_digit()).collect();
    let (h, m) = match digits.len() {
        1 | 2 => (digits.parse::<i32>().ok()?, 0),
        4 => (digits[..2].parse::<i32>().ok()?, digits[2..].parse::<i32>().ok()?),
        _ => return None,
    };
    FixedOffset::east_opt(sign * (h * 3600 + m * 60))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_paths_agree_with_chrono() {
        let dates = ["2023-12-03", "2024-02-29", "2023-02-29", "2023-13-01", "2023-00-10", "0000-01-01", "9999-12-31", "2023-1-03", "2023-12-3", "+2023-12-03", "2023-12-0x", "２０２３-12-03"];
        let times = ["00:00:00", "23:59:59", "12:34:56.7", "12:34:56.789", "12:34:56.123456789", "12:34:56.1234567891", "24:00:00", "23:60:00", "23:59:60", "23:59:60.5", "1:02:03", "12:34:56.", "12:34:56Z", "12:34:5x"];
        for d in dates {
            for t in times {
                let chrono_w3c = NaiveDate::parse_from_str(d, "%Y-%m-%d")
                    .ok()
                    .zip(chrono::NaiveTime::parse_from_str(t, "%H:%M:%S%.f").ok())
                    .map(|(d, t)| NaiveDateTime::new(d, t).and_utc().timestamp_millis());
                assert_eq!(w3c_date_time(d, t), chrono_w3c, "{d} {t}");
                let both = format!("{d} {t}");
                let chrono_zscaler = NaiveDateTime::parse_from_str(&both, "%Y-%m-%d %H:%M:%S").ok().map(|n| n.and_utc().timestamp_millis());
                assert_eq!(zscaler(&both, None), chrono_zscaler, "{both}");
            }
        }
    }

    #[test]
    fn clf_fast_path_agrees_with_chrono() {
        let days = ["10", "01", "31", "29", "00", "32", "1x"];
        let months = ["Oct", "Feb", "Dec", "oct", "OCT", "Okt", "Sept"];
        let years = ["2000", "2024", "2023", "0001", "99999"];
        let times = ["13:55:36", "00:00:00", "23:59:59", "24:00:00", "23:59:60", "1:02:03"];
        let zones = ["-0700", "+0000", "+1400", "+2359", "+2400", "-0060", "+05:30", "0700", "Z"];
        for d in days {
            for m in months {
                for y in years {
                    for t in times {
                        for z in zones {
                            let s = format!("{d}/{m}/{y}:{t} {z}");
                            let slow = DateTime::parse_from_str(&s, "%d/%b/%Y:%H:%M:%S %z").ok().map(|t| t.timestamp_millis());
                            assert_eq!(clf(&s), slow, "{s}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn layouts() {
        assert_eq!(epoch_seconds("1700000000.123"), Some(1_700_000_000_123));
        assert_eq!(epoch_seconds("1700000000.1"), Some(1_700_000_000_100));
        assert_eq!(epoch_seconds("1700000000"), Some(1_700_000_000_000));
        assert_eq!(epoch_seconds("17x"), None);
        assert_eq!(clf("10/Oct/2000:13:55:36 -0700"), Some(971_211_336_000));
        assert_eq!(w3c_date_time("2000-10-10", "20:55:36"), Some(971_211_336_000));
        assert_eq!(iso8601("2000-10-10T20:55:36.000Z"), Some(971_211_336_000));
        assert_eq!(iso8601("2000-10-10T22:55:36+02:00"), Some(971_211_336_000));
        assert_eq!(zscaler("Tue Oct 10 20:55:36 2000", None), Some(971_211_336_000));
        assert_eq!(zscaler("2000-10-10 20:55:36", Some("GMT")), Some(971_211_336_000));
        assert_eq!(zscaler("2000-10-11 02:25:36", Some("+0530")), Some(971_211_336_000));
        assert_eq!(epoch_millis("971211336000"), Some(971_211_336_000));
    }
}

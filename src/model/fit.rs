//! Whether a value fits a target column unchanged.

use super::value::{Time, Value};
use crate::catalog::model::{LobKind, NeutralType};

/// Whether `value` can be stored in a column of type `ty` without being changed: integers in
/// range, decimals within precision and scale, text and binary within their length, fractions
/// of seconds within the precision, a time zone where the column keeps one. `Err` says why
/// not, in words for a message that also names the column. Types dbsub does not map
/// ([`NeutralType::Other`]) accept any value.
pub fn fits(value: &Value<'_>, ty: &NeutralType) -> Result<(), String> {
    use NeutralType as N;
    let kind = match value {
        Value::Null => return Ok(()),
        Value::Bool(_) => "a boolean",
        Value::Int(_) | Value::Decimal(_) | Value::Float(_) => "a number",
        Value::Text(_) => "text",
        Value::Bytes(_) => "binary data",
        Value::Date(_) => "a date",
        Value::Time(_) => "a time of day",
        Value::Timestamp(_) => "a timestamp",
        Value::TimestampTz(..) => "a timestamp with a time zone",
        Value::Interval(_) => "an interval",
    };
    let refuse = || {
        Err(format!(
            "{kind} does not fit a column of type {}",
            describe(ty)
        ))
    };
    match (value, ty) {
        (_, N::Other) => Ok(()),
        (Value::Bool(_), N::Boolean) => Ok(()),
        (Value::Bool(_), N::Integer { .. } | N::Decimal { .. }) => Ok(()),
        (Value::Int(i), N::Boolean) if *i == 0 || *i == 1 => Ok(()),
        (Value::Int(i), N::Integer { bits }) => int_in_range(*i as i128, *bits),
        (Value::Int(i), N::Decimal { precision, scale }) => {
            decimal_fits(&i.to_string(), *precision, *scale)
        }
        (Value::Int(_) | Value::Float(_), N::Float { .. }) => Ok(()),
        (Value::Decimal(d), N::Decimal { precision, scale }) => decimal_fits(d, *precision, *scale),
        (Value::Decimal(d), N::Integer { bits }) => match d.parse::<i128>() {
            Ok(i) => int_in_range(i, *bits),
            Err(_) => Err(format!(
                "{d} is not a whole number; the column holds integers"
            )),
        },
        (Value::Decimal(_), N::Float { .. }) => Ok(()),
        (
            Value::Text(t),
            N::Text {
                length, semantics, ..
            },
        ) => {
            let (n, unit) = match semantics {
                crate::catalog::model::LengthSemantics::Byte => (t.len(), "bytes"),
                crate::catalog::model::LengthSemantics::Char => (t.chars().count(), "characters"),
            };
            length_fits(n, *length, unit)
        }
        (Value::Text(t), N::NationalText { length, .. }) => {
            length_fits(t.chars().count(), *length, "characters")
        }
        (
            Value::Text(_),
            N::Lob {
                lob: LobKind::Character | LobKind::National | LobKind::File,
            }
            | N::Json
            | N::Xml
            | N::Spatial { .. }
            | N::RowId
            | N::Uuid,
        ) => Ok(()),
        (Value::Bytes(b), N::Binary { length, .. }) => length_fits(b.len(), *length, "bytes"),
        (
            Value::Bytes(_),
            N::Lob {
                lob: LobKind::Binary,
            },
        ) => Ok(()),
        (Value::Bytes(b), N::Uuid) => length_fits(b.len(), Some(16), "bytes"),
        (Value::Date(_), N::Date | N::Timestamp { .. }) => Ok(()),
        (Value::Timestamp(dt), N::Date) => {
            if dt.time
                == (Time {
                    hour: 0,
                    minute: 0,
                    second: 0,
                    nanos: 0,
                })
            {
                Ok(())
            } else {
                Err("a timestamp with a time of day does not fit a date column".to_string())
            }
        }
        (Value::Time(t), N::Time { precision }) => nanos_fit(t.nanos, *precision),
        (Value::Timestamp(dt), N::Timestamp { precision }) => nanos_fit(dt.time.nanos, *precision),
        (Value::TimestampTz(dt, _), N::TimestampTz { precision, .. }) => {
            nanos_fit(dt.time.nanos, *precision)
        }
        (Value::Interval(_), N::Interval { .. }) => Ok(()),
        _ => refuse(),
    }
}

/// A type as a message shows it.
fn describe(ty: &NeutralType) -> String {
    serde_json::to_value(ty)
        .ok()
        .and_then(|v| match v {
            serde_json::Value::String(s) => Some(s),
            serde_json::Value::Object(map) => {
                map.get("type").and_then(|k| k.as_str()).map(str::to_string)
            }
            _ => None,
        })
        .unwrap_or_else(|| format!("{ty:?}"))
}

fn int_in_range(i: i128, bits: u16) -> Result<(), String> {
    let bits = bits.clamp(2, 64) as u32;
    let (min, max) = (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1);
    if (min..=max).contains(&i) {
        Ok(())
    } else {
        Err(format!(
            "{i} is out of range for a {bits}-bit integer column"
        ))
    }
}

/// A canonical decimal against `NUMBER(precision, scale)`: at most `scale` digits after the
/// point (none dropped, so the value is not rounded) and at most `precision - scale` before it.
fn decimal_fits(d: &str, precision: Option<u16>, scale: Option<i16>) -> Result<(), String> {
    let digits = d.trim_start_matches('-');
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let int = int.trim_start_matches('0');
    let frac = frac.trim_end_matches('0');
    let scale = scale.unwrap_or(if precision.is_some() { 0 } else { i16::MAX });
    if scale < i16::MAX && frac.len() as i64 > scale.max(0) as i64 {
        return Err(format!(
            "{d} has {} digits after the point; the column keeps {} (it would be rounded)",
            frac.len(),
            scale.max(0)
        ));
    }
    if scale < 0 {
        let zeros = int.len() - int.trim_end_matches('0').len();
        if !int.is_empty() && (zeros as i64) < -(scale as i64) {
            return Err(format!(
                "{d} is not a multiple of 10^{}; the column rounds to it",
                -scale
            ));
        }
    }
    if let Some(p) = precision {
        let room = p as i64 - scale.min(p as i16) as i64;
        if int.len() as i64 > room {
            return Err(format!(
                "{d} has {} digits before the point; the column ({p}, {scale}) holds {room}",
                int.len()
            ));
        }
    }
    Ok(())
}

fn length_fits(n: usize, length: Option<u32>, unit: &str) -> Result<(), String> {
    match length {
        Some(max) if n > max as usize => {
            Err(format!("the value has {n} {unit}; the column holds {max}"))
        }
        _ => Ok(()),
    }
}

fn nanos_fit(nanos: u32, precision: Option<u8>) -> Result<(), String> {
    let p = precision.unwrap_or(9).min(9) as u32;
    if nanos.is_multiple_of(10u32.pow(9 - p)) {
        Ok(())
    } else {
        Err(format!(
            "the fraction of a second has more than {p} digits; the column keeps {p} (it would \
             be rounded)"
        ))
    }
}

#[cfg(test)]
mod fit_tests {
    use super::*;
    use crate::catalog::model::LengthSemantics;
    use crate::model::value::Date;
    use crate::model::value::DateTime;
    use std::borrow::Cow;

    fn dec(p: u16, s: i16) -> NeutralType {
        NeutralType::Decimal {
            precision: Some(p),
            scale: Some(s),
        }
    }

    #[test]
    fn decimals_fit_by_precision_and_scale_without_rounding() {
        let d = |s: &'static str| Value::Decimal(Cow::Borrowed(s));
        assert!(fits(&d("1234.56"), &dec(6, 2)).is_ok());
        assert!(fits(&d("-0.5"), &dec(1, 1)).is_ok());
        assert!(
            fits(&d("12345.6"), &dec(6, 2))
                .unwrap_err()
                .contains("before the point")
        );
        assert!(
            fits(&d("1.234"), &dec(6, 2))
                .unwrap_err()
                .contains("rounded")
        );
        assert!(fits(&d("1200"), &dec(4, -2)).is_ok());
        assert!(fits(&d("1250"), &dec(4, -2)).is_err());
        assert!(fits(&Value::Int(99_999), &dec(5, 0)).is_ok());
        assert!(fits(&Value::Int(100_000), &dec(5, 0)).is_err());
        let unbounded = NeutralType::Decimal {
            precision: None,
            scale: None,
        };
        assert!(fits(&d("123456789012345678901234567890.123456789"), &unbounded).is_ok());
    }

    #[test]
    fn integers_text_binary_and_times_fit_their_columns() {
        assert!(fits(&Value::Int(32767), &NeutralType::Integer { bits: 16 }).is_ok());
        assert!(fits(&Value::Int(32768), &NeutralType::Integer { bits: 16 }).is_err());
        let varchar = |n, semantics| NeutralType::Text {
            length: Some(n),
            semantics,
            fixed: false,
        };
        let t = Value::Text(Cow::Borrowed("héllo"));
        assert!(fits(&t, &varchar(5, LengthSemantics::Char)).is_ok());
        assert!(
            fits(&t, &varchar(5, LengthSemantics::Byte))
                .unwrap_err()
                .contains("6 bytes")
        );
        assert!(
            fits(&t, &NeutralType::Integer { bits: 64 })
                .unwrap_err()
                .contains("text")
        );
        let raw = NeutralType::Binary {
            length: Some(2),
            fixed: false,
        };
        assert!(fits(&Value::Bytes(Cow::Borrowed(&[1, 2, 3])), &raw).is_err());
        let dt = DateTime {
            date: Date::new(2024, 2, 29).unwrap(),
            time: Time::new(1, 2, 3, 123_000_000).unwrap(),
        };
        assert!(
            fits(
                &Value::Timestamp(dt),
                &NeutralType::Timestamp { precision: Some(3) }
            )
            .is_ok()
        );
        assert!(
            fits(
                &Value::Timestamp(dt),
                &NeutralType::Timestamp { precision: Some(0) }
            )
            .is_err()
        );
        assert!(fits(&Value::Timestamp(dt), &NeutralType::Date).is_err());
        let tz = NeutralType::TimestampTz {
            precision: Some(6),
            local: false,
        };
        assert!(fits(&Value::Timestamp(dt), &tz).is_err());
        assert!(fits(&Value::Null, &NeutralType::Integer { bits: 16 }).is_ok());
        assert!(fits(&t, &NeutralType::Other).is_ok());
    }
}

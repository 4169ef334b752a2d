//! Generators of values per neutral type, for the property tests here and in `csv`.
use super::text::Form;
use super::value::*;
use crate::catalog::LobKind;
use crate::catalog::NeutralType;
use crate::catalog::model::{IntervalFields, LengthSemantics};
use proptest::prelude::*;

pub fn date() -> impl Strategy<Value = Date> {
    (-4712i32..=294_276, 1u8..=12, 1u8..=31).prop_map(|(year, month, day)| Date {
        year,
        month,
        day: day.min(days_in_month(year, month)),
    })
}

fn nanos() -> impl Strategy<Value = u32> {
    prop_oneof![
        Just(0u32),
        0u32..1_000_000_000,
        (0u32..1000).prop_map(|ms| ms * 1_000_000),
        (0u32..1_000_000).prop_map(|us| us * 1000),
    ]
}

pub fn time() -> impl Strategy<Value = Time> {
    (0u8..24, 0u8..60, 0u8..60, nanos()).prop_map(|(hour, minute, second, nanos)| Time {
        hour,
        minute,
        second,
        nanos,
    })
}

pub fn datetime() -> impl Strategy<Value = DateTime> {
    (date(), time()).prop_map(|(date, time)| DateTime { date, time })
}

/// -15:59:59 ..= +15:59:59, whole minutes more often than not.
pub fn offset() -> impl Strategy<Value = i32> {
    let max = 15 * 3600 + 59 * 60 + 59;
    prop_oneof![Just(0), (-959i32..=959).prop_map(|m| m * 60), -max..=max]
}

pub fn interval() -> impl Strategy<Value = Interval> {
    let small = -40i64..40;
    (
        prop_oneof![small.clone(), any::<i64>()],
        prop_oneof![small, any::<i64>()],
        prop_oneof![
            Just(0i128),
            (-100_000i128..100_000).prop_map(|s| s * NANOS_PER_SECOND),
            -100 * NANOS_PER_HOUR..100 * NANOS_PER_HOUR,
            any::<i64>().prop_map(i128::from),
            any::<i128>(),
        ],
    )
        .prop_map(|(months, days, nanos)| Interval {
            months,
            days,
            nanos,
        })
}

/// Canonical decimal text: up to 20 integer and 20 fraction digits, either sign.
pub fn decimal() -> impl Strategy<Value = String> {
    (any::<bool>(), "0|[1-9][0-9]{0,19}", "[0-9]{0,20}").prop_map(|(negative, int, frac)| {
        let zero = int == "0" && frac.bytes().all(|d| d == b'0');
        let mut text = String::new();
        if negative && !zero {
            text.push('-');
        }
        text.push_str(&int);
        if !frac.is_empty() {
            text.push('.');
            text.push_str(&frac);
        }
        text
    })
}

pub fn float() -> impl Strategy<Value = f64> {
    prop_oneof![
        any::<u64>().prop_map(f64::from_bits),
        any::<f64>(),
        (1u64..1 << 52).prop_map(f64::from_bits),
        Just(f64::NAN),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        Just(-0.0),
        Just(0.0),
    ]
}

pub fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[ ,\"\r\n\tab\u{e9}\u{1F600}]{0,12}",
        Just(String::new()),
        Just(" ".to_owned()),
    ]
}

/// One neutral type of each way of writing values, and some of their aliases.
pub fn column_type() -> impl Strategy<Value = NeutralType> {
    prop_oneof![
        Just(NeutralType::Boolean),
        Just(NeutralType::Integer { bits: 64 }),
        Just(NeutralType::Decimal {
            precision: None,
            scale: None
        }),
        Just(NeutralType::Float { bits: Some(53) }),
        Just(NeutralType::Text {
            length: None,
            semantics: LengthSemantics::Char,
            fixed: false
        }),
        Just(NeutralType::NationalText {
            length: Some(10),
            fixed: true
        }),
        Just(NeutralType::Lob {
            lob: LobKind::Character
        }),
        Just(NeutralType::Json),
        Just(NeutralType::Binary {
            length: None,
            fixed: false
        }),
        Just(NeutralType::Lob {
            lob: LobKind::Binary
        }),
        Just(NeutralType::Date),
        Just(NeutralType::Time { precision: None }),
        Just(NeutralType::Timestamp { precision: Some(9) }),
        Just(NeutralType::TimestampTz {
            precision: Some(6),
            local: false
        }),
        Just(NeutralType::Interval {
            fields: IntervalFields::Any,
            leading_precision: None,
            fractional_precision: None
        }),
    ]
}

/// A value of a column of type `ty`, NULL one time in seven.
pub fn value_of(ty: &NeutralType) -> BoxedStrategy<Value<'static>> {
    let value = match Form::of(ty) {
        Form::Bool => any::<bool>().prop_map(Value::Bool).boxed(),
        Form::Int => prop_oneof![
            any::<i64>(),
            Just(i64::MIN),
            Just(i64::MAX),
            Just(0),
            -1000i64..1000
        ]
        .prop_map(Value::Int)
        .boxed(),
        Form::Decimal => decimal().prop_map(|d| Value::Decimal(d.into())).boxed(),
        Form::Float => float().prop_map(Value::Float).boxed(),
        Form::Text => text().prop_map(|t| Value::Text(t.into())).boxed(),
        Form::Bytes => proptest::collection::vec(any::<u8>(), 0..16)
            .prop_map(|b| Value::Bytes(b.into()))
            .boxed(),
        Form::Date => date().prop_map(Value::Date).boxed(),
        Form::Time => time().prop_map(Value::Time).boxed(),
        Form::Timestamp => datetime().prop_map(Value::Timestamp).boxed(),
        Form::TimestampTz => (datetime(), offset())
            .prop_map(|(dt, offset)| Value::TimestampTz(dt, offset))
            .boxed(),
        Form::Interval => interval().prop_map(Value::Interval).boxed(),
    };
    prop_oneof![1 => Just(Value::Null), 6 => value].boxed()
}

/// Equality with every NaN equal to every NaN, and -0.0 different from 0.0.
pub fn same(a: &Value<'_>, b: &Value<'_>) -> bool {
    match (a, b) {
        (Value::Float(x), Value::Float(y)) => {
            x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan())
        }
        _ => a == b,
    }
}

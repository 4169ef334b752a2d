//! PostgreSQL's types in the neutral vocabulary: [`neutral_type`] maps a base type's name,
//! category and type modifier onto the neutral type, reading the typmods of the character,
//! numeric, interval and PostGIS types as the server packs them.

use crate::catalog::{IntervalFields, LengthSemantics, NeutralType};

/// PostgreSQL's variable-length header, which character and numeric typmods include.
pub(super) const VARHDRSZ: i32 = 4;

/// Maps a PostgreSQL type onto the neutral type: `type_name` is `pg_type.typname` of the base
/// type (a domain resolved to the type it is based on), `category` its `typcategory`
/// (`A` array, `E` enum, …), `typmod` the column's (or domain's) type modifier, -1 for none.
pub(super) fn neutral_type(type_name: &str, category: char, typmod: i32) -> NeutralType {
    let text = |length: Option<u32>, fixed: bool| NeutralType::Text {
        length,
        semantics: LengthSemantics::Char,
        fixed,
    };
    // Character lengths and precisions: the typmod, less the header for character types.
    let char_length = || (typmod >= VARHDRSZ).then(|| (typmod - VARHDRSZ) as u32);
    let precision = || u8::try_from(typmod).ok();
    match category {
        'A' => return NeutralType::Other,
        'E' => return text(None, false),
        _ => {}
    }
    match type_name {
        "bool" => NeutralType::Boolean,
        "int2" => NeutralType::Integer { bits: 16 },
        "int4" => NeutralType::Integer { bits: 32 },
        "int8" => NeutralType::Integer { bits: 64 },
        "numeric" => {
            if typmod < VARHDRSZ {
                NeutralType::Decimal {
                    precision: None,
                    scale: None,
                }
            } else {
                let packed = typmod - VARHDRSZ;
                // The scale is 11 bits, signed since PostgreSQL 15.
                let scale = ((packed & 0x7ff) ^ 1024) - 1024;
                NeutralType::Decimal {
                    precision: u16::try_from((packed >> 16) & 0xffff).ok(),
                    scale: i16::try_from(scale).ok(),
                }
            }
        }
        "float4" => NeutralType::Float { bits: Some(24) },
        "float8" => NeutralType::Float { bits: Some(53) },
        "varchar" => text(char_length(), false),
        "bpchar" => text(char_length(), true),
        "text" | "name" | "citext" => text(None, false),
        "bytea" => NeutralType::Binary {
            length: None,
            fixed: false,
        },
        "date" => NeutralType::Date,
        "time" => NeutralType::Time {
            precision: precision(),
        },
        "timestamp" => NeutralType::Timestamp {
            precision: precision(),
        },
        "timestamptz" => NeutralType::TimestampTz {
            precision: precision(),
            local: false,
        },
        "interval" => interval_type(typmod),
        "json" | "jsonb" => NeutralType::Json,
        "uuid" => NeutralType::Uuid,
        "xml" => NeutralType::Xml,
        "geometry" | "geography" => NeutralType::Spatial {
            srid: spatial_srid(typmod),
        },
        // timetz, money, bit, inet, tsvector, ranges, composites, …
        _ => NeutralType::Other,
    }
}

// Interval typmod: the fields in the high 16 bits (PostgreSQL's utils/datetime.h masks), the
// fractional precision in the low 16; all ones mean "not restricted".
const INTERVAL_MONTH: i32 = 1 << 1;
const INTERVAL_YEAR: i32 = 1 << 2;
const INTERVAL_DAY: i32 = 1 << 3;
pub(super) const INTERVAL_HOUR: i32 = 1 << 10;
pub(super) const INTERVAL_MINUTE: i32 = 1 << 11;
const INTERVAL_SECOND: i32 = 1 << 12;
pub(super) const INTERVAL_FULL_RANGE: i32 = 0x7fff;
pub(super) const INTERVAL_FULL_PRECISION: i32 = 0xffff;

fn interval_type(typmod: i32) -> NeutralType {
    let any = NeutralType::Interval {
        fields: IntervalFields::Any,
        leading_precision: None,
        fractional_precision: None,
    };
    if typmod < 0 {
        return any;
    }
    let range = (typmod >> 16) & 0x7fff;
    let precision = typmod & 0xffff;
    let fractional_precision = (precision != INTERVAL_FULL_PRECISION)
        .then(|| u8::try_from(precision).ok())
        .flatten();
    let year_month = INTERVAL_YEAR | INTERVAL_MONTH;
    let day_second = INTERVAL_DAY | INTERVAL_HOUR | INTERVAL_MINUTE | INTERVAL_SECOND;
    let fields = if range == INTERVAL_FULL_RANGE || range == 0 {
        IntervalFields::Any
    } else if range & !year_month == 0 {
        IntervalFields::YearToMonth
    } else if range & !day_second == 0 {
        IntervalFields::DayToSecond
    } else {
        IntervalFields::Any
    };
    NeutralType::Interval {
        fields,
        leading_precision: None,
        fractional_precision: match fields {
            IntervalFields::YearToMonth => None,
            _ => fractional_precision,
        },
    }
}

/// The SRID of a PostGIS `geometry(type, srid)` typmod: bits 8–28, signed (PostGIS's
/// `TYPMOD_GET_SRID`); 0 (unknown) and no typmod give none. Decoded here rather than with
/// `postgis_typmod_srid()`, so that reading needs no PostGIS function.
fn spatial_srid(typmod: i32) -> Option<i32> {
    if typmod < 0 {
        return None;
    }
    let srid = ((typmod & 0x0fff_ff00) - (typmod & 0x1000_0000)) >> 8;
    (srid != 0).then_some(srid)
}

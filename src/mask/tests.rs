use crate::model::value::add_days;
use std::collections::HashSet;

use super::*;
use crate::catalog::LengthSemantics;
use crate::model::mask::{digest_reply, hmac_pads, shift_date_text, shift_offset};
use sha2::{Digest, Sha256};

fn keys() -> Keys {
    Keys::new("a test key of some length").unwrap()
}

fn text_type(length: u32) -> NeutralType {
    NeutralType::Text {
        length: Some(length),
        semantics: LengthSemantics::Char,
        fixed: false,
    }
}

fn masked(strategy: Strategy, by_dbsub: bool) -> MaskedColumn {
    MaskedColumn {
        column: "C".to_string(),
        strategy,
        follows: None,
        origin: "test".to_string(),
        by_dbsub,
    }
}

fn finish(strategy: Strategy, ty: NeutralType, reply: Value<'_>) -> Value<'static> {
    let k = keys();
    let mask = ColumnMask::new(
        &masked(strategy, false),
        &Column::test("C", "", ty),
        Some(&k),
    );
    mask.finish(reply).unwrap().into_owned()
}

#[test]
fn strategies_parse_and_print_alike() {
    for text in [
        "keep",
        "constant",
        "constant:N/A",
        "pseudonym",
        "fake:email",
        "fake:first_name",
        "date_shift:30",
    ] {
        assert_eq!(Strategy::parse(text).unwrap().to_string(), text);
    }
    assert_eq!(
        Strategy::parse(" Date_Shift ").unwrap(),
        Strategy::DateShift {
            days: DEFAULT_SHIFT_DAYS
        }
    );
    let err = Strategy::parse("fake:ssn").unwrap_err().to_string();
    assert!(
        err.contains("unknown fake kind `ssn`") && err.contains("email"),
        "{err}"
    );
    let err = Strategy::parse("scramble").unwrap_err().to_string();
    assert!(err.contains("unknown masking strategy `scramble`"), "{err}");
    assert!(Strategy::parse("date_shift:0").is_err());
    assert!(Strategy::parse("fake").is_err());
}

#[test]
fn a_strategy_that_does_not_fit_the_type_says_what_would() {
    let err = Strategy::Fake(FakeKind::Email)
        .fits(&NeutralType::Date)
        .unwrap_err();
    assert!(
        err.contains("not a date column") && err.contains("date_shift"),
        "{err}"
    );
    let err = Strategy::DateShift { days: 3 }
        .fits(&text_type(10))
        .unwrap_err();
    assert!(err.contains("use pseudonym"), "{err}");
    assert!(
        Strategy::Pseudonym
            .fits(&NeutralType::Binary {
                length: None,
                fixed: false
            })
            .is_err()
    );
    let err = Strategy::Constant(Some("abc".into()))
        .fits(&NeutralType::Integer { bits: 32 })
        .unwrap_err();
    assert!(err.contains("constant:abc"), "{err}");
    assert!(Strategy::Constant(None).fits(&NeutralType::Other).is_err());
    assert!(
        Strategy::Pseudonym
            .fits(&NeutralType::Integer { bits: 64 })
            .is_ok()
    );
}

#[test]
fn shapes_keep_ascii_punctuation_and_classes() {
    assert_eq!(shape("Jean-Luc O'Neil, 42"), "Aaaa-Aaa A'Aaaa, 99");
    assert_eq!(shape("José\t王"), "Aaa*\t*");
    let reply = digest_reply("abc".as_bytes());
    assert_eq!(
        &reply[..DIGEST_HEX],
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    assert_eq!(&reply[DIGEST_HEX..], "aaa");
}

#[test]
fn pseudonyms_keep_length_classes_and_nulls() {
    let reply = Value::Text(digest_reply("Jean-Luc O'Neil, 42".as_bytes()).into());
    let Value::Text(p) = finish(Strategy::Pseudonym, text_type(40), reply.clone()) else {
        panic!()
    };
    assert_eq!(shape(&p), "Aaaa-Aaa A'Aaaa, 99");
    assert_ne!(p, "Jean-Luc O'Neil, 42");
    // Deterministic for a key, different for another.
    assert_eq!(
        finish(Strategy::Pseudonym, text_type(40), reply.clone()),
        Value::Text(p.clone())
    );
    let other = ColumnMask::new(
        &masked(Strategy::Pseudonym, false),
        &Column::test("C", "", text_type(40)),
        Some(&Keys::new("another key, also long").unwrap()),
    );
    assert_ne!(other.finish(reply).unwrap(), Value::Text(p));
    assert_eq!(
        finish(Strategy::Pseudonym, text_type(4), Value::Null),
        Value::Null
    );
    // Numbers keep their digits' count, sign and scale.
    let reply = Value::Text(digest_reply(b"-1234.50").into());
    let Value::Decimal(d) = finish(
        Strategy::Pseudonym,
        NeutralType::Decimal {
            precision: Some(6),
            scale: Some(2),
        },
        reply,
    ) else {
        panic!()
    };
    assert!(
        d.starts_with('-') && d.len() >= 6 && !d.starts_with("-0"),
        "{d}"
    );
    let reply = Value::Text(digest_reply(b"98765").into());
    let Value::Int(n) = finish(
        Strategy::Pseudonym,
        NeutralType::Integer { bits: 64 },
        reply,
    ) else {
        panic!()
    };
    assert!((10_000..100_000).contains(&n), "{n}");
}

#[test]
fn key_pseudonyms_are_a_permutation() {
    let k = [7u8; 32];
    // Every two- and three-digit number maps to a distinct number of as many digits.
    for digits in [1u32, 2, 3] {
        let lo = if digits == 1 {
            0
        } else {
            10u32.pow(digits - 1)
        };
        let mut seen = HashSet::new();
        for n in lo..10u32.pow(digits) {
            let p = key_pseudonym(&k, &n.to_string(), true);
            assert_eq!(p.len(), digits as usize, "{n} → {p}");
            assert!(digits == 1 || !p.starts_with('0'), "{n} → {p}");
            assert!(seen.insert(p), "{n} collides");
        }
    }
    // Text keys: every two-letter code and every four-digit string with leading zeros.
    let mut seen = HashSet::new();
    for a in b'A'..=b'Z' {
        for b in b'a'..=b'z' {
            let code = format!("{}{}", a as char, b as char);
            let p = key_pseudonym(&k, &code, false);
            assert_eq!(shape(&p), "Aa");
            assert!(seen.insert(p));
        }
    }
    let mut seen = HashSet::new();
    for n in 0..10_000 {
        let p = key_pseudonym(&k, &format!("{n:04}"), false);
        assert!(seen.insert(p));
    }
    assert_eq!(seen.len(), 10_000);
    // Other characters stay; the same key gives the same pseudonym.
    let p = key_pseudonym(&k, "AB-1234/é", false);
    assert_eq!(shape(&p), "AA-9999/*");
    assert!(p.ends_with("/é"));
    assert_eq!(p, key_pseudonym(&k, "AB-1234/é", false));
    assert_ne!(p, key_pseudonym(&[8u8; 32], "AB-1234/é", false));
}

#[test]
fn fakes_are_realistic_deterministic_and_fit_the_column() {
    let reply = Value::Text(digest_reply(b"someone@corp.example").into());
    let Value::Text(email) = finish(
        Strategy::Fake(FakeKind::Email),
        text_type(128),
        reply.clone(),
    ) else {
        panic!()
    };
    assert!(email.contains("@example."), "{email}");
    assert_eq!(
        finish(
            Strategy::Fake(FakeKind::Email),
            text_type(128),
            reply.clone()
        ),
        Value::Text(email.clone())
    );
    let Value::Text(short) = finish(Strategy::Fake(FakeKind::Email), text_type(5), reply) else {
        panic!()
    };
    assert_eq!(short, email[..5]);
    let reply = Value::Text(digest_reply(b"(250) 555-1234").into());
    let Value::Text(phone) = finish(Strategy::Fake(FakeKind::Phone), text_type(20), reply) else {
        panic!()
    };
    assert_eq!(shape(&phone), "(999) 999-9999");
    for kind in FakeKind::ALL {
        let reply = Value::Text(digest_reply(b"x").into());
        let Value::Text(v) = finish(Strategy::Fake(kind), text_type(60), reply) else {
            panic!()
        };
        assert!(!v.is_empty(), "{kind:?}");
    }
}

#[test]
fn constants_keep_only_null() {
    assert_eq!(
        finish(
            Strategy::Constant(None),
            text_type(3),
            Value::Text("t".into())
        ),
        Value::Text("MAS".into())
    );
    assert_eq!(
        finish(Strategy::Constant(None), text_type(3), Value::Null),
        Value::Null
    );
    assert_eq!(
        finish(
            Strategy::Constant(Some("-1".into())),
            NeutralType::Integer { bits: 32 },
            Value::Text("t".into())
        ),
        Value::Int(-1)
    );
    assert_eq!(
        finish(
            Strategy::Constant(None),
            NeutralType::Date,
            Value::Text("t".into())
        ),
        Value::Date(Date::new(1970, 1, 1).unwrap())
    );
}

#[test]
fn dates_shift_within_the_range_and_keep_their_layout() {
    let key = [1u8; 32];
    let mut offsets = HashSet::new();
    for day in 1..=28u8 {
        let text = format!("2020-02-{day:02}");
        let off = shift_offset(&key, 10, text.as_bytes());
        assert!((-10..=10).contains(&off) && off != 0, "{off}");
        offsets.insert(off);
    }
    assert!(offsets.len() > 5, "offsets spread: {offsets:?}");
    assert_eq!(shift_date_text("2020-02-28", 2).unwrap(), "2020-03-01");
    assert_eq!(
        shift_date_text("2021-01-01 10:11:12.5+02:00", -1).unwrap(),
        "2020-12-31 10:11:12.5+02:00"
    );
    assert_eq!(
        shift_date_text("2000-02-28T00:00:00", 1).unwrap(),
        "2000-02-29T00:00:00"
    );
    assert!(shift_date_text("0001-01-01", -1).is_err());
    assert!(shift_date_text("yesterday", 1).is_err());
    let d = Date::new(1970, 1, 1).unwrap();
    assert_eq!(add_days(d, 365 * 30 + 7), Date::new(2000, 1, 1));
    assert_eq!(add_days(d, -1), Date::new(1969, 12, 31));
}

#[test]
fn a_short_key_is_refused_without_showing_it() {
    let err = Keys::new("short-secret").unwrap_err().to_string();
    assert!(
        err.contains("12 bytes") && !err.contains("short-secret"),
        "{err}"
    );
    assert_eq!(format!("{:?}", keys()), "Keys(…)");
    assert_ne!(
        keys().fingerprint(),
        Keys::new("another key, also long").unwrap().fingerprint()
    );
}

#[test]
fn hmac_from_pads_is_hmac() {
    // What PostgreSQL and Oracle compute: SHA-256(outer ‖ SHA-256(inner ‖ m)).
    let key = [9u8; 32];
    let (inner, outer) = hmac_pads(&key);
    let message = b"1956-06-12";
    let mut first = Sha256::new();
    first.update(&inner);
    first.update(message);
    let mut second = Sha256::new();
    second.update(&outer);
    second.update(first.finalize());
    assert_eq!(second.finalize()[..], hmac(&key, &[message])[..]);
}

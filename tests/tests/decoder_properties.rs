//! The response decoders of both clients under generated input. Every operation's sample (built from the
//! document's own schema, as in `response_policy.rs`) is damaged with structure-aware mutations at generated
//! places: a member dropped, set to `null` or retyped, a key duplicated, the nesting deepened (past serde_json's
//! limit of 128 too), huge numbers, huge strings, invalid UTF-8, truncation; and arbitrary bytes. Decoding through
//! the generated `operations::ALL[..].decode_success` (what a call does) must never panic nor overflow the stack:
//! it decodes or it fails with an error; nesting past the limit where a value is read is an error. `HOSTILE_SCALE`
//! runs more cases (see `tests/README.md`).

#[path = "../../bronto-ingest/tests/support/property_budget.rs"]
mod property_budget;

use std::sync::OnceLock;

use integration_tests::samples;
use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::{Value, json};

/// A client's decoder of the success body of `operations::ALL[index]`: `None` when it has none, else whether it
/// decoded (the error's text when not).
type Decode = fn(usize, &[u8]) -> Option<Result<(), String>>;

/// One operation with a JSON success body: its id, its sample, and its decoder.
struct Target {
    id: &'static str,
    sample: Value,
    decode: Decode,
    index: usize,
}

fn success_schema(document: &Value, id: &str) -> Option<Value> {
    integration_tests::operations_of(document)
        .into_iter()
        .find(|op| op.id == id)?
        .success_schema()
}

fn bronto_decode(index: usize, body: &[u8]) -> Option<Result<(), String>> {
    bronto_client::operations::ALL[index]
        .decode_success(body)
        .map(|result| result.map(drop).map_err(|e| e.to_string()))
}

fn blubracket_decode(index: usize, body: &[u8]) -> Option<Result<(), String>> {
    blubracket_client::operations::ALL[index]
        .decode_success(body)
        .map(|result| result.map(drop).map_err(|e| e.to_string()))
}

fn bronto_targets() -> &'static [Target] {
    static TARGETS: OnceLock<Vec<Target>> = OnceLock::new();
    TARGETS.get_or_init(|| {
        let document = integration_tests::bronto_document();
        bronto_client::operations::ALL
            .iter()
            .enumerate()
            .filter(|(_, op)| op.decode_success(b"null").is_some())
            .map(|(index, op)| Target {
                id: op.id,
                sample: samples::sample(
                    document,
                    &success_schema(document, op.id)
                        .unwrap_or_else(|| panic!("{}: no success schema", op.id)),
                ),
                decode: bronto_decode,
                index,
            })
            .collect()
    })
}

fn blubracket_targets() -> &'static [Target] {
    static TARGETS: OnceLock<Vec<Target>> = OnceLock::new();
    TARGETS.get_or_init(|| {
        let document = integration_tests::blubracket::blubracket_document();
        blubracket_client::operations::ALL
            .iter()
            .enumerate()
            .filter(|(_, op)| op.decode_success(b"null").is_some())
            .map(|(index, op)| Target {
                id: op.id,
                sample: samples::sample(
                    document,
                    &success_schema(document, op.id)
                        .unwrap_or_else(|| panic!("{}: no success schema", op.id)),
                ),
                decode: blubracket_decode,
                index,
            })
            .collect()
    })
}

/// One mutation, at the node `at` picks among every node of the body (the root included).
#[derive(Clone, Debug)]
enum Mutation {
    Drop(Index),
    Null(Index),
    Retype(Index, u8),
    DuplicateKey(Index),
    Deepen(Index, usize),
    HugeNumber(Index, u8),
    HugeString(Index, usize),
    InvalidUtf8(Index, u8),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<Index>().prop_map(Mutation::Drop),
        any::<Index>().prop_map(Mutation::Null),
        (any::<Index>(), 0u8..8).prop_map(|(at, to)| Mutation::Retype(at, to)),
        any::<Index>().prop_map(Mutation::DuplicateKey),
        (
            any::<Index>(),
            prop_oneof![1usize..130, 120usize..140, 500usize..5_000]
        )
            .prop_map(|(at, depth)| Mutation::Deepen(at, depth)),
        (any::<Index>(), 0u8..6).prop_map(|(at, kind)| Mutation::HugeNumber(at, kind)),
        (
            any::<Index>(),
            prop_oneof![0usize..1_000, 100_000usize..1_100_000]
        )
            .prop_map(|(at, len)| Mutation::HugeString(at, len)),
        (any::<Index>(), 0u8..4).prop_map(|(at, kind)| Mutation::InvalidUtf8(at, kind)),
    ]
}

/// JSON pointers of every node.
fn pointers(value: &Value, pointer: String, out: &mut Vec<String>) {
    match value {
        Value::Object(fields) => {
            for (name, child) in fields {
                pointers(
                    child,
                    format!("{pointer}/{}", name.replace('~', "~0").replace('/', "~1")),
                    out,
                );
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                pointers(item, format!("{pointer}/{i}"), out);
            }
        }
        _ => {}
    }
    out.push(pointer);
}

fn placeholder(n: usize) -> String {
    format!("\u{1}splice{n}\u{1}")
}

/// Applies the mutations: structural ones to the value, textual ones as placeholders spliced in afterwards.
fn mutate(sample: &Value, mutations: &[Mutation]) -> Vec<u8> {
    let mut value = sample.clone();
    let mut splices: Vec<(String, Vec<u8>)> = Vec::new();
    for mutation in mutations {
        let mut all = Vec::new();
        pointers(&value, String::new(), &mut all);
        let pick = |at: &Index| all[at.index(all.len())].clone();
        let mut splice = |value: &mut Value, pointer: &str, bytes: Vec<u8>| {
            let marker = placeholder(splices.len());
            if let Some(slot) = value.pointer_mut(pointer) {
                *slot = Value::String(marker.clone());
                splices.push((marker, bytes));
            }
        };
        match mutation {
            Mutation::Drop(at) => {
                let pointer = pick(at);
                if let Some((parent, last)) = pointer.rsplit_once('/') {
                    let name = last.replace("~1", "/").replace("~0", "~");
                    match value.pointer_mut(parent) {
                        Some(Value::Object(fields)) => {
                            fields.remove(&name);
                        }
                        Some(Value::Array(items)) => {
                            if let Ok(i) = name.parse::<usize>()
                                && i < items.len()
                            {
                                items.remove(i);
                            }
                        }
                        _ => {}
                    }
                }
            }
            Mutation::Null(at) => {
                if let Some(slot) = value.pointer_mut(&pick(at)) {
                    *slot = Value::Null;
                }
            }
            Mutation::Retype(at, to) => {
                if let Some(slot) = value.pointer_mut(&pick(at)) {
                    let old = slot.take();
                    *slot = match to {
                        0 => json!(0),
                        1 => json!(-1.5),
                        2 => json!("x"),
                        3 => json!(true),
                        4 => json!([]),
                        5 => json!({}),
                        6 => json!([old]),
                        _ => json!({"value": old}),
                    };
                }
            }
            Mutation::DuplicateKey(at) => {
                let pointer = pick(at);
                if let Some(Value::Object(fields)) = value.pointer(&pointer).cloned() {
                    let mut text = String::from("{");
                    for (name, child) in &fields {
                        text.push_str(&format!("{}:{},", json!(name), child));
                    }
                    // The first member again, with another type: which one wins is serde's business, not a panic.
                    let first = fields
                        .keys()
                        .next()
                        .cloned()
                        .unwrap_or_else(|| "dup".into());
                    text.push_str(&format!(
                        "{}:[1,\"two\",null],{}:{{}}}}",
                        json!(first),
                        json!(first)
                    ));
                    splice(&mut value, &pointer, text.into_bytes());
                }
            }
            Mutation::Deepen(at, depth) => {
                let pointer = pick(at);
                let inner = value.pointer(&pointer).cloned().unwrap_or(Value::Null);
                let mut text = Vec::new();
                for i in 0..*depth {
                    text.extend_from_slice(if i % 2 == 0 { b"[" } else { b"{\"a\":" });
                }
                text.extend(serde_json::to_vec(&inner).unwrap_or_default());
                for i in (0..*depth).rev() {
                    text.extend_from_slice(if i % 2 == 0 { b"]" } else { b"}" });
                }
                splice(&mut value, &pointer, text);
            }
            Mutation::HugeNumber(at, kind) => {
                let pointer = pick(at);
                let text = match kind {
                    0 => "1e999999".to_string(),
                    1 => "-1e999999".to_string(),
                    2 => "9".repeat(400),
                    3 => format!("0.{}1", "0".repeat(400)),
                    4 => "18446744073709551616".to_string(),
                    _ => "-9223372036854775809".to_string(),
                };
                splice(&mut value, &pointer, text.into_bytes());
            }
            Mutation::HugeString(at, len) => {
                let pointer = pick(at);
                if let Some(slot) = value.pointer_mut(&pointer) {
                    *slot = Value::String("é".repeat(len / 2));
                }
            }
            Mutation::InvalidUtf8(at, kind) => {
                let pointer = pick(at);
                let bytes: &[u8] = match kind {
                    0 => b"\"\xff\xfe\"",
                    1 => b"\"abc\xc3\"",
                    2 => b"\"\xed\xa0\x80\"",
                    _ => b"\"\\ud800\"",
                };
                splice(&mut value, &pointer, bytes.to_vec());
            }
        }
    }
    let mut bytes = serde_json::to_vec(&value).unwrap_or_default();
    // Splice in reverse, so a splice inside an earlier one's text is resolved first.
    for (marker, replacement) in splices.iter().rev() {
        let quoted = serde_json::to_vec(&Value::String(marker.clone())).unwrap_or_default();
        if let Some(at) = bytes
            .windows(quoted.len())
            .position(|w| w == quoted.as_slice())
        {
            bytes.splice(at..at + quoted.len(), replacement.iter().copied());
        }
    }
    bytes
}

fn check_decoder(
    targets: &[Target],
    pick: Index,
    mutations: Vec<Mutation>,
    truncate: Option<Index>,
) -> Result<(), TestCaseError> {
    let target = &targets[pick.index(targets.len())];
    let mut body = mutate(&target.sample, &mutations);
    if let Some(cut) = truncate {
        body.truncate(cut.index(body.len() + 1));
    }
    let outcome = (target.decode)(target.index, &body);
    match outcome {
        None => return Err(TestCaseError::fail(format!("{}: no decoder", target.id))),
        // A body nested past 128 may still decode: serde skips a member the type does not know without
        // recursion (serde_json's `ignore_value` keeps its own stack), so depth there costs no stack. Nesting where
        // a value is read is an error: `nesting_past_the_limit_is_an_error_for_every_operation`.
        Some(Ok(())) => {}
        Some(Err(message)) => prop_assert!(!message.is_empty(), "{}: an empty error", target.id),
    }
    Ok(())
}

#[test]
fn bronto_decoders_decode_or_fail_on_damaged_samples() {
    let targets = bronto_targets();
    assert!(targets.len() >= 95, "{} operations", targets.len());
    property_budget::check(
        "Bronto decoders: damaged samples",
        2_000,
        (
            any::<Index>(),
            proptest::collection::vec(mutation(), 1..4),
            proptest::option::weighted(0.15, any::<Index>()),
        ),
        |(pick, mutations, truncate)| check_decoder(targets, pick, mutations, truncate),
    );
}

#[test]
fn blubracket_decoders_decode_or_fail_on_damaged_samples() {
    let targets = blubracket_targets();
    assert!(targets.len() >= 6, "{} operations", targets.len());
    property_budget::check(
        "BluBracket decoders: damaged samples",
        1_000,
        (
            any::<Index>(),
            proptest::collection::vec(mutation(), 1..4),
            proptest::option::weighted(0.15, any::<Index>()),
        ),
        |(pick, mutations, truncate)| check_decoder(targets, pick, mutations, truncate),
    );
}

#[test]
fn every_decoder_survives_arbitrary_bytes() {
    property_budget::check(
        "all decoders: arbitrary bytes",
        300,
        proptest::collection::vec(any::<u8>(), 0..256),
        |bytes| {
            for target in bronto_targets().iter().chain(blubracket_targets()) {
                if let Some(Err(message)) = (target.decode)(target.index, &bytes) {
                    prop_assert!(!message.is_empty());
                }
            }
            Ok(())
        },
    );
}

#[test]
fn nesting_past_the_limit_is_an_error_for_every_operation() {
    // Deterministic companion of the property: 100,000 levels at the root of every operation's body.
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    for target in bronto_targets().iter().chain(blubracket_targets()) {
        match (target.decode)(target.index, deep.as_bytes()) {
            Some(Err(message)) => assert!(!message.is_empty()),
            other => panic!("{}: {other:?}", target.id),
        }
    }
}

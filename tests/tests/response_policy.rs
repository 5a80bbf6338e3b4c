//! The response policy (build-support's `response_policy`), proven on every response type of both clients rather
//! than on the cases that motivated it.
//!
//! For every operation with a JSON success body, a sample built from the document's own schema (every member
//! filled) is mutated: each member of each object dropped, each member set to `null`, and each uuid, date-time and
//! date string emptied. Every mutation must decode through the operation's generated type
//! (`operations::ALL[..].decode_success`, the same decoding a call does), and the decoded value must keep every
//! member the mutated body still carried: the caller reaches the data that did arrive.

use integration_tests::live_shapes::lost_fields;
use integration_tests::samples;
use serde_json::Value;

/// Decodes a body as one operation's success type and re-serialises it (`None`: no JSON success body).
type Decoder<'a> = Box<dyn Fn(&[u8]) -> Option<Result<Value, String>> + 'a>;

/// Every operation of a client's `operations::ALL` that has a JSON success body, with its decoder.
macro_rules! decoders {
    ($client:ident) => {
        $client::operations::ALL
            .iter()
            .filter(|op| op.decode_success(b"null").is_some())
            .map(|op| {
                let decode: Decoder<'_> = Box::new(move |body| {
                    op.decode_success(body)
                        .map(|r| r.map_err(|e| e.to_string()))
                });
                (op.id, decode)
            })
    };
}

/// The values `samples` gives formatted strings (uuid, date-time, date).
const FORMATTED_SAMPLES: [&str; 3] = [
    "3fa85f64-5717-4562-b3fc-2c963f66afa6",
    "2026-08-24T10:15:30Z",
    "2026-08-24",
];

/// JSON pointers of every member of every object in `value`.
fn member_pointers(value: &Value, pointer: &str, out: &mut Vec<String>) {
    match value {
        Value::Object(fields) => {
            for (name, child) in fields {
                let escaped = name.replace('~', "~0").replace('/', "~1");
                let child_pointer = format!("{pointer}/{escaped}");
                out.push(child_pointer.clone());
                member_pointers(child, &child_pointer, out);
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                member_pointers(item, &format!("{pointer}/{index}"), out);
            }
        }
        _ => {}
    }
}

fn parent_and_name(pointer: &str) -> (&str, String) {
    let (parent, name) = pointer.rsplit_once('/').unwrap_or(("", pointer));
    (parent, name.replace("~1", "/").replace("~0", "~"))
}

/// The members the policy keeps required, by name.
fn kept_members(pipeline: &build_support::Pipeline) -> Vec<String> {
    let prepared = pipeline.prepare().expect("prepares");
    prepared
        .policy
        .kept_members
        .iter()
        .map(|(_, member)| member.clone())
        .collect()
}

#[derive(Debug, Default)]
struct Counts {
    operations: usize,
    dropped: usize,
    nulled: usize,
    emptied: usize,
}

/// Applies the mutations to the sample of every operation in `operations` and returns what was checked, panicking
/// with every failure at once.
fn check_every_response_type<'a>(
    document: &Value,
    kept_required: &[String],
    operations: impl Iterator<
        Item = (
            &'a str,
            Box<dyn Fn(&[u8]) -> Option<Result<Value, String>> + 'a>,
        ),
    >,
) -> Counts {
    let mut counts = Counts::default();
    let mut failures = Vec::new();
    let mut decode_checked = |label: String, body: &Value, decode: &Decoder<'a>| {
        let bytes = serde_json::to_vec(body).expect("serialise");
        match decode(&bytes) {
            Some(Ok(decoded)) => {
                let lost = lost_fields(body, &decoded);
                if !lost.is_empty() {
                    failures.push(format!("{label}: lost {}", lost.join("; ")));
                }
            }
            Some(Err(error)) => failures.push(format!("{label}: {error}")),
            None => failures.push(format!("{label}: no JSON success body")),
        }
    };
    for (id, decode) in operations {
        let schema = integration_tests::operations_of(document)
            .into_iter()
            .find(|op| op.id == id)
            .and_then(|op| op.success_schema())
            .unwrap_or_else(|| panic!("{id}: no JSON success schema in the document"));
        let sample = samples::sample(document, &schema);
        counts.operations += 1;
        decode_checked(format!("{id} (unmutated sample)"), &sample, &decode);
        let mut pointers = Vec::new();
        member_pointers(&sample, "", &mut pointers);
        for pointer in pointers {
            let (parent, name) = parent_and_name(&pointer);
            if kept_required.contains(&name) {
                // A union's discriminator, or a member that tells its branches apart: without it the body is
                // another shape, not the same one with a member missing.
                continue;
            }
            let mut dropped = sample.clone();
            if let Some(Value::Object(fields)) = dropped.pointer_mut(parent) {
                fields.remove(&name);
                counts.dropped += 1;
                decode_checked(format!("{id}: without {pointer}"), &dropped, &decode);
            }
            let mut nulled = sample.clone();
            if let Some(slot) = nulled.pointer_mut(&pointer) {
                *slot = Value::Null;
                counts.nulled += 1;
                decode_checked(format!("{id}: {pointer} = null"), &nulled, &decode);
            }
            if sample
                .pointer(&pointer)
                .and_then(Value::as_str)
                .is_some_and(|text| FORMATTED_SAMPLES.contains(&text))
            {
                let mut emptied = sample.clone();
                if let Some(slot) = emptied.pointer_mut(&pointer) {
                    *slot = Value::String(String::new());
                    counts.emptied += 1;
                    decode_checked(format!("{id}: {pointer} = \"\""), &emptied, &decode);
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} mutation(s) did not decode or lost data:\n{}",
        failures.len(),
        failures.join("\n")
    );
    counts
}

#[test]
fn every_bronto_response_type_tolerates_missing_null_and_empty_members() {
    let kept = kept_members(&integration_tests::bronto_pipeline());
    let counts = check_every_response_type(
        integration_tests::bronto_document(),
        &kept,
        decoders!(bronto_client),
    );
    eprintln!("Bronto: {counts:?}");
    assert!(counts.operations >= 95, "{counts:?}");
    assert!(counts.dropped >= 1000 && counts.emptied >= 50, "{counts:?}");
}

#[test]
fn every_blubracket_response_type_tolerates_missing_null_and_empty_members() {
    let kept = kept_members(&integration_tests::blubracket::blubracket_pipeline());
    let counts = check_every_response_type(
        integration_tests::blubracket::blubracket_document(),
        &kept,
        decoders!(blubracket_client),
    );
    eprintln!("BluBracket: {counts:?}");
    assert!(counts.operations >= 6, "{counts:?}");
}

#[test]
fn the_registry_lists_every_operation_of_both_documents() {
    let sorted = |ids: Vec<String>| {
        let mut ids = ids;
        ids.sort();
        ids
    };
    let bronto = bronto_client::operations::ALL
        .iter()
        .map(|op| op.id.to_string())
        .collect();
    assert_eq!(sorted(bronto), sorted(integration_tests::operation_ids()));
    let blubracket = blubracket_client::operations::ALL
        .iter()
        .map(|op| op.id.to_string())
        .collect();
    assert_eq!(
        sorted(blubracket),
        sorted(integration_tests::blubracket::blubracket_operation_ids())
    );
    // Operations without a JSON body have no decoder; all the others do.
    let op = bronto_client::operations::Operation::find("explainError").expect("explainError");
    assert!(op.decode_success(b"{}").is_none());
    let op = bronto_client::operations::Operation::find("listDatasets").expect("listDatasets");
    assert!(matches!(
        op.decode_success(br#"{"datasets": []}"#),
        Some(Ok(_))
    ));
}

#[test]
fn the_policy_reports_what_it_relaxed() {
    let prepared = integration_tests::bronto_pipeline()
        .prepare()
        .expect("prepares");
    let policy = &prepared.policy;
    assert!(policy.response_schemas.contains("Dataset"));
    assert!(
        policy
            .relaxed_members
            .iter()
            .any(|(pointer, member)| pointer == "/components/schemas/Dataset" && member == "id")
    );
    assert!(
        policy
            .verbatim_path_parameters
            .iter()
            .any(|(operation, parameter)| operation == "getExportById" && parameter == "exportId")
    );
    // Request-only types keep their required members.
    let create_search = &prepared.value["components"]["schemas"]["CreateSearchRequest"];
    assert!(create_search.get("required").is_some(), "{create_search}");
}

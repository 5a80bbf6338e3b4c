//! The API-surface summary read back: [`Surface`], its [`SurfaceOperation`]s and [`SurfaceType`]s, parsed from the
//! text [`crate::surface::summarize`] writes.

use std::collections::BTreeMap;

/// One operation line of a summary: `opId METHOD /path => rust_method(a: A, b: B) -> T, error E`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SurfaceOperation {
    /// The operationId.
    pub id: String,
    /// `GET /path`.
    pub request: String,
    /// The client method (`list_datasets`), or `None` when the line says `NOT GENERATED`.
    pub method_name: Option<String>,
    /// `(parameter, type)` of the builder, in summary order.
    pub parameters: Vec<(String, String)>,
    /// `T, error E`, as written.
    pub returns: String,
}

impl SurfaceOperation {
    fn parse(line: &str) -> Option<Self> {
        let (head, tail) = line.split_once(" => ")?;
        let mut words = head.splitn(2, ' ');
        let id = words.next()?.to_string();
        let request = words.next()?.to_string();
        if tail.trim() == "NOT GENERATED" {
            return Some(Self {
                id,
                request,
                method_name: None,
                parameters: Vec::new(),
                returns: String::new(),
            });
        }
        let open = tail.find('(')?;
        let method_name = tail[..open].to_string();
        let close = matching_paren(tail, open)?;
        let parameters = split_top_level(&tail[open + 1..close])
            .into_iter()
            .filter_map(|p| {
                let (name, ty) = p.split_once(": ")?;
                Some((name.trim().to_string(), ty.trim().to_string()))
            })
            .collect();
        let returns = tail[close + 1..]
            .trim_start()
            .trim_start_matches("->")
            .trim()
            .to_string();
        Some(Self {
            id,
            request,
            method_name: Some(method_name),
            parameters,
            returns,
        })
    }
}

/// One type of a summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SurfaceType {
    /// `struct Name` and its `  .field: Type` lines.
    Struct(Vec<(String, String)>),
    /// `enum Name = A | B | UnknownValue(String)`.
    Enum(Vec<String>),
    /// `type Name = Target`.
    Alias(String),
}

/// A summary read back: operations by operationId, types by name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Surface {
    /// Operations by operationId.
    pub operations: BTreeMap<String, SurfaceOperation>,
    /// Types by name.
    pub types: BTreeMap<String, SurfaceType>,
}

impl Surface {
    /// Reads a summary written by [`crate::surface::summarize`]. Lines it does not recognise are ignored.
    pub fn parse(text: &str) -> Self {
        let mut surface = Self::default();
        let mut section = "";
        let mut current_struct: Option<String> = None;
        for line in text.lines() {
            if line.starts_with("## Operations") {
                section = "operations";
                continue;
            }
            if line.starts_with("## Types") {
                section = "types";
                continue;
            }
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            match section {
                "operations" => {
                    if let Some(operation) = SurfaceOperation::parse(line) {
                        surface.operations.insert(operation.id.clone(), operation);
                    }
                }
                "types" => {
                    if let Some(field) = line.strip_prefix("  .") {
                        if let (Some(name), Some((field, ty))) =
                            (&current_struct, field.split_once(": "))
                            && let Some(SurfaceType::Struct(fields)) = surface.types.get_mut(name)
                        {
                            fields.push((field.to_string(), ty.to_string()));
                        }
                        continue;
                    }
                    current_struct = None;
                    if let Some(name) = line.strip_prefix("struct ") {
                        let name = name.trim().to_string();
                        surface
                            .types
                            .insert(name.clone(), SurfaceType::Struct(Vec::new()));
                        current_struct = Some(name);
                    } else if let Some(rest) = line.strip_prefix("enum ") {
                        if let Some((name, variants)) = rest.split_once(" = ") {
                            let variants = variants.split(" | ").map(str::to_string).collect();
                            surface
                                .types
                                .insert(name.to_string(), SurfaceType::Enum(variants));
                        }
                    } else if let Some(rest) = line.strip_prefix("type ")
                        && let Some((name, target)) = rest.split_once(" = ")
                    {
                        surface
                            .types
                            .insert(name.to_string(), SurfaceType::Alias(target.to_string()));
                    }
                }
                _ => {}
            }
        }
        surface
    }
}

/// The index of the `)` that closes the `(` at `open`.
fn matching_paren(text: &str, open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (index, c) in text.char_indices().skip_while(|(i, _)| *i < open) {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return Some(index);
                }
            }
            _ => {}
        }
    }
    None
}

/// Splits `a: A, b: Map<K, V>` on the commas outside of `<>`, `()` and `[]`.
fn split_top_level(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (index, c) in text.char_indices() {
        match c {
            '<' | '(' | '[' => depth += 1,
            '>' | ')' | ']' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(text[start..index].trim());
                start = index + 1;
            }
            _ => {}
        }
    }
    let last = text[start..].trim();
    if !last.is_empty() {
        parts.push(last);
    }
    parts
}

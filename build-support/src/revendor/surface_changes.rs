//! What changed between two API-surface summaries, in callers' terms ([`SurfaceChanges`]), and their unified diff
//! ([`surface_diff`]).

use std::collections::BTreeMap;

use super::summary::{Surface, SurfaceOperation, SurfaceType};

/// The changes between two API-surface summaries, in callers' terms. Every entry is a readable sentence fragment
/// (in Markdown) for the changelog; they are sorted by operationId or type name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SurfaceChanges {
    /// New operations, types, parameters, fields and enum values.
    pub added: Vec<String>,
    /// Operations, types, parameters, fields and enum values that are gone.
    pub removed: Vec<String>,
    /// Things present in both whose type or shape changed.
    pub changed: Vec<String>,
}

impl SurfaceChanges {
    /// Compares the summary `old` with `new`.
    pub fn between(old: &str, new: &str) -> Self {
        let (old, new) = (Surface::parse(old), Surface::parse(new));
        let mut changes = Self::default();

        for (id, operation) in &new.operations {
            match old.operations.get(id) {
                None => changes.added.push(format!(
                    "operation `{id}` (`{}`){}",
                    operation.request,
                    operation
                        .method_name
                        .as_ref()
                        .map(|m| format!(": `Client::{m}`"))
                        .unwrap_or_default()
                )),
                Some(before) => changes.compare_operations(before, operation),
            }
        }
        for (id, operation) in &old.operations {
            if !new.operations.contains_key(id) {
                changes
                    .removed
                    .push(format!("operation `{id}` (`{}`)", operation.request));
            }
        }

        for (name, ty) in &new.types {
            match old.types.get(name) {
                None => changes.added.push(format!("type `{name}`")),
                Some(before) => changes.compare_types(name, before, ty),
            }
        }
        for name in old.types.keys() {
            if !new.types.contains_key(name) {
                changes.removed.push(format!("type `{name}`"));
            }
        }
        changes
    }

    /// Whether the two summaries describe the same surface.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }

    fn compare_operations(&mut self, before: &SurfaceOperation, after: &SurfaceOperation) {
        let id = &after.id;
        if before.request != after.request {
            self.changed.push(format!(
                "operation `{id}`: now `{}` (was `{}`)",
                after.request, before.request
            ));
        }
        if before.method_name != after.method_name {
            let show = |m: &Option<String>| {
                m.as_ref()
                    .map(|m| format!("`Client::{m}`"))
                    .unwrap_or_else(|| "not generated".to_string())
            };
            self.changed.push(format!(
                "operation `{id}`: {} (was {})",
                show(&after.method_name),
                show(&before.method_name)
            ));
        }
        compare_members(
            &format!("operation `{id}`: parameter"),
            &before.parameters,
            &after.parameters,
            self,
        );
        if before.returns != after.returns && after.method_name.is_some() {
            self.changed.push(format!(
                "operation `{id}`: returns `{}` (was `{}`)",
                after.returns, before.returns
            ));
        }
    }

    fn compare_types(&mut self, name: &str, before: &SurfaceType, after: &SurfaceType) {
        match (before, after) {
            (SurfaceType::Struct(old), SurfaceType::Struct(new)) => {
                compare_members(&format!("field `{name}`"), old, new, self);
            }
            (SurfaceType::Enum(old), SurfaceType::Enum(new)) => {
                for variant in new.iter().filter(|v| !old.contains(v)) {
                    self.added.push(format!("enum value `{name}::{variant}`"));
                }
                for variant in old.iter().filter(|v| !new.contains(v)) {
                    self.removed.push(format!("enum value `{name}::{variant}`"));
                }
            }
            (SurfaceType::Alias(old), SurfaceType::Alias(new)) => {
                if old != new {
                    self.changed
                        .push(format!("type `{name}` = `{new}` (was `{old}`)"));
                }
            }
            _ => self.changed.push(format!(
                "type `{name}`: now {} (was {})",
                kind(after),
                kind(before)
            )),
        }
    }
}

fn kind(ty: &SurfaceType) -> &'static str {
    match ty {
        SurfaceType::Struct(_) => "a struct",
        SurfaceType::Enum(_) => "an enum",
        SurfaceType::Alias(_) => "a type alias",
    }
}

/// Compares named members (struct fields or builder parameters). `what` is `field `Type`` or
/// `operation `id`: parameter`; a field is written `Type.field`, a parameter `` `name` ``.
fn compare_members(
    what: &str,
    old: &[(String, String)],
    new: &[(String, String)],
    changes: &mut SurfaceChanges,
) {
    let member = |name: &str, ty: &str| {
        if let Some(type_name) = what
            .strip_prefix("field `")
            .and_then(|t| t.strip_suffix('`'))
        {
            format!("field `{type_name}.{name}: {ty}`")
        } else {
            format!("{what} `{name}: {ty}`")
        }
    };
    let old_map: BTreeMap<&str, &str> = old.iter().map(|(n, t)| (n.as_str(), t.as_str())).collect();
    let new_map: BTreeMap<&str, &str> = new.iter().map(|(n, t)| (n.as_str(), t.as_str())).collect();
    for (name, ty) in &new_map {
        match old_map.get(name) {
            None => changes.added.push(member(name, ty)),
            Some(before) if before != ty => changes
                .changed
                .push(format!("{} (was `{before}`)", member(name, ty))),
            Some(_) => {}
        }
    }
    for (name, ty) in &old_map {
        if !new_map.contains_key(name) {
            changes.removed.push(member(name, ty));
        }
    }
}

/// A unified diff of two summaries (one line of context), headed `committed` / `regenerated`; empty when equal.
pub fn surface_diff(old: &str, new: &str) -> String {
    if old == new {
        return String::new();
    }
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(1)
        .header("committed", "regenerated")
        .to_string()
}

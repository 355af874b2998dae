//! The core's modules form layers and every import points down: a module
//! may use the modules listed before it in `LAYERS`, never one after it.
//! This reads the sources, so a new upward import fails here instead of
//! quietly growing a cycle.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Top-level modules of the core, lowest first (see `src/lib.rs`).
const LAYERS: &[&str] = &[
    "alloc",
    "error",
    "ids",
    "config",
    "logs",
    "events",
    "metrics",
    "prometheus",
    "json",
    "telemetry",
    "decide",
    "pool",
    "state",
    "engine",
    "cluster",
];

fn sources(dir: &Path, into: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, into);
        } else if path.extension().is_some_and(|e| e == "rs") {
            into.push(path);
        }
    }
}

/// The top-level module a source file belongs to (`None` for `lib.rs`).
fn module_of(src: &Path, file: &Path) -> Option<String> {
    let relative = file.strip_prefix(src).unwrap();
    let first = relative.components().next()?.as_os_str().to_str()?.to_string();
    let name = first.trim_end_matches(".rs").to_string();
    (name != "lib").then_some(name)
}

/// Top-level modules named by `crate::…` paths in code (comments skipped).
fn uses(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            let after = &rest[at + "crate::".len()..];
            let name: String = after
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                found.insert(name);
            }
            rest = after;
        }
    }
    found
}

fn rank(module: &str) -> Option<usize> {
    LAYERS.iter().position(|m| *m == module)
}

#[test]
fn every_import_points_down() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let mut upward = Vec::new();
    for file in &files {
        let Some(module) = module_of(&src, file) else {
            continue;
        };
        let own =
            rank(&module).unwrap_or_else(|| panic!("module `{module}` is in no layer: add it to LAYERS"));
        for used in uses(&std::fs::read_to_string(file).unwrap()) {
            // `$crate::…` in a macro, or a crate-root item (`crate::Mafalda`).
            let Some(theirs) = rank(&used) else {
                if used.chars().next().is_some_and(char::is_uppercase) && module != "engine" {
                    upward.push(format!(
                        "{}: crate::{used} (the crate root re-exports upper layers)",
                        file.display()
                    ));
                }
                continue;
            };
            if theirs > own {
                upward.push(format!("{} ({module}) uses crate::{used}", file.display()));
            }
        }
    }
    assert!(upward.is_empty(), "imports pointing up:\n{}", upward.join("\n"));
}

#[test]
fn the_checker_sees_an_upward_import() {
    assert!(uses("use crate::engine::Mafalda; // crate::pool").contains("engine"));
    assert!(!uses("// use crate::engine::Mafalda;").contains("engine"));
    assert!(rank("state") > rank("pool"));
}

//! The layering ARCHITECTURE.md draws, held against the code: each module
//! imports only modules of its own layer or below (slices only the slices
//! below them), so no module imports one that imports it back.
// Like every test, this stops at the first surprise: unwrap is how it says so.
#![allow(clippy::unwrap_used)]
use std::{collections::BTreeSet, fs, path::Path};

/// From the bottom up. A module may use its own rank or lower ones.
const RANKS: &[(&str, u32)] = &[
    ("error", 0),
    ("time", 0),
    ("network", 0),
    ("state", 0),
    ("mail", 0),
    ("html", 0),
    ("rate_limit", 0),
    ("markdown", 0),
    ("validation", 0),
    ("identity", 1),
    // The audit log records who acted (an identity::Actor).
    ("audit", 2),
    ("site", 3),
    ("landlords", 4),
    ("permissions", 5),
    ("accounts", 6),
    ("performance", 7),
    ("comments", 8),
    ("charter", 9),
    ("scrutiny", 10),
    ("annual_reviews", 11),
    ("open_data", 12),
    ("routes", 13),
];

fn rank(module: &str) -> Option<u32> {
    RANKS
        .iter()
        .find(|(name, _)| *name == module)
        .map(|(_, rank)| *rank)
}

/// The app's top-level modules a file names through `crate::`, including
/// those inside grouped `use crate::{a, b::c}` lines.
fn used_modules(source: &str) -> BTreeSet<String> {
    let mut used = BTreeSet::new();
    let mut rest = source;
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // The first name of each item at the top level of the group.
            let (mut depth, mut item_start, mut names) = (0, 0, Vec::new());
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => {
                        names.push(&group[item_start..i]);
                        break;
                    }
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        names.push(&group[item_start..i]);
                        item_start = i + 1;
                    }
                    _ => {}
                }
            }
            for name in names {
                let name: String = name
                    .trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    used.insert(name);
                }
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            used.insert(name);
        }
    }
    used
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn every_module_imports_only_its_own_layer_and_those_below() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut wrong = Vec::new();
    let mut seen = 0;
    for file in files {
        let relative = file.strip_prefix(&src).unwrap();
        let module = relative
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_string();
        let Some(own) = rank(&module) else {
            continue; // lib.rs
        };
        seen += 1;
        // Comments may name any module; only code counts.
        let source: String = fs::read_to_string(&file)
            .unwrap()
            .lines()
            .filter(|line| !line.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        for used in used_modules(&source) {
            match rank(&used) {
                Some(theirs) if theirs > own || (theirs == own && used != module && own > 3) => {
                    wrong.push(format!("{} uses {used}", relative.display()))
                }
                Some(_) => {}
                None => wrong.push(format!(
                    "{} uses {used}, which no layer holds",
                    relative.display()
                )),
            }
        }
    }
    assert!(seen > 50, "only {seen} files were read");
    assert!(
        wrong.is_empty(),
        "imports against the layers:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn grouped_imports_are_read_too() {
    let used = used_modules("use crate::{\n    error::AppError,\n    site::{forms::{A, B}, paging},\n};\nlet x = crate::time::now();");
    let used: Vec<_> = used.into_iter().collect();
    assert_eq!(used, ["error", "site", "time"]);
}

//! No module of `core/src` depends on itself through others: a module that names another
//! (`crate::x` in a `use` or a path) is never named back by it, directly or around a longer loop.
//! `lib.rs` is the root that declares and re-exports them all, so it is left out.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

type Graph = BTreeMap<String, BTreeSet<String>>;

#[test]
fn core_modules_have_no_cycle() {
    let graph = module_graph(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    assert!(
        graph.contains_key("client") && graph.contains_key("error"),
        "{graph:?}"
    );
    let cycles = cycles(&graph);
    assert!(
        cycles.is_empty(),
        "module cycles in core/src:\n{}",
        cycles
            .iter()
            .map(|cycle| format!("  {}", cycle.join(" -> ")))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn the_check_sees_grouped_imports_and_skips_comments_and_strings() {
    let modules: BTreeSet<String> = ["a", "b", "c", "d", "e", "f", "g"].map(String::from).into();
    let source = r##"
        use crate::{a, b::{Thing, other}, self};
        // crate::c in a comment
        /* crate::d in a /* nested */ block */
        let text = "crate::e in a string \" crate::e";
        let raw = r#"crate::e"#;
        let c = '"'; fn f<'x>() {}
        crate::f::call(); argos_crate::g::not_this();
        crate::for_each_model!(declare);
    "##;
    let expected: BTreeSet<String> = ["a", "b", "f"].map(String::from).into();
    assert_eq!(references(source, &modules), expected);
}

#[test]
fn the_check_finds_long_cycles() {
    let edges = [("a", "b"), ("b", "c"), ("c", "a"), ("c", "d"), ("d", "e")];
    let mut graph = Graph::new();
    for (from, to) in edges {
        graph.entry(from.into()).or_default().insert(to.into());
    }
    assert_eq!(cycles(&graph), vec![vec!["a", "b", "c", "a"]]);
    graph.get_mut("c").unwrap().remove("a");
    assert!(cycles(&graph).is_empty());
}

/// Each module of `src` (by file stem) and the other modules it names.
fn module_graph(src: &Path) -> Graph {
    let files: BTreeMap<String, String> = std::fs::read_dir(src)
        .expect("core/src is readable")
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "rs"))
        .map(|path| {
            let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
            let text = std::fs::read_to_string(&path).expect("a readable source file");
            (stem, text)
        })
        .filter(|(stem, _)| stem != "lib")
        .collect();
    let modules: BTreeSet<String> = files.keys().cloned().collect();
    files
        .iter()
        .map(|(module, text)| {
            let mut named = references(text, &modules);
            named.remove(module);
            (module.clone(), named)
        })
        .collect()
}

/// The modules among `modules` that `source` names as `crate::<module>`, outside comments and
/// literals; `use crate::{a, b::c}` names `a` and `b`.
fn references(source: &str, modules: &BTreeSet<String>) -> BTreeSet<String> {
    let code = strip_comments_and_literals(source);
    let mut found = BTreeSet::new();
    let mut rest = code.as_str();
    while let Some(at) = rest.find("crate::") {
        let before = rest[..at].chars().next_back();
        let after = &rest[at + "crate::".len()..];
        rest = after;
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let names = match after.trim_start().strip_prefix('{') {
            Some(group) => top_level_items(group),
            None => vec![leading_ident(after)],
        };
        found.extend(names.into_iter().filter(|n| modules.contains(n)));
    }
    found
}

/// The first identifier of each comma-separated item of a `{…}` group (from after its `{`).
fn top_level_items(group: &str) -> Vec<String> {
    let mut items = vec![leading_ident(group)];
    let mut depth = 0;
    for (i, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => break,
            '}' => depth -= 1,
            ',' if depth == 0 => items.push(leading_ident(&group[i + 1..])),
            _ => {}
        }
    }
    items
}

fn leading_ident(text: &str) -> String {
    text.trim_start()
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect()
}

/// `source` with each comment, string literal and char literal replaced by a space.
fn strip_comments_and_literals(source: &str) -> String {
    let chars: Vec<char> = source.chars().collect();
    let mut out = String::with_capacity(source.len());
    let mut i = 0;
    while i < chars.len() {
        let next = chars.get(i + 1).copied();
        match (chars[i], next) {
            ('/', Some('/')) => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            ('/', Some('*')) => {
                let mut depth = 0;
                while i < chars.len() {
                    match (chars[i], chars.get(i + 1)) {
                        ('/', Some('*')) => (depth, i) = (depth + 1, i + 2),
                        ('*', Some('/')) => (depth, i) = (depth - 1, i + 2),
                        _ => i += 1,
                    }
                    if depth == 0 {
                        break;
                    }
                }
            }
            ('r', Some('#' | '"')) if !ident_before(&chars, i) || chars[i - 1] == 'b' => {
                let hashes = chars[i + 1..].iter().take_while(|c| **c == '#').count();
                if chars.get(i + 1 + hashes) != Some(&'"') {
                    out.push(chars[i]);
                    i += 1;
                    continue;
                }
                let close: Vec<char> = std::iter::once('"')
                    .chain(std::iter::repeat_n('#', hashes))
                    .collect();
                i += hashes + 2;
                while i < chars.len() && !chars[i..].starts_with(&close) {
                    i += 1;
                }
                i += close.len();
            }
            ('"', _) => {
                i += 1;
                while i < chars.len() && chars[i] != '"' {
                    i += if chars[i] == '\\' { 2 } else { 1 };
                }
                i += 1;
            }
            // A char literal ('x', '\n', '"'); a lifetime ('a) has no closing quote after one char.
            ('\'', Some('\\')) => {
                i += 3;
                while i < chars.len() && chars[i] != '\'' {
                    i += 1;
                }
                i += 1;
            }
            ('\'', Some(_)) if chars.get(i + 2) == Some(&'\'') => i += 3,
            (c, _) => {
                out.push(c);
                i += 1;
                continue;
            }
        }
        out.push(' ');
    }
    out
}

fn ident_before(chars: &[char], i: usize) -> bool {
    i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_')
}

/// Every cycle a depth-first walk meets, each as the path that closes it (`a -> b -> a`).
fn cycles(graph: &Graph) -> Vec<Vec<String>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Open,
        Done,
    }
    fn walk(
        graph: &Graph,
        node: &str,
        marks: &mut BTreeMap<String, Mark>,
        path: &mut Vec<String>,
        found: &mut Vec<Vec<String>>,
    ) {
        marks.insert(node.to_owned(), Mark::Open);
        path.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            match marks.get(next) {
                Some(Mark::Open) => {
                    let start = path.iter().position(|n| n == next).unwrap();
                    let mut cycle = path[start..].to_vec();
                    cycle.push(next.clone());
                    found.push(cycle);
                }
                Some(Mark::Done) => {}
                None => walk(graph, next, marks, path, found),
            }
        }
        path.pop();
        marks.insert(node.to_owned(), Mark::Done);
    }
    let mut marks = BTreeMap::new();
    let mut found = Vec::new();
    for node in graph.keys() {
        if !marks.contains_key(node) {
            walk(graph, node, &mut marks, &mut Vec::new(), &mut found);
        }
    }
    found
}

//! The shape of the source tree, checked on every `cargo test`: this file reads `src/**/*.rs` as
//! text (a small hand-written tokenizer: comments and string contents never count as code) and
//! fails naming the file, the line and the rule.
//!
//! 1. **No import cycle between top-level modules** (those `src/lib.rs` declares). A reference
//!    is a `use crate::…` / `use super::…` tree (`pub use` re-exports included) or a `crate::…`
//!    / `super::…` path in code, with `super` resolved against the file's module; `main.rs`
//!    counts its `dbsub::…` paths. A cycle means no module of it can be understood, tested or
//!    moved without the others; each is printed with one example reference per edge.
//! 2. **Layering**, stronger than acyclic so the tree keeps its shape: [`LAYERS`] lists what
//!    each top-level module may import (`model` only `catalog`, `catalog` nothing, `db` only
//!    `model`, `catalog`, `output`; only `main.rs` imports `commands`; only `backend` imports
//!    `db`). Within `db`, a backend (`db::sqlite`, `db::postgres`, `db::oracle`) is named only
//!    by `src/backend.rs` and its own folder: one registry, so a new backend is one new folder.
//!    A new top-level module fails the test until it has its row in the table.
//! 3. **No `DbKind` comparison outside `src/db/` and `src/backend.rs`**: no `==` / `!=` with a
//!    `DbKind::X` operand, no `DbKind::X` in a match arm, `matches!` or `let` pattern, no `use`
//!    of its variants. A question that depends on the kind is asked of the backend registry.
//!    `src/model/url.rs`, the enum's own file, maps its variants to CLI words. Passing
//!    `DbKind::X` as a value is fine.
//! 4. **No SQL text outside `src/db/`** (and `templates/`): a string literal that starts with
//!    `SELECT`, `INSERT`, `UPDATE`, `DELETE`, `CREATE`, `ALTER`, `DROP`, `PRAGMA` or `WITH`
//!    (any case, after whitespace; `format!` strings too) is a database's language, which only
//!    its backend speaks. [`SQL_ELSEWHERE`] lists the exceptions, each with its reason.
//! 5. **No store-layout knowledge outside `src/archive/`**: the layout (`<subset prefix>/
//!    manifest.json`, `…/progress/…`, `data/<SCHEMA>.<TABLE>/part-00000.csv.zst`) is
//!    `archive::layout`'s (`SubsetDir`, `table_dir`, `part_key`, `MANIFEST`). Elsewhere no
//!    string literal may hold a [`LAYOUT_TEXT`] marker and no code may name a
//!    [`LAYOUT_NAMES`] item.
//!
//! Test code is skipped by every rule: `#[cfg(test)]` items, files declared `#[cfg(test)] mod
//! x;` and `tests.rs` files. Tests reach across on purpose (one Oracle catalog test checks
//! SQLite's type parser). Known blind spots: a path continued from an imported module name
//! (after `use crate::db;`, `db::sqlite::…` counts only as `db`), and comparisons that name no
//! operator or pattern, such as `[DbKind::A].contains(&k)`. `print_architecture_measures`
//! prints the numbers the maintainers quote (`cargo test --test architecture -- --nocapture`);
//! it never fails.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// What each top-level module (and `main.rs`) may import; imports within a module are always
/// allowed. A module `src/lib.rs` declares without a row here fails the test: add its row.
#[rustfmt::skip]
const LAYERS: &[(&str, &[&str])] = &[
    // The top: the binary, one orchestration file per command, arguments and settings.
    ("main",       &["cli", "commands", "config", "model", "output"]),
    ("commands",   &["archive", "backend", "catalog", "cli", "config", "demo_data", "graph",
                     "load", "mask", "migrations", "model", "output", "subset"]),
    ("cli",        &["backend", "catalog", "graph", "model", "output"]),
    ("config",     &["backend", "mask", "model", "output"]),
    // The registry of database kinds: the one module that reaches the backends.
    ("backend",    &["db", "model"]),
    // The stages.
    ("migrations", &["catalog", "graph", "model", "output"]),
    ("mask",       &["catalog", "graph", "model", "output", "subset"]),
    ("subset",     &["catalog", "graph", "model", "output"]),
    ("graph",      &["catalog", "model", "output"]),
    ("load",       &["archive", "catalog", "model", "output"]),
    ("archive",    &["catalog", "model", "output"]),
    ("demo_data",  &["catalog", "model", "output"]),
    // The backends, and the bottom.
    ("db",         &["catalog", "model", "output"]),
    ("output",     &["model"]),
    ("model",      &["catalog"]),
    ("catalog",    &[]),
];

/// The backends under `src/db/`: named only by `src/backend.rs` and their own folder.
const BACKENDS: &[&str] = &["sqlite", "postgres", "oracle"];

/// Where a `DbKind` variant may be compared: the backends, the registry, the enum's own file.
const DBKIND_ALLOWED: &[&str] = &["src/db/", "src/backend.rs", "src/model/url.rs"];

/// The words SQL text starts with (rule 4).
const SQL_WORDS: &[&str] = &[
    "SELECT", "INSERT", "UPDATE", "DELETE", "CREATE", "ALTER", "DROP", "PRAGMA", "WITH",
];

/// SQL text outside `src/db/`: a file, or a folder ending in `/`, and why. An entry that no
/// longer holds SQL fails the test, so the list only shrinks.
#[rustfmt::skip]
const SQL_ELSEWHERE: &[(&str, &str)] = &[
    ("src/subset/keys.rs", "the key set spills to a private SQLite file: an internal storage \
                            engine, not a database dbsub talks to"),
    ("src/demo_data/", "it builds the embedded demo's SQLite file"),
];

/// Text in a string literal that spells the store's layout (rule 5): the manifest's name, the
/// progress files, part names, the table folders, keys joined under a subset's prefix. A
/// [`LAYOUT_NAMES`] item inside a format string (`"{prefix}/{MANIFEST}"`) counts too.
#[rustfmt::skip]
const LAYOUT_TEXT: &[&str] =
    &["manifest.json", "progress/", "part-0", "part-{", ".csv.zst", "data/{", "{prefix}/"];

/// `archive::layout`'s items, which only `src/archive/` should need (elsewhere a
/// `SubsetDir` is asked for the paths).
const LAYOUT_NAMES: &[&str] = &["MANIFEST", "subset_prefix", "table_dir", "part_key"];

// ---------------------------------------------------------------------------------------------
// Tokens

#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    Ident,
    Punct,
    Str,
    Other,
}

#[derive(Clone, Debug)]
struct Tok {
    kind: Kind,
    /// The identifier, the punctuation, or a string literal's contents (escapes undecoded).
    text: String,
    line: usize,
}

impl Tok {
    /// Whether this is the identifier or punctuation `text` (never a string literal).
    fn is(&self, text: &str) -> bool {
        self.kind != Kind::Str && self.text == text
    }
}

/// Splits Rust source into tokens, dropping comments.
fn tokenize(src: &str) -> Vec<Tok> {
    let c: Vec<char> = src.chars().collect();
    let at = |i: usize| c.get(i).copied().unwrap_or('\0');
    let word = |i: usize| at(i).is_alphanumeric() || at(i) == '_';
    let (mut toks, mut i, mut line) = (Vec::new(), 0, 1);
    while i < c.len() {
        let (start, start_line, ch) = (i, line, c[i]);
        let mut push = |kind, text| {
            toks.push(Tok {
                kind,
                text,
                line: start_line,
            })
        };
        if ch.is_whitespace() {
            line += usize::from(ch == '\n');
            i += 1;
        } else if ch == '/' && at(i + 1) == '/' {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if ch == '/' && at(i + 1) == '*' {
            let mut depth = 0;
            loop {
                match (at(i), at(i + 1)) {
                    ('/', '*') => (depth, i) = (depth + 1, i + 2),
                    ('*', '/') => (depth, i) = (depth - 1, i + 2),
                    ('\0', _) => break,
                    (x, _) => (line, i) = (line + usize::from(x == '\n'), i + 1),
                }
                if depth == 0 {
                    break;
                }
            }
        } else if let Some((open, hashes)) = raw_string_start(&c, i) {
            let close: Vec<char> = format!("\"{}", "#".repeat(hashes)).chars().collect();
            let mut j = i + open;
            while j < c.len() && !c[j..].starts_with(&close) {
                j += 1;
            }
            let text: String = c[i + open..j.min(c.len())].iter().collect();
            line += text.matches('\n').count();
            push(Kind::Str, text);
            i = j + close.len();
        } else if ch == '"' || (matches!(ch, 'b' | 'c') && at(i + 1) == '"') {
            let open = if ch == '"' { 1 } else { 2 };
            let mut j = i + open;
            while j < c.len() && c[j] != '"' {
                j += if c[j] == '\\' { 2 } else { 1 };
            }
            let text: String = c[i + open..j.min(c.len())].iter().collect();
            line += text.matches('\n').count();
            push(Kind::Str, text);
            i = j + 1;
        } else if ch == '\'' {
            // A char literal ('x', '\'', '\u{1F}') or a lifetime ('a).
            if at(i + 1) == '\\' {
                i += 3;
                while i < c.len() && c[i] != '\'' {
                    i += 1;
                }
                i += 1;
            } else if at(i + 2) == '\'' {
                i += 3;
            } else {
                i += 1;
                while word(i) {
                    i += 1;
                }
            }
            push(Kind::Other, String::new());
        } else if word(i) {
            while word(i) {
                i += 1;
            }
            let kind = if ch.is_ascii_digit() {
                Kind::Other
            } else {
                Kind::Ident
            };
            push(kind, c[start..i].iter().collect());
        } else {
            let pair: String = [ch, at(i + 1)].iter().collect();
            let two = ["::", "==", "!=", "=>", "->", "<=", ">=", "&&", "||"].contains(&&*pair);
            i += 1 + usize::from(two);
            push(Kind::Punct, c[start..i].iter().collect());
        }
    }
    toks
}

/// At a raw string (`r"`, `r#"`, `br#"`, `cr"`…): the length of its opening and its `#` count.
fn raw_string_start(c: &[char], i: usize) -> Option<(usize, usize)> {
    if i > 0 && (c[i - 1].is_alphanumeric() || c[i - 1] == '_') {
        return None;
    }
    let r = i + usize::from(matches!(c[i], 'b' | 'c'));
    if c.get(r) != Some(&'r') {
        return None;
    }
    let hashes = c[r + 1..].iter().take_while(|&&x| x == '#').count();
    (c.get(r + 1 + hashes) == Some(&'"')).then_some((r + 2 + hashes - i, hashes))
}

// ---------------------------------------------------------------------------------------------
// One file: its non-test tokens and its references to modules

/// A reference to a module path, resolved (`crate::a::b` is `[a, b]`).
#[derive(Debug)]
struct Ref {
    line: usize,
    path: Vec<String>,
    /// In a `use` (or `pub use`) rather than a path in code.
    in_use: bool,
}

#[derive(Debug, Default)]
struct Scan {
    /// The tokens outside `#[cfg(test)]` items.
    code: Vec<Tok>,
    refs: Vec<Ref>,
    /// The child modules declared `#[cfg(test)] mod x;`.
    test_children: Vec<String>,
}

/// Scans a file of module `module` (`[]` is the crate root); `None` is `main.rs`, whose
/// `dbsub::…` paths name the library.
fn scan(src: &str, module: Option<&[String]>) -> Scan {
    let toks = tokenize(src);
    let mut out = Scan::default();
    // The inline `mod x { … }` blocks around token `i`: (name, brace depth inside).
    let (mut inline, mut depth, mut i) = (Vec::<(String, usize)>::new(), 0, 0);
    while i < toks.len() {
        let t = &toks[i];
        if is_cfg_test(&toks, i) {
            let end = item_end(&toks, i + 7);
            let declared = (i..end).find(|&k| toks[k].is("mod"));
            if let (Some(k), true) = (declared, toks[end - 1].is(";")) {
                out.test_children.push(toks[k + 1].text.clone());
            }
            i = end;
            continue;
        }
        if t.is("{") {
            depth += 1;
        } else if t.is("}") {
            if inline.last().is_some_and(|(_, d)| *d == depth) {
                inline.pop();
            }
            depth -= 1;
        } else if t.is("mod") && toks.get(i + 2).is_some_and(|n| n.is("{")) {
            inline.push((toks[i + 1].text.clone(), depth + 1));
        }
        let (mut paths, mut end) = (Vec::new(), i + 1);
        let next = toks.get(i + 1);
        if t.is("use") && next.is_some_and(|n| n.kind == Kind::Ident || n.is("::") || n.is("{")) {
            end = (i..toks.len())
                .find(|&k| toks[k].is(";"))
                .unwrap_or(toks.len());
            paths = use_tree(&toks[i + 1..end], &[])
                .into_iter()
                .map(|p| (p, true))
                .collect();
        } else if path_starts(&toks, i) {
            paths.push((path_at(&toks, i), false));
        }
        let here = module.map(|m| {
            [
                m,
                &inline.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>(),
            ]
            .concat()
        });
        for (path, in_use) in paths {
            if let Some(path) = resolve(&path, here.as_deref()) {
                out.refs.push(Ref {
                    line: t.line,
                    path,
                    in_use,
                });
            }
        }
        out.code.extend_from_slice(&toks[i..end]);
        i = end;
    }
    out
}

/// Whether `#[cfg(test)]` starts at `i`.
fn is_cfg_test(toks: &[Tok], i: usize) -> bool {
    let want = ["#", "[", "cfg", "(", "test", ")", "]"];
    toks.len() >= i + want.len() && want.iter().zip(&toks[i..]).all(|(w, t)| t.is(w))
}

/// The index after the item starting at `i` (attributes included): after its `;` or `}`.
fn item_end(toks: &[Tok], mut i: usize) -> usize {
    let mut nest = 0;
    while i < toks.len() {
        let t = &toks[i];
        i += 1;
        if t.is("(") || t.is("[") || t.is("{") {
            nest += 1;
        } else if t.is(")") || t.is("]") || t.is("}") {
            nest -= 1;
            if nest == 0 && t.is("}") {
                return i;
            }
        } else if nest == 0 && t.is(";") {
            return i;
        }
    }
    i
}

/// Whether a path `crate::…`, `super::…` or `dbsub::…` starts at `i` (not `$crate::`).
fn path_starts(toks: &[Tok], i: usize) -> bool {
    let root = ["crate", "super", "dbsub"].iter().any(|r| toks[i].is(r));
    let after = |s: &str| i > 0 && toks[i - 1].is(s);
    root && toks.get(i + 1).is_some_and(|n| n.is("::")) && !after("::") && !after("$")
}

/// The path starting at `i`: its segments up to the first that is not `:: identifier`.
fn path_at(toks: &[Tok], mut i: usize) -> Vec<String> {
    let mut path = vec![toks[i].text.clone()];
    while toks.get(i + 1).is_some_and(|t| t.is("::"))
        && toks.get(i + 2).is_some_and(|t| t.kind == Kind::Ident)
    {
        path.push(toks[i + 2].text.clone());
        i += 2;
    }
    path
}

/// Expands a use tree (`a::{b, c::{self, D as E}, *}`) into its paths, each after `prefix`.
fn use_tree(toks: &[Tok], prefix: &[String]) -> Vec<Vec<String>> {
    let (mut out, mut path) = (Vec::new(), prefix.to_vec());
    for (i, t) in toks.iter().enumerate() {
        if t.is("{") {
            let (mut nest, mut item) = (0, i + 1);
            for (k, t) in toks.iter().enumerate().skip(i) {
                nest += i32::from(t.is("{")) - i32::from(t.is("}"));
                if nest == 0 || (nest == 1 && t.is(",")) {
                    out.extend(use_tree(&toks[item..k], &path));
                    item = k + 1;
                }
                if nest == 0 {
                    break;
                }
            }
            return out;
        } else if t.is("as") {
            break;
        } else if (t.kind == Kind::Ident && t.text != "self") || t.is("*") {
            path.push(t.text.clone());
        }
    }
    if path.len() > prefix.len() || toks.iter().any(|t| t.is("self")) {
        out.push(path);
    }
    out
}

/// The absolute path (without `crate`) of `path` as written in `module`, or `None` when it does
/// not start at the crate (`std::…`, a local name).
fn resolve(path: &[String], module: Option<&[String]>) -> Option<Vec<String>> {
    let Some(module) = module else {
        return (path.first()? == "dbsub").then(|| path[1..].to_vec());
    };
    let (mut here, mut rest) = (module.to_vec(), path);
    match path.first()?.as_str() {
        "crate" => (here, rest) = (Vec::new(), &path[1..]),
        "self" => rest = &path[1..],
        "super" => {
            while rest.first().is_some_and(|s| s == "super") {
                here.pop();
                rest = &rest[1..];
            }
        }
        _ => return None,
    }
    here.extend(rest.iter().cloned());
    Some(here)
}

// ---------------------------------------------------------------------------------------------
// The source tree

struct File {
    /// `src/…`.
    path: String,
    /// Its top-level module: `main` for `src/main.rs`, empty for `src/lib.rs`.
    top: String,
    module: Vec<String>,
    text: String,
    /// A `tests.rs` file, or declared `#[cfg(test)] mod x;`.
    test_only: bool,
    scan: Scan,
}

struct Tree {
    /// The top-level modules `src/lib.rs` declares.
    modules: Vec<String>,
    files: Vec<File>,
}

/// `src/`, read once for all the tests.
fn tree() -> &'static Tree {
    static TREE: OnceLock<Tree> = OnceLock::new();
    TREE.get_or_init(|| {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut paths = Vec::new();
        collect_rs(&src, &mut paths);
        let mut files: Vec<File> = paths.iter().map(|p| read_file(&src, p)).collect();
        files.sort_by(|a, b| a.path.cmp(&b.path));
        let mut test_mods = BTreeSet::new();
        for f in &files {
            for child in &f.scan.test_children {
                test_mods.insert([&f.module[..], std::slice::from_ref(child)].concat());
            }
        }
        for f in &mut files {
            f.test_only |= (1..=f.module.len()).any(|n| test_mods.contains(&f.module[..n]));
        }
        let lib = &files
            .iter()
            .find(|f| f.path == "src/lib.rs")
            .expect("src/lib.rs")
            .scan
            .code;
        let modules = (1..lib.len())
            .filter(|&i| lib[i - 1].is("mod") && lib[i].kind == Kind::Ident)
            .map(|i| lib[i].text.clone())
            .collect();
        Tree { modules, files }
    })
}

fn collect_rs(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src/ is readable") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            collect_rs(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn read_file(src: &Path, path: &Path) -> File {
    let rel = path.strip_prefix(src).expect("under src/");
    let mut module: Vec<String> = rel.iter().map(|s| s.to_string_lossy().into()).collect();
    let file = module.pop().expect("a file name");
    let stem = file.trim_end_matches(".rs");
    let (root, main) = (
        module.is_empty() && stem == "lib",
        module.is_empty() && stem == "main",
    );
    if stem != "mod" && !root && !main {
        module.push(stem.to_string());
    }
    let text = std::fs::read_to_string(path).expect("a readable source file");
    File {
        path: format!("src/{}", rel.to_string_lossy().replace('\\', "/")),
        top: if main {
            "main".into()
        } else {
            module.first().cloned().unwrap_or_default()
        },
        scan: scan(&text, (!main).then_some(&module[..])),
        test_only: stem == "tests",
        module,
        text,
    }
}

impl Tree {
    /// The files that are not test code.
    fn code(&self) -> impl Iterator<Item = &File> {
        self.files.iter().filter(|f| !f.test_only)
    }

    /// The references from one top-level module to another: (file, reference, target).
    fn crossings(&self) -> Vec<(&File, &Ref, &str)> {
        let mut out = Vec::new();
        for f in self.code().filter(|f| !f.top.is_empty()) {
            for r in &f.scan.refs {
                match r.path.first().filter(|m| self.modules.contains(m)) {
                    Some(to) if *to != f.top => out.push((f, r, to.as_str())),
                    _ => {}
                }
            }
        }
        out
    }

    /// Which top-level module uses which, each edge with its first example.
    fn module_graph(&self) -> BTreeMap<String, BTreeMap<String, String>> {
        let mut graph: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
        for (f, r, to) in self.crossings() {
            let example = format!("{}:{} uses crate::{}", f.path, r.line, r.path.join("::"));
            graph
                .entry(f.top.clone())
                .or_default()
                .entry(to.into())
                .or_insert(example);
        }
        graph
    }
}

/// Fails listing `bad` under `rule`.
fn check(rule: &str, bad: &[String]) {
    let list: String = bad.iter().map(|v| format!("  {v}\n")).collect();
    assert!(bad.is_empty(), "{rule}: {} violation(s)\n{list}", bad.len());
}

// ---------------------------------------------------------------------------------------------
// Rule 1: no cycles

/// The strongly connected components of more than one node (Tarjan's algorithm), each sorted.
fn cycles<T>(graph: &BTreeMap<String, BTreeMap<String, T>>) -> Vec<Vec<String>> {
    #[derive(Default)]
    struct Tarjan<'g> {
        index: BTreeMap<&'g str, usize>,
        low: BTreeMap<&'g str, usize>,
        stack: Vec<&'g str>,
        found: Vec<Vec<String>>,
    }
    fn visit<'g, T>(g: &'g BTreeMap<String, BTreeMap<String, T>>, v: &'g str, s: &mut Tarjan<'g>) {
        let n = s.index.len();
        s.index.insert(v, n);
        s.low.insert(v, n);
        s.stack.push(v);
        for w in g
            .get(v)
            .into_iter()
            .flat_map(BTreeMap::keys)
            .map(String::as_str)
        {
            if !s.index.contains_key(w) {
                visit(g, w, s);
                s.low.insert(v, s.low[v].min(s.low[w]));
            } else if s.stack.contains(&w) {
                s.low.insert(v, s.low[v].min(s.index[w]));
            }
        }
        if s.low[v] == s.index[v] {
            let at = s.stack.iter().rposition(|x| *x == v).expect("on the stack");
            let mut component: Vec<String> = s.stack.drain(at..).map(str::to_string).collect();
            component.sort();
            if component.len() > 1 {
                s.found.push(component);
            }
        }
    }
    let mut s = Tarjan::default();
    for v in graph.keys() {
        if !s.index.contains_key(v.as_str()) {
            visit(graph, v, &mut s);
        }
    }
    s.found
}

/// Each cycle with its edges, an example each.
fn cycle_report(graph: &BTreeMap<String, BTreeMap<String, String>>) -> Vec<String> {
    let mut out = Vec::new();
    for component in cycles(graph) {
        let mut report = format!("cycle between {}:", component.join(", "));
        for (from, edges) in graph.iter().filter(|(m, _)| component.contains(m)) {
            for (to, example) in edges.iter().filter(|(m, _)| component.contains(m)) {
                report += &format!("\n    {from} -> {to}: {example}");
            }
        }
        out.push(report);
    }
    out
}

#[test]
fn no_import_cycles_between_top_level_modules() {
    check(
        "rule 1, no import cycle",
        &cycle_report(&tree().module_graph()),
    );
}

// ---------------------------------------------------------------------------------------------
// Rule 2: layering

fn layering_violations() -> Vec<String> {
    let tree = tree();
    let row = |m: &str| {
        LAYERS
            .iter()
            .find(|(name, _)| *name == m)
            .map(|(_, may)| *may)
    };
    let mut bad = Vec::new();
    for m in tree.modules.iter().filter(|m| row(m).is_none()) {
        bad.push(format!(
            "src/lib.rs: module `{m}` has no row in LAYERS: add what it may import"
        ));
    }
    for (f, r, to) in tree.crossings() {
        let may = row(&f.top).unwrap_or_default();
        if !may.contains(&to) {
            let (path, top) = (r.path.join("::"), &f.top);
            let why = format!("`{top}` may not import `{to}` (crate::{path}); it may: {may:?}");
            bad.push(format!("{}:{}: {why}", f.path, r.line));
        }
    }
    for f in tree.code().filter(|f| f.path != "src/backend.rs") {
        for r in f
            .scan
            .refs
            .iter()
            .filter(|r| r.path.len() > 1 && r.path[0] == "db")
        {
            let backend = &r.path[1];
            if BACKENDS.contains(&&**backend) && !f.path.starts_with(&format!("src/db/{backend}/"))
            {
                let path = r.path.join("::");
                bad.push(format!(
                    "{}:{}: only src/backend.rs names a backend (crate::{path})",
                    f.path, r.line
                ));
            }
        }
    }
    bad
}

#[test]
fn layers_import_only_what_the_table_allows() {
    check("rule 2, layering (see LAYERS)", &layering_violations());
}

// ---------------------------------------------------------------------------------------------
// Rule 3: DbKind comparisons

/// Whether `DbKind::Variant` starts at `k`.
fn is_variant(toks: &[Tok], k: usize) -> bool {
    toks[k].is("DbKind")
        && toks.get(k + 1).is_some_and(|t| t.is("::"))
        && toks
            .get(k + 2)
            .is_some_and(|t| t.text.starts_with(char::is_uppercase))
}

/// The tokens after (`forward`) or before `i` up to a `stops` token at their own nesting level,
/// or up to the bracket that encloses them: an operand, a pattern, a macro's arguments.
fn span(toks: &[Tok], i: usize, forward: bool, stops: &[&str]) -> Range<usize> {
    let (mut opens, mut closes) = (["(", "[", "{"], [")", "]", "}"]);
    if !forward {
        (opens, closes) = (closes, opens);
    }
    let (mut k, mut nest) = (i, 0);
    loop {
        // Before token 0, `wrapping_sub` gives an index past the end: no token.
        let next = if forward { k + 1 } else { k.wrapping_sub(1) };
        let Some(t) = toks.get(next) else { break };
        if nest == 0 && stops.iter().any(|s| t.is(s)) {
            break;
        } else if opens.iter().any(|o| t.is(o)) {
            nest += 1;
        } else if closes.iter().any(|c| t.is(c)) {
            if nest == 0 {
                break;
            }
            nest -= 1;
        }
        k = next;
    }
    if forward { i + 1..k + 1 } else { k..i }
}

/// The lines of `toks` that compare or match on a `DbKind` variant, with what each does.
fn dbkind_comparisons(toks: &[Tok], refs: &[Ref]) -> BTreeMap<usize, &'static str> {
    const OPERAND_ENDS: &[&str] = &[
        ",", ";", "{", "&&", "||", "=>", "=", "if", "while", "return", "let",
    ];
    let has_variant = |r: Range<usize>| r.into_iter().any(|k| is_variant(toks, k));
    let mut found = BTreeMap::new();
    for (i, t) in toks.iter().enumerate().filter(|(_, t)| t.kind != Kind::Str) {
        let (hit, what) = match t.text.as_str() {
            "==" | "!=" => (
                has_variant(span(toks, i, true, OPERAND_ENDS))
                    || has_variant(span(toks, i, false, OPERAND_ENDS)),
                "`==`/`!=` with a DbKind variant",
            ),
            "=>" => (
                has_variant(span(toks, i, false, &[",", "{", "}", ";"])),
                "a DbKind variant in a match arm",
            ),
            "matches" if toks.get(i + 1).is_some_and(|n| n.is("!")) => (
                has_variant(span(toks, i + 2, true, &[])),
                "matches!(…, DbKind::…)",
            ),
            "let" => (
                has_variant(span(toks, i, true, &["=", ";"])),
                "a DbKind variant in a `let` pattern",
            ),
            _ => continue,
        };
        if hit {
            found.insert(t.line, what);
        }
    }
    for r in refs
        .iter()
        .filter(|r| r.in_use && r.path.iter().rev().skip(1).any(|s| s == "DbKind"))
    {
        found.insert(r.line, "a `use` of DbKind's variants");
    }
    found
}

fn dbkind_violations() -> Vec<String> {
    let mut bad = Vec::new();
    for f in tree()
        .code()
        .filter(|f| !DBKIND_ALLOWED.iter().any(|a| f.path.starts_with(a)))
    {
        for (line, what) in dbkind_comparisons(&f.scan.code, &f.scan.refs) {
            bad.push(format!(
                "{}:{line}: {what}: ask the backend registry instead",
                f.path
            ));
        }
    }
    bad
}

#[test]
fn dbkind_is_compared_only_in_db_and_backend() {
    check(
        "rule 3, no DbKind comparison outside src/db/ and src/backend.rs",
        &dbkind_violations(),
    );
}

// ---------------------------------------------------------------------------------------------
// Rule 4: SQL text

/// Whether a string literal starts with an SQL word (after whitespace and `\n`-like escapes)
/// followed by whitespace.
fn is_sql(literal: &str) -> bool {
    let mut text = literal.trim_start();
    while let Some(rest) = text
        .strip_prefix('\\')
        .filter(|r| r.starts_with(['n', 't', 'r', '\n']))
    {
        text = rest[1..].trim_start();
    }
    SQL_WORDS.iter().any(|w| {
        let starts = text
            .get(..w.len())
            .is_some_and(|h| h.eq_ignore_ascii_case(w));
        starts && text[w.len()..].starts_with(|c: char| c.is_whitespace() || c == '\\')
    })
}

fn sql_violations() -> Vec<String> {
    let (mut bad, mut excused) = (Vec::new(), BTreeSet::new());
    for f in tree().code().filter(|f| !f.path.starts_with("src/db/")) {
        let exception = SQL_ELSEWHERE.iter().find(|(p, _)| f.path.starts_with(p));
        for t in f
            .scan
            .code
            .iter()
            .filter(|t| t.kind == Kind::Str && is_sql(&t.text))
        {
            if let Some((p, _)) = exception {
                excused.insert(*p);
            } else {
                let head: String = t.text.trim().chars().take(40).collect();
                bad.push(format!(
                    "{}:{}: SQL text \"{head}…\": move it into src/db/",
                    f.path, t.line
                ));
            }
        }
    }
    for (p, _) in SQL_ELSEWHERE.iter().filter(|(p, _)| !excused.contains(p)) {
        bad.push(format!(
            "{p}: in SQL_ELSEWHERE but holds no SQL text now: remove the entry"
        ));
    }
    bad
}

#[test]
fn sql_text_lives_in_db() {
    check(
        "rule 4, no SQL text outside src/db/ (see SQL_ELSEWHERE)",
        &sql_violations(),
    );
}

// ---------------------------------------------------------------------------------------------
// Rule 5: the store's layout

/// The store-layout markers in `toks`: (line, what).
fn layout_knowledge(toks: &[Tok]) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    for t in toks {
        if t.kind == Kind::Str {
            // Layout text, or a layout item named inside a format string (`"/{MANIFEST}"`).
            let named = LAYOUT_NAMES.iter().map(|n| format!("{{{n}"));
            let mut markers = LAYOUT_TEXT.iter().map(|m| m.to_string()).chain(named);
            if let Some(m) = markers.find(|m| t.text.contains(m)) {
                found.push((t.line, format!("a string literal with `{m}`")));
            }
        } else if t.kind == Kind::Ident && LAYOUT_NAMES.contains(&t.text.as_str()) {
            found.push((t.line, format!("names `{}`", t.text)));
        }
    }
    found
}

fn layout_violations() -> Vec<String> {
    let mut bad = Vec::new();
    for f in tree()
        .code()
        .filter(|f| !f.path.starts_with("src/archive/"))
    {
        for (line, what) in layout_knowledge(&f.scan.code) {
            bad.push(format!(
                "{}:{line}: store layout ({what}): ask src/archive/",
                f.path
            ));
        }
    }
    bad
}

#[test]
fn store_layout_lives_in_archive() {
    check(
        "rule 5, no store-layout knowledge outside src/archive/",
        &layout_violations(),
    );
}

// ---------------------------------------------------------------------------------------------
// Measures

#[test]
fn print_architecture_measures() {
    let tree = tree();
    let mut sizes: Vec<(usize, &str)> = Vec::new();
    for f in tree.code() {
        let lines = f
            .text
            .lines()
            .take_while(|l| l.trim() != "#[cfg(test)]")
            .count();
        sizes.push((lines, &f.path));
    }
    sizes.sort_by(|a, b| b.cmp(a));
    let (files, modules) = (tree.files.len(), tree.modules.len());
    println!("architecture measures ({files} files under src/, {modules} top-level modules):");
    let counts = [
        (
            "top-level import cycles",
            cycles(&tree.module_graph()).len(),
        ),
        ("layering violations", layering_violations().len()),
        (
            "DbKind comparisons outside src/db/ and src/backend.rs",
            dbkind_violations().len(),
        ),
        (
            "SQL literals outside src/db/ and SQL_ELSEWHERE",
            sql_violations().len(),
        ),
        (
            "store-layout markers outside src/archive/",
            layout_violations().len(),
        ),
    ];
    for (what, n) in counts {
        println!("  {what}: {n}");
    }
    println!("  largest non-test source files (lines before the first #[cfg(test)]):");
    for (lines, path) in sizes.iter().take(10) {
        println!("    {lines:5}  {path}");
    }
}

// ---------------------------------------------------------------------------------------------
// Self-checks: the checks above cannot pass by finding nothing

#[test]
fn self_check_the_cycle_finder_finds_known_cycles() {
    let mut g: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for edge in "a>b b>c c>a c>d d>e e>d e>f".split(' ') {
        let (a, b) = edge.split_once('>').expect("from>to");
        let example = format!("src/{a}.rs:1 uses crate::{b}");
        g.entry(a.into()).or_default().insert(b.into(), example);
    }
    assert_eq!(cycles(&g), [vec!["d", "e"], vec!["a", "b", "c"]]);
    assert_eq!(
        cycle_report(&g)[0],
        "cycle between d, e:\n    d -> e: src/d.rs:1 uses crate::e\n    e -> d: src/e.rs:1 uses crate::d"
    );
    g.remove("c");
    g.remove("e");
    assert!(cycles(&g).is_empty());
}

#[test]
fn self_check_the_parser_sees_code_and_skips_comments_strings_and_tests() {
    let src = r##"
//! use crate::commented::X;
use crate::model::{self, DbKind, url::{DbUrl as U, redact}};
pub use super::sibling::*;
/* crate::x /* nested */ */ fn f() -> char { let s = "crate::in_string"; let c = '"'; crate::graph::order(); '\'' }
#[cfg(test)] mod tests { use crate::commands::x; }
#[cfg(test)]
#[allow(dead_code)]
mod helpers;
mod inner { use super::super::mask::M; }
let r = br#"SELECT "quoted" FROM t"#; fn g<'a>(x: &'a str) -> impl Sized + use<'a> { crate::db::y }
"##;
    let s = scan(src, Some(&["subset".to_string(), "scope".to_string()]));
    let refs: Vec<String> = s
        .refs
        .iter()
        .map(|r| format!("{}:{}", r.line, r.path.join("::")))
        .collect();
    assert_eq!(
        refs.join(" "),
        "3:model 3:model::DbKind 3:model::url::DbUrl 3:model::url::redact 4:subset::sibling::* \
         5:graph::order 10:subset::mask::M 11:db::y"
    );
    assert_eq!(s.test_children, ["helpers"]);
    let strings: Vec<&str> = s
        .code
        .iter()
        .filter(|t| t.kind == Kind::Str)
        .map(|t| &*t.text)
        .collect();
    assert_eq!(strings, ["crate::in_string", "SELECT \"quoted\" FROM t"]);
    let main = scan("use dbsub::commands::{demo, extract};", None);
    let refs: Vec<String> = main.refs.iter().map(|r| r.path.join("::")).collect();
    assert_eq!(refs, ["commands::demo", "commands::extract"]);
}

#[test]
fn self_check_the_rules_flag_what_they_describe() {
    let src = "fn f(k: DbKind) {
        if k == DbKind::Oracle {}
        match k { DbKind::Sqlite => 1, _ => 2 };
        let _ = matches!(k, DbKind::Postgres);
        if let DbKind::Oracle = k {}
        g(DbKind::Oracle);
        let same = k != other.kind();
        let kind: DbKind = DbKind::Sqlite;
        assert!(Some(DbKind::Postgres) != x);
    }
    use crate::model::DbKind::*;";
    let s = scan(src, Some(&["commands".to_string()]));
    let lines: Vec<usize> = dbkind_comparisons(&s.code, &s.refs).into_keys().collect();
    assert_eq!(lines, [2, 3, 4, 5, 9, 11]);
    assert!(is_sql("  select * from t") && is_sql("\\n  WITH x AS (") && is_sql("PRAGMA\tx"));
    assert!(!is_sql("selection") && !is_sql("Deleted 3 rows") && !is_sql("crate::x"));
    let src = r#"let k = format!("{prefix}/{MANIFEST}"); let p = subset_prefix("a", "b", "c");
        let t = format!("data/{s}.{t}"); k.strip_suffix(&format!("/{MANIFEST}")); let u = "data/x";"#;
    let found: Vec<(usize, String)> = layout_knowledge(&scan(src, Some(&[])).code);
    let found: Vec<String> = found.into_iter().map(|(l, w)| format!("{l} {w}")).collect();
    let want = [
        "1 a string literal with `{prefix}/`",
        "1 names `subset_prefix`",
        "2 a string literal with `data/{`",
        "2 a string literal with `{MANIFEST`",
    ];
    assert_eq!(found, want);
}

#[test]
fn self_check_the_tree_is_read() {
    let tree = tree();
    for m in ["model", "db", "commands", "backend", "catalog"] {
        assert!(
            tree.modules.iter().any(|x| x == m),
            "src/lib.rs declares `{m}`"
        );
    }
    assert!(tree.files.len() > 50, "src/ has {} files", tree.files.len());
    let graph = tree.module_graph();
    assert!(graph["backend"].contains_key("db") && graph["main"].contains_key("commands"));
    let file = |path: &str| tree.files.iter().find(|f| f.path == path).expect(path);
    assert!(file("src/model/strategies.rs").test_only && file("src/mask/tests.rs").test_only);
    let url = &file("src/model/url.rs").scan;
    assert!(
        !dbkind_comparisons(&url.code, &url.refs).is_empty(),
        "url.rs maps DbKind's variants"
    );
    let sqlite = &file("src/db/sqlite/sink.rs").scan.code;
    assert!(
        sqlite
            .iter()
            .any(|t| t.kind == Kind::Str && is_sql(&t.text)),
        "SQLite's sink has SQL"
    );
}

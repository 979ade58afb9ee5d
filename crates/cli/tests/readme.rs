//! The README's settings tables against what the binary reads. Every environment variable named
//! in the binary's flags (`env = "..."` in `crates/cli/src` and in the server's settings,
//! `crates/server/src/config`) has exactly one row, with a default and a meaning: in the
//! Configuration table, or, for the simulator's own `CALLBRIEF_SIM_*`, in the simulator's table.
//! The defaults the binary prints in `--help` are the documented ones.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Prefix of the variables only `callbrief sim` reads, documented in the simulator's section.
const SIM_PREFIX: &str = "CALLBRIEF_SIM_";
/// Section of the settings of `serve` and the other commands.
const CONFIG_SECTION: &str = "Configuration";
/// Section of the simulator's settings.
const SIM_SECTION: &str = "The simulator";

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn readme() -> String {
    std::fs::read_to_string(workspace_root().join("README.md")).expect("README.md")
}

/// Where the binary's flags are declared: the CLI's own, and the server's settings groups.
fn flag_sources() -> BTreeSet<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut vars = env_vars_in_source(&root.join("src"));
    vars.extend(env_vars_in_source(&root.join("../server/src/config")));
    vars
}

/// Every `env = "NAME"` in the `.rs` files under `dir`, recursively.
fn env_vars_in_source(dir: &Path) -> BTreeSet<String> {
    let mut vars = BTreeSet::new();
    for entry in std::fs::read_dir(dir).expect("source dir") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            vars.extend(env_vars_in_source(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).expect("source file");
            vars.extend(env_vars_in_text(&text));
        }
    }
    vars
}

/// The `NAME`s of `env = "NAME"` in `text`.
fn env_vars_in_text(text: &str) -> Vec<String> {
    const NEEDLE: &str = "env = \"";
    let mut vars = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find(NEEDLE) {
        rest = &rest[at + NEEDLE.len()..];
        if let Some(end) = rest.find('"') {
            vars.push(rest[..end].to_owned());
            rest = &rest[end..];
        }
    }
    vars
}

/// One body row of a Markdown table.
#[derive(Debug, Clone)]
struct Row {
    /// 1-based line number in the README.
    line: usize,
    /// Cells by header name.
    cells: BTreeMap<String, String>,
}

impl Row {
    fn cell(&self, header: &str) -> &str {
        self.cells.get(header).map_or("", String::as_str)
    }
}

/// The cells of a table line, split at unescaped `|`.
fn split_cells(line: &str) -> Vec<String> {
    let inner = line.trim().trim_start_matches('|');
    let inner = inner.strip_suffix('|').unwrap_or(inner);
    let mut cells = vec![String::new()];
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                cells.last_mut().unwrap().push('|');
                chars.next();
            }
            '|' => cells.push(String::new()),
            _ => cells.last_mut().unwrap().push(c),
        }
    }
    cells.into_iter().map(|c| c.trim().to_owned()).collect()
}

/// The body rows of every table in the `## {heading}` section.
fn section_rows(readme: &str, heading: &str) -> Vec<Row> {
    let title = format!("## {heading}");
    let mut in_section = false;
    let mut headers: Option<Vec<String>> = None;
    let mut rows = Vec::new();
    for (i, line) in readme.lines().enumerate() {
        if line.starts_with("## ") || line.starts_with("# ") {
            in_section = line.trim() == title;
            headers = None;
            continue;
        }
        if !in_section {
            continue;
        }
        if !line.trim_start().starts_with('|') {
            headers = None;
            continue;
        }
        let cells = split_cells(line);
        match &headers {
            None => headers = Some(cells),
            Some(_)
                if cells
                    .iter()
                    .all(|c| c.chars().all(|ch| ch == '-' || ch == ':')) => {}
            Some(names) => rows.push(Row {
                line: i + 1,
                cells: names.iter().cloned().zip(cells).collect(),
            }),
        }
    }
    rows
}

/// The variable names in a cell: the backticked words that look like environment variables.
fn names_in(cell: &str) -> Vec<String> {
    cell.split('`')
        .skip(1)
        .step_by(2)
        .filter(|word| {
            word.len() > 1
                && word.starts_with(|c: char| c.is_ascii_uppercase())
                && word
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        })
        .map(str::to_owned)
        .collect()
}

/// The rows of a section's settings table(s), by the variable they document.
fn documented(readme: &str, heading: &str) -> BTreeMap<String, Vec<Row>> {
    let mut by_var: BTreeMap<String, Vec<Row>> = BTreeMap::new();
    for row in section_rows(readme, heading) {
        for name in names_in(row.cell("environment variable")) {
            by_var.entry(name).or_default().push(row.clone());
        }
    }
    by_var
}

/// Which section documents `var`.
fn section_of(var: &str) -> &'static str {
    if var.starts_with(SIM_PREFIX) {
        SIM_SECTION
    } else {
        CONFIG_SECTION
    }
}

/// Everything wrong with `readme`'s settings tables for a CLI that reads `vars`, one sentence each.
fn problems(readme: &str, vars: &BTreeSet<String>) -> Vec<String> {
    let mut problems = Vec::new();
    for section in [CONFIG_SECTION, SIM_SECTION] {
        let table = documented(readme, section);
        for var in vars.iter().filter(|v| section_of(v) == section) {
            match table.get(var).map(Vec::as_slice) {
                None | Some([]) => problems.push(format!("{var} has no row in \"{section}\"")),
                Some([row]) => {
                    for header in ["default", "meaning"] {
                        if row.cell(header).is_empty() {
                            problems
                                .push(format!("{var} (README line {}) has no {header}", row.line));
                        }
                    }
                }
                Some(rows) => problems.push(format!(
                    "{var} has {} rows in \"{section}\" (README lines {:?}); keep one",
                    rows.len(),
                    rows.iter().map(|r| r.line).collect::<Vec<_>>()
                )),
            }
        }
        for (var, rows) in &table {
            if !vars.contains(var) {
                problems.push(format!(
                    "{var} (README line {}) is documented in \"{section}\" but the CLI does not read it",
                    rows[0].line
                ));
            } else if section_of(var) != section && rows.len() > 1 {
                problems.push(format!("{var} has {} rows in \"{section}\"", rows.len()));
            }
        }
    }
    problems
}

/// The binary, with no setting from the test's own environment.
fn callbrief() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_callbrief"));
    for (key, _) in std::env::vars() {
        if key.starts_with("CALLBRIEF_")
            || key.starts_with("GONG_")
            || key.starts_with("SALESFORCE_")
        {
            cmd.env_remove(key);
        }
    }
    cmd.stdin(Stdio::null());
    cmd
}

fn help(args: &[&str]) -> String {
    let out = callbrief()
        .args(args)
        .arg("--help")
        .output()
        .expect("run callbrief");
    assert!(out.status.success(), "{args:?} --help failed");
    String::from_utf8(out.stdout).expect("UTF-8 help")
}

/// The subcommands `callbrief --help` lists.
fn subcommands() -> Vec<String> {
    let top = help(&[]);
    top.lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        // A command's line starts two spaces in; wrapped descriptions start further in.
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_owned)
        .collect()
}

/// `(variable, default)` for every option of one `--help` text that reads a variable; the
/// default is `None` when clap shows none.
fn env_defaults_in_help(text: &str) -> Vec<(String, Option<String>)> {
    let mut found: Vec<(String, Option<String>)> = Vec::new();
    let mut current: Option<usize> = None;
    for line in text.lines().map(str::trim) {
        if line.starts_with('-') {
            current = None;
        } else if let Some(rest) = line.strip_prefix("[env: ") {
            let name = rest.split(['=', ']']).next().unwrap_or_default();
            found.push((name.to_owned(), None));
            current = Some(found.len() - 1);
        } else if let Some(rest) = line.strip_prefix("[default: ") {
            if let Some(i) = current {
                found[i].1 = Some(rest.trim_end_matches(']').to_owned());
            }
        }
    }
    found
}

#[test]
fn every_environment_variable_the_cli_reads_has_one_row_in_the_readme() {
    let vars = flag_sources();
    for known in [
        "CALLBRIEF_AUTH",
        "CALLBRIEF_API_KEYS",
        "SALESFORCE_DEADLINE_SECS",
        "CALLBRIEF_GONG_URL_FIELD",
        "CALLBRIEF_SIM_GONG_ADDR",
        "CALLBRIEF_MAX_CONNECTIONS",
    ] {
        assert!(
            vars.contains(known),
            "the source scan missed {known}: {vars:?}"
        );
    }
    let problems = problems(&readme(), &vars);
    assert!(
        problems.is_empty(),
        "README.md settings tables:\n  {}",
        problems.join("\n  ")
    );
}

#[test]
fn the_documented_defaults_are_the_ones_the_binary_uses() {
    let readme = readme();
    let mut seen = BTreeSet::new();
    let mut wrong = Vec::new();
    let commands = subcommands();
    assert!(commands.len() >= 6, "{commands:?}");
    for command in &commands {
        for (var, default) in env_defaults_in_help(&help(&[command])) {
            seen.insert(var.clone());
            let Some(default) = default else { continue };
            let section = section_of(&var);
            let rows = documented(&readme, section)
                .remove(&var)
                .unwrap_or_default();
            let Some(row) = rows.first() else {
                wrong.push(format!("{var} ({command}) has no row in \"{section}\""));
                continue;
            };
            if !row.cell("default").contains(&format!("`{default}`")) {
                wrong.push(format!(
                    "{var}: `callbrief {command}` defaults to `{default}`, README line {} says {:?}",
                    row.line,
                    row.cell("default")
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    // The help texts and the source scan agree, so neither misses a variable.
    let scanned = flag_sources();
    assert_eq!(seen, scanned);
}

#[test]
fn the_check_reports_missing_duplicate_stale_and_empty_rows() {
    let readme = "\
# x

## Configuration

| environment variable | flag | default | meaning |
| --- | --- | --- | --- |
| `A_ONE` | `--one` | `1` | The first. |
| `B_TWO` + `C_THREE` | `--two` | (none) | Two \\| three. |
| `B_TWO` | `--two` | `2` | Again. |
| `D_FOUR` | `--four` |  | No default. |
| `STALE` | `--stale` | `0` | Not read. |

## The simulator

| flag | environment variable | default | meaning |
| --- | --- | --- | --- |
| `--gong-addr` | `CALLBRIEF_SIM_GONG_ADDR` | (off) | Gong. |
";
    let vars: BTreeSet<String> = [
        "A_ONE",
        "B_TWO",
        "C_THREE",
        "D_FOUR",
        "E_MISSING",
        "CALLBRIEF_SIM_GONG_ADDR",
        "CALLBRIEF_SIM_SEED",
    ]
    .map(str::to_owned)
    .into();
    let problems = problems(readme, &vars);
    let expected = [
        "B_TWO has 2 rows",
        "D_FOUR (README line 10) has no default",
        "E_MISSING has no row in \"Configuration\"",
        "STALE (README line 11) is documented",
        "CALLBRIEF_SIM_SEED has no row in \"The simulator\"",
    ];
    for needle in expected {
        assert!(
            problems.iter().any(|p| p.contains(needle)),
            "{needle:?} not reported: {problems:#?}"
        );
    }
    assert_eq!(problems.len(), expected.len(), "{problems:#?}");
    assert_eq!(
        split_cells("| `a` | b \\| c |"),
        ["`a`", "b | c"],
        "escaped pipes stay in their cell"
    );
}

#[test]
fn help_defaults_are_read_per_option() {
    let text = "\
      --addr <ADDR>
          Address

          [env: CALLBRIEF_ADDR=]
          [default: 127.0.0.1:8080]

      --api-keys <API_KEYS>
          Keys

          [env: CALLBRIEF_API_KEYS]

      --calls <CALLS>
          How many

          [default: 3]
";
    assert_eq!(
        env_defaults_in_help(text),
        [
            (
                "CALLBRIEF_ADDR".to_owned(),
                Some("127.0.0.1:8080".to_owned())
            ),
            ("CALLBRIEF_API_KEYS".to_owned(), None),
        ]
    );
}

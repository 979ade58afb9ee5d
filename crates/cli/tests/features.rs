//! The `demo` feature decides whether the binary carries the simulators: with it (the default)
//! `sim` and `demo` are commands; without it (`--no-default-features`, the production build)
//! they are neither listed nor accepted. Runs in both builds.

use std::process::{Command, Output, Stdio};

fn callbrief(args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_callbrief"));
    for (key, _) in std::env::vars() {
        if key.starts_with("CALLBRIEF_")
            || key.starts_with("GONG_")
            || key.starts_with("SALESFORCE_")
        {
            cmd.env_remove(key);
        }
    }
    // Tests never write to the user's cache directory.
    cmd.env("CALLBRIEF_CACHE", "memory");
    cmd.args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run callbrief")
}

/// The subcommand names `callbrief --help` lists.
fn subcommands() -> Vec<String> {
    let out = callbrief(&["--help"]);
    assert!(out.status.success(), "--help failed");
    let help = String::from_utf8_lossy(&out.stdout).into_owned();
    help.lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        // A command's line starts two spaces in; wrapped descriptions start further in.
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_owned)
        .collect()
}

#[test]
fn sim_and_demo_exist_exactly_with_the_demo_feature() {
    let commands = subcommands();
    for always in ["serve", "openapi", "gpt-setup", "briefing", "mcp"] {
        assert!(
            commands.iter().any(|c| c == always),
            "{always} missing: {commands:?}"
        );
    }
    for name in ["sim", "demo"] {
        assert_eq!(
            commands.iter().any(|c| c == name),
            cfg!(feature = "demo"),
            "`{name}` listed: {commands:?}; built with the demo feature: {}",
            cfg!(feature = "demo")
        );
        let out = callbrief(&[name, "--help"]);
        assert_eq!(
            out.status.success(),
            cfg!(feature = "demo"),
            "`{name} --help`"
        );
    }
}

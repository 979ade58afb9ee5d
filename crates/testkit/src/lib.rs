#![warn(missing_docs)]
//! Test-only helpers shared by callbrief's test suites.
//!
//! Some tests drive callbrief with a real outside tool (the official Python MCP SDK today; a
//! Redis server or a Prometheus parser later). Such a test must never pass without having run:
//! a green suite that quietly skipped the one test of a feature says nothing about it. So a
//! test that finds its tool missing calls [`require_tool`], which
//!
//! - fails the test when tools are required: `CALLBRIEF_REQUIRE_TOOLS=1` (set by `scripts/test`,
//!   which installs every tool first) or `CI` set (to anything but `false` or `0`);
//! - skips it, saying so on stderr as `SKIPPED: <test name>: <why>`, only when the person
//!   running the tests asked for that with `CALLBRIEF_SKIP_MISSING_TOOLS=1`
//!   (`.config/nextest.toml` shows that line for the tests that can skip, since nextest hides
//!   the output of tests that pass);
//! - fails the test otherwise, naming the tool, how to install it, and both variables.
//!
//! The tests themselves check whether their tool works (they know how: run an import, connect
//! to a port) and hand the answer here, so this crate needs no dependencies. [`redis`] starts a
//! throwaway `redis-server` for the tests that share state between replicas.

pub mod process;
pub mod redis;

/// Variable that makes a missing tool a failure even where skipping was asked for.
pub const REQUIRE_TOOLS_VAR: &str = "CALLBRIEF_REQUIRE_TOOLS";
/// Variable with which a person running the tests allows tests to skip when their tool is missing.
pub const SKIP_MISSING_TOOLS_VAR: &str = "CALLBRIEF_SKIP_MISSING_TOOLS";

/// What a test does when its tool is missing; see the crate documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MissingTool {
    /// Fail the test: tools are required here.
    Fail,
    /// Skip the test, saying so by name: skipping was asked for.
    Skip,
    /// Fail the test, and say how to install the tool or how to allow skipping.
    FailWithHint,
}

/// The policy of this process, from `CALLBRIEF_REQUIRE_TOOLS`, `CI` and
/// `CALLBRIEF_SKIP_MISSING_TOOLS`.
pub fn missing_tool_policy() -> MissingTool {
    policy(|name| std::env::var(name).ok())
}

/// The policy for the variables `var` returns; separate from the process environment so every
/// combination is unit-tested without touching it.
fn policy(var: impl Fn(&str) -> Option<String>) -> MissingTool {
    if is_true(var(REQUIRE_TOOLS_VAR)) || is_true(var("CI")) {
        MissingTool::Fail
    } else if is_true(var(SKIP_MISSING_TOOLS_VAR)) {
        MissingTool::Skip
    } else {
        MissingTool::FailWithHint
    }
}

/// Whether a flag variable is on: set, and not empty, `0` or `false` (CI systems set `CI=true`,
/// some `CI=1`; people write `CI=false` to turn it off).
fn is_true(value: Option<String>) -> bool {
    value.is_some_and(|v| {
        let v = v.trim();
        !(v.is_empty() || v == "0" || v.eq_ignore_ascii_case("false"))
    })
}

/// The running test's name: the test harness names each test's thread after it. Tests on a
/// runtime of their own (`#[tokio::test]`) run their body on that thread too.
pub fn current_test_name() -> String {
    std::thread::current()
        .name()
        .unwrap_or("<unnamed test>")
        .to_owned()
}

/// Call at the start of a test that needs an outside tool, with whether the tool works.
/// Returns `true` when the test should go on; `false` when it should return now, having been
/// reported as skipped. Panics (failing the test) when the tool is missing and skipping was not
/// asked for; see the crate documentation.
///
/// `tool` names what is missing ("the Python MCP SDK (`import mcp` with python3)"), `install`
/// says how to get it ("`python3 -m pip install mcp`").
#[track_caller]
pub fn require_tool(available: bool, tool: &str, install: &str) -> bool {
    if available {
        return true;
    }
    let test = current_test_name();
    match missing_tool_policy() {
        MissingTool::Fail => panic!(
            "{test}: {tool} is missing, and tools are required here ({REQUIRE_TOOLS_VAR} or CI \
             is set). Install it: {install}; `scripts/test` installs every tool the tests use."
        ),
        MissingTool::Skip => {
            eprintln!("SKIPPED: {test}: {tool} is missing. Install it: {install}");
            false
        }
        MissingTool::FailWithHint => panic!(
            "{test}: {tool} is missing. Install it: {install}; or run `scripts/test`, which \
             installs every tool the tests use; or set {SKIP_MISSING_TOOLS_VAR}=1 to skip the \
             tests that need it."
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy_of(vars: &[(&str, &str)]) -> MissingTool {
        policy(|name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        })
    }

    #[test]
    fn required_tools_fail_even_when_skipping_is_allowed() {
        for vars in [
            &[(REQUIRE_TOOLS_VAR, "1")][..],
            &[("CI", "true")],
            &[("CI", "1"), (SKIP_MISSING_TOOLS_VAR, "1")],
            &[(REQUIRE_TOOLS_VAR, "true"), (SKIP_MISSING_TOOLS_VAR, "1")],
        ] {
            assert_eq!(policy_of(vars), MissingTool::Fail, "{vars:?}");
        }
    }

    #[test]
    fn skipping_only_when_asked_for() {
        assert_eq!(
            policy_of(&[(SKIP_MISSING_TOOLS_VAR, "1")]),
            MissingTool::Skip
        );
        assert_eq!(
            policy_of(&[("CI", "false"), (SKIP_MISSING_TOOLS_VAR, "1")]),
            MissingTool::Skip
        );
        for vars in [
            &[][..],
            &[(SKIP_MISSING_TOOLS_VAR, "0")],
            &[(SKIP_MISSING_TOOLS_VAR, "")],
            &[("CI", "false"), (REQUIRE_TOOLS_VAR, "0")],
        ] {
            assert_eq!(policy_of(vars), MissingTool::FailWithHint, "{vars:?}");
        }
    }

    #[test]
    fn an_available_tool_always_goes_on() {
        assert!(require_tool(true, "anything", "nothing to do"));
    }

    #[test]
    fn the_test_name_is_the_harness_thread_name() {
        assert!(
            current_test_name().ends_with("the_test_name_is_the_harness_thread_name"),
            "{}",
            current_test_name()
        );
    }
}

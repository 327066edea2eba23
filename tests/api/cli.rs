//! The `citynet` command line as a shell runs it: help and version exit 0 without touching a
//! database or a port, unknown arguments exit 2 (clap's usage error), and no command serves.

use std::{
    process::{Command, Output, Stdio},
    time::{Duration, Instant},
};

/// Runs `citynet ARGS` in an empty directory, with a database there that must stay unopened and
/// a port that must stay unbound (8000 is the default a mistaken start would take).
fn citynet(args: &[&str]) -> (Output, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("citynet.db").display()
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_citynet"))
        .args(args)
        .current_dir(dir.path())
        .env_clear()
        .env("DATABASE_URL", url)
        .env("PORT", "0")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("citynet runs");
    // A command that parses its arguments and stops returns at once; one that started a server
    // would run until killed.
    let started = Instant::now();
    while child.try_wait().expect("the child's status").is_none() {
        if started.elapsed() > Duration::from_secs(10) {
            child.kill().ok();
            let output = child.wait_with_output().expect("the killed child's output");
            panic!(
                "citynet {args:?} did not return within 10 s (a server started?): {}",
                String::from_utf8_lossy(&output.stdout)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let output = child.wait_with_output().expect("the child's output");
    (output, dir)
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn serve_help_prints_usage_and_starts_nothing() {
    for args in [
        &["serve", "--help"][..],
        &["serve", "-h"],
        &["help", "serve"],
    ] {
        let (output, dir) = citynet(args);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{args:?}: {}",
            stderr(&output)
        );
        let help = stdout(&output);
        assert!(help.contains("Usage: citynet serve"), "{args:?}: {help}");
        assert!(help.contains("DATABASE_URL"), "{args:?}: {help}");
        assert!(
            !dir.path().join("citynet.db").exists(),
            "{args:?} opened the database"
        );
    }
}

/// The commands `citynet ARGS` (a help request) lists, `help` included.
fn listed_commands(args: &[&str]) -> Vec<String> {
    let (output, _dir) = citynet(args);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{args:?}: {}",
        stderr(&output)
    );
    let help = stdout(&output);
    help.split("Commands:")
        .nth(1)
        .and_then(|rest| rest.split("Options:").next())
        .unwrap_or_else(|| panic!("no command list in {help}"))
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_binary_help_lists_every_command() {
    for args in [&["--help"][..], &["-h"], &["help"]] {
        assert_eq!(
            listed_commands(args),
            ["serve", "schema", "seed", "generate", "export", "import", "help"],
            "{args:?}"
        );
    }
}

/// `citynet --help` is the source of truth: the README names every command, and
/// ARCHITECTURE.md's list of them is complete.
#[test]
fn the_documents_name_every_command() {
    let read = |name: &str| {
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(name))
            .unwrap_or_else(|err| panic!("{name}: {err}"))
    };
    let (readme, architecture) = (read("README.md"), read("ARCHITECTURE.md"));
    let mut commands = listed_commands(&["--help"]);
    commands.retain(|command| command != "help");
    for command in &commands {
        assert!(
            readme.contains(&format!("`citynet {command}")),
            "README.md never names `citynet {command}`"
        );
    }
    assert!(
        architecture.contains(&commands.join(" | ")),
        "ARCHITECTURE.md should list {}",
        commands.join(" | ")
    );
}

#[test]
fn every_command_has_help_naming_its_flags() {
    for (command, flags) in [
        ("serve", &[][..]),
        ("schema", &[]),
        ("seed", &[]),
        (
            "generate",
            &[
                "--places <N>",
                "--networks <M>",
                "--memberships <K>",
                "--events <E>",
                "--seed <S>",
            ],
        ),
        ("export", &["--format <FORMAT>", "--out <FILE>"]),
        ("import", &["<FILE>...", "--dry-run"]),
    ] {
        let (output, _dir) = citynet(&[command, "--help"]);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{command}: {}",
            stderr(&output)
        );
        let help = stdout(&output);
        assert!(
            help.contains(&format!("Usage: citynet {command}")),
            "{help}"
        );
        for flag in flags {
            assert!(help.contains(flag), "{command} --help lacks {flag}: {help}");
        }
    }
}

#[test]
fn the_defaults_of_generate_and_export_are_shown() {
    let (output, _dir) = citynet(&["generate", "--help"]);
    let help = stdout(&output);
    for default in [
        "[default: 50000]",
        "[default: 2000]",
        "[default: 500000]",
        "[default: 20000]",
        "[default: 1]",
    ] {
        assert!(help.contains(default), "{default} in {help}");
    }
    let (output, _dir) = citynet(&["export", "--help"]);
    let help = stdout(&output);
    assert!(help.contains("[default: json]"), "{help}");
    assert!(help.contains("json, toml"), "{help}");
}

#[test]
fn version_prints_the_package_version() {
    let (output, _dir) = citynet(&["--version"]);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        stdout(&output).trim(),
        format!("citynet {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn unknown_arguments_are_refused_with_status_2() {
    for args in [
        &["seed", "--port", "9000"][..],
        &["schema", "--bogus"],
        &["serve", "--bogus"],
        &["--bogus"],
        &["generate", "--places", "0"],
        &["generate", "--places", "ten"],
        &["generate", "--seed"],
        &["export", "--format", "xml"],
        &["export", "stray"],
        &["import"],
        &["import", "a.json", "--force"],
    ] {
        let (output, dir) = citynet(args);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            stderr(&output)
        );
        let error = stderr(&output);
        assert!(error.starts_with("error:"), "{args:?}: {error}");
        assert!(error.contains("try '--help'"), "{args:?}: {error}");
        assert!(stdout(&output).is_empty(), "{args:?}");
        assert!(
            !dir.path().join("citynet.db").exists(),
            "{args:?} opened the database"
        );
    }
}

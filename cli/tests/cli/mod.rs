//! The `upload-clients` binary against httpmock: every subcommand's request, output, exit
//! status and error line.

mod errors;
mod many_files;
mod signals;
mod uploads;

use std::process::Output;

/// Runs the binary with `args` and only the CLI variables in `env`.
fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    crate::cli_command()
        .args(args)
        .envs(env.iter().copied())
        .output()
        .expect("binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

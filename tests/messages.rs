//! The library speaks to library users: its messages name no CLI flag (the CLI words its own
//! hints), so a service relaying our errors never tells its users to pass `--filename`.

use std::path::{Path, PathBuf};

/// The library's messages never tell a library user to pass a CLI flag: the CLI words its own
/// hints. Every line of the library's `src/` that holds a string with `--` and a letter
/// (`--filename`, `--custom-purpose`) is named.
#[test]
fn library_messages_name_no_cli_flag() {
    fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("src") {
            let path = entry.expect("entry").path();
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            if path.is_dir() {
                sources(&path, out);
            } else if name.ends_with(".rs") {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    sources(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    assert!(files.len() > 20, "the library's sources were found");
    let mut found = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("read");
        for (n, line) in text.lines().enumerate() {
            let code = line.trim_start();
            if code.starts_with("//") {
                continue;
            }
            let flag = code.match_indices("--").any(|(at, _)| {
                code[..at].contains('"')
                    && code[at + 2..].starts_with(|c: char| c.is_ascii_lowercase())
            });
            if flag {
                found.push(format!("{}:{}: {code}", file.display(), n + 1));
            }
        }
    }
    assert!(
        found.is_empty(),
        "CLI flags in library strings:\n{}",
        found.join("\n")
    );
}

//! Installing Prism (`npm ci`, once per `target/`) and the spec copies it reads.

use serde_yaml_ng::{Mapping, Value as Yaml};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use super::{PRISM_DIR, PRISM_VERSION, SPECS_DIR};

// ---------------------------------------------------------------------------------------------
// Installing Prism

/// The directory holding `node_modules/.bin/prism`, installed once per `target/`.
pub(super) fn prism_install() -> &'static Path {
    static INSTALL: OnceLock<PathBuf> = OnceLock::new();
    INSTALL.get_or_init(install)
}

/// `npm ci` of `cli/tests/prism` into `target/tmp/prism`, unless the same manifest and lock are
/// installed there already. The install happens in a directory of this process's own, renamed
/// into place when complete: a rename is atomic, so two test processes installing at once never
/// use a half-installed Prism, and the one that loses the race uses the winner's.
fn install() -> PathBuf {
    let read = |name: &str| {
        std::fs::read_to_string(format!("{PRISM_DIR}/{name}"))
            .unwrap_or_else(|e| panic!("cli/tests/prism/{name}: {e}"))
    };
    let stamp = format!("{}\n{}", read("package.json"), read("package-lock.json"));
    let root = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let dest = root.join("prism");
    let installed = |dir: &Path| {
        std::fs::read_to_string(dir.join(".installed-from"))
            .ok()
            .as_deref()
            == Some(&stamp)
    };
    if installed(&dest) {
        return dest;
    }
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    let staging = root.join(format!("prism-installing-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&staging).expect("staging directory");
    for name in ["package.json", "package-lock.json"] {
        std::fs::copy(format!("{PRISM_DIR}/{name}"), staging.join(name)).expect("copy manifest");
    }
    if let Err(problem) = npm_ci(&staging) {
        let _ = std::fs::remove_dir_all(&staging);
        panic!("{problem}");
    }
    std::fs::write(staging.join(".installed-from"), &stamp).expect("install marker");
    for attempt in 0..5 {
        match std::fs::rename(&staging, &dest) {
            Ok(()) => return dest,
            Err(_) if installed(&dest) => {
                let _ = std::fs::remove_dir_all(&staging);
                return dest;
            }
            Err(_) => {
                // Another version is installed there: move it aside (only one process can),
                // then try again.
                let aside = root.join(format!(
                    "prism-stale-{}-{nanos}-{attempt}",
                    std::process::id()
                ));
                if std::fs::rename(&dest, &aside).is_ok() {
                    let _ = std::fs::remove_dir_all(&aside);
                }
            }
        }
    }
    panic!(
        "could not move the Prism install {} to {}",
        staging.display(),
        dest.display()
    );
}

/// `npm ci` in `dir`, then a check that the installed Prism is [`PRISM_VERSION`].
fn npm_ci(dir: &Path) -> Result<(), String> {
    let npm = Command::new("npm")
        .args([
            "ci",
            "--no-audit",
            "--no-fund",
            "--ignore-scripts",
            "--loglevel=error",
        ])
        .current_dir(dir)
        .output()
        .map_err(|e| format!("cannot run npm (Node.js and npm are needed): {e}"))?;
    if !npm.status.success() {
        return Err(format!(
            "npm ci of tests/prism failed ({}):\n{}\n{}",
            npm.status,
            String::from_utf8_lossy(&npm.stdout),
            String::from_utf8_lossy(&npm.stderr)
        ));
    }
    let version = Command::new(dir.join("node_modules/.bin/prism"))
        .arg("--version")
        .output()
        .map_err(|e| format!("the installed prism does not run: {e}"))?;
    let printed = String::from_utf8_lossy(&version.stdout);
    if printed.trim() != PRISM_VERSION {
        return Err(format!(
            "installed Prism {:?}, expected {PRISM_VERSION}; stderr: {}",
            printed.trim(),
            String::from_utf8_lossy(&version.stderr)
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The spec copies Prism reads

/// The spec `file` as Prism gets it, and the changes made, each named (the module docs say
/// why): paths prefixed with the server's base path, and MaiAgent's presigned POST `url` pointed
/// to `storage_url`. The schemas are those of the committed spec.
pub(super) fn prism_copy(file: &str, storage_url: Option<&str>) -> (String, Vec<String>) {
    let text = std::fs::read_to_string(format!("{SPECS_DIR}/{file}")).expect("spec");
    let mut doc: Yaml = serde_yaml_ng::from_str(&text).expect("spec parses");
    let mut changes = Vec::new();

    // The first server's URL with its variables at their defaults.
    let server = &doc["servers"][0];
    let mut url = server["url"].as_str().expect("servers[0].url").to_string();
    if let Some(variables) = server["variables"].as_mapping() {
        for (name, variable) in variables {
            let (Some(name), Some(default)) = (name.as_str(), variable["default"].as_str()) else {
                continue;
            };
            url = url.replace(&format!("{{{name}}}"), default);
        }
    }
    let base_path = url::Url::parse(&url)
        .expect("server URL")
        .path()
        .trim_end_matches('/')
        .to_string();
    if !base_path.is_empty() {
        let paths = doc["paths"].as_mapping_mut().expect("paths");
        let prefixed: Mapping = std::mem::take(paths)
            .into_iter()
            .map(|(path, item)| {
                let path = path.as_str().expect("path");
                (Yaml::from(format!("{base_path}{path}")), item)
            })
            .collect();
        *paths = prefixed;
        changes.push(format!("paths prefixed with {base_path}"));
    }

    if let Some(storage_url) = storage_url {
        let example = &mut doc["paths"]["/api/upload-presigned-url/"]["post"]["responses"]["200"]["content"]
            ["application/json"]["example"]["url"];
        assert_eq!(example.as_str(), Some("https://s3.example.com/bucket-name"));
        *example = Yaml::from(storage_url.to_string());
        changes.push("presigned POST example url → the local storage stub".to_string());
    }
    (serde_yaml_ng::to_string(&doc).expect("YAML"), changes)
}

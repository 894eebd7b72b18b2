//! The files the harness uploads, generated once into `target/bench-data` and reused.
//!
//! Every file is a PNG signature followed by pseudo-random bytes (seeded, so a file is the same
//! on every run): incompressible, and recognised as `image/png` from its magic bytes, a type
//! every API here accepts (ACS images, RBM media, AI Agents anything, MaiAgent `image/*`).

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// The PNG signature every file starts with.
pub const PNG_SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];

/// `target/bench-data`.
pub fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .map(|target| target.join("bench-data"))
        .unwrap_or_else(|| PathBuf::from("target/bench-data"))
}

/// A size as the tables show it: `64 KiB`, `100 MiB`, `1 GiB`.
pub fn label(size: u64) -> String {
    /// One KiB.
    const KIB: u64 = 1024;
    match size {
        s if s >= KIB * KIB * KIB && s % (KIB * KIB * KIB) == 0 => format!("{} GiB", s >> 30),
        s if s >= KIB * KIB && s % (KIB * KIB) == 0 => format!("{} MiB", s >> 20),
        s if s >= KIB && s % KIB == 0 => format!("{} KiB", s >> 10),
        s => format!("{s} B"),
    }
}

/// Parses `64K`, `100M`, `1G` (binary units) or a plain byte count.
pub fn parse_size(text: &str) -> Option<u64> {
    let text = text.trim().to_ascii_uppercase();
    let text = text.trim_end_matches("IB").trim_end_matches('B');
    let (digits, shift) = match text.chars().last()? {
        'K' => (&text[..text.len() - 1], 10),
        'M' => (&text[..text.len() - 1], 20),
        'G' => (&text[..text.len() - 1], 30),
        _ => (text, 0),
    };
    digits.trim().parse::<u64>().ok().map(|n| n << shift)
}

/// The file of `size` bytes (created when missing or of another size).
pub fn file_of(dir: &Path, name: &str, size: u64) -> io::Result<PathBuf> {
    fs::create_dir_all(dir)?;
    let path = dir.join(name);
    if fs::metadata(&path).is_ok_and(|m| m.len() == size) {
        return Ok(path);
    }
    let partial = dir.join(format!(".{name}.partial"));
    let mut out = io::BufWriter::with_capacity(1 << 20, fs::File::create(&partial)?);
    let seed = name
        .bytes()
        .fold(size ^ 0x5eed, |h, b| h.rotate_left(5) ^ u64::from(b));
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut chunk = vec![0u8; 1 << 20];
    let mut written = 0u64;
    while written < size {
        let n = (size - written).min(chunk.len() as u64) as usize;
        rng.fill(&mut chunk[..n]);
        if written == 0 {
            let k = n.min(PNG_SIGNATURE.len());
            chunk[..k].copy_from_slice(&PNG_SIGNATURE[..k]);
        }
        out.write_all(&chunk[..n])?;
        written += n as u64;
    }
    out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
    fs::rename(&partial, &path)?;
    Ok(path)
}

/// The upload file of `size` bytes: `target/bench-data/upload-<size>.png`.
pub fn upload_file(size: u64) -> io::Result<PathBuf> {
    let name = format!("upload-{}.png", label(size).replace(' ', "").to_lowercase());
    file_of(&data_dir(), &name, size)
}

/// `count` distinct small images of `size` bytes each, in `target/bench-data/small-<size>/`.
pub fn small_files(count: usize, size: u64) -> io::Result<Vec<PathBuf>> {
    let dir = data_dir().join(format!("small-{size}"));
    (0..count)
        .map(|i| file_of(&dir, &format!("img-{i:04}.png"), size))
        .collect()
}

/// The directory and names of [`distinct_files`]: `target/bench-data/many-<size>/file-<i>.png`.
fn distinct_names(count: usize, size: u64) -> (PathBuf, Vec<String>) {
    let dir = data_dir().join(format!(
        "many-{}",
        label(size).replace(' ', "").to_lowercase()
    ));
    (dir, (0..count).map(|i| format!("file-{i}.png")).collect())
}

/// `count` distinct files of `size` bytes each, each seeded by its own name.
pub fn distinct_files(count: usize, size: u64) -> io::Result<Vec<PathBuf>> {
    let (dir, names) = distinct_names(count, size);
    names.iter().map(|n| file_of(&dir, n, size)).collect()
}

/// How many bytes [`distinct_files`] still has to write for `count` files of `size`.
pub fn distinct_files_missing(count: usize, size: u64) -> u64 {
    let (dir, names) = distinct_names(count, size);
    names
        .iter()
        .filter(|n| !fs::metadata(dir.join(n)).is_ok_and(|m| m.len() == size))
        .map(|_| size)
        .sum()
}

/// The bytes free for an unprivileged user on the file system holding `path` (`df -Pk`).
pub fn free_bytes(path: &Path) -> Option<u64> {
    let output = std::process::Command::new("df")
        .arg("-Pk")
        .arg(path)
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&output.stdout);
    let kib: u64 = text
        .lines()
        .nth(1)?
        .split_whitespace()
        .nth(3)?
        .parse()
        .ok()?;
    Some(kib * 1024)
}

/// The first `n` bytes of a file.
pub fn head_of(path: &Path, n: usize) -> io::Result<Vec<u8>> {
    use std::io::Read;
    let mut head = Vec::with_capacity(n);
    fs::File::open(path)?
        .take(n as u64)
        .read_to_end(&mut head)?;
    Ok(head)
}

//! The command line: `--help` and the options it parses.

use crate::contenders::Api;
use crate::{KIB, MIB, data, nginx_large};

/// `--help`.
pub(super) const USAGE: &str = "\
cargo bench --bench uploads -- [OPTIONS]

  --quick              smoke run: 64 KiB and 1 MiB, 1 run, 20 small uploads, no build case
  --sizes LIST         file sizes, e.g. 1M,100M,1G (default 1M,100M,1G); case 6 uploads
                       8 files of the largest at once
  --runs N             runs per case (default 7; at most 3 for memory, build and case 6's
                       8 large uploads at once)
  --paths LIST         acs,rbm,agents,maiagent,presigned (default all)
  --cases LIST         throughput,memory,small,emulator,nginx,build (default all but build)
  --build              also run the build case (slow: a clean build)
  --small N            number of 10 KiB images in the small cases (default 2000)
  --concurrency LIST   concurrencies of the small case (default 1,32); the largest is also
                       the concurrency of case 6's small files (default 8 there)
  --raw-chunk SIZE     read size of the raw reqwest contender (default 2M, as the facade;
                       like the facade, never more than the file's length)
  --no-curl            leave curl out
  --serve SECS         only run the sink for SECS seconds (for measuring by hand)
  --help               this text";

/// What to run, from the command line.
#[derive(Debug, Clone)]
pub(super) struct Options {
    /// The CI smoke: tiny sizes, one run, no warm-ups.
    pub(super) quick: bool,
    /// File sizes of the throughput and memory cases.
    pub(super) sizes: Vec<u64>,
    /// Timed runs per measurement.
    pub(super) runs: usize,
    /// The upload paths of the throughput case.
    pub(super) paths: Vec<Api>,
    /// Run case 1.
    pub(super) throughput: bool,
    /// Run case 2.
    pub(super) memory: bool,
    /// Run case 3.
    pub(super) small: bool,
    /// Run case 4.
    pub(super) build: bool,
    /// Run case 5.
    pub(super) emulator: bool,
    /// Run case 6.
    pub(super) nginx: bool,
    /// How many images case 3 uploads.
    pub(super) small_count: usize,
    /// The concurrencies of case 3.
    pub(super) concurrency: Vec<usize>,
    /// The read size of the raw `reqwest` contender.
    pub(super) raw_chunk: usize,
    /// Include curl (when installed).
    pub(super) curl: bool,
    /// The arguments as given, for the report.
    pub(super) args: Vec<String>,
    /// Only run the sink for this many seconds.
    pub(super) serve: Option<u64>,
    /// The concurrency of case 6's small files: the largest of `--concurrency` when given,
    /// else 8.
    pub(super) nginx_concurrency: usize,
    /// The hidden `--upload-many API BASE CONCURRENCY FILE...` mode (case 6 runs the library
    /// in a process of its own with it): only upload the files and exit.
    pub(super) upload_many: Option<nginx_large::ManyArgs>,
}

impl Options {
    /// Parses the arguments after the binary's name; `Err("")` asks for the usage text.
    pub(super) fn parse(args: Vec<String>) -> Result<Self, String> {
        let mut o = Options {
            quick: false,
            sizes: vec![MIB, 100 * MIB, 1024 * MIB],
            runs: 7,
            paths: Api::ALL.to_vec(),
            throughput: true,
            memory: true,
            small: true,
            build: false,
            emulator: true,
            nginx: true,
            small_count: 2000,
            concurrency: vec![1, 32],
            // The facade's read size (`CHUNK` in src/source/mod.rs).
            raw_chunk: 2 * 1024 * 1024,
            curl: true,
            args: args.clone(),
            serve: None,
            nginx_concurrency: 8,
            upload_many: None,
        };
        let (mut sizes, mut runs, mut small_count) = (None, None, None);
        let mut it = args.into_iter();
        let list = |v: Option<String>, what: &str| {
            v.ok_or_else(|| format!("{what} needs a value"))
                .map(|v| v.split(',').map(str::to_owned).collect::<Vec<_>>())
        };
        while let Some(arg) = it.next() {
            match arg.as_str() {
                // cargo bench passes --bench to harness = false binaries.
                "--bench" => {}
                "--serve" => {
                    o.serve = Some(
                        it.next()
                            .and_then(|v| v.parse().ok())
                            .filter(|&n: &u64| n > 0)
                            .ok_or("--serve takes a number of seconds")?,
                    );
                }
                "--upload-many" => {
                    const TAKES: &str = "--upload-many takes API BASE CONCURRENCY FILE...";
                    let api = it.next().and_then(|a| Api::parse(&a)).ok_or(TAKES)?;
                    let base = it.next().ok_or(TAKES)?;
                    let concurrency = it
                        .next()
                        .and_then(|v| v.parse().ok())
                        .filter(|&n: &usize| n > 0)
                        .ok_or(TAKES)?;
                    let files: Vec<std::path::PathBuf> = it.by_ref().map(Into::into).collect();
                    if files.is_empty() {
                        return Err(TAKES.into());
                    }
                    o.upload_many = Some(nginx_large::ManyArgs {
                        api,
                        base,
                        concurrency,
                        files,
                    });
                }
                "--quick" => o.quick = true,
                "--build" => o.build = true,
                "--no-curl" => o.curl = false,
                "--help" | "-h" => return Err(String::new()),
                "--sizes" => {
                    let parsed: Option<Vec<u64>> = list(it.next(), "--sizes")?
                        .iter()
                        .map(|s| data::parse_size(s).filter(|&n| n > 0))
                        .collect();
                    sizes = Some(parsed.ok_or("--sizes takes sizes like 64K,1M,1G")?);
                }
                "--runs" => {
                    runs = Some(
                        it.next()
                            .and_then(|v| v.parse().ok())
                            .filter(|&n: &usize| n > 0)
                            .ok_or("--runs takes a positive number")?,
                    );
                }
                "--small" => {
                    small_count = Some(
                        it.next()
                            .and_then(|v| v.parse().ok())
                            .filter(|&n: &usize| n > 0)
                            .ok_or("--small takes a positive number")?,
                    );
                }
                "--concurrency" => {
                    let parsed: Option<Vec<usize>> = list(it.next(), "--concurrency")?
                        .iter()
                        .map(|s| s.trim().parse().ok().filter(|&n: &usize| n > 0))
                        .collect();
                    o.concurrency = parsed.ok_or("--concurrency takes numbers like 1,32")?;
                    o.nginx_concurrency = o.concurrency.iter().copied().max().unwrap_or(8);
                }
                "--raw-chunk" => {
                    o.raw_chunk = it
                        .next()
                        .and_then(|v| data::parse_size(&v))
                        .filter(|&n| n > 0)
                        .ok_or("--raw-chunk takes a size like 256K")?
                        as usize;
                }
                "--paths" => {
                    let parsed: Option<Vec<Api>> = list(it.next(), "--paths")?
                        .iter()
                        .map(|s| Api::parse(s))
                        .collect();
                    o.paths = parsed.ok_or("--paths takes acs,rbm,agents,maiagent,presigned")?;
                }
                "--cases" => {
                    let cases = list(it.next(), "--cases")?;
                    for case in &cases {
                        if ![
                            "throughput",
                            "memory",
                            "small",
                            "emulator",
                            "nginx",
                            "build",
                        ]
                        .contains(&case.as_str())
                        {
                            return Err(format!("unknown case {case:?}"));
                        }
                    }
                    let has = |c: &str| cases.iter().any(|x| x == c);
                    o.throughput = has("throughput");
                    o.memory = has("memory");
                    o.small = has("small");
                    o.emulator = has("emulator");
                    o.nginx = has("nginx");
                    o.build = o.build || has("build");
                }
                other => return Err(format!("unknown argument {other:?}")),
            }
        }
        // Without `--bench` the binary was started by `cargo test --benches` (or by hand):
        // a smoke run, not minutes of measurements.
        if !o.args.iter().any(|a| a == "--bench") {
            o.quick = true;
        }
        if o.quick {
            o.sizes = vec![64 * KIB, MIB];
            o.runs = 1;
            o.small_count = 20;
            o.build = false;
            // The CI smoke needs no nginx.
            o.nginx = false;
        }
        o.sizes = sizes.unwrap_or(o.sizes);
        o.runs = runs.unwrap_or(o.runs);
        o.small_count = small_count.unwrap_or(o.small_count);
        Ok(o)
    }
}

//! Case 1: throughput per upload path and size, the facade against raw `reqwest` and `curl`.

use crate::contenders::{self, Api, Contender, Env, Facade};
use crate::sink::{self, Sink};
use crate::{MIB, Options, Report, data, median, ms, rotated, timed};

/// Case 1: throughput per path and size.
pub(super) fn throughput(
    runtime: &tokio::runtime::Runtime,
    env: &Env,
    sink: &Sink,
    options: &Options,
    have_curl: bool,
    report: &mut Report,
) -> Result<(), String> {
    let mut contenders = vec![Contender::Facade, Contender::Raw];
    if have_curl {
        contenders.push(Contender::Curl);
    }
    let mut ceiling_rows = Vec::new();
    let mut rows = Vec::new();
    for &size in &options.sizes {
        let label = data::label(size);
        eprintln!("throughput: preparing {label} …");
        let file =
            data::upload_file(size).map_err(|e| format!("cannot write the {label} file: {e}"))?;
        let first_mib = data::head_of(&file, MIB as usize).map_err(|e| e.to_string())?;
        let head = &first_mib[..first_mib.len().min(sink::FILE_HEAD)];
        sink.take();

        // The sink's ceiling: memory → socket, no file reads, no HTTP client.
        let mut ceiling = Vec::new();
        let mut ceiling_client = contenders::CeilingClient::connect(&env.base)?;
        for run in 0..=options.runs {
            let secs = ceiling_client.upload(&first_mib, size)?;
            contenders::verify(Api::Rbm, &sink.take(), size, head)
                .map_err(|e| format!("sink ceiling, {label}: {e}"))?;
            if run > 0 || options.quick {
                ceiling.push(secs);
            }
        }
        drop(ceiling_client);
        let c = median(&ceiling);
        ceiling_rows.push(format!(
            "| {label} | {} | {:.0} |",
            ms(c),
            contenders::mib_per_s(size, c)
        ));

        for &api in &options.paths {
            let facade = Facade::new(env, api, size)?;
            let mut times: Vec<Vec<f64>> = vec![Vec::new(); contenders.len()];
            let mut curl_wall = Vec::new();
            let mut curl_expect = false;
            // One warm-up per contender (not in quick mode), then the timed runs.
            let warmups = usize::from(!options.quick);
            for run in 0..warmups + options.runs {
                for contender in rotated(&contenders, run) {
                    let what = format!("{} {label} via {}", api.name(), contender.name());
                    let secs = match contender {
                        Contender::Facade => timed(runtime, facade.upload(&file)),
                        Contender::Raw => timed(runtime, contenders::raw(env, api, &file)),
                        Contender::Curl => contenders::curl(&env.base, api, &file).map(|t| {
                            if run >= warmups {
                                curl_wall.push(t.wall);
                            }
                            t.transfer
                        }),
                    }
                    .map_err(|e| format!("{what}: {e}"))?;
                    let records = sink.take();
                    if contender == Contender::Curl {
                        curl_expect |= records.iter().any(|r| r.expect_continue);
                    }
                    contenders::verify(api, &records, size, head)
                        .map_err(|e| format!("{what}: {e}"))?;
                    if run >= warmups {
                        let i = contenders.iter().position(|c| *c == contender).unwrap_or(0);
                        times[i].push(secs);
                    }
                }
            }
            let med: Vec<f64> = times.iter().map(|t| median(t)).collect();
            let rate = |secs: f64| contenders::mib_per_s(size, secs);
            let (facade_s, raw_s) = (med[0], med[1]);
            let curl = if have_curl {
                let curl_s = med[2];
                format!(
                    "{} ({}) | {:.0} | {:.2} |",
                    ms(curl_s),
                    ms(median(&curl_wall)),
                    rate(curl_s),
                    curl_s / facade_s
                )
            } else {
                "— | — | — |".to_string()
            };
            let row = format!(
                "| {} | {label} | {} | {} | {curl} {:.0} | {:.0} | {:.2} | {} |",
                api.describe(),
                ms(facade_s),
                ms(raw_s),
                rate(facade_s),
                rate(raw_s),
                raw_s / facade_s,
                if curl_expect { "yes" } else { "no" },
            );
            eprintln!("{row}");
            rows.push(row);
        }
    }
    report.line(format!(
        "## 1. Throughput (median of {} run{}, contenders alternating)",
        options.runs,
        if options.runs == 1 { "" } else { "s" }
    ));
    report.line("");
    report.line("Milliseconds per upload (request start to parsed answer; facade: `UploadSource::from_path` included; curl: its own `time_total`, wall time with process start in brackets), MiB/s, and ratios of throughput (≥ 1 means the facade is as fast or faster).");
    report.line("");
    report.line("| path | size | facade ms | raw reqwest ms | curl ms (wall) | curl MiB/s | facade/curl | facade MiB/s | raw MiB/s | facade/raw | curl sent `Expect: 100-continue` |");
    report.line("|---|---|---|---|---|---|---|---|---|---|---|");
    for row in rows {
        report.line(row);
    }
    report.line("");
    report.line("Sink ceiling: one blocking client on a kept-alive connection writing the file's first MiB again and again from memory (no file reads, no HTTP client work):");
    report.line("");
    report.line("| size | ms | MiB/s |");
    report.line("|---|---|---|");
    for row in ceiling_rows {
        report.line(row);
    }
    report.line("");
    Ok(())
}

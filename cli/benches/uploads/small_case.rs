//! Case 3: many small uploads through ACS at several concurrencies.

use crate::contenders::{self, Api, Env, Facade, SmallContender, UPLOAD_TIMEOUT};
use crate::sink::Sink;
use crate::{KIB, Options, Report, data, median, rotated};

/// Case 3: many small uploads through ACS.
pub(super) fn small(
    runtime: &tokio::runtime::Runtime,
    env: &Env,
    sink: &Sink,
    options: &Options,
    report: &mut Report,
) -> Result<(), String> {
    /// The size of each image.
    const SIZE: u64 = 10 * KIB;
    let count = options.small_count;
    eprintln!("small: preparing {count} images …");
    let files = data::small_files(count, SIZE).map_err(|e| e.to_string())?;
    let facade = Facade::new(env, Api::Acs, SIZE)?;
    let contenders = [
        SmallContender::FacadeMany,
        SmallContender::FacadeManyPrebuilt,
        SmallContender::FacadeFromPath,
        SmallContender::FacadeFromBytes,
        SmallContender::RawRead,
        // Last: the baseline of the ratios.
        SmallContender::Raw,
    ];
    let mut rows = Vec::new();
    sink.take();
    for &concurrency in &options.concurrency {
        let mut times: Vec<Vec<f64>> = vec![Vec::new(); contenders.len()];
        let warmups = usize::from(!options.quick);
        for run in 0..warmups + options.runs {
            for contender in rotated(&contenders, run) {
                let batch = if run < warmups {
                    &files[..files.len().min(100)]
                } else {
                    &files[..]
                };
                let elapsed = runtime
                    .block_on(async {
                        tokio::time::timeout(
                            UPLOAD_TIMEOUT,
                            contenders::small_batch(env, &facade, batch, concurrency, contender),
                        )
                        .await
                        .unwrap_or_else(|_| Err(format!("no end within {UPLOAD_TIMEOUT:?}")))
                    })
                    .map_err(|e| format!("small, {} at {concurrency}: {e}", contender.name()))?;
                let records = sink.take();
                if records.len() != batch.len() {
                    return Err(format!(
                        "small, {}: the sink saw {} uploads, not {}",
                        contender.name(),
                        records.len(),
                        batch.len()
                    ));
                }
                for record in &records {
                    contenders::verify(
                        Api::Acs,
                        std::slice::from_ref(record),
                        SIZE,
                        &data::PNG_SIGNATURE,
                    )
                    .map_err(|e| format!("small, {}: {e}", contender.name()))?;
                }
                if run >= warmups {
                    let i = contenders.iter().position(|c| *c == contender).unwrap_or(0);
                    times[i].push(elapsed.as_secs_f64());
                }
            }
        }
        let raw = median(&times[contenders.len() - 1]);
        for (i, contender) in contenders.iter().enumerate() {
            let m = median(&times[i]);
            let row = format!(
                "| {concurrency} | {} | {m:.3} | {:.0} | {:.0} | {:.2} |",
                contender.name(),
                count as f64 / m,
                m / count as f64 * 1e6,
                m / raw
            );
            eprintln!("{row}");
            rows.push(row);
        }
    }
    report.line(format!(
        "## 3. Many small uploads: {count} × 10 KiB PNGs through ACS (median of {} run{})",
        options.runs,
        if options.runs == 1 { "" } else { "s" }
    ));
    report.line("");
    report.line("`upload_many(thread, &sources, concurrency)` for the facade (its sources made with `from_path`, `concurrency` at a time); `futures_util::stream::iter(..).buffer_unordered(concurrency)` for the others; one shared `reqwest` client (one pool). Time ratio to raw reqwest: ≤ 1.1 is the target.");
    report.line("");
    report.line("| concurrency | contender | total s | uploads/s | µs per upload | time / raw |");
    report.line("|---|---|---|---|---|---|");
    for row in rows {
        report.line(row);
    }
    report.line("");
    Ok(())
}

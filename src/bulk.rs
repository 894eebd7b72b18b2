//! Many uploads at once: bounded concurrency over the client's one connection pool, results in
//! input order, and one failure never stopping the others. Each client's `upload_many` is this
//! over its own upload; [`for_each`] runs any other operation the same way.

use std::future::Future;

use futures_util::StreamExt;

/// How many uploads run at once when the caller does not say.
pub const DEFAULT_CONCURRENCY: usize = 4;

/// Runs `operation` on every item, at most `concurrency` at a time (0 counts as 1), and returns
/// the results in the items' order.
///
/// ```
/// # tokio_test_block_on(async {
/// let doubled = upload_clients::bulk::for_each([1, 2, 3], 2, |n| async move {
///     Ok::<_, upload_clients::Error>(n * 2)
/// })
/// .await;
/// assert_eq!(doubled.into_iter().map(Result::unwrap).collect::<Vec<_>>(), [2, 4, 6]);
/// # });
/// # fn tokio_test_block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(f)
/// # }
/// ```
pub async fn for_each<I, T, E, F, Fut>(
    items: I,
    concurrency: usize,
    mut operation: F,
) -> Vec<Result<T, E>>
where
    I: IntoIterator,
    F: FnMut(I::Item) -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    // Unordered, then put back in order: with `buffered`, a finished upload waiting behind a
    // slow one still takes a slot, so one large file would hold the others back.
    let mut done: Vec<(usize, Result<T, E>)> = futures_util::stream::iter(items)
        .enumerate()
        .map(|(i, item)| {
            let running = operation(item);
            async move { (i, running.await) }
        })
        .buffer_unordered(concurrency.max(1))
        .collect()
        .await;
    done.sort_unstable_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, result)| result).collect()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_slow_item_does_not_hold_a_slot_for_finished_ones() {
        // Item 0 takes 1 s, the ten others 100 ms each, two at a time: the second slot gets
        // through all ten while item 0 runs. An ordered buffer (futures' `buffered`), which
        // keeps finished results in their slots, takes 1.5 s here.
        let started = tokio::time::Instant::now();
        let results = for_each(0..11u64, 2, |i| async move {
            let ms = if i == 0 { 1000 } else { 100 };
            tokio::time::sleep(Duration::from_millis(ms)).await;
            Ok::<_, ()>(i)
        })
        .await;
        assert_eq!(started.elapsed(), Duration::from_millis(1000));
        let order: Vec<u64> = results.into_iter().map(|r| r.unwrap_or(u64::MAX)).collect();
        assert_eq!(order, (0..11).collect::<Vec<_>>(), "input order");
    }
}

//! Many uploads at once: bounded concurrency over the client's one connection pool, and one
//! failure never stopping the others. [`stream`] hands each result over the moment it is
//! ready, taking items only as places free up (a path is opened when its turn comes, and no
//! result is held back); [`for_each`] collects them in input order, as each client's
//! `upload_many` does. The pace of a run against a busy service is its client's
//! [`Throttle`](crate::policy::throttle::Throttle), which all of a run's uploads share.

pub mod journal;

use std::future::Future;

use futures_core::Stream;
use futures_util::StreamExt;

/// How many uploads run at once when the caller does not say.
pub const DEFAULT_CONCURRENCY: usize = 4;

/// Runs `operation` on every item, at most `concurrency` at a time (0 counts as 1), and yields
/// each item's index and result as soon as it is done, in the order they finish.
///
/// Items are taken from `items` only when a place is free, so a lazy iterator (of paths, say)
/// is read as the run goes, and ending it early (e.g. `take_while` on a stop flag) starts
/// nothing more while the ones in flight finish. Dropping the stream cancels those in flight.
///
/// ```
/// use futures_util::StreamExt;
/// # tokio_test_block_on(async {
/// let mut done = std::pin::pin!(upload_clients::bulk::stream([30u64, 10, 20], 3, |ms| async move {
///     tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
///     ms
/// }));
/// let mut order = Vec::new();
/// while let Some((index, ms)) = done.next().await {
///     order.push((index, ms)); // print or record it here: it is final
/// }
/// assert_eq!(order, [(1, 10), (2, 20), (0, 30)]);
/// # });
/// # fn tokio_test_block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(f)
/// # }
/// ```
pub fn stream<I, F, Fut>(
    items: I,
    concurrency: usize,
    mut operation: F,
) -> impl Stream<Item = (usize, Fut::Output)>
where
    I: IntoIterator,
    F: FnMut(I::Item) -> Fut,
    Fut: Future,
{
    // Unordered: with `buffered`, a finished upload waiting behind a slow one still takes a
    // place, so one large file would hold the others back.
    futures_util::stream::iter(items)
        .enumerate()
        .map(move |(i, item)| {
            let running = operation(item);
            async move { (i, running.await) }
        })
        .buffer_unordered(concurrency.max(1))
}

/// Runs `operation` on every item, at most `concurrency` at a time (0 counts as 1), and returns
/// the results in the items' order (see [`stream`] for each as it comes).
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
    operation: F,
) -> Vec<Result<T, E>>
where
    I: IntoIterator,
    F: FnMut(I::Item) -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    let mut done: Vec<(usize, Result<T, E>)> =
        stream(items, concurrency, operation).collect().await;
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

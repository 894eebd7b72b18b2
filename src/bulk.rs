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
    operation: F,
) -> Vec<Result<T, E>>
where
    I: IntoIterator,
    F: FnMut(I::Item) -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    futures_util::stream::iter(items)
        .map(operation)
        .buffered(concurrency.max(1))
        .collect()
        .await
}

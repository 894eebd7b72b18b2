//! The throttle's own tests, on Tokio's paused clock.

use super::*;

#[tokio::test(start_paused = true)]
async fn throttling_halves_the_window_once_and_closes_the_gate() {
    let throttle = Throttle::new(8);
    let mut permits = Vec::new();
    for _ in 0..8 {
        permits.push(throttle.acquire().await);
    }
    assert_eq!(throttle.snapshot().in_flight, 8);
    // All eight answered 429: the window is halved once (they all started before the cut).
    for permit in permits {
        permit.throttled(Duration::from_secs(2));
    }
    let now = throttle.snapshot();
    assert_eq!((now.limit, now.in_flight, now.throttled), (4, 0, 8));
    assert_eq!(now.paused_for, Duration::from_secs(2));
    // Nothing starts before the wait is over.
    let started = Instant::now();
    let permit = throttle.acquire().await;
    assert_eq!(started.elapsed(), Duration::from_secs(2));
    // A throttled answer to a request started after the cut halves it again.
    permit.throttled(Duration::ZERO);
    assert_eq!(
        throttle.snapshot().limit,
        1,
        "1 in flight halved, at least 1"
    );
}

#[tokio::test(start_paused = true)]
async fn a_full_window_of_successes_grows_it_by_one_up_to_the_maximum() {
    let throttle = Throttle::new(3);
    throttle.acquire().await.throttled(Duration::ZERO);
    assert_eq!(throttle.snapshot().limit, 1);
    for expected in [2, 3, 3, 3] {
        let limit = throttle.snapshot().limit;
        let permits: Vec<_> =
            futures_util::future::join_all((0..limit).map(|_| throttle.acquire())).await;
        for permit in permits {
            permit.succeeded();
        }
        assert_eq!(throttle.snapshot().limit, expected);
    }
}

#[tokio::test(start_paused = true)]
async fn a_run_using_less_than_the_window_does_not_grow_it() {
    let throttle = Throttle::new(16);
    throttle.acquire().await.throttled(Duration::ZERO);
    assert_eq!(throttle.snapshot().limit, 1);
    // One at a time: the window of 1 is full and grows to 2; a window of 2 never is.
    for _ in 0..100 {
        throttle.acquire().await.succeeded();
    }
    assert_eq!(throttle.snapshot().limit, 2);
}

#[tokio::test(start_paused = true)]
async fn the_window_holds_requests_back_until_a_place_is_free() {
    let throttle = Throttle::new(2);
    let first = throttle.acquire().await;
    let _second = throttle.acquire().await;
    let waiting = tokio::spawn({
        let throttle = throttle.clone();
        async move {
            let permit = throttle.acquire().await;
            drop(permit);
            Instant::now()
        }
    });
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert!(!waiting.is_finished(), "no place is free");
    let freed = Instant::now();
    drop(first);
    assert_eq!(waiting.await.ok(), Some(freed));
    assert_eq!(throttle.snapshot().in_flight, 1);
}

#[tokio::test(start_paused = true)]
async fn progress_is_a_success_after_the_attempt_started() {
    let throttle = Throttle::new(4);
    let slow = throttle.acquire().await;
    let since = slow.started();
    assert!(!throttle.progressed_since(since));
    tokio::time::advance(Duration::from_millis(10)).await;
    throttle.acquire().await.succeeded();
    assert!(throttle.progressed_since(since));
    assert!(!throttle.progressed_since(Instant::now()));
}

#[tokio::test(start_paused = true)]
async fn a_throttled_run_is_paced_at_a_share_of_the_rate_it_sustained() {
    let throttle = Throttle::new(4);
    // Ten successes in the last second: 10 per second sustained.
    for _ in 0..10 {
        throttle.acquire().await.succeeded();
        tokio::time::advance(Duration::from_millis(100)).await;
    }
    throttle.acquire().await.throttled(Duration::ZERO);
    let first = throttle.acquire().await;
    let at = Instant::now();
    drop(first);
    let _second = throttle.acquire().await;
    // 85% of 10 per second: one start every 1/8.5 s.
    let gap = Instant::now() - at;
    assert!(
        gap >= Duration::from_millis(117) && gap <= Duration::from_millis(119),
        "{gap:?}"
    );
}

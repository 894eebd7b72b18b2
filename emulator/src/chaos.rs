//! Chaos mode, for soak tests of clients: with a given probability each request to an API
//! route or `storage.post` gets one fault drawn from a seeded random number generator, so the
//! same seed and the same requests in the same order get the same faults.

use std::sync::Mutex;
use std::time::Duration;

use super::EmulatorError;
use super::faults::{Fault, RetryAfter};

/// How long a stall drawn by chaos mode holds a request when
/// [`EmulatorBuilder::stall_for`](super::EmulatorBuilder::stall_for) is not set: short, so a
/// client that waits for an answer without a stall timeout still recovers.
pub(crate) const CHAOS_STALL: Duration = Duration::from_secs(2);

/// The faults chaos mode draws from, each as likely as the others.
pub(crate) fn kinds() -> [Fault; 5] {
    [
        Fault::Reset,
        Fault::ResetAfterStore,
        Fault::Status {
            status: 503,
            retry_after: Some(RetryAfter::Seconds(1)),
        },
        Fault::Status {
            status: 429,
            retry_after: Some(RetryAfter::MillisAndSeconds {
                millis: 200,
                seconds: 1,
            }),
        },
        Fault::Stall,
    ]
}

/// The probability and the random number generator, behind a mutex: one decision per request,
/// in the order requests arrive.
#[derive(Debug)]
pub(crate) struct Chaos {
    probability: f64,
    rng: Mutex<fastrand::Rng>,
}

impl Chaos {
    /// Chaos with `probability` (from 0 to 1) and `seed`.
    pub(crate) fn new(probability: f64, seed: u64) -> Result<Self, EmulatorError> {
        if !(0.0..=1.0).contains(&probability) {
            return Err(EmulatorError::ChaosProbability { probability });
        }
        Ok(Self {
            probability,
            rng: Mutex::new(fastrand::Rng::with_seed(seed)),
        })
    }

    /// The fault the next request gets, if any.
    pub(crate) fn draw(&self) -> Option<Fault> {
        let mut rng = self.rng.lock().unwrap_or_else(|e| e.into_inner());
        // `f64()` is in [0, 1): never below 0, always below 1.
        if rng.f64() >= self.probability {
            return None;
        }
        let kinds = kinds();
        let at = rng.usize(..kinds.len());
        kinds.into_iter().nth(at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draws(probability: f64, seed: u64, n: usize) -> Vec<Option<Fault>> {
        let chaos = Chaos::new(probability, seed).unwrap();
        (0..n).map(|_| chaos.draw()).collect()
    }

    #[test]
    fn the_same_seed_draws_the_same_faults() {
        let first = draws(0.5, 42, 50);
        assert_eq!(first, draws(0.5, 42, 50));
        assert_ne!(first, draws(0.5, 43, 50));
        let faults = first.iter().flatten().count();
        assert!((10..=40).contains(&faults), "{faults} of 50 at 0.5");
    }

    #[test]
    fn zero_is_never_and_one_is_always_with_every_kind() {
        assert!(draws(0.0, 1, 200).iter().all(Option::is_none));
        let all = draws(1.0, 1, 200);
        assert!(all.iter().all(Option::is_some));
        for kind in kinds() {
            assert!(all.contains(&Some(kind.clone())), "{kind} never drawn");
        }
    }

    #[test]
    fn a_probability_outside_zero_to_one_is_refused() {
        for bad in [-0.1, 1.5, f64::NAN, f64::INFINITY] {
            let error = Chaos::new(bad, 0).unwrap_err();
            assert!(
                matches!(error, EmulatorError::ChaosProbability { .. }),
                "{error}"
            );
            assert!(error.to_string().contains("from 0 to 1"), "{error}");
        }
    }
}

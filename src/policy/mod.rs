//! How every request is run: the one retry loop ([`RetryPolicy`]), its clocks ([`Timeouts`]:
//! a stall clock and a whole-request clock) and one run's pace ([`Throttle`]: a gate the
//! service's `Retry-After` closes, a window that halves on throttling and grows back).

pub mod retry;
pub mod throttle;
pub mod timeouts;

pub use retry::RetryPolicy;
pub use throttle::Throttle;
pub use timeouts::Timeouts;

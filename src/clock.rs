//! The service's clock. Commands take their `now` from here, never from `Utc::now()` directly,
//! so that time-driven behaviour (a demand expiring at the end of its valid-until day) can be
//! shown in a test by moving the clock instead of waiting for a day.

use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Duration, Utc};

#[derive(Debug, Default)]
pub struct Clock {
    /// Milliseconds added to the system time; zero in production.
    offset_ms: AtomicI64,
}

impl Clock {
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + Duration::milliseconds(self.offset_ms.load(Ordering::Relaxed))
    }

    /// Moves the clock forward (tests only have a reason to).
    pub fn advance(&self, by: Duration) {
        self.offset_ms
            .fetch_add(by.num_milliseconds(), Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advancing_moves_now() {
        let c = Clock::default();
        let before = c.now();
        c.advance(Duration::days(2));
        assert!(c.now() - before >= Duration::days(2));
    }
}

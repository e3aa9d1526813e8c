//! The server's only source of "now". Expiry, retention, silence and "connected" are all
//! decided against it, so tests (and `ward server --test-clock`) can move time forward instead
//! of waiting days.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

/// Unix seconds: the system time plus an offset that only an adjustable clock lets move.
/// Clones share the offset.
#[derive(Debug, Clone)]
pub struct Clock {
    offset: Arc<AtomicI64>,
    /// `Some(t)`: time stands still at `t` plus the offset.
    frozen_at: Option<i64>,
    adjustable: bool,
}

/// Why a clock refused to move.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("this server's clock follows the system time; start it with `--test-clock` to move it")]
pub struct ClockNotAdjustable;

impl Clock {
    /// The system time; cannot be moved.
    pub fn system() -> Clock {
        Clock {
            offset: Arc::default(),
            frozen_at: None,
            adjustable: false,
        }
    }

    /// The system time, which [`Clock::advance`] can move forward.
    pub fn adjustable() -> Clock {
        Clock {
            adjustable: true,
            ..Clock::system()
        }
    }

    /// Stands still at `at` (Unix seconds) until [`Clock::advance`] moves it.
    pub fn frozen(at: i64) -> Clock {
        Clock {
            frozen_at: Some(at),
            ..Clock::adjustable()
        }
    }

    pub fn now(&self) -> i64 {
        let base = self.frozen_at.unwrap_or_else(system_now);
        base.saturating_add(self.offset.load(Ordering::SeqCst))
    }

    /// Moves the clock `secs` seconds forward (backward if negative) and returns the new now.
    ///
    /// # Errors
    ///
    /// [`ClockNotAdjustable`] for [`Clock::system`].
    pub fn advance(&self, secs: i64) -> Result<i64, ClockNotAdjustable> {
        if !self.adjustable {
            return Err(ClockNotAdjustable);
        }
        self.offset.fetch_add(secs, Ordering::SeqCst);
        Ok(self.now())
    }

    /// How far the clock has been moved from the time it follows, in seconds.
    pub fn offset(&self) -> i64 {
        self.offset.load(Ordering::SeqCst)
    }

    pub fn is_adjustable(&self) -> bool {
        self.adjustable
    }
}

fn system_now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_frozen_clock_moves_only_when_advanced() {
        let clock = Clock::frozen(1_000);
        assert_eq!(clock.now(), 1_000);
        assert_eq!(clock.clone().advance(60), Ok(1_060));
        assert_eq!(clock.now(), 1_060);
    }

    #[test]
    fn the_system_clock_refuses_to_move() {
        assert_eq!(Clock::system().advance(1), Err(ClockNotAdjustable));
    }
}

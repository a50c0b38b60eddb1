//! The simulation clock: a fixed step `dt` in ms and an integer step counter.
//!
//! Time is never accumulated in floating point. The time of step `n` is `n · dt`,
//! computed only where a duration is needed (a trace decay, a recorded time).

use crate::error::{Error, Result, check_positive};

/// Relative tolerance for a duration to count as a whole number of steps.
const STEP_TOLERANCE: f64 = 1e-6;

/// A fixed-step clock.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Clock {
    dt: f64,
    step: u64,
}

impl Clock {
    /// Default step, 0.1 ms (Brian2's default `defaultclock.dt`).
    pub const DEFAULT_DT: f64 = 0.1;

    /// Creates a clock at step 0 with step `dt` in ms.
    pub fn new(dt: f64) -> Result<Self> {
        check_positive("clock", "dt", dt)?;
        Ok(Clock { dt, step: 0 })
    }

    /// Returns the step in ms.
    pub fn dt(&self) -> f64 {
        self.dt
    }

    /// Index of the next step to run; equals the number of steps run so far.
    pub fn step(&self) -> u64 {
        self.step
    }

    /// Current time in ms (`step · dt`).
    pub fn t(&self) -> f64 {
        self.step as f64 * self.dt
    }

    pub(crate) fn advance(&mut self) {
        self.step += 1;
    }

    pub(crate) fn advance_by(&mut self, steps: u64) {
        self.step += steps;
    }

    /// Converts a duration in ms to a whole number of steps.
    ///
    /// Rejects negative or non-finite durations and durations that are not a whole
    /// number of steps (within a relative tolerance of 1e-6 of a step), because rounding
    /// them silently would shift every later spike.
    pub fn duration_to_steps(&self, name: &'static str, duration: f64) -> Result<u64> {
        if !(duration.is_finite() && duration >= 0.0) {
            return Err(Error::invalid_parameter(
                "clock",
                name,
                "a finite number of ms >= 0",
                format!("{duration} ms"),
            ));
        }
        let steps = (duration / self.dt).round();
        if (steps * self.dt - duration).abs() > STEP_TOLERANCE * self.dt {
            return Err(Error::invalid_parameter(
                "clock",
                name,
                format!("a whole multiple of dt = {} ms", self.dt),
                format!("{duration} ms"),
            ));
        }
        Ok(steps as u64)
    }

    /// Converts a time in ms to the nearest step index, rejecting negative or
    /// non-finite times.
    pub fn time_to_step(&self, name: &'static str, t: f64) -> Result<u64> {
        if !(t.is_finite() && t >= 0.0) {
            return Err(Error::invalid_parameter(
                "clock",
                name,
                "a finite time in ms >= 0",
                format!("{t} ms"),
            ));
        }
        Ok((t / self.dt).round() as u64)
    }
}

impl Default for Clock {
    fn default() -> Self {
        Clock::new(Clock::DEFAULT_DT).expect("default dt is positive")
    }
}

//! A progress bar on stderr that appears only once a run has taken about a second, and
//! only when stderr is a terminal and the run is not quiet.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Delay before the bar appears.
const SHOW_AFTER: Duration = Duration::from_secs(1);

/// Lazily shown progress bar.
pub struct Progress {
    bar: Option<ProgressBar>,
    start: Instant,
    total: u64,
    enabled: bool,
    unit: &'static str,
    show_rate: bool,
    message: String,
}

impl Progress {
    /// Creates the bar for `total` steps counted in `unit` ("presentations").
    pub fn new(total: u64, quiet: bool, unit: &'static str) -> Self {
        Progress {
            bar: None,
            start: Instant::now(),
            total,
            enabled: !quiet && std::io::stderr().is_terminal(),
            unit,
            show_rate: false,
            message: String::new(),
        }
    }

    /// Adds the rate in steps per second to the bar.
    pub fn with_rate(mut self) -> Self {
        self.show_rate = true;
        self
    }

    /// Sets the text shown after the bar, such as a running estimate.
    pub fn set_message(&mut self, message: impl FnOnce() -> String) {
        if !self.enabled {
            return;
        }
        self.message = message();
        if let Some(bar) = &self.bar {
            bar.set_message(self.message.clone());
        }
    }

    /// Reports that `done` steps are complete. Cheap enough to call often.
    pub fn update(&mut self, done: u64) {
        if !self.enabled {
            return;
        }
        if self.bar.is_none() && self.start.elapsed() >= SHOW_AFTER {
            let bar = ProgressBar::with_draw_target(Some(self.total), ProgressDrawTarget::stderr())
                .with_elapsed(self.start.elapsed())
                .with_position(done);
            // Start the rate estimate from here, not from the jump to `done`.
            bar.reset_eta();
            bar.set_message(self.message.clone());
            // `:1` is the number of decimals of the rate.
            let rate = if self.show_rate { "{per_sec:1}, " } else { "" };
            let template = format!(
                "{{elapsed_precise}} [{{wide_bar}}] {{human_pos}}/{{human_len}} {} ({rate}eta \
                 {{eta}}) {{msg}}",
                self.unit
            );
            if let Ok(style) = ProgressStyle::with_template(&template) {
                bar.set_style(style.progress_chars("=> "));
            }
            self.bar = Some(bar);
        }
        if let Some(bar) = &self.bar {
            bar.set_position(done);
        }
    }

    /// Removes the bar.
    pub fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

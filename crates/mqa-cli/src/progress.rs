//! A progress bar on stderr, shown only on a terminal and only once a run has
//! taken more than a second.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::time::Duration;

pub struct Progress {
    bar: Option<ProgressBar>,
}

impl Progress {
    /// A bar for `total` accounts.
    pub fn new(total: u64, what: &str) -> Progress {
        Self::start(Some(total), what)
    }

    /// A count of accounts, when their number is not known yet (`score`
    /// scores as it reads).
    pub fn counting(what: &str) -> Progress {
        Self::start(None, what)
    }

    fn start(total: Option<u64>, what: &str) -> Progress {
        if !std::io::stderr().is_terminal() || std::env::var_os("MQA_NO_PROGRESS").is_some() {
            return Progress { bar: None };
        }
        let bar = ProgressBar::with_draw_target(total, ProgressDrawTarget::stderr_with_hz(4));
        let template = match total {
            Some(_) => "{msg} [{bar:40}] {pos}/{len} accounts ({eta})",
            None => "{msg}: {pos} accounts ({elapsed})",
        };
        if let Ok(style) = ProgressStyle::with_template(template) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message(what.to_string());
        // Drawn only after a second: short runs stay quiet.
        bar.set_draw_target(ProgressDrawTarget::hidden());
        let b2 = bar.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_secs(1));
            if !b2.is_finished() {
                b2.set_draw_target(ProgressDrawTarget::stderr_with_hz(4));
            }
        });
        Progress { bar: Some(bar) }
    }

    pub fn add(&self, n: u64) {
        if let Some(b) = &self.bar {
            b.inc(n);
        }
    }

    pub fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

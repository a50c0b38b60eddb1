//! `hebbian`: runs Hebbian-learning and plasticity experiments from the command line.

/// Prints a line to standard output, like `println!`, except that a closed pipe (the
/// reader, such as `head`, has exited) ends the process quietly with status 0 instead of
/// a panic. Every use prints a report after the run's files are written, so ending there
/// loses no file.
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::print_line(format_args!($($arg)*))
    };
}

mod builtins;
mod competitive;
mod data;
mod diehl_cook;
mod experiment;
mod hopfield;
mod output;
mod plot;
mod progress;
mod rate;
mod schema;
mod spiking;
mod timing;
mod units;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Parser, Subcommand};

use experiment::RunOptions;
use experiment::{Experiment, InputError};
use rate::run::Outcome;

/// Hebbian learning and synaptic plasticity experiments.
#[derive(Debug, Parser)]
#[command(name = "hebbian", version, about, long_about = None)]
struct Cli {
    /// Print only warnings and errors: no progress bar, no report.
    #[arg(short, long, global = true)]
    quiet: bool,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a built-in experiment by name, or an experiment file (TOML).
    Run {
        /// Built-in name (see `hebbian list`) or path to an experiment file.
        experiment: String,

        /// Output folder [default: runs/NAME].
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,

        /// Seed of every random stream; overrides the experiment's `seed`.
        #[arg(long, value_name = "N")]
        seed: Option<u64>,

        /// Folder with the data files the experiment reads (MNIST, images), or for
        /// stdp-window a CSV file of measured points [default: $HEBBIAN_DATA].
        #[arg(long, value_name = "DIR")]
        data: Option<PathBuf>,

        /// Override any parameter by its dotted key, e.g. --set rule.eta=0.01 (repeatable).
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,

        /// Continue the run whose checkpoint is in the output folder (diehl-cook
        /// experiments); the parameters and seed must match the checkpoint's.
        #[arg(long)]
        resume: bool,
    },
    /// List the built-in experiments.
    List,
    /// Time Hopfield recall alone (Hebbian rule, sequential sweeps) and print JSON.
    TimeRecall {
        /// Number of units N.
        #[arg(long, default_value_t = 1000)]
        units: usize,
        /// Number of stored random patterns P.
        #[arg(long, default_value_t = 100)]
        patterns: usize,
        /// Maximum sweeps per recall; recall stops earlier at a fixed point.
        #[arg(long, default_value_t = 10)]
        sweeps: usize,
        /// Fraction of units flipped in each cue.
        #[arg(long, default_value_t = 0.1)]
        flip: f64,
        /// Number of timed recalls.
        #[arg(long, default_value_t = 200)]
        repeats: usize,
        /// Seed of the patterns and cues.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

/// Writes one line to standard output for [`outln!`].
fn print_line(line: std::fmt::Arguments) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    let written = stdout
        .write_fmt(line)
        .and_then(|()| stdout.write_all(b"\n"));
    match written {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(0),
        Err(e) => eprintln!("warning: failed to write to standard output: {e}"),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match dispatch(cli) {
        Ok(code) => code,
        Err(error) => report_error(&error),
    }
}

fn dispatch(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::List => {
            let width = builtins::names().iter().map(|n| n.len()).max().unwrap_or(0);
            for builtin in builtins::BUILTINS {
                outln!(
                    "{:width$}  {}",
                    builtin.name,
                    builtins::description(builtin)
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::TimeRecall {
            units,
            patterns,
            sweeps,
            flip,
            repeats,
            seed,
        } => {
            if units < 2 || patterns == 0 || sweeps == 0 || repeats == 0 {
                return Err(experiment::input_error(
                    "time-recall needs --units >= 2 and --patterns, --sweeps and --repeats >= 1",
                ));
            }
            timing::run(&timing::TimeRecall {
                units,
                patterns,
                max_sweeps: sweeps,
                flip,
                repeats,
                seed,
            })?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Run {
            experiment,
            out,
            seed,
            data,
            set,
            resume,
        } => {
            let (source, text) = experiment::locate(&experiment)?;
            let parsed = experiment::parse(&source, &text, &set, seed)?;
            if let Some(out) = &out {
                check_out_dir(out)?;
            }
            let data_dir = data.or_else(|| std::env::var_os("HEBBIAN_DATA").map(PathBuf::from));
            // stdp-window reads one CSV file; every other experiment reads a folder
            if let Some(dir) = &data_dir
                && dir.is_file()
                && !matches!(parsed, Experiment::Window(_))
            {
                return Err(experiment::input_error(format!(
                    "--data {} is a file; give the folder that contains the data set's files \
                     (for MNIST, the folder with train-images-idx3-ubyte.gz)",
                    dir.display()
                )));
            }
            let options = RunOptions {
                out_dir: out,
                data_dir,
                quiet: cli.quiet,
                resume,
            };
            if resume && !matches!(parsed, Experiment::DiehlCook(_)) {
                return Err(experiment::input_error(format!(
                    "--resume applies only to diehl-cook experiments, which write checkpoints; \
                     {} is a {} experiment, so run it without --resume",
                    source.describe(),
                    parsed.family()
                )));
            }
            match parsed {
                Experiment::Rate(rate) => match rate::run::run(&rate, &source, &options)? {
                    Outcome::Completed | Outcome::Stopped => Ok(ExitCode::SUCCESS),
                },
                Experiment::Spiking(spiking) => {
                    spiking::run::run(&spiking, &source, &options)?;
                    Ok(ExitCode::SUCCESS)
                }
                Experiment::Window(window) => {
                    spiking::window::run(&window, &source, &options)?;
                    Ok(ExitCode::SUCCESS)
                }
                Experiment::Hopfield(hopfield) => {
                    hopfield::run::run(&hopfield, &source, &options)?;
                    Ok(ExitCode::SUCCESS)
                }
                Experiment::Competitive(competitive) => {
                    competitive::run::run(&competitive, &source, &options)?;
                    Ok(ExitCode::SUCCESS)
                }
                Experiment::DiehlCook(diehl_cook) => {
                    diehl_cook::run::run(&diehl_cook, &source, &options)?;
                    Ok(ExitCode::SUCCESS)
                }
            }
        }
    }
}

/// Creates the output folder before the run, so that a path that cannot be a folder
/// is rejected at once rather than after a long computation.
fn check_out_dir(out: &std::path::Path) -> Result<()> {
    if out.exists() && !out.is_dir() {
        return Err(experiment::input_error(format!(
            "--out {} is an existing file, not a folder; give a folder path (it is created if \
             missing)",
            out.display()
        )));
    }
    std::fs::create_dir_all(out).map_err(|e| {
        experiment::input_error(format!(
            "--out {}: the folder cannot be created ({e}); give a folder path you can write to",
            out.display()
        ))
    })
}

/// Prints the error chain and picks the exit status: 2 for bad input (experiment,
/// option, parameter or data file), 1 for a failure while running.
fn report_error(error: &anyhow::Error) -> ExitCode {
    eprintln!("error: {error}");
    for cause in error.chain().skip(1) {
        eprintln!("  caused by: {cause}");
    }
    let is_input = error.chain().any(|cause| {
        cause.downcast_ref::<InputError>().is_some()
            || matches!(
                cause.downcast_ref::<hebbian::Error>(),
                Some(
                    hebbian::Error::InvalidParameter { .. }
                        | hebbian::Error::InvalidData { .. }
                        | hebbian::Error::InvalidPatterns { .. }
                        | hebbian::Error::ShapeMismatch { .. }
                )
            )
    });
    if is_input {
        ExitCode::from(2)
    } else {
        ExitCode::from(1)
    }
}

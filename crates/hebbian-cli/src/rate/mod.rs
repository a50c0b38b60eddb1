//! Rate-based experiments: the schema of their files and the runner.

pub mod config;
pub mod run;
mod stimulus;

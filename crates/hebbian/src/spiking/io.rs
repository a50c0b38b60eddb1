//! File sinks for monitors: the only part of the spiking engine that touches files.
//!
//! Both formats are raw little-endian records after an 8-byte magic string, written
//! through a buffer as the run goes, so a monitor's memory does not grow with the run.
//!
//! - Spike files start with `HEBSPK01`; each record is the step (`u64`) then the neuron
//!   (`u32`), 12 bytes.
//! - Sample files start with `HEBSMP01` and the width (`u64`); each record is the step
//!   (`u64`) then `width` values (`f64`).
//!
//! Multiply a step by the run's `dt` to get the time in ms.

use std::any::Any;
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use super::monitor::{SampleRecord, SampleSink, SpikeRecord, SpikeSink};
use crate::error::{Error, Result};

const SPIKE_MAGIC: &[u8; 8] = b"HEBSPK01";
const SAMPLE_MAGIC: &[u8; 8] = b"HEBSMP01";

fn write_error(path: &Path, source: std::io::Error) -> Error {
    Error::Write {
        path: path.to_path_buf(),
        source,
    }
}

fn read_error(path: &Path, source: std::io::Error) -> Error {
    Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Writes spikes to a file as they are recorded.
#[derive(Debug)]
pub struct SpikeFileSink {
    path: PathBuf,
    out: BufWriter<File>,
}

impl SpikeFileSink {
    /// Creates (or truncates) `path` and writes the header.
    pub fn create(path: impl Into<PathBuf>) -> Result<Self> {
        let path = path.into();
        let file = File::create(&path).map_err(|e| write_error(&path, e))?;
        let mut out = BufWriter::new(file);
        out.write_all(SPIKE_MAGIC)
            .map_err(|e| write_error(&path, e))?;
        Ok(SpikeFileSink { path, out })
    }

    /// Path of the file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl SpikeSink for SpikeFileSink {
    fn write(&mut self, steps: &[u64], neurons: &[u32]) -> Result<()> {
        for (&step, &neuron) in steps.iter().zip(neurons) {
            self.out
                .write_all(&step.to_le_bytes())
                .and_then(|()| self.out.write_all(&neuron.to_le_bytes()))
                .map_err(|e| write_error(&self.path, e))?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        self.out.flush().map_err(|e| write_error(&self.path, e))
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// Writes samples to a file as they are recorded.
#[derive(Debug)]
pub struct SampleFileSink {
    path: PathBuf,
    out: BufWriter<File>,
}

impl SampleFileSink {
    /// Creates (or truncates) `path` for samples of `width` values and writes the header.
    pub fn create(path: impl Into<PathBuf>, width: usize) -> Result<Self> {
        let path = path.into();
        let file = File::create(&path).map_err(|e| write_error(&path, e))?;
        let mut out = BufWriter::new(file);
        out.write_all(SAMPLE_MAGIC)
            .and_then(|()| out.write_all(&(width as u64).to_le_bytes()))
            .map_err(|e| write_error(&path, e))?;
        Ok(SampleFileSink { path, out })
    }

    /// Path of the file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl SampleSink for SampleFileSink {
    fn write(&mut self, steps: &[u64], values: &[f64]) -> Result<()> {
        let width = if steps.is_empty() {
            0
        } else {
            values.len() / steps.len()
        };
        for (k, &step) in steps.iter().enumerate() {
            self.out
                .write_all(&step.to_le_bytes())
                .map_err(|e| write_error(&self.path, e))?;
            for &value in &values[k * width..(k + 1) * width] {
                self.out
                    .write_all(&value.to_le_bytes())
                    .map_err(|e| write_error(&self.path, e))?;
            }
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        self.out.flush().map_err(|e| write_error(&self.path, e))
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

fn read_all(path: &Path, magic: &[u8; 8]) -> Result<Vec<u8>> {
    let file = File::open(path).map_err(|e| read_error(path, e))?;
    let mut bytes = Vec::new();
    BufReader::new(file)
        .read_to_end(&mut bytes)
        .map_err(|e| read_error(path, e))?;
    if bytes.len() < 8 || &bytes[..8] != magic {
        return Err(Error::invalid_data(
            path,
            format!("missing header {}", String::from_utf8_lossy(magic)),
        ));
    }
    Ok(bytes.split_off(8))
}

fn u64_at(bytes: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(bytes[at..at + 8].try_into().expect("8 bytes"))
}

/// Reads a file written by [`SpikeFileSink`].
pub fn read_spike_file(path: impl AsRef<Path>) -> Result<SpikeRecord> {
    let path = path.as_ref();
    let body = read_all(path, SPIKE_MAGIC)?;
    if body.len() % 12 != 0 {
        return Err(Error::invalid_data(
            path,
            format!(
                "{} bytes after the header, not a multiple of 12",
                body.len()
            ),
        ));
    }
    let mut record = SpikeRecord::default();
    for chunk in body.chunks_exact(12) {
        record.steps.push(u64_at(chunk, 0));
        record.neurons.push(u32::from_le_bytes(
            chunk[8..12].try_into().expect("4 bytes"),
        ));
    }
    Ok(record)
}

/// Reads a file written by [`SampleFileSink`].
pub fn read_sample_file(path: impl AsRef<Path>) -> Result<SampleRecord> {
    let path = path.as_ref();
    let body = read_all(path, SAMPLE_MAGIC)?;
    if body.len() < 8 {
        return Err(Error::invalid_data(path, "missing width after the header"));
    }
    let width = u64_at(&body, 0) as usize;
    let record_len = 8 * (width + 1);
    let rest = &body[8..];
    if rest.len() % record_len != 0 {
        return Err(Error::invalid_data(
            path,
            format!(
                "{} bytes of records, not a multiple of {record_len}",
                rest.len()
            ),
        ));
    }
    let mut record = SampleRecord::new(width);
    for chunk in rest.chunks_exact(record_len) {
        record.steps.push(u64_at(chunk, 0));
        for j in 0..width {
            record.values.push(f64::from_le_bytes(
                chunk[8 + 8 * j..16 + 8 * j].try_into().expect("8 bytes"),
            ));
        }
    }
    Ok(record)
}

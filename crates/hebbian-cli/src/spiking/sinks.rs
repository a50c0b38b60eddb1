//! Monitor sinks of the CLI: samples streamed straight into `.npy` files.
//!
//! A `.npy` file starts with a header that states the array's shape. The sink writes a
//! fixed-size header first and rewrites it with the number of rows at every flush, which
//! the network does at the end of each run segment. Memory therefore stays bounded
//! however long the run is, and the file is a valid array after every segment.

use std::any::Any;
use std::fs::File;
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use hebbian::spiking::SampleSink;

/// Size of the header we write: a multiple of 64 bytes, as the format recommends.
const HEADER_LEN: usize = 128;

fn io_error(path: &Path, source: std::io::Error) -> hebbian::Error {
    hebbian::Error::Write {
        path: path.to_path_buf(),
        source,
    }
}

/// One `.npy` file of `f64` values growing by rows.
struct NpyStream {
    path: PathBuf,
    out: BufWriter<File>,
    rows: u64,
    /// `None` for a 1-D array.
    width: Option<usize>,
}

impl NpyStream {
    fn create(path: &Path, width: Option<usize>) -> hebbian::Result<Self> {
        let file = File::create(path).map_err(|e| io_error(path, e))?;
        let mut stream = NpyStream {
            path: path.to_path_buf(),
            out: BufWriter::with_capacity(1 << 20, file),
            rows: 0,
            width,
        };
        let header = stream.header();
        stream
            .out
            .write_all(&header)
            .map_err(|e| io_error(path, e))?;
        Ok(stream)
    }

    /// The version 1.0 header for the current shape, padded to [`HEADER_LEN`] bytes.
    fn header(&self) -> Vec<u8> {
        let shape = match self.width {
            Some(width) => format!("({}, {width})", self.rows),
            None => format!("({},)", self.rows),
        };
        let dict = format!("{{'descr': '<f8', 'fortran_order': False, 'shape': {shape}, }}");
        let mut header = b"\x93NUMPY\x01\x00".to_vec();
        header.extend_from_slice(&((HEADER_LEN - 10) as u16).to_le_bytes());
        header.extend_from_slice(dict.as_bytes());
        header.resize(HEADER_LEN - 1, b' ');
        header.push(b'\n');
        header
    }

    fn push(&mut self, values: &[f64], rows: u64) -> hebbian::Result<()> {
        let mut bytes = Vec::with_capacity(8 * values.len());
        for v in values {
            bytes.extend_from_slice(&v.to_le_bytes());
        }
        self.out
            .write_all(&bytes)
            .map_err(|e| io_error(&self.path, e))?;
        self.rows += rows;
        Ok(())
    }

    /// Writes the header with the current number of rows and flushes.
    fn flush(&mut self) -> hebbian::Result<()> {
        let header = self.header();
        let path = self.path.clone();
        let result = (|| {
            self.out.seek(SeekFrom::Start(0))?;
            self.out.write_all(&header)?;
            self.out.seek(SeekFrom::End(0))?;
            self.out.flush()
        })();
        result.map_err(|e| io_error(&path, e))
    }

    fn sync(&self) -> std::io::Result<()> {
        self.out.get_ref().sync_all()
    }
}

/// Samples of a weight or state monitor, streamed to two `.npy` files: the values
/// `(samples, width)` and their times in ms `(samples,)`. Every `stride`-th sample is
/// also kept in memory for the figures.
pub struct NpySampleSink {
    values: NpyStream,
    times: NpyStream,
    dt: f64,
    stride: u64,
    seen: u64,
    /// Times (ms) of the kept samples.
    pub kept_t: Vec<f64>,
    /// Kept samples, row-major.
    pub kept: Vec<f64>,
}

impl NpySampleSink {
    /// Creates the two files; keeps about `keep` of `expected` samples in memory.
    pub fn create(
        values: &Path,
        times: &Path,
        width: usize,
        dt: f64,
        expected: u64,
        keep: u64,
    ) -> hebbian::Result<Self> {
        Ok(NpySampleSink {
            values: NpyStream::create(values, Some(width))?,
            times: NpyStream::create(times, None)?,
            dt,
            stride: expected.div_ceil(keep.max(1)).max(1),
            seen: 0,
            kept_t: Vec::new(),
            kept: Vec::new(),
        })
    }

    /// Number of samples written.
    pub fn rows(&self) -> u64 {
        self.values.rows
    }

    /// Makes both files durable.
    pub fn sync(&self) -> std::io::Result<()> {
        self.values.sync()?;
        self.times.sync()
    }
}

impl SampleSink for NpySampleSink {
    fn write(&mut self, steps: &[u64], values: &[f64]) -> hebbian::Result<()> {
        let rows = steps.len() as u64;
        let width = values.len() / steps.len().max(1);
        let t: Vec<f64> = steps.iter().map(|&s| s as f64 * self.dt).collect();
        self.values.push(values, rows)?;
        self.times.push(&t, rows)?;
        for (k, &time) in t.iter().enumerate() {
            if self.seen % self.stride == 0 {
                self.kept_t.push(time);
                self.kept
                    .extend_from_slice(&values[k * width..(k + 1) * width]);
            }
            self.seen += 1;
        }
        Ok(())
    }

    fn flush(&mut self) -> hebbian::Result<()> {
        self.values.flush()?;
        self.times.flush()
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streamed_npy_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let (v, t) = (dir.path().join("w.npy"), dir.path().join("t.npy"));
        let mut sink = NpySampleSink::create(&v, &t, 2, 0.5, 3, 10).unwrap();
        sink.write(&[0, 1], &[1.0, 2.0, 3.0, 4.0]).unwrap();
        sink.flush().unwrap();
        sink.write(&[2], &[5.0, 6.0]).unwrap();
        sink.flush().unwrap();
        let values: ndarray::Array2<f64> = ndarray_npy::read_npy(&v).unwrap();
        let times: ndarray::Array1<f64> = ndarray_npy::read_npy(&t).unwrap();
        assert_eq!(values, ndarray::array![[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]);
        assert_eq!(times, ndarray::array![0.0, 0.5, 1.0]);
        assert_eq!(sink.kept_t, vec![0.0, 0.5, 1.0]);
    }
}

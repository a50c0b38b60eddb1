//! Readers for data files: IDX (MNIST and others) and grayscale images.

pub mod idx;
pub mod image;

use std::io::Read;
use std::path::Path;

use crate::error::{Error, Result};

/// Reads a whole file, decompressing it when it starts with the gzip magic bytes.
pub fn read_maybe_gzip(path: &Path) -> Result<Vec<u8>> {
    let io_error = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let raw = std::fs::read(path).map_err(io_error)?;
    if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::with_capacity(raw.len() * 4);
        flate2::read::MultiGzDecoder::new(&raw[..])
            .read_to_end(&mut out)
            .map_err(|e| {
                Error::invalid_data(path, format!("gzip stream is corrupt or truncated: {e}"))
            })?;
        Ok(out)
    } else {
        Ok(raw)
    }
}

//! The IDX format of MNIST and related data sets.
//!
//! Layout (big-endian): two zero bytes, a type byte, a byte with the number of
//! dimensions `d`, then `d` unsigned 32-bit sizes, then the values in row-major order.
//! Type bytes: `0x08` u8, `0x09` i8, `0x0B` i16, `0x0C` i32, `0x0D` f32, `0x0E` f64.
//! Files may be gzip-compressed; compression is detected from the content, not the name.
//!
//! Every check names the file and the problem: a wrong magic number, an unknown type,
//! a header or body shorter than declared, bytes left over after the declared data, and
//! (for [`read_images`] and [`read_labels`]) the wrong number of dimensions.

use std::path::Path;

use super::read_maybe_gzip;
use crate::error::{Error, Result};

/// Values of an IDX file.
#[derive(Debug, Clone, PartialEq)]
pub enum IdxValues {
    /// Type `0x08`, kept as bytes to save memory.
    U8(Vec<u8>),
    /// Any other type, converted to `f64`.
    F64(Vec<f64>),
}

/// A parsed IDX file.
#[derive(Debug, Clone, PartialEq)]
pub struct IdxArray {
    /// Sizes of the dimensions, outermost first.
    pub dims: Vec<usize>,
    /// Values in row-major order.
    pub values: IdxValues,
}

/// Reads any IDX file.
pub fn read_idx(path: &Path) -> Result<IdxArray> {
    let bytes = read_maybe_gzip(path)?;
    parse_idx(&bytes, path)
}

/// Parses IDX bytes; `path` is used in error messages only.
pub fn parse_idx(bytes: &[u8], path: &Path) -> Result<IdxArray> {
    let bad = |problem: String| Error::invalid_data(path, problem);
    if bytes.len() < 4 {
        return Err(bad(format!(
            "file has {} bytes, shorter than the 4-byte IDX magic number",
            bytes.len()
        )));
    }
    if bytes[0] != 0 || bytes[1] != 0 {
        return Err(bad(format!(
            "bad IDX magic number 0x{:02x}{:02x}{:02x}{:02x}: the first two bytes must be zero \
             (is this an IDX file? MNIST images start with 0x00000803)",
            bytes[0], bytes[1], bytes[2], bytes[3]
        )));
    }
    let (type_name, width) = match bytes[2] {
        0x08 => ("u8", 1),
        0x09 => ("i8", 1),
        0x0B => ("i16", 2),
        0x0C => ("i32", 4),
        0x0D => ("f32", 4),
        0x0E => ("f64", 8),
        other => {
            return Err(bad(format!(
                "bad IDX magic number: unknown type byte 0x{other:02x}; \
                 expected 0x08, 0x09, 0x0B, 0x0C, 0x0D or 0x0E"
            )));
        }
    };
    let ndims = bytes[3] as usize;
    if ndims == 0 {
        return Err(bad("IDX header declares 0 dimensions".to_string()));
    }
    let header_len = 4 + 4 * ndims;
    if bytes.len() < header_len {
        return Err(bad(format!(
            "truncated header: {ndims} dimensions need {header_len} header bytes, the file has {}",
            bytes.len()
        )));
    }
    let dims: Vec<usize> = (0..ndims)
        .map(|d| {
            let o = 4 + 4 * d;
            u32::from_be_bytes([bytes[o], bytes[o + 1], bytes[o + 2], bytes[o + 3]]) as usize
        })
        .collect();
    let count = dims
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .ok_or_else(|| bad(format!("dimensions {dims:?} overflow")))?;
    let expected = count
        .checked_mul(width)
        .ok_or_else(|| bad(format!("dimensions {dims:?} overflow")))?;
    let body = &bytes[header_len..];
    if body.len() < expected {
        return Err(bad(format!(
            "truncated data: dimensions {dims:?} of {type_name} need {expected} bytes after the \
             header, the file has {}",
            body.len()
        )));
    }
    if body.len() > expected {
        return Err(bad(format!(
            "{} bytes follow the {expected} bytes declared by dimensions {dims:?}; \
             the header's dimensions are wrong or the file is corrupt",
            body.len() - expected
        )));
    }
    let values = match bytes[2] {
        0x08 => IdxValues::U8(body.to_vec()),
        0x09 => IdxValues::F64(body.iter().map(|&b| b as i8 as f64).collect()),
        0x0B => IdxValues::F64(
            body.chunks_exact(2)
                .map(|c| i16::from_be_bytes([c[0], c[1]]) as f64)
                .collect(),
        ),
        0x0C => IdxValues::F64(
            body.chunks_exact(4)
                .map(|c| i32::from_be_bytes([c[0], c[1], c[2], c[3]]) as f64)
                .collect(),
        ),
        0x0D => IdxValues::F64(
            body.chunks_exact(4)
                .map(|c| f32::from_be_bytes([c[0], c[1], c[2], c[3]]) as f64)
                .collect(),
        ),
        _ => IdxValues::F64(
            body.chunks_exact(8)
                .map(|c| f64::from_be_bytes(c.try_into().expect("8 bytes")))
                .collect(),
        ),
    };
    Ok(IdxArray { dims, values })
}

/// Images from an IDX file of unsigned bytes with 3 dimensions `(n, rows, cols)`.
#[derive(Debug, Clone, PartialEq)]
pub struct IdxImages {
    /// Number of images.
    pub n: usize,
    /// Rows per image.
    pub rows: usize,
    /// Columns per image.
    pub cols: usize,
    /// `n * rows * cols` pixels, row-major.
    pub pixels: Vec<u8>,
}

/// Reads an image file such as `train-images-idx3-ubyte(.gz)`.
pub fn read_images(path: &Path) -> Result<IdxImages> {
    let array = read_idx(path)?;
    if array.dims.len() != 3 {
        return Err(Error::invalid_data(
            path,
            format!(
                "wrong dimensions: an image file has 3 dimensions (n, rows, cols), this one has \
                 {} ({:?}); is it a label file?",
                array.dims.len(),
                array.dims
            ),
        ));
    }
    let IdxValues::U8(pixels) = array.values else {
        return Err(Error::invalid_data(
            path,
            "image pixels must be unsigned bytes (type 0x08)",
        ));
    };
    Ok(IdxImages {
        n: array.dims[0],
        rows: array.dims[1],
        cols: array.dims[2],
        pixels,
    })
}

/// Reads a label file such as `train-labels-idx1-ubyte(.gz)`.
pub fn read_labels(path: &Path) -> Result<Vec<u8>> {
    let array = read_idx(path)?;
    if array.dims.len() != 1 {
        return Err(Error::invalid_data(
            path,
            format!(
                "wrong dimensions: a label file has 1 dimension, this one has {} ({:?}); \
                 is it an image file?",
                array.dims.len(),
                array.dims
            ),
        ));
    }
    match array.values {
        IdxValues::U8(labels) => Ok(labels),
        IdxValues::F64(_) => Err(Error::invalid_data(
            path,
            "labels must be unsigned bytes (type 0x08)",
        )),
    }
}

/// Reads images and their labels and checks that the counts agree.
pub fn read_labelled_images(images: &Path, labels: &Path) -> Result<(IdxImages, Vec<u8>)> {
    let imgs = read_images(images)?;
    let labs = read_labels(labels)?;
    if imgs.n != labs.len() {
        return Err(Error::invalid_data(
            labels,
            format!(
                "{} labels for {} images in {}; the files do not belong together",
                labs.len(),
                imgs.n,
                images.display()
            ),
        ));
    }
    Ok((imgs, labs))
}

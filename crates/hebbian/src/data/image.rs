//! Grayscale images from PNG files.

use std::path::Path;

use crate::error::{Error, Result};

/// A grayscale image with values in `[0, 1]`, row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct GrayImage {
    /// Width in pixels.
    pub width: usize,
    /// Height in pixels.
    pub height: usize,
    /// `height * width` values in `[0, 1]`.
    pub pixels: Vec<f64>,
    /// `true` if the file held colour that was converted to luma.
    pub converted_from_color: bool,
}

impl GrayImage {
    /// Pixel at `(row, col)`.
    pub fn at(&self, row: usize, col: usize) -> f64 {
        self.pixels[row * self.width + col]
    }
}

/// Reads a PNG as grayscale. 8- and 16-bit gray are read as they are; colour images are
/// converted to luma with the image crate's Rec. 709 weights and flagged.
pub fn read_gray_png(path: &Path) -> Result<GrayImage> {
    let reader = image::ImageReader::open(path)
        .map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?
        .with_guessed_format()
        .map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
    let decoded = reader
        .decode()
        .map_err(|e| Error::invalid_data(path, format!("cannot decode as an image: {e}")))?;
    let converted_from_color = decoded.color().has_color();
    let gray = decoded.to_luma16();
    let (width, height) = (gray.width() as usize, gray.height() as usize);
    if width == 0 || height == 0 {
        return Err(Error::invalid_data(path, "image has no pixels"));
    }
    let pixels = gray.as_raw().iter().map(|&p| p as f64 / 65535.0).collect();
    Ok(GrayImage {
        width,
        height,
        pixels,
        converted_from_color,
    })
}

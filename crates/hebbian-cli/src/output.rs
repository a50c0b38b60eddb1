//! The run folder: every file is written to a temporary name in the same folder and
//! renamed into place, so a reader never sees a half-written file.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use ndarray::{ArrayBase, Data, Dimension};
use ndarray_npy::{NpzWriter, WritableElement, WriteNpyExt};

/// A folder receiving a run's outputs.
#[derive(Debug)]
pub struct RunDir {
    path: PathBuf,
    written: Vec<String>,
}

impl RunDir {
    /// Creates the folder (and its parents) if needed.
    pub fn create(path: &Path) -> Result<Self> {
        fs::create_dir_all(path)
            .with_context(|| format!("failed to create output folder {}", path.display()))?;
        Ok(RunDir {
            path: path.to_path_buf(),
            written: Vec::new(),
        })
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Names of the files written so far, in order.
    pub fn written(&self) -> &[String] {
        &self.written
    }

    /// Writes `name` atomically: `write` fills a temporary file in the same folder, which
    /// is then renamed to `name`. The temporary name keeps the extension, because some
    /// writers (the PNG encoder) choose the format from it.
    pub fn write_with(
        &mut self,
        name: &str,
        write: impl FnOnce(&Path) -> Result<()>,
    ) -> Result<()> {
        let target = self.path.join(name);
        let temp = self
            .path
            .join(format!(".tmp-{}-{name}", std::process::id()));
        let result = write(&temp).and_then(|()| {
            fs::rename(&temp, &target)
                .with_context(|| format!("failed to move {} into place", target.display()))
        });
        if result.is_err() {
            let _ = fs::remove_file(&temp);
        }
        result.with_context(|| format!("failed to write {}", target.display()))?;
        self.written.push(name.to_string());
        Ok(())
    }

    /// Path of the temporary file that [`RunDir::adopt`] later moves to `name`; for
    /// files written while a run goes on.
    pub fn temp_path(&self, name: &str) -> PathBuf {
        self.path
            .join(format!(".tmp-{}-{name}", std::process::id()))
    }

    /// Moves a finished temporary file from [`RunDir::temp_path`] into place as `name`.
    pub fn adopt(&mut self, name: &str) -> Result<()> {
        let target = self.path.join(name);
        fs::rename(self.temp_path(name), &target)
            .with_context(|| format!("failed to move {} into place", target.display()))?;
        self.written.push(name.to_string());
        Ok(())
    }

    /// Writes an `.npz` archive whose arrays `fill` adds, of any element type.
    pub fn npz_with(
        &mut self,
        name: &str,
        fill: impl FnOnce(&mut NpzWriter<fs::File>) -> Result<()>,
    ) -> Result<()> {
        self.write_with(name, |temp| {
            let mut npz = NpzWriter::new(fs::File::create(temp)?);
            fill(&mut npz)?;
            let file = npz.finish()?;
            file.sync_all()?;
            Ok(())
        })
    }

    /// Writes one array as a NumPy `.npy` file.
    pub fn npy<A, S, D>(&mut self, name: &str, array: &ArrayBase<S, D>) -> Result<()>
    where
        A: WritableElement,
        S: Data<Elem = A>,
        D: Dimension,
    {
        self.write_with(name, |temp| {
            let file = fs::File::create(temp)?;
            let mut writer = std::io::BufWriter::new(file);
            array.write_npy(&mut writer)?;
            let file = writer.into_inner().map_err(|e| e.into_error())?;
            file.sync_all()?;
            Ok(())
        })
    }

    /// Writes several named `f64` arrays as an uncompressed NumPy `.npz` archive.
    pub fn npz(&mut self, name: &str, arrays: &[(&str, ndarray::ArrayD<f64>)]) -> Result<()> {
        self.write_with(name, |temp| {
            let file = fs::File::create(temp)?;
            let mut npz = NpzWriter::new(file);
            for (key, array) in arrays {
                npz.add_array(*key, array)?;
            }
            let file = npz.finish()?;
            file.sync_all()?;
            Ok(())
        })
    }

    /// Writes a value as pretty-printed JSON.
    pub fn json(&mut self, name: &str, value: &serde_json::Value) -> Result<()> {
        let text = serde_json::to_string_pretty(value)? + "\n";
        self.text(name, &text)
    }

    /// Writes a text file.
    pub fn text(&mut self, name: &str, text: &str) -> Result<()> {
        self.write_with(name, |temp| {
            fs::write(temp, text)?;
            fs::File::open(temp)?.sync_all()?;
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn npy_roundtrip_and_no_temp_left() {
        let dir = tempfile::tempdir().unwrap();
        let mut run = RunDir::create(dir.path()).unwrap();
        let a = ndarray::array![[1.0, 2.0], [3.0, 4.0]];
        run.npy("w.npy", &a).unwrap();
        let back: ndarray::Array2<f64> = ndarray_npy::read_npy(dir.path().join("w.npy")).unwrap();
        assert_eq!(back, a);
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1);
    }

    #[test]
    fn failed_write_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let mut run = RunDir::create(dir.path()).unwrap();
        let err = run.write_with("x.txt", |temp| {
            fs::write(temp, "partial")?;
            anyhow::bail!("encoder failed")
        });
        assert!(err.is_err());
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}

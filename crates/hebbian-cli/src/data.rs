//! Data files named by experiments: where relative paths are looked up.

use std::path::{Path, PathBuf};

use anyhow::Result;

use crate::experiment::{Source, input_error};

/// Options that come from the command line rather than the file.
pub struct DataLocation<'a> {
    /// `--data`, or `HEBBIAN_DATA` when not given.
    pub data_dir: Option<&'a Path>,
    /// Origin of the experiment.
    pub source: &'a Source,
}

impl DataLocation<'_> {
    /// Resolves a path from the experiment file: absolute paths as they are, relative
    /// ones against the data folder, else the experiment file's folder. A missing
    /// `.gz` suffix (or an extra one) is tolerated, since MNIST is shipped both ways.
    pub fn resolve(&self, key: &str, value: &str, what: &str) -> Result<PathBuf> {
        let given = Path::new(value);
        let base = if given.is_absolute() {
            None
        } else if let Some(dir) = self.data_dir {
            Some(dir.to_path_buf())
        } else if let Some(folder) = self.source.folder() {
            Some(folder.to_path_buf())
        } else {
            return Err(input_error(format!(
                "{} reads {what} from `{key}` = {value:?}, a relative path, but no data folder \
                 was given; pass --data DIR (the folder holding that file) or set HEBBIAN_DATA",
                self.source.describe()
            )));
        };
        let path = base.map_or_else(|| given.to_path_buf(), |b| b.join(given));
        if path.exists() {
            return Ok(path);
        }
        let alternative = match path.to_str() {
            Some(s) if s.ends_with(".gz") => PathBuf::from(&s[..s.len() - 3]),
            Some(s) => PathBuf::from(format!("{s}.gz")),
            None => path.clone(),
        };
        if alternative.exists() {
            return Ok(alternative);
        }
        // A data folder one level too high (the parent of `mnist/`) gets a hint that
        // names the subfolder holding the file.
        let below = path.parent().and_then(|parent| {
            let name = path.file_name()?;
            let alternative_name = alternative.file_name()?;
            let mut found: Vec<PathBuf> = std::fs::read_dir(parent)
                .ok()?
                .filter_map(|entry| entry.ok().map(|e| e.path()))
                .filter(|sub| sub.join(name).exists() || sub.join(alternative_name).exists())
                .collect();
            found.sort();
            found.into_iter().next()
        });
        let hint = match below {
            Some(folder) => format!(
                "; the subfolder {} holds it: pass --data {0}",
                folder.display()
            ),
            None => "; pass --data DIR pointing at the folder that holds it".to_string(),
        };
        Err(input_error(format!(
            "{what} not found: {} (from `{key}` = {value:?}; also tried {}){hint}",
            path.display(),
            alternative.display()
        )))
    }

    /// Returns the data folder, or an error explaining how to give one.
    pub fn folder(&self, what: &str) -> Result<PathBuf> {
        if let Some(dir) = self.data_dir {
            if !dir.is_dir() {
                return Err(input_error(format!(
                    "data folder {} not found; pass --data DIR with an existing folder",
                    dir.display()
                )));
            }
            return Ok(dir.to_path_buf());
        }
        if let Some(folder) = self.source.folder() {
            return Ok(folder.to_path_buf());
        }
        Err(input_error(format!(
            "{} needs {what}: pass --data DIR or set HEBBIAN_DATA",
            self.source.describe()
        )))
    }
}

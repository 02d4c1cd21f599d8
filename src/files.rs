//! [`FileError`]: a file or directory synth-jack could not read or write
//! (patches, their plugin states, drawings, the recording directory). Its
//! `Display` is the `/fail` reason musicians see.

use std::fmt;
use std::path::PathBuf;

/// Why a file could not be read or written.
#[derive(Debug, Clone, PartialEq)]
pub enum FileError {
    /// A patch file could not be read.
    ReadPatch {
        /// The patch's name.
        name: String,
        /// Its file.
        path: PathBuf,
        /// What the system said.
        error: String,
    },
    /// A patch file was read but its text is not a patch.
    ParsePatch {
        /// The patch's name.
        name: String,
        /// Its file.
        path: PathBuf,
        /// What the parser said (boxed: it is large, and errors travel by value).
        error: Box<dsp::PatchError>,
    },
    /// A directory could not be created.
    CreateDir {
        /// What it is for ("the patch directory "; "" when it goes unsaid).
        what: &'static str,
        /// The directory.
        dir: PathBuf,
        /// What the system said.
        error: String,
    },
    /// A file could not be written.
    Write {
        /// The file.
        path: PathBuf,
        /// What the system said.
        error: String,
    },
    /// A plugin state could not be saved or its file written.
    PluginState(String),
}

impl FileError {
    /// `what` directory `dir` could not be created: `error`.
    pub fn create_dir(what: &'static str, dir: &std::path::Path, error: std::io::Error) -> Self {
        FileError::CreateDir {
            what,
            dir: dir.to_path_buf(),
            error: error.to_string(),
        }
    }

    /// File `path` could not be written: `error`.
    pub fn write(path: &std::path::Path, error: std::io::Error) -> Self {
        FileError::Write {
            path: path.to_path_buf(),
            error: error.to_string(),
        }
    }
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            FileError::ReadPatch { name, path, error } => write!(
                f,
                "cannot read patch '{name}' ({}): {error}",
                path.display()
            ),
            FileError::ParsePatch { name, path, error } => {
                write!(f, "patch '{name}' ({}): {error}", path.display())
            }
            FileError::CreateDir { what, dir, error } => {
                write!(f, "cannot create {what}{}: {error}", dir.display())
            }
            FileError::Write { path, error } => {
                write!(f, "cannot write {}: {error}", path.display())
            }
            FileError::PluginState(e) => f.write_str(e),
        }
    }
}

impl std::error::Error for FileError {}

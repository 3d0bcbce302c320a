//! Reading the files conform is pointed at (check and environment YAML, PEM): regular files
//! only, and never more than a cap, so that a FIFO cannot block a load and a device such as
//! `/dev/zero` cannot fill the memory.

use super::diag::Diagnostics;
use super::node::{Node, Pos};
use super::quantity::format_size;
use std::fmt;
use std::fs::{File, Metadata};
use std::io::Read;
use std::path::Path;

/// The most conform reads of a check or environment file.
pub const YAML_CAP: u64 = 8 << 20;
/// The most conform reads of a PEM file (certificates, keys): real chains are a few KiB.
pub const PEM_CAP: u64 = 1 << 20;

/// Why a file was not read.
#[derive(Debug)]
pub enum FileError {
    /// The path names something other than a regular file: `a FIFO`, `a directory` ...
    NotRegular(&'static str),
    /// The file holds more than the cap (the cap).
    TooLarge(u64),
    Io(std::io::Error),
}

impl fmt::Display for FileError {
    /// `is a FIFO, not a regular file`, `is larger than 1 MiB`, `cannot be read: <why>`: the
    /// rest of a sentence about the file.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FileError::NotRegular(what) => write!(f, "is {what}, not a regular file"),
            FileError::TooLarge(cap) => write!(f, "is larger than {}", format_size(*cap)),
            FileError::Io(e) => write!(f, "cannot be read: {e}"),
        }
    }
}

impl From<std::io::Error> for FileError {
    fn from(e: std::io::Error) -> Self {
        FileError::Io(e)
    }
}

/// The bytes of the regular file at `path` (symbolic links followed), at most `cap` of them.
///
/// The path is looked at before it is opened, since opening a FIFO for reading waits for a
/// writer; the open file is looked at again, in case the path changed in between; then at
/// most `cap + 1` bytes are read, whatever the file's size claims.
pub fn read_capped(path: &Path, cap: u64) -> Result<Vec<u8>, FileError> {
    regular(&std::fs::metadata(path)?)?;
    let file = open_nonblocking(path)?;
    regular(&file.metadata()?)?;
    let mut bytes = Vec::new();
    file.take(cap.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > cap {
        return Err(FileError::TooLarge(cap));
    }
    Ok(bytes)
}

/// Opens for reading without waiting: should the path become a FIFO after it was looked at,
/// the open returns at once and the second look refuses it.
fn open_nonblocking(path: &Path) -> std::io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    options.open(path)
}

fn regular(meta: &Metadata) -> Result<(), FileError> {
    let kind = meta.file_type();
    if kind.is_file() {
        return Ok(());
    }
    if kind.is_dir() {
        return Err(FileError::NotRegular("a directory"));
    }
    #[cfg(unix)]
    let what = {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            "a FIFO"
        } else if kind.is_char_device() {
            "a character device"
        } else if kind.is_block_device() {
            "a block device"
        } else if kind.is_socket() {
            "a socket"
        } else {
            "a special file"
        }
    };
    #[cfg(not(unix))]
    let what = "a special file";
    Err(FileError::NotRegular(what))
}

/// Reads and parses one YAML file; problems go to `d`.
pub fn parse_file(path: &Path, d: &mut Diagnostics) -> Option<Node> {
    let start = Pos { line: 1, column: 1 };
    let bytes = match read_capped(path, YAML_CAP) {
        Ok(bytes) => bytes,
        Err(e) => {
            let message = match e {
                FileError::Io(e) => format!("cannot read the file: {e}"),
                e => format!("the file {e}"),
            };
            d.error(start, message, "expected a readable YAML file");
            return None;
        }
    };
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            d.error(
                start,
                format!(
                    "the file is not UTF-8 text (invalid byte at offset {})",
                    e.utf8_error().valid_up_to()
                ),
                "expected a UTF-8 YAML file",
            );
            return None;
        }
    };
    match Node::parse(&text) {
        Ok(node) => Some(node),
        Err(e) => {
            d.error(e.pos, e.message, e.expected);
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_regular_file_is_read_up_to_its_cap() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("a.pem");
        std::fs::write(&path, b"12345").expect("write");
        assert_eq!(read_capped(&path, 5).expect("read"), b"12345");
        let err = read_capped(&path, 4).expect_err("over the cap");
        assert_eq!(err.to_string(), "is larger than 4 B");
    }

    #[test]
    fn a_directory_and_a_device_are_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let err = read_capped(dir.path(), PEM_CAP).expect_err("a directory");
        assert_eq!(err.to_string(), "is a directory, not a regular file");
        #[cfg(unix)]
        {
            let err = read_capped(Path::new("/dev/zero"), PEM_CAP).expect_err("a device");
            assert_eq!(err.to_string(), "is a character device, not a regular file");
        }
        let err = read_capped(&dir.path().join("none"), PEM_CAP).expect_err("missing");
        assert!(matches!(err, FileError::Io(_)), "{err:?}");
    }
}

//! How a command ends: the exit codes of the README's "Exit codes", as one type that every
//! command returns and `main` turns into the process's [`ExitCode`].

use std::process::ExitCode;

/// The exit status of a command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// 0: every check passed (pending ones may fail), or the command did what it was asked.
    Pass,
    /// 1: a check failed, or a pending check now passes.
    Fail,
    /// 2: bad usage or bad check/environment files; nothing was probed.
    Usage,
    /// 3: no check failed, but at least one could not be completed.
    Error,
    /// 128 + the signal's number (130 for SIGINT, 143 for SIGTERM): a signal ended the run,
    /// as shells report a process a signal ended.
    Signal(u8),
}

impl Exit {
    /// The process's exit code.
    pub fn code(self) -> u8 {
        match self {
            Exit::Pass => 0,
            Exit::Fail => 1,
            Exit::Usage => 2,
            Exit::Error => 3,
            Exit::Signal(number) => 128u8.saturating_add(number),
        }
    }

    /// The exit of a run or report whose verdict is `code` (`RunReport::exit_code`,
    /// `JsonReport::exit_code`). A code outside the list above cannot come from them; should
    /// one, it is read as "could not be completed", never as a pass.
    pub fn from_code(code: i32) -> Exit {
        match code {
            0 => Exit::Pass,
            1 => Exit::Fail,
            2 => Exit::Usage,
            3 => Exit::Error,
            129..=255 => Exit::Signal((code - 128) as u8),
            _ => Exit::Error,
        }
    }
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> ExitCode {
        ExitCode::from(exit.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_the_readmes() {
        let all = [
            (Exit::Pass, 0),
            (Exit::Fail, 1),
            (Exit::Usage, 2),
            (Exit::Error, 3),
            (Exit::Signal(2), 130),
            (Exit::Signal(15), 143),
        ];
        for (exit, code) in all {
            assert_eq!(exit.code(), code, "{exit:?}");
            assert_eq!(Exit::from_code(i32::from(code)), exit, "{code}");
        }
        for unknown in [-1, 4, 128, 256] {
            assert_eq!(Exit::from_code(unknown), Exit::Error, "{unknown}");
        }
    }
}

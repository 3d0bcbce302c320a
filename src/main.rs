use std::process::ExitCode;

fn main() -> ExitCode {
    conform::run::quiet_panics();
    conform::cli::main().into()
}

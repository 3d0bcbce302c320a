use clap::Parser;

fn main() {
    conform::run::quiet_panics();
    let cli = conform::cli::Cli::parse();
    std::process::exit(conform::cli::main_with(cli));
}

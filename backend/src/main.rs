//! The `bolide` binary: parse the command line, set up logging, run.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = bolide::cli::Cli::parse();
    bolide::cli::init_tracing();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("bolide: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    // The embedded redis-server is spawned from the thread that polls this
    // future (the main thread): its parent-death signal is tied to that
    // thread, which lives until the process exits.
    match runtime.block_on(cli.run()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("bolide: {err}");
            ExitCode::FAILURE
        }
    }
}

//! The `bolide` binary: parse the command line, set up logging, run.

use std::process::ExitCode;

use clap::Parser;

/// mimalloc: a server doing many small, short-lived allocations per request
/// (JSON, arguments, replies) runs measurably faster on it than on the
/// system allocator (see the README's Speed section).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

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

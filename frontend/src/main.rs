//! Trunk's entry point: mount the app.

fn main() {
    bolide_frontend::run();
}

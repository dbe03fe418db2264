//! The signal that stops the server: Ctrl-C (SIGINT) or SIGTERM.
//!
//! The handlers are installed by [`install`] the moment it is called — at
//! the very start of `serve`, before Redis is started — not when the
//! returned future is first polled: a SIGTERM that arrives while Bolide is
//! still starting must still stop it cleanly (and its Redis), instead of
//! killing it with the default action.

use std::future::Future;

/// Installs the handlers now; the future completes on the first signal.
pub fn install() -> impl Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let interrupt = signal(SignalKind::interrupt());
        let terminate = signal(SignalKind::terminate());
        async move {
            let (mut interrupt, mut terminate) = match (interrupt, terminate) {
                (Ok(interrupt), Ok(terminate)) => (interrupt, terminate),
                (Err(err), _) | (_, Err(err)) => {
                    tracing::error!(%err, "cannot listen for signals");
                    return std::future::pending::<()>().await;
                }
            };
            tokio::select! {
                _ = interrupt.recv() => tracing::info!("Ctrl-C received, shutting down"),
                _ = terminate.recv() => tracing::info!("SIGTERM received, shutting down"),
            }
        }
    }
    #[cfg(not(unix))]
    async {
        if tokio::signal::ctrl_c().await.is_ok() {
            tracing::info!("Ctrl-C received, shutting down");
        }
    }
}

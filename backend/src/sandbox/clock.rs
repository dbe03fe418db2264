//! The one clock Bolide's Redis bookkeeping reads: milliseconds since the
//! Unix epoch, the unit every timestamp in the system database uses
//! (sandboxes' last-seen times, jobs, load reports). One function, so a
//! feature never invents its own unit.

use std::time::{SystemTime, UNIX_EPOCH};

/// Now, in milliseconds since the Unix epoch (0 if the clock is before it).
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

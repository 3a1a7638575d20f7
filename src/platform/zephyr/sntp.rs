//! The wall clock from SNTP (CONFIG_OCPP_SNTP): asked when the OCPP thread starts and every
//! CONFIG_OCPP_SNTP_RESYNC_INTERVAL seconds after, on the OCPP thread, without the engine lock
//! (the query blocks up to CONFIG_OCPP_SNTP_TIMEOUT_MS). Until an answer came, or without
//! SNTP, the engine takes the Central System's currentTime; once one came it no longer does.

use core::sync::atomic::{AtomicU32, Ordering};

use crate::logging::{info, warn};

use super::{now, port, Locked, State};
use crate::capacity::SNTP_RESYNC_INTERVAL_S;
use crate::datetime::DateTime;
use crate::engine::Station;

/// Uptime (s) of the next query; `NEVER` without SNTP in the build. Seconds in 32 bits:
/// Cortex-M3/M7 have no 64-bit atomics.
static NEXT_AT: AtomicU32 = AtomicU32::new(0);
const NEVER: u32 = u32::MAX;
/// -ENOTSUP (Zephyr's errno 134): the port was built without CONFIG_OCPP_SNTP.
const ENOTSUP: i32 = 134;

/// Starts over: the next call queries at once (a new OCPP thread).
pub(super) fn reset() {
    NEXT_AT.store(0, Ordering::Relaxed);
}

/// Queries the server when due and sets the engine's wall clock from its answer.
pub(super) fn sync_if_due<S: Station>(state: &State<S>) {
    let due = NEXT_AT.load(Ordering::Relaxed);
    if due == NEVER || uptime_s() < due {
        return;
    }
    let mut unix_ms = 0i64;
    // SAFETY: plain call into the C port with a valid out-pointer.
    let ret = unsafe { port::ocpp_port_sntp_time(&mut unix_ms) };
    if ret == -ENOTSUP {
        NEXT_AT.store(NEVER, Ordering::Relaxed);
        return;
    }
    let next = uptime_s().saturating_add(SNTP_RESYNC_INTERVAL_S as u32);
    NEXT_AT.store(next.min(NEVER - 1), Ordering::Relaxed);
    if ret != 0 {
        warn!("SNTP failed (", ret, "); the wall clock stays as it is");
        return;
    }
    let mut locked = Locked::new(state);
    // The answer's time is the time at the end of the query.
    let jumped = locked
        .engine()
        .set_wall_clock(now(), DateTime::from_unix_ms(unix_ms));
    if jumped.is_none() {
        info!("wall clock set by SNTP");
    }
}

fn uptime_s() -> u32 {
    u32::try_from(now().as_millis() / 1000).unwrap_or(NEVER - 1)
}

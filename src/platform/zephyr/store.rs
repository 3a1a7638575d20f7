//! The Zephyr store: the engine's records as settings under "ocpp/" (CONFIG_OCPP_PERSISTENCE,
//! NVS or ZMS on the storage partition). The backend checks its own entries; the records carry
//! the engine's checksum as well.

use core::ffi::{c_char, c_void, CStr};

use crate::logging::{info, warn};
use heapless::String;

use super::port;
use crate::datetime::Instant;
use crate::engine::{ChargePoint, Station, StoreOp};

/// Zephyr's ENOENT (the same in every libc it ships).
const ENOENT: i32 = 2;

/// A key as a C string ("q/0000002a" and NUL).
fn c_key(key: &str) -> Option<String<20>> {
    let mut name = String::new();
    name.push_str(key).ok()?;
    name.push('\0').ok()?;
    Some(name)
}

/// Performs every write and erase the engine has pending.
pub(super) fn sync<S: Station>(cp: &mut ChargePoint<S>, buf: &mut [u8]) {
    while let Some(op) = cp.poll_store(buf) {
        let (key, result) = match op {
            StoreOp::Write { key, data } => {
                let name = c_key(&key);
                let result = name.as_ref().map_or(-1, |name| {
                    // SAFETY: `name` is NUL-terminated and `data` valid for its length; the
                    // port copies both before returning.
                    unsafe {
                        port::ocpp_port_store_save(name.as_ptr().cast(), data.as_ptr(), data.len())
                    }
                });
                (key, result)
            }
            StoreOp::Erase { key } => {
                let result = c_key(&key).map_or(-1, |name| {
                    // SAFETY: `name` is NUL-terminated.
                    unsafe { port::ocpp_port_store_delete(name.as_ptr().cast()) }
                });
                // A record that was never written is not an error.
                (key, if result == -ENOENT { 0 } else { result })
            }
        };
        if result != 0 {
            warn!("store: ", key, ": error ", result);
        }
    }
}

struct Loading<'a, S: Station> {
    cp: &'a mut ChargePoint<S>,
    loaded: u32,
    refused: u32,
}

/// Called by the port for each stored record.
extern "C" fn record<S: Station>(
    ctx: *mut c_void,
    key: *const c_char,
    data: *const u8,
    len: usize,
) {
    // SAFETY: `restore` passes a `Loading<S>` that outlives the load, and the port calls this
    // on the loading thread only.
    let loading = unsafe { &mut *ctx.cast::<Loading<'_, S>>() };
    if key.is_null() {
        return;
    }
    // SAFETY: the settings subsystem hands a NUL-terminated key.
    let key_c = unsafe { CStr::from_ptr(key) };
    let Ok(name) = key_c.to_str() else { return };
    let bytes: &[u8] = if data.is_null() || len == usize::MAX {
        &[]
    } else {
        // SAFETY: the port read `len` bytes into its buffer at `data`, valid during the call.
        unsafe { core::slice::from_raw_parts(data, len) }
    };
    match loading.cp.restore_record(name, bytes) {
        Ok(()) => loading.loaded += 1,
        Err(e) => {
            warn!("store: record ", name, " refused (", e, "); erased");
            loading.refused += 1;
            // SAFETY: `key` is the NUL-terminated name the subsystem handed us.
            let _ = unsafe { port::ocpp_port_store_delete(key) };
        }
    }
}

/// Loads every stored record into `cp` and finishes its restore.
pub(super) fn restore<S: Station>(cp: &mut ChargePoint<S>, buf: &mut [u8], now: Instant) {
    let mut loading = Loading {
        cp,
        loaded: 0,
        refused: 0,
    };
    // SAFETY: `record::<S>` expects the `Loading<S>` passed as ctx, alive for the whole call;
    // `buf` is valid for its length.
    let result = unsafe {
        port::ocpp_port_store_load(
            Some(record::<S>),
            (&mut loading as *mut Loading<'_, S>).cast(),
            buf.as_mut_ptr(),
            buf.len(),
        )
    };
    if result != 0 {
        warn!("store: cannot load (", result, "); starting empty");
    }
    let (loaded, refused) = (loading.loaded, loading.refused);
    let report = loading.cp.finish_restore(now);
    info!(
        "store: ",
        loaded, " records loaded, ", refused, " refused; ", report
    );
}

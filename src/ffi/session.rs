//! Sessions (`ocpp_session_open`) and the [`Station`] of the C API, which calls the
//! application's callback.

use super::*;

// ------------------------------------------------------------------------------- sessions

/// What a session knows of its transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum SessionTx {
    Idle,
    /// Started on this connector by this session.
    Running(u8),
    /// Ended by the library or taken over by another session; released by a stop.
    Ended,
}

#[derive(Debug, Clone)]
pub(super) struct Session {
    pub(super) open: bool,
    /// Part of the handle: a handle of a closed session never matches its reused slot.
    pub(super) generation: usize,
    /// The idTag of the last ocpp_authorize: the one ocpp_start_transaction uses.
    pub(super) id_tag: Option<CiString20>,
    pub(super) tx: SessionTx,
}

/// cbindgen:ignore
const _: () = assert!(
    MAX_SESSIONS >= 1 && MAX_SESSIONS <= 255,
    "OCPP_MAX_SESSIONS must be 1..=255"
);

/// A handle is `generation << 8 | (slot + 1)`: never NULL, and stale once the slot is reused.
pub(super) fn handle(slot: usize, generation: usize) -> ocpp_session_handle_t {
    ((generation << 8) | (slot + 1)) as ocpp_session_handle_t
}

pub(super) fn decode(hndl: ocpp_session_handle_t) -> Option<(usize, usize)> {
    let raw = hndl as usize;
    let slot = (raw & 0xff).checked_sub(1)?;
    Some((slot, raw >> 8))
}

/// The generation of the next session handle, for the life of the program: across ocpp_deinit
/// and ocpp_init, so a handle from before never becomes valid again. It wraps only after
/// 2^56 sessions on 64-bit targets and 2^24 (16.7 million) on 32-bit ones.
/// cbindgen:ignore
pub(super) static NEXT_GENERATION: AtomicUsize = AtomicUsize::new(1);

pub(super) fn next_generation() -> usize {
    loop {
        let generation = NEXT_GENERATION.fetch_add(1, SeqCst) & (usize::MAX >> 8);
        if generation != 0 {
            return generation;
        }
    }
}

pub(super) type Callback =
    unsafe extern "C" fn(ocpp_notify_reason, *mut ocpp_io_value, *mut c_void) -> c_int;

/// The [`Station`] of the C API: hardware questions become calls of the application's callback.
/// It also holds the session table, so that the engine lock protects both.
pub(crate) struct CallbackStation {
    callback: Callback,
    user_data: *mut c_void,
    sessions: [Session; MAX_SESSIONS],
}

// SAFETY: `user_data` is never dereferenced here, only handed back to the application's callback,
// which Zephyr's API already calls from the library's own thread; the rest is plain data.
unsafe impl Send for CallbackStation {}

impl CallbackStation {
    pub(super) fn new(callback: Callback, user_data: *mut c_void) -> Self {
        Self {
            callback,
            user_data,
            sessions: core::array::from_fn(|_| Session {
                open: false,
                generation: 0,
                id_tag: None,
                tx: SessionTx::Idle,
            }),
        }
    }

    /// Calls the application's callback with `io`.
    pub(super) fn notify(&mut self, reason: ocpp_notify_reason, io: &mut ocpp_io_value) -> c_int {
        let (callback, user_data) = (self.callback, self.user_data);
        Platform::callback_scope(|| {
            // SAFETY: `callback` is the non-null function the application gave to ocpp_init, called
            // with the contract of ocpp_user_notify_callback_t: a valid union for the duration of
            // the call and the application's own `user_data`.
            unsafe { callback(reason, io, user_data) }
        })
    }

    /// A zeroed union: every member valid (0 is a declared enumerator), no stale bytes.
    pub(super) fn io() -> ocpp_io_value {
        // SAFETY: all members are integers, chars and an enum whose value 0 is declared.
        unsafe { MaybeUninit::<ocpp_io_value>::zeroed().assume_init() }
    }

    pub(super) fn open(&mut self) -> Result<ocpp_session_handle_t, c_int> {
        let (slot, session) = self
            .sessions
            .iter_mut()
            .enumerate()
            .find(|(_, s)| !s.open)
            .ok_or(Errno::NoMem.ret())?;
        let generation = next_generation();
        *session = Session {
            open: true,
            generation,
            id_tag: None,
            tx: SessionTx::Idle,
        };
        Ok(handle(slot, generation))
    }

    pub(super) fn session(&mut self, hndl: ocpp_session_handle_t) -> Result<&mut Session, c_int> {
        let (slot, generation) = decode(hndl).ok_or(Errno::Inval.ret())?;
        self.sessions
            .get_mut(slot)
            .filter(|s| s.open && s.generation == generation)
            .ok_or(Errno::Inval.ret())
    }

    /// `hndl` now runs the transaction of `connector`: any other session that still claimed that
    /// connector lost its transaction to the library earlier.
    pub(super) fn claim(&mut self, hndl: ocpp_session_handle_t, connector: u8) {
        let me = decode(hndl);
        for (slot, s) in self.sessions.iter_mut().enumerate() {
            if Some((slot, s.generation)) == me {
                s.tx = SessionTx::Running(connector);
            } else if s.tx == SessionTx::Running(connector) {
                s.tx = SessionTx::Ended;
            }
        }
    }

    /// The transaction of `connector` was stopped without a session: no session runs it now.
    pub(super) fn release(&mut self, connector: u8) {
        for s in self
            .sessions
            .iter_mut()
            .filter(|s| s.tx == SessionTx::Running(connector))
        {
            s.tx = SessionTx::Idle;
        }
    }
}

impl Station for CallbackStation {
    fn read_meter(&mut self, connector: u8, measurand: Measurand) -> Option<SampleText> {
        let mes = ocpp_meter_measurand::from_measurand(measurand)?;
        let mut io = Self::io();
        io.meter_val = ocpp_io_meter_val {
            id_con: c_int::from(connector),
            mes,
            val: [0; CISTR50],
        };
        if self.notify(ocpp_notify_reason::OCPP_USR_GET_METER_VALUE, &mut io) != 0 {
            return None;
        }
        // SAFETY: the union was fully initialized; any bytes are valid chars.
        let raw = unsafe { io.meter_val.val };
        let value = reading(&raw);
        if value.is_none() {
            warn!(
                "meter value of connector ",
                connector, " (", measurand, ") is not a decimal number; ignored"
            );
        }
        value
    }

    fn remote_start(&mut self, connector: u8, id_tag: &str) -> bool {
        let mut io = Self::io();
        let mut idtag = [0; CISTR50];
        copy_c_string(&mut idtag, id_tag);
        io.start_charge = ocpp_io_start_charge {
            idtag,
            id_con: c_int::from(connector),
        };
        self.notify(ocpp_notify_reason::OCPP_USR_START_CHARGING, &mut io) == 0
    }

    fn remote_stop(&mut self, connector: u8) -> bool {
        let mut io = Self::io();
        io.stop_charge = ocpp_io_stop_charge {
            id_con: c_int::from(connector),
        };
        self.notify(ocpp_notify_reason::OCPP_USR_STOP_CHARGING, &mut io) == 0
    }

    fn unlock_connector(&mut self, connector: u8) -> UnlockStatus {
        let mut io = Self::io();
        io.unlock_con = ocpp_io_unlock_con {
            id_con: c_int::from(connector),
        };
        match self.notify(ocpp_notify_reason::OCPP_USR_UNLOCK_CONNECTOR, &mut io) {
            0 => UnlockStatus::Unlocked,
            _ => UnlockStatus::UnlockFailed,
        }
    }
}

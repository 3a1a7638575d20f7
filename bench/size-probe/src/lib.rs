//! Size probe: one exported function reaching every public engine entry point with
//! opaque inputs, so `--gc-sections` keeps what a real firmware would link.
#![no_std]

use core::hint::black_box;
use ocpp::engine::{ChargePoint, Options, Station};
use ocpp::messages::{BootNotificationRequest, ChargePointErrorCode, ChargePointStatus, Measurand, SampleText};
use ocpp::{CiString, Instant};

struct ProbeStation;

impl Station for ProbeStation {
    fn read_meter(&mut self, connector: u8, _: Measurand) -> Option<SampleText> {
        Some(ocpp::engine::sample_text(black_box(i64::from(connector))))
    }
}

static mut ENGINE: core::mem::MaybeUninit<ChargePoint<ProbeStation>> = core::mem::MaybeUninit::uninit();

/// # Safety
/// `input` must point to `len` readable bytes and `out` to `cap` writable bytes.
#[no_mangle]
pub unsafe extern "C" fn ocpp_size_probe(input: *const u8, len: usize, out: *mut u8, cap: usize, now: u64) -> usize {
    // SAFETY: the caller guarantees both buffers.
    let (frame, buf) = unsafe { (core::slice::from_raw_parts(input, len), core::slice::from_raw_parts_mut(out, cap)) };
    let boot = BootNotificationRequest {
        charge_point_vendor: CiString::try_from_str("v").unwrap_or_default(),
        charge_point_model: CiString::try_from_str("m").unwrap_or_default(),
        ..Default::default()
    };
    let now = Instant(now);
    let Ok(engine) = ChargePoint::new(boot, 2, ProbeStation, Options::default(), now) else { return 0 };
    // A static, as firmware would keep it: `.bss` then shows the engine's RAM on this target.
    // SAFETY: the probe is never called concurrently; nothing else touches ENGINE.
    let cp = unsafe { (*core::ptr::addr_of_mut!(ENGINE)).write(engine) };
    cp.handle_connected(now);
    let mut total = cp.handle_frame(now, frame, buf).unwrap_or(0);
    let _ = cp.handle_oversized_frame(frame, len, buf);
    let _ = cp.authorize(now, "TAG");
    let _ = cp.start_transaction(now, 1, "TAG", 0, None);
    let _ = cp.stop_transaction(now, 1, 10, None, None);
    let _ = cp.data_transfer("v", None, None);
    let _ = cp.set_connector_status(now, 1, ChargePointStatus::Faulted, ChargePointErrorCode::OtherError);
    let _ = cp.change_configuration(now, "HeartbeatInterval", "5");
    cp.handle_timeout(now);
    total += cp.poll_transmit(now, buf).unwrap_or(0);
    while let Some(e) = cp.poll_event() {
        black_box(&e);
    }
    // The profiles' own entry points (the C API reads them).
    #[cfg(feature = "reservation")]
    black_box(cp.reservation(1));
    #[cfg(feature = "local-auth-list")]
    black_box((cp.local_list_version(), cp.local_list_status(now, "TAG")));
    #[cfg(feature = "smart-charging")]
    black_box(cp.charging_limit(1, now));
    // Firmware Management: the platform's side of the transfer seam.
    #[cfg(feature = "firmware-management")]
    {
        black_box(cp.poll_transfer(now));
        cp.transfer_finished(now, ocpp::engine::TransferKind::Download, Ok(len as u64));
        cp.firmware_booted(now, len > 1);
        black_box((cp.firmware_install_pending(), cp.firmware_status(), cp.diagnostics_status()));
    }
    // Security Profiles: the platform's side of the credentials seam.
    #[cfg(feature = "security-profiles")]
    {
        cp.set_provisioning(ocpp::engine::Provisioning { tls: len > 2, client_certificate: len > 3 });
        let _ = black_box(cp.provision_credentials(Some(1), core::str::from_utf8(frame).ok()));
        black_box(cp.connection_settings());
        black_box(cp.poll_reconnect());
        cp.handle_connection_failed(now, ocpp::engine::ConnectionFailure::Unauthorized);
        black_box(cp.connection_failures());
    }
    // Security whitepaper: the application's and the platform's security events.
    #[cfg(feature = "security")]
    let _ = black_box(cp.record_security_event(
        now,
        ocpp::messages::SecurityEventType::StartupOfTheDevice,
        Some("probe"),
    ));
    // Certificate management: what the platform reads when it connects or verifies.
    #[cfg(feature = "certificates")]
    {
        use ocpp::messages::CertificateUse;
        for der in cp.installed_certificates(CertificateUse::CentralSystemRootCertificate) {
            black_box(der);
        }
        black_box(cp.central_system_roots_version());
        cp.tls_peer_verified(frame);
    }
    // Persistence: what a platform with a store calls (restore at start, drain after each step).
    #[cfg(feature = "store")]
    {
        let _ = cp.restore_record("q/00000001", frame);
        black_box(cp.finish_restore(now));
        while let Some(op) = cp.poll_store(buf) {
            black_box(&op);
        }
    }
    cp.handle_disconnected(now);
    total + cp.poll_timeout().map_or(0, |t| t.as_millis() as usize)
}

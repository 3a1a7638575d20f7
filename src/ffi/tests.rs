use super::*;
use crate::engine::ConfigKey;
use crate::messages::Action;

#[test]
fn measurands_map_one_to_one_with_valid_units() {
    assert_eq!(
        ocpp_meter_measurand::ALL.len(),
        ocpp_meter_measurand::OCPP_OMM_END as usize
    );
    for (i, m) in ocpp_meter_measurand::ALL.iter().enumerate() {
        assert_eq!(*m as usize, i, "enum order");
        let measurand = m.measurand().expect("every reading has a measurand");
        assert_eq!(
            ocpp_meter_measurand::from_measurand(measurand),
            Some(*m),
            "{measurand}"
        );
    }
    let name = |m: ocpp_meter_measurand| m.measurand().map(|x| x.as_str());
    assert_eq!(
        name(ocpp_meter_measurand::OCPP_OMM_CURRENT_MAX_OFFERED_TO_EV),
        Some("Current.Offered")
    );
    assert_eq!(
        name(ocpp_meter_measurand::OCPP_OMM_ACTIVE_ENERGY_TO_EV),
        Some("Energy.Active.Import.Register")
    );
    assert_eq!(
        name(ocpp_meter_measurand::OCPP_OMM_POWER_MAX_OFFERED_TO_EV),
        Some("Power.Offered")
    );
    assert_eq!(name(ocpp_meter_measurand::OCPP_OMM_FAN_SPEED), Some("RPM"));
    assert_eq!(name(ocpp_meter_measurand::OCPP_OMM_END), None);
    assert_eq!(
        ocpp_meter_measurand::from_measurand(Measurand::EnergyActiveImportInterval),
        None
    );
    let unit = |m: ocpp_meter_measurand| {
        m.measurand()
            .and_then(|x| x.default_unit())
            .map(|u| u.as_str())
    };
    assert_eq!(
        unit(ocpp_meter_measurand::OCPP_OMM_POWER_MAX_OFFERED_TO_EV),
        Some("W")
    );
    assert_eq!(
        unit(ocpp_meter_measurand::OCPP_OMM_FAN_SPEED),
        None,
        "RPM has no unit in 1.6"
    );
    assert_eq!(
        unit(ocpp_meter_measurand::OCPP_OMM_TEMPERATURE),
        Some("Celsius")
    );
}

#[test]
fn handles_are_never_null_and_decode_back() {
    for slot in [0, 1, MAX_SESSIONS - 1] {
        for generation in [1usize, 2, usize::MAX >> 8] {
            let h = handle(slot, generation);
            assert!(!h.is_null());
            assert_eq!(decode(h), Some((slot, generation)));
        }
    }
    assert_eq!(decode(core::ptr::null_mut()), None);
}

fn raw(text: &[u8]) -> [c_char; CISTR50] {
    let mut out = [0 as c_char; CISTR50];
    for (o, &b) in out.iter_mut().zip(text) {
        *o = b as c_char;
    }
    out
}

#[test]
fn readings_must_be_bounded_decimal_numbers() {
    assert_eq!(reading(&raw(b"1234")).as_deref(), Some("1234"));
    assert_eq!(reading(&raw(b"-12.5")).as_deref(), Some("-12.5"));
    for bad in [
        &b""[..],
        b"-",
        b"1.",
        b".5",
        b"1e3",
        b"12 ",
        b"0x10",
        b"1.2.3",
        b"\xff1",
    ] {
        assert_eq!(reading(&raw(bad)), None, "{bad:?}");
    }
    assert_eq!(
        reading(&[b'1' as c_char; CISTR50]),
        None,
        "not NUL-terminated"
    );
    assert_eq!(
        reading(&raw(&[b'9'; 30])),
        None,
        "longer than a sampled value"
    );
}

#[test]
fn event_names_are_nul_terminated() {
    let e = ocpp_event::from_event(&Event::ConfigurationChanged(
        ConfigKey::MeterValueSampleInterval,
    ))
    .unwrap();
    assert_eq!(e.r#type, ocpp_event_type::OCPP_EVENT_CONFIGURATION);
    let len = e.name.iter().position(|&c| c == 0).unwrap();
    assert_eq!(len, "MeterValueSampleInterval".len());
    let discarded = Event::TransactionMessageDiscarded {
        connector: 2,
        action: Action::StopTransaction,
    };
    let e = ocpp_event::from_event(&discarded).unwrap();
    assert_eq!((e.id_con, e.name[0] as u8), (2, b'S'));
    assert!(ocpp_event::from_event(&Event::CacheCleared).is_some());
}

#[test]
fn configuration_keys_are_listed_by_index() {
    let mut name = [0 as c_char; 51];
    let mut names = 0;
    for i in 0.. {
        // SAFETY: `name` is writable for its length.
        let ret = unsafe { ocpp_configuration_key(i, name.as_mut_ptr(), name.len()) };
        if ret != 0 {
            assert_eq!(ret, -(Errno::NoEnt as c_int), "past the last key");
            break;
        }
        // SAFETY: NUL-terminated by the call.
        let text = unsafe { CStr::from_ptr(name.as_ptr()) }.to_str().unwrap();
        assert_eq!(Configuration::find(text).map(|k| k.as_str()), Some(text));
        names += 1;
    }
    assert_eq!(names, ConfigKey::ALL.len());
    let mut small = [0 as c_char; 4];
    // SAFETY: `small` is writable for its length.
    let ret = unsafe { ocpp_configuration_key(0, small.as_mut_ptr(), small.len()) };
    assert_eq!(ret, -(Errno::NoSpc as c_int));
    // SAFETY: a NULL name is refused before it is used.
    let ret = unsafe { ocpp_configuration_key(0, core::ptr::null_mut(), 10) };
    assert_eq!(ret, -(Errno::Inval as c_int));
}

//! Types shared by several messages (OCPP 1.6 section 7).

use heapless::Vec;

use super::{ocpp_enum, ocpp_message};
use crate::capacity::MAX_SAMPLED_VALUES;
use crate::cistring::{CiString, CiString20};
use crate::datetime::DateTime;

/// The text of a sampled value (the spec leaves its length open; ours is bounded).
pub type SampleText = CiString<24>;

ocpp_enum! {
    AuthorizationStatus {
        Accepted = "Accepted",
        Blocked = "Blocked",
        Expired = "Expired",
        Invalid = "Invalid",
        ConcurrentTx = "ConcurrentTx",
    }
}

ocpp_enum! {
    RegistrationStatus { Accepted = "Accepted", Pending = "Pending", Rejected = "Rejected" }
}

ocpp_enum! {
    DataTransferStatus {
        Accepted = "Accepted",
        Rejected = "Rejected",
        UnknownMessageId = "UnknownMessageId",
        UnknownVendorId = "UnknownVendorId",
    }
}

ocpp_enum! {
    ReadingContext {
        InterruptionBegin = "Interruption.Begin",
        InterruptionEnd = "Interruption.End",
        Other = "Other",
        SampleClock = "Sample.Clock",
        SamplePeriodic = "Sample.Periodic",
        TransactionBegin = "Transaction.Begin",
        TransactionEnd = "Transaction.End",
        Trigger = "Trigger",
    }
}

ocpp_enum! {
    ValueFormat { Raw = "Raw", SignedData = "SignedData" }
}

ocpp_enum! {
    Measurand {
        CurrentExport = "Current.Export",
        CurrentImport = "Current.Import",
        CurrentOffered = "Current.Offered",
        EnergyActiveExportRegister = "Energy.Active.Export.Register",
        EnergyActiveImportRegister = "Energy.Active.Import.Register",
        EnergyReactiveExportRegister = "Energy.Reactive.Export.Register",
        EnergyReactiveImportRegister = "Energy.Reactive.Import.Register",
        EnergyActiveExportInterval = "Energy.Active.Export.Interval",
        EnergyActiveImportInterval = "Energy.Active.Import.Interval",
        EnergyReactiveExportInterval = "Energy.Reactive.Export.Interval",
        EnergyReactiveImportInterval = "Energy.Reactive.Import.Interval",
        Frequency = "Frequency",
        PowerActiveExport = "Power.Active.Export",
        PowerActiveImport = "Power.Active.Import",
        PowerFactor = "Power.Factor",
        PowerOffered = "Power.Offered",
        PowerReactiveExport = "Power.Reactive.Export",
        PowerReactiveImport = "Power.Reactive.Import",
        Rpm = "RPM",
        SoC = "SoC",
        Temperature = "Temperature",
        Voltage = "Voltage",
    }
}

impl Measurand {
    /// The unit a reading of this measurand is reported in (None: dimensionless).
    pub const fn default_unit(self) -> Option<UnitOfMeasure> {
        use Measurand::*;
        match self {
            CurrentExport | CurrentImport | CurrentOffered => Some(UnitOfMeasure::A),
            EnergyActiveExportRegister
            | EnergyActiveImportRegister
            | EnergyActiveExportInterval
            | EnergyActiveImportInterval => Some(UnitOfMeasure::Wh),
            EnergyReactiveExportRegister
            | EnergyReactiveImportRegister
            | EnergyReactiveExportInterval
            | EnergyReactiveImportInterval => Some(UnitOfMeasure::Varh),
            PowerActiveExport | PowerActiveImport | PowerOffered => Some(UnitOfMeasure::W),
            PowerReactiveExport | PowerReactiveImport => Some(UnitOfMeasure::Var),
            SoC => Some(UnitOfMeasure::Percent),
            Temperature => Some(UnitOfMeasure::Celsius),
            Voltage => Some(UnitOfMeasure::V),
            Frequency | PowerFactor | Rpm => None,
        }
    }
}

ocpp_enum! {
    Phase {
        L1 = "L1", L2 = "L2", L3 = "L3", N = "N",
        L1N = "L1-N", L2N = "L2-N", L3N = "L3-N",
        L1L2 = "L1-L2", L2L3 = "L2-L3", L3L1 = "L3-L1",
    }
}

ocpp_enum! {
    Location { Cable = "Cable", Ev = "EV", Inlet = "Inlet", Outlet = "Outlet", Body = "Body" }
}

ocpp_enum! {
    UnitOfMeasure {
        Wh = "Wh", KWh = "kWh", Varh = "varh", Kvarh = "kvarh", W = "W", KW = "kW", Va = "VA",
        Kva = "kVA", Var = "var", Kvar = "kvar", A = "A", V = "V", K = "K",
        /// The spec's misspelling, accepted on input.
        Celcius = "Celcius",
        Celsius = "Celsius", Fahrenheit = "Fahrenheit", Percent = "Percent",
    }
}

ocpp_enum! {
    ChargePointErrorCode {
        ConnectorLockFailure = "ConnectorLockFailure",
        EvCommunicationError = "EVCommunicationError",
        GroundFailure = "GroundFailure",
        HighTemperature = "HighTemperature",
        InternalError = "InternalError",
        LocalListConflict = "LocalListConflict",
        NoError = "NoError",
        OtherError = "OtherError",
        OverCurrentFailure = "OverCurrentFailure",
        PowerMeterFailure = "PowerMeterFailure",
        PowerSwitchFailure = "PowerSwitchFailure",
        ReaderFailure = "ReaderFailure",
        ResetFailure = "ResetFailure",
        UnderVoltage = "UnderVoltage",
        OverVoltage = "OverVoltage",
        WeakSignal = "WeakSignal",
    }
}

ocpp_enum! {
    ChargePointStatus {
        Available = "Available",
        Preparing = "Preparing",
        Charging = "Charging",
        SuspendedEvse = "SuspendedEVSE",
        SuspendedEv = "SuspendedEV",
        Finishing = "Finishing",
        Reserved = "Reserved",
        Unavailable = "Unavailable",
        Faulted = "Faulted",
    }
}

ocpp_enum! {
    /// Why a transaction stopped.
    Reason {
        EmergencyStop = "EmergencyStop",
        EvDisconnected = "EVDisconnected",
        HardReset = "HardReset",
        Local = "Local",
        Other = "Other",
        PowerLoss = "PowerLoss",
        Reboot = "Reboot",
        Remote = "Remote",
        SoftReset = "SoftReset",
        UnlockCommand = "UnlockCommand",
        DeAuthorized = "DeAuthorized",
    }
}

ocpp_enum! {
    AvailabilityType { Inoperative = "Inoperative", Operative = "Operative" }
}

ocpp_enum! {
    AvailabilityStatus { Accepted = "Accepted", Rejected = "Rejected", Scheduled = "Scheduled" }
}

ocpp_enum! {
    ConfigurationStatus {
        Accepted = "Accepted",
        Rejected = "Rejected",
        RebootRequired = "RebootRequired",
        NotSupported = "NotSupported",
    }
}

ocpp_enum! {
    ClearCacheStatus { Accepted = "Accepted", Rejected = "Rejected" }
}

ocpp_enum! {
    RemoteStartStopStatus { Accepted = "Accepted", Rejected = "Rejected" }
}

ocpp_enum! {
    ResetType { Hard = "Hard", Soft = "Soft" }
}

ocpp_enum! {
    ResetStatus { Accepted = "Accepted", Rejected = "Rejected" }
}

ocpp_enum! {
    UnlockStatus { Unlocked = "Unlocked", UnlockFailed = "UnlockFailed", NotSupported = "NotSupported" }
}

ocpp_message! {
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct IdTagInfo {
        "expiryDate" pub expiry_date: Option<DateTime>,
        "parentIdTag" pub parent_id_tag: Option<CiString20>,
        "status" pub status: AuthorizationStatus,
    }
}

ocpp_message! {
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct SampledValue {
        "value" pub value: SampleText,
        "context" pub context: Option<ReadingContext>,
        "format" pub format: Option<ValueFormat>,
        "measurand" pub measurand: Option<Measurand>,
        "phase" pub phase: Option<Phase>,
        "location" pub location: Option<Location>,
        "unit" pub unit: Option<UnitOfMeasure>,
    }
}

ocpp_message! {
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct MeterValue {
        "timestamp" pub timestamp: DateTime,
        "sampledValue" pub sampled_value: Vec<SampledValue, MAX_SAMPLED_VALUES>,
    }
}

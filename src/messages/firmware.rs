//! Firmware Management messages (OCPP 1.6 sections 6.19, 6.21, 6.41, 6.49). The status
//! notifications exist when either Remote Trigger (TriggerMessage sends them) or
//! `firmware-management` is built; UpdateFirmware and GetDiagnostics with the latter only.

use super::Request;
use super::{ocpp_enum, ocpp_message};

ocpp_enum! {
    DiagnosticsStatus {
        Idle = "Idle",
        Uploaded = "Uploaded",
        UploadFailed = "UploadFailed",
        Uploading = "Uploading",
    }
}

ocpp_enum! {
    FirmwareStatus {
        Downloaded = "Downloaded",
        DownloadFailed = "DownloadFailed",
        Downloading = "Downloading",
        Idle = "Idle",
        InstallationFailed = "InstallationFailed",
        Installing = "Installing",
        Installed = "Installed",
    }
}

ocpp_message! {
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct DiagnosticsStatusNotificationRequest {
        "status" pub status: DiagnosticsStatus,
    }
}

ocpp_message! {
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct DiagnosticsStatusNotificationResponse {}
}

impl Request for DiagnosticsStatusNotificationRequest {
    const ACTION: super::Action = super::Action::DiagnosticsStatusNotification;
    type Response = DiagnosticsStatusNotificationResponse;
}

ocpp_message! {
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct FirmwareStatusNotificationRequest {
        "status" pub status: FirmwareStatus,
    }
}

ocpp_message! {
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct FirmwareStatusNotificationResponse {}
}

impl Request for FirmwareStatusNotificationRequest {
    const ACTION: super::Action = super::Action::FirmwareStatusNotification;
    type Response = FirmwareStatusNotificationResponse;
}

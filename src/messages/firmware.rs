//! Firmware Management status notifications (OCPP 1.6 sections 6.19 and 6.41). The Remote
//! Trigger profile sends them too (TriggerMessage), so they exist when either profile is built.

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

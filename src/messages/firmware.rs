//! Firmware Management status notifications (OCPP 1.6 sections 6.19 and 6.41). The Remote
//! Trigger profile sends them too (TriggerMessage), so they exist when either profile is built.

use serde::{Deserialize, Serialize};

use super::ocpp_enum;
use super::Request;

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

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiagnosticsStatusNotificationRequest {
    pub status: DiagnosticsStatus,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiagnosticsStatusNotificationResponse {}

impl Request for DiagnosticsStatusNotificationRequest {
    const ACTION: super::Action = super::Action::DiagnosticsStatusNotification;
    type Response = DiagnosticsStatusNotificationResponse;
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FirmwareStatusNotificationRequest {
    pub status: FirmwareStatus,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FirmwareStatusNotificationResponse {}

impl Request for FirmwareStatusNotificationRequest {
    const ACTION: super::Action = super::Action::FirmwareStatusNotification;
    type Response = FirmwareStatusNotificationResponse;
}

//! InstallCertificate end to end (filled below).

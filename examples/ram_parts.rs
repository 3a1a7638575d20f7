//! The engine's RAM by part for `bench/footprint.sh`, in this target's layout (the script runs
//! it for i686, whose 32-bit layout is close to Cortex-M's):
//!
//! ```text
//! cargo run --release --target i686-unknown-linux-gnu --no-default-features --features std \
//!     --example ram_parts
//! ```

use ocpp::engine::{ChargePoint, Station};

struct NoStation;

impl Station for NoStation {}

fn main() {
    for (part, bytes) in ChargePoint::<NoStation>::ram_parts() {
        if !part.is_empty() {
            println!("  {part:<44} {bytes:>7}");
        }
    }
}

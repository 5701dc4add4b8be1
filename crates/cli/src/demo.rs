//! Demo data (placeholder until the generator lands).
use anyhow::Result;
use tessera_desk::Desk;

/// Fills the installation with demo data.
pub async fn run(_desk: &Desk, _tickets: usize) -> Result<String> {
    anyhow::bail!("the demo generator is not written yet")
}

//! One path in for every source: store the raw message through the desk
//! (after which it is never lost and the source may be told so), then parse
//! it and have the desk apply it. A message that cannot be parsed is
//! quarantined with the parser's reason; one that fails to apply for a
//! passing reason (the database went away) stays stored and is applied by
//! [`apply_waiting`], which the server runs at start and every few seconds.

use crate::{LanguageHint, ParseOptions, parse};
use tessera_core::Actor;
use tessera_core::ids::InboundId;
use tessera_desk::mail::Handover;
use tessera_desk::{Desk, DeskError};
use tessera_store::{InboundRecord, InboundState};

/// Why a message was not taken.
#[derive(Debug, thiserror::Error)]
pub enum TakeError {
    /// It could not be stored now (the database or the blob store is
    /// unavailable): nothing was kept; the source should try again later
    /// (an MTA's pipe exits 75, the endpoint answers 503).
    #[error("the message could not be stored: {0}")]
    NotStored(DeskError),
    /// It can never be stored (larger than Tessera takes): the source
    /// should return it to its sender.
    #[error("the message is refused: {0}")]
    Refused(DeskError),
}

/// How the gateway reads messages for this installation.
#[derive(Debug, Clone, Default)]
pub struct Reading {
    /// The charset fallback for messages that declare none or a wrong one.
    pub hint: LanguageHint,
    /// This installation's loop id (`X-Tessera-Loop`); none: the desk's
    /// ([`Desk::mail_loop_id`], what the sender puts on every mail).
    pub loop_id: Option<String>,
}

impl Reading {
    /// Reading for an installation in `language` (a code such as `tr`):
    /// its legacy charsets are the fallback of mail that declares none or
    /// a wrong one.
    pub fn for_language(language: &str) -> Self {
        Self { hint: LanguageHint::from_code(language), loop_id: None }
    }
}

/// Takes a raw message from a source: stores it, then applies it. Answers
/// the message's row as it ends up (stored, applied, quarantined, …). An
/// `Ok` means the message is kept whatever happened after storing it.
pub async fn take(desk: &Desk, raw: Vec<u8>, from: Handover, reading: &Reading) -> Result<InboundRecord, TakeError> {
    let kept = keep(desk, raw, from, reading).await?;
    Ok(apply_kept(desk, kept).await)
}

/// A message stored and parsed, not yet applied: what [`keep`] answers
/// and [`apply_kept`] takes. A source that reads many messages at once
/// (an IMAP batch) keeps them all, acknowledges them, then applies them in
/// order — the stores' commits share fsyncs, and no message waits for the
/// one before it to become a ticket before it is safe.
#[derive(Debug)]
pub struct Kept {
    /// The message's row, as stored.
    pub record: InboundRecord,
    parsed: Result<tessera_desk::mail::InboundMail, crate::ParseError>,
}

/// Stores a raw message (after which it is never lost) and parses it.
pub async fn keep(desk: &Desk, raw: Vec<u8>, from: Handover, reading: &Reading) -> Result<Kept, TakeError> {
    // Parsing is pure and never fails on any bytes (a quarantine reason at
    // worst): done before the bytes move into the store, so a large message
    // is not held twice. Nothing is applied before it is stored.
    let own = reading.loop_id.clone().unwrap_or_else(|| desk.mail_loop_id());
    let parsed = parse(&raw, &ParseOptions { hint: reading.hint, loop_id: Some(&own) });
    let (record, _new) = desk.store_raw_mail(&Actor::system(), raw, from).await.map_err(|e| match e {
        DeskError::TooLarge(_) | DeskError::Domain(_) | DeskError::Conflict { .. } => TakeError::Refused(e),
        other => TakeError::NotStored(other),
    })?;
    Ok(Kept { record, parsed })
}

/// Applies a message [`keep`] stored; answers its row as it ends up. A
/// failure for a passing reason leaves it stored, for [`apply_waiting`].
pub async fn apply_kept(desk: &Desk, kept: Kept) -> InboundRecord {
    match apply_parsed(desk, kept.record.id, kept.parsed).await {
        Ok(r) => r,
        Err(e) => {
            e.log_fault("mail");
            kept.record
        }
    }
}

/// Applies a message already stored: parses its bytes and hands the result
/// to the desk, or quarantines it with the parser's reason.
pub async fn apply_stored(desk: &Desk, id: InboundId, reading: &Reading) -> Result<InboundRecord, DeskError> {
    let raw = desk.raw_mail(&Actor::system(), id).await?;
    apply_raw(desk, id, &raw, reading).await
}

/// Processes a message again at an admin's (`actor`'s) request, once the
/// cause of its quarantine is fixed: a quarantined or still stored message
/// is parsed and applied anew; one that already became something is left
/// as it is. Answers the row as it ends and whether it was processed.
pub async fn process_again(
    desk: &Desk,
    actor: &Actor,
    id: InboundId,
    reading: &Reading,
) -> Result<(InboundRecord, bool), DeskError> {
    // The desk checks the caller first: only admins reach the gateway's
    // own rights.
    let record = desk.inbound_mail(actor, id).await?;
    if !record.state.is_open() {
        return Ok((record, false));
    }
    Ok((apply_stored(desk, record.id, reading).await?, true))
}

async fn apply_raw(desk: &Desk, id: InboundId, raw: &[u8], reading: &Reading) -> Result<InboundRecord, DeskError> {
    let own = reading.loop_id.clone().unwrap_or_else(|| desk.mail_loop_id());
    let options = ParseOptions { hint: reading.hint, loop_id: Some(&own) };
    apply_parsed(desk, id, parse(raw, &options)).await
}

async fn apply_parsed(
    desk: &Desk,
    id: InboundId,
    parsed: Result<tessera_desk::mail::InboundMail, crate::ParseError>,
) -> Result<InboundRecord, DeskError> {
    match parsed {
        Ok(mail) => desk.apply_mail(&Actor::system(), id, &mail).await,
        Err(e) => desk.quarantine_mail(id, None, &format!("not a readable message: {e}")).await,
    }
}

/// Applies every message left stored (by a gateway that stopped or failed
/// after storing it), oldest first, in batches; answers how many were
/// applied. A message that fails again stays stored for the next round.
pub async fn apply_waiting(desk: &Desk, reading: &Reading) -> Result<usize, DeskError> {
    let mut done = 0;
    let mut failed: Vec<InboundId> = Vec::new();
    loop {
        let waiting = desk.mail_to_apply(&Actor::system(), 100).await?;
        let fresh: Vec<InboundRecord> = waiting.into_iter().filter(|r| !failed.contains(&r.id)).collect();
        if fresh.is_empty() {
            return Ok(done);
        }
        for r in fresh {
            match apply_stored(desk, r.id, reading).await {
                Ok(after) if after.state != InboundState::Stored => done += 1,
                Ok(_) => failed.push(r.id),
                Err(e) => {
                    e.log_fault("mail");
                    failed.push(r.id);
                }
            }
        }
    }
}

/// How often the server looks for messages left stored.
pub const CATCH_UP_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

/// Runs [`apply_waiting`] now and every [`CATCH_UP_EVERY`] for as long as
/// the server runs: a message a pipe stored before it was stopped, or one
/// that met a database outage, is applied without anyone asking.
pub fn spawn_catch_up(desk: Desk, reading: Reading) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            if let Err(e) = apply_waiting(&desk, &reading).await {
                e.log_fault("mail");
            }
            tokio::time::sleep(CATCH_UP_EVERY).await;
        }
    })
}

//! The live event stream: committed events as server-sent events, each
//! with its event id as the SSE `id`, filtered by what the subscriber may
//! see, resumable with `Last-Event-ID` (or `?last_event_id=`, for clients
//! that cannot set headers). It subscribes to the desk's live feed
//! (`tessera_desk::feed`), as the web UI's live screens do, and tells each
//! subscriber what the feed's one visibility rule lets it see; a resume, or
//! a subscriber too slow for the feed, is served from the event log itself
//! (`Desk::feed_page`), so nothing is skipped or sent twice.
//!
//! The token is checked again before every event sent and every
//! [`RECHECK`] while the stream is quiet: a revoked token, a disabled user
//! or a lost membership ends the stream or narrows what it carries, as it
//! would the next request.

use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiQuery, Auth};
use crate::state::AppState;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::stream::Stream;
use serde::Deserialize;
use std::collections::VecDeque;
use std::convert::Infallible;
use tessera_core::ids::EventId;
use tessera_core::{Actor, Event};
use tessera_desk::Desk;
use tessera_desk::feed::{Live, visible_event};
use tokio::sync::broadcast;
use utoipa::IntoParams;

/// Events read from the log at once while catching up.
const PAGE: u32 = 200;
/// How often a quiet stream checks that its token still holds.
pub const RECHECK: std::time::Duration = std::time::Duration::from_secs(3);

/// Where to resume.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct StreamParams {
    /// Resume after this event id (the `Last-Event-ID` header wins).
    last_event_id: Option<i64>,
}

/// Committed events as server-sent events (`text/event-stream`): `id` is
/// the event id, `data` the event as JSON (customers: only what the portal
/// shows, without `changes`). Without a resume point the stream starts now.
#[utoipa::path(get, path = "/events/stream", tag = "events", params(StreamParams),
    responses((status = 200, content_type = "text/event-stream", description = "one `data:` line per event"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn event_stream(
    State(s): State<AppState>,
    Auth(actor): Auth,
    headers: HeaderMap,
    ApiQuery(p): ApiQuery<StreamParams>,
) -> ApiResult<Response> {
    let header = match headers.get("last-event-id") {
        None => None,
        Some(v) => Some(
            v.to_str()
                .ok()
                .and_then(|v| v.trim().parse::<i64>().ok())
                .filter(|n| *n >= 0)
                .ok_or_else(|| ApiError::bad_request("invalid_header", "Last-Event-ID must be an event id"))?,
        ),
    };
    // Subscribe before reading the log: an event committed meanwhile is
    // then either in the log read or in the channel (or both, and skipped).
    let rx = s.feed.subscribe();
    let token = crate::extract::bearer_token(&headers).unwrap_or_default().to_string();
    let start = match header.or(p.last_event_id) {
        Some(id) => Phase::CatchUp(EventId(id)),
        None => Phase::Live(s.desk.latest_event_id().await?),
    };
    let stream = events(Reader { rx, actor, token, desk: s.desk.clone(), queue: VecDeque::new() }, start);
    // Keep-alives keep the connection within the idle timeout.
    let every = s.config.timeouts().sse_keep_alive();
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(every)).into_response())
}

enum Phase {
    /// Reading the log after this id.
    CatchUp(EventId),
    /// Following the hub; events up to this id were already sent.
    Live(EventId),
}

struct Reader {
    rx: broadcast::Receiver<Live>,
    actor: Actor,
    /// The bearer token the stream was opened with, checked again.
    token: String,
    desk: Desk,
    queue: VecDeque<Event>,
}

impl Reader {
    /// Whether the token still holds; takes the actor's current rights.
    async fn still_allowed(&mut self) -> bool {
        match self.desk.authenticate_token(&self.token).await {
            Ok(actor) => {
                self.actor = actor;
                true
            }
            Err(_) => false,
        }
    }
}

fn sse(e: &Event) -> Option<SseEvent> {
    let data = serde_json::to_string(e).ok()?;
    Some(SseEvent::default().id(e.id.0.to_string()).data(data))
}

fn events(reader: Reader, start: Phase) -> impl Stream<Item = Result<SseEvent, Infallible>> {
    futures_util::stream::unfold((reader, start), |(mut r, mut phase)| async move {
        loop {
            if let Some(e) = r.queue.pop_front() {
                if let Some(ev) = sse(&e) {
                    return Some((Ok(ev), (r, phase)));
                }
                continue;
            }
            match phase {
                Phase::CatchUp(after) => {
                    if !r.still_allowed().await {
                        return None;
                    }
                    let page = match r.desk.feed_page(&r.actor, after, PAGE).await {
                        Ok(p) => p,
                        Err(e) => {
                            tracing::warn!(error = %e, "event stream cannot read the log");
                            return None;
                        }
                    };
                    let Some(last) = page.last else {
                        phase = Phase::Live(after);
                        continue;
                    };
                    r.queue.extend(page.events);
                    phase = Phase::CatchUp(last);
                }
                Phase::Live(sent) => match tokio::time::timeout(RECHECK, r.rx.recv()).await {
                    // Quiet: is the token still good?
                    Err(_) => {
                        if !r.still_allowed().await {
                            return None;
                        }
                    }
                    Ok(Ok(Live::Ticket { ticket, event })) => {
                        if event.id <= sent {
                            continue;
                        }
                        if !r.still_allowed().await {
                            return None;
                        }
                        if let Some(v) = visible_event(&r.actor, &ticket, &event) {
                            r.queue.push_back(v);
                        }
                        phase = Phase::Live(event.id);
                    }
                    Ok(Ok(Live::Presence { .. })) => {}
                    // Too slow for the hub: catch up from the log.
                    Ok(Err(broadcast::error::RecvError::Lagged(_))) => phase = Phase::CatchUp(sent),
                    Ok(Err(broadcast::error::RecvError::Closed)) => return None,
                },
            }
        }
    })
}

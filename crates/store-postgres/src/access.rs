//! API tokens, sessions, rate limits and idempotency keys.

use crate::PgStore;
use crate::db::{Db, execute, query, query_one, query_opt};
use crate::rows::*;
use async_trait::async_trait;
use tessera_core::Timestamp;
use tessera_core::ids::*;
use tessera_store::*;

/// A request still "in progress" after this long is taken to have died.
const STALE_MS: i64 = 5 * 60 * 1000;

#[async_trait]
impl AccessStore for PgStore {
    async fn insert_token(&self, mut t: TokenRecord) -> StoreResult<TokenRecord> {
        transaction!(self, |tx| {
            let row = query_one(
                tx,
                "INSERT INTO tokens (user_id, name, identifier, secret_hash, created_at, revoked_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                &[&t.user_id.0, &t.name, &t.identifier, &t.secret_hash, &ms(t.created_at), &t.revoked_at.map(ms)],
            )
            .await?;
            t.id = TokenId(new_id(&row)?);
            Ok(t)
        })
    }

    async fn token_by_identifier(&self, identifier: &str) -> StoreResult<Option<TokenRecord>> {
        let c = &self.client().await?;
        // No stored text holds NUL, and PostgreSQL refuses to bind one.
        if identifier.contains('\0') {
            return Ok(None);
        }
        let sql = format!("SELECT {TOKEN_SELECT} FROM tokens WHERE identifier = $1");
        one(query_opt(c, &sql, &[&identifier]).await?, token_from_row)
    }

    async fn token(&self, id: TokenId) -> StoreResult<Option<TokenRecord>> {
        let c = &self.client().await?;
        one(query_opt(c, &format!("SELECT {TOKEN_SELECT} FROM tokens WHERE id = $1"), &[&id.0]).await?, token_from_row)
    }

    async fn tokens_of(&self, user: UserId) -> StoreResult<Vec<TokenRecord>> {
        let c = &self.client().await?;
        let sql = format!("SELECT {TOKEN_SELECT} FROM tokens WHERE user_id = $1 ORDER BY id");
        all(query(c, &sql, &[&user.0]).await?, token_from_row)
    }

    async fn revoke_token(&self, id: TokenId, at: Timestamp) -> StoreResult<()> {
        transaction!(self, |tx| {
            let n =
                execute(tx, "UPDATE tokens SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2", &[&ms(at), &id.0])
                    .await?;
            one_row(n)
        })
    }

    async fn insert_session(&self, s: SessionRecord) -> StoreResult<()> {
        transaction!(self, |tx| {
            execute(
                tx,
                "INSERT INTO sessions (id_hash, user_id, ticket_id, csrf_token, created_at, last_seen_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
                &[
                    &s.id_hash,
                    &s.user_id.0,
                    &s.ticket_id.map(|t| t.0),
                    &s.csrf_token,
                    &ms(s.created_at),
                    &ms(s.last_seen_at),
                    &ms(s.expires_at),
                ],
            )
            .await?;
            Ok(())
        })
    }

    async fn session(&self, id_hash: &str) -> StoreResult<Option<SessionRecord>> {
        let c = &self.client().await?;
        // No stored text holds NUL, and PostgreSQL refuses to bind one.
        if id_hash.contains('\0') {
            return Ok(None);
        }
        let row = query_opt(
            c,
            "SELECT id_hash, user_id, ticket_id, csrf_token, created_at, last_seen_at, expires_at FROM sessions WHERE id_hash = $1",
            &[&id_hash],
        )
        .await?;
        one(row, |r| {
            Ok(SessionRecord {
                id_hash: r.text(0)?,
                user_id: UserId(r.int(1)?),
                ticket_id: r.int_opt(2)?.map(TicketId),
                csrf_token: r.text(3)?,
                created_at: r.ts(4)?,
                last_seen_at: r.ts(5)?,
                expires_at: r.ts(6)?,
            })
        })
    }

    async fn touch_session(&self, id_hash: &str, seen: Timestamp, expires: Timestamp) -> StoreResult<()> {
        transaction!(self, |tx| {
            execute(
                tx,
                "UPDATE sessions SET last_seen_at = $1, expires_at = $2 WHERE id_hash = $3",
                &[&ms(seen), &ms(expires), &id_hash],
            )
            .await?;
            Ok(())
        })
    }

    async fn delete_session(&self, id_hash: &str) -> StoreResult<()> {
        transaction!(self, |tx| {
            execute(tx, "DELETE FROM sessions WHERE id_hash = $1", &[&id_hash]).await?;
            Ok(())
        })
    }

    async fn delete_sessions_of(&self, user: UserId, keep: Option<&str>) -> StoreResult<()> {
        transaction!(self, |tx| {
            execute(
                tx,
                "DELETE FROM sessions WHERE user_id = $1 AND id_hash IS DISTINCT FROM $2::text",
                &[&user.0, &keep],
            )
            .await?;
            Ok(())
        })
    }

    /// Counts a hit in a fixed window, in one statement (two instances counting
    /// the same key never lose a hit).
    async fn rate_limit_hit(&self, key: &str, window_ms: i64, max: u32, at: Timestamp) -> StoreResult<bool> {
        transaction!(self, |tx| {
            let row = query_one(
                tx,
                "INSERT INTO rate_limits (key, window_start, count, last_hit) VALUES ($1, $2, 1, $2)
                 ON CONFLICT (key) DO UPDATE SET
                     count = CASE WHEN rate_limits.window_start <= $2 - $3 THEN 1 ELSE rate_limits.count + 1 END,
                     window_start = CASE WHEN rate_limits.window_start <= $2 - $3 THEN $2 ELSE rate_limits.window_start END,
                     last_hit = $2
                 RETURNING count",
                &[&key, &ms(at), &window_ms],
            )
            .await?;
            Ok(PgRow(&row).int::<i64>(0)? <= i64::from(max))
        })
    }

    async fn rate_limit_clear(&self, key: &str) -> StoreResult<()> {
        transaction!(self, |tx| {
            execute(tx, "DELETE FROM rate_limits WHERE key = $1", &[&key]).await?;
            Ok(())
        })
    }

    async fn rate_limit_peek(&self, key: &str, window_ms: i64, at: Timestamp) -> StoreResult<Option<RateWindow>> {
        let c = &self.client().await?;
        one(
            query_opt(
                c,
                "SELECT count, window_start, last_hit FROM rate_limits WHERE key = $1 AND window_start > $2::BIGINT - $3::BIGINT",
                &[&key, &ms(at), &window_ms],
            )
            .await?,
            |r| {
                let count: i64 = r.int(0)?;
                Ok(RateWindow { count: u32::try_from(count).unwrap_or(u32::MAX), started_at: r.ts(1)?, last_at: r.ts(2)? })
            },
        )
    }

    async fn rate_limit_prune(&self, prefix: &str, idle_before: Timestamp) -> StoreResult<u64> {
        transaction!(self, |tx| {
            // `starts_with`, not a range: under a linguistic collation a range of
            // text is not a prefix. Pruning is rare, a scan is fine.
            execute(
                tx,
                "DELETE FROM rate_limits WHERE starts_with(key, $1) AND last_hit < $2::BIGINT",
                &[&prefix, &ms(idle_before)],
            )
            .await
        })
    }

    async fn insert_sign_in_token(&self, t: SignInToken) -> StoreResult<()> {
        transaction!(self, |tx| {
            execute(
                tx,
                "INSERT INTO sign_in_tokens (token_hash, user_id, purpose, created_at, expires_at, used_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
                &[
                    &t.token_hash,
                    &t.user_id.0,
                    &t.purpose.as_str(),
                    &ms(t.created_at),
                    &ms(t.expires_at),
                    &t.used_at.map(ms),
                ],
            )
            .await?;
            Ok(())
        })
    }

    async fn sign_in_token(&self, token_hash: &str) -> StoreResult<Option<SignInToken>> {
        // No stored text holds NUL, and PostgreSQL refuses to bind one.
        if token_hash.contains('\0') {
            return Ok(None);
        }
        let c = &self.client().await?;
        let sql = format!("SELECT {SIGN_IN_TOKEN_SELECT} FROM sign_in_tokens WHERE token_hash = $1");
        one(query_opt(c, &sql, &[&token_hash]).await?, sign_in_token_from_row)
    }

    /// One statement: of two concurrent callers, the second waits on the
    /// row lock, re-reads `used_at` and matches nothing.
    async fn consume_sign_in_token(
        &self,
        token_hash: &str,
        purpose: TokenPurpose,
        at: Timestamp,
    ) -> StoreResult<Option<SignInToken>> {
        if token_hash.contains('\0') {
            return Ok(None);
        }
        let sql = format!(
            "UPDATE sign_in_tokens SET used_at = $3 \
             WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3 \
             RETURNING {SIGN_IN_TOKEN_SELECT}"
        );
        transaction!(self, |tx| {
            let row = query_opt(tx, &sql, &[&token_hash, &purpose.as_str(), &ms(at)]).await?;
            one(row, sign_in_token_from_row)
        })
    }

    async fn retire_sign_in_tokens(&self, user: UserId, purpose: TokenPurpose, at: Timestamp) -> StoreResult<u64> {
        transaction!(self, |tx| {
            execute(
                tx,
                "UPDATE sign_in_tokens SET used_at = $3 WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL",
                &[&user.0, &purpose.as_str(), &ms(at)],
            )
            .await
        })
    }

    async fn prune_sign_in_tokens(&self, before: Timestamp) -> StoreResult<u64> {
        transaction!(self, |tx| {
            execute(tx, "DELETE FROM sign_in_tokens WHERE expires_at < $1", &[&ms(before)]).await
        })
    }

    /// Starts or looks up an idempotent request. Who starts it is decided by one
    /// statement: the insert, or the take-over of a stale unfinished row,
    /// answers a row only to the one caller that wrote it.
    async fn idempotency_begin(
        &self,
        key: &IdempotencyKey,
        fingerprint: &str,
        at: Timestamp,
    ) -> StoreResult<IdempotencyBegin> {
        transaction!(self, |tx| {
            let now = ms(at);
            // A row that vanishes between the two statements (abandoned meanwhile)
            // is retried; three rounds are plenty.
            for _ in 0..3 {
                let started = query_opt(
                    tx,
                    "INSERT INTO idempotency_keys (user_id, key, fingerprint, status, body, created_at) \
                     VALUES ($1, $2, $3, NULL, NULL, $4) \
                     ON CONFLICT (user_id, key) DO UPDATE SET fingerprint = excluded.fingerprint, created_at = excluded.created_at \
                     WHERE idempotency_keys.status IS NULL AND idempotency_keys.created_at <= $4 - $5 \
                     RETURNING 1",
                    &[&key.user_id.0, &key.key, &fingerprint, &now, &STALE_MS],
                )
                .await?;
                if started.is_some() {
                    return Ok(IdempotencyBegin::Started);
                }
                let found = query_opt(
                    tx,
                    "SELECT fingerprint, status, body FROM idempotency_keys WHERE user_id = $1 AND key = $2",
                    &[&key.user_id.0, &key.key],
                )
                .await?;
                let Some(r) = found else { continue };
                return match PgRow(&r).int_opt::<i64>(1)? {
                    Some(status) => {
                        let body: Option<Vec<u8>> = r.try_get(2).map_err(map_err)?;
                        Ok(IdempotencyBegin::Done {
                            fingerprint: PgRow(&r).text(0)?,
                            status: u16::try_from(status).unwrap_or(500),
                            body: body.unwrap_or_default(),
                        })
                    }
                    None => Ok(IdempotencyBegin::InProgress),
                };
            }
            Ok(IdempotencyBegin::InProgress)
        })
    }

    async fn idempotency_finish(&self, key: &IdempotencyKey, status: u16, body: &[u8]) -> StoreResult<()> {
        transaction!(self, |tx| {
            execute(
                tx,
                "UPDATE idempotency_keys SET status = $1, body = $2 WHERE user_id = $3 AND key = $4",
                &[&i64::from(status), &body, &key.user_id.0, &key.key],
            )
            .await?;
            Ok(())
        })
    }

    async fn idempotency_abandon(&self, key: &IdempotencyKey) -> StoreResult<()> {
        transaction!(self, |tx| {
            execute(
                tx,
                "DELETE FROM idempotency_keys WHERE user_id = $1 AND key = $2 AND status IS NULL",
                &[&key.user_id.0, &key.key],
            )
            .await?;
            Ok(())
        })
    }
}

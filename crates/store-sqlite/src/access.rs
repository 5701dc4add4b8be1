//! API tokens, sessions, rate limits and idempotency keys.

use crate::SqliteStore;
use crate::rows::*;
use async_trait::async_trait;
use rusqlite::params;
use tessera_core::Timestamp;
use tessera_core::ids::*;
use tessera_store::*;

type IdempotencyRow = (String, Option<i64>, Option<Vec<u8>>, i64);

/// A request still "in progress" after this long is taken to have died.
const STALE_MS: i64 = 5 * 60 * 1000;

#[async_trait]
impl AccessStore for SqliteStore {
    async fn insert_token(&self, mut t: TokenRecord) -> StoreResult<TokenRecord> {
        self.write(move |conn| {
            conn.prepare_cached(
                "INSERT INTO tokens (user_id, name, identifier, secret_hash, created_at, revoked_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )
            .db()?
            .execute(params![t.user_id.0, t.name, t.identifier, t.secret_hash, ms(t.created_at), t.revoked_at.map(ms)])
            .db()?;
            t.id = TokenId(conn.last_insert_rowid());
            Ok(t)
        })
        .await
    }

    async fn token_by_identifier(&self, identifier: &str) -> StoreResult<Option<TokenRecord>> {
        let identifier = identifier.to_string();
        self.lookup(move |conn| {
            get(
                conn,
                &format!("SELECT {TOKEN_SELECT} FROM tokens WHERE identifier = ?1"),
                [identifier],
                read(token_from_row),
            )
        })
        .await
    }

    async fn token(&self, id: TokenId) -> StoreResult<Option<TokenRecord>> {
        self.lookup(move |conn| {
            get(conn, &format!("SELECT {TOKEN_SELECT} FROM tokens WHERE id = ?1"), [id.0], read(token_from_row))
        })
        .await
    }

    async fn tokens_of(&self, user: UserId) -> StoreResult<Vec<TokenRecord>> {
        self.read(move |conn| {
            collect(
                conn,
                &format!("SELECT {TOKEN_SELECT} FROM tokens WHERE user_id = ?1 ORDER BY id"),
                [user.0],
                read(token_from_row),
            )
        })
        .await
    }

    async fn revoke_token(&self, id: TokenId, at: Timestamp) -> StoreResult<()> {
        self.write(move |conn| {
            let n = conn
                .execute("UPDATE tokens SET revoked_at = COALESCE(revoked_at, ?1) WHERE id = ?2", params![ms(at), id.0])
                .db()?;
            one_row(n)
        })
        .await
    }

    async fn insert_session(&self, s: SessionRecord) -> StoreResult<()> {
        self.write(move |conn| {
            conn.prepare_cached(
                "INSERT INTO sessions (id_hash, user_id, ticket_id, csrf_token, created_at, last_seen_at, expires_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )
            .db()?
            .execute(params![
                s.id_hash,
                s.user_id.0,
                s.ticket_id.map(|t| t.0),
                s.csrf_token,
                ms(s.created_at),
                ms(s.last_seen_at),
                ms(s.expires_at)
            ])
            .db()?;
            Ok(())
        })
        .await
    }

    async fn session(&self, id_hash: &str) -> StoreResult<Option<SessionRecord>> {
        let id_hash = id_hash.to_string();
        self.read(move |conn| {
            get(
                conn,
                &format!("SELECT {SESSION_SELECT} FROM sessions WHERE id_hash = ?1"),
                [id_hash],
                read(session_from_row),
            )
        })
        .await
    }

    async fn touch_session(&self, id_hash: &str, seen: Timestamp, expires: Timestamp) -> StoreResult<()> {
        let id_hash = id_hash.to_string();
        self.write(move |conn| {
            conn.prepare_cached("UPDATE sessions SET last_seen_at = ?1, expires_at = ?2 WHERE id_hash = ?3")
                .db()?
                .execute(params![ms(seen), ms(expires), id_hash])
                .db()?;
            Ok(())
        })
        .await
    }

    async fn delete_session(&self, id_hash: &str) -> StoreResult<()> {
        let id_hash = id_hash.to_string();
        self.write(move |conn| {
            conn.prepare_cached("DELETE FROM sessions WHERE id_hash = ?1").db()?.execute([id_hash]).db()?;
            Ok(())
        })
        .await
    }

    async fn delete_sessions_of(&self, user: UserId, keep: Option<&str>) -> StoreResult<()> {
        let keep = keep.map(str::to_string);
        self.write(move |conn| {
            conn.prepare_cached("DELETE FROM sessions WHERE user_id = ?1 AND id_hash IS NOT ?2")
                .db()?
                .execute(params![user.0, keep])
                .db()?;
            Ok(())
        })
        .await
    }

    async fn rate_limit_hit(&self, key: &str, window_ms: i64, max: u32, at: Timestamp) -> StoreResult<bool> {
        let key = key.to_string();
        self.write(move |conn| {
            let now = ms(at);
            let count: i64 = conn
                .prepare_cached(
                    "INSERT INTO rate_limits (key, window_start, count, last_hit) VALUES (?1, ?2, 1, ?2)
                     ON CONFLICT (key) DO UPDATE SET
                         count = CASE WHEN window_start <= ?2 - ?3 THEN 1 ELSE count + 1 END,
                         window_start = CASE WHEN window_start <= ?2 - ?3 THEN ?2 ELSE window_start END,
                         last_hit = ?2
                     RETURNING count",
                )
                .db()?
                .query_row(params![key, now, window_ms], |r| r.get(0))
                .db()?;
            Ok(count <= i64::from(max))
        })
        .await
    }

    async fn rate_limit_clear(&self, key: &str) -> StoreResult<()> {
        let key = key.to_string();
        self.write(move |conn| {
            conn.prepare_cached("DELETE FROM rate_limits WHERE key = ?1").db()?.execute([key]).db()?;
            Ok(())
        })
        .await
    }

    async fn rate_limit_peek(&self, key: &str, window_ms: i64, at: Timestamp) -> StoreResult<Option<RateWindow>> {
        let key = key.to_string();
        self.read(move |conn| {
            get(
                conn,
                "SELECT count, window_start, last_hit FROM rate_limits WHERE key = ?1 AND window_start > ?2 - ?3",
                params![key, ms(at), window_ms],
                |r| {
                    let count: i64 = r.get(0)?;
                    Ok(RateWindow {
                        count: u32::try_from(count).unwrap_or(u32::MAX),
                        started_at: tessera_core::time::from_millis(r.get(1)?),
                        last_at: tessera_core::time::from_millis(r.get(2)?),
                    })
                },
            )
        })
        .await
    }

    /// Forgets the idle limits of a key prefix (a range over the key, so the
    /// primary key's index serves it).
    async fn rate_limit_prune(&self, prefix: &str, idle_before: Timestamp) -> StoreResult<u64> {
        let prefix = prefix.to_string();
        self.write(move |conn| {
            let n = conn
                .prepare_cached(
                    "DELETE FROM rate_limits WHERE key >= ?1 AND key < ?1 || char(1114111) AND last_hit < ?2",
                )
                .db()?
                .execute(params![prefix, ms(idle_before)])
                .db()?;
            Ok(n as u64)
        })
        .await
    }

    async fn insert_sign_in_token(&self, t: SignInToken) -> StoreResult<()> {
        self.write(move |conn| {
            conn.prepare_cached(
                "INSERT INTO sign_in_tokens (token_hash, user_id, purpose, created_at, expires_at, used_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )
            .db()?
            .execute(params![
                t.token_hash,
                t.user_id.0,
                t.purpose.as_str(),
                ms(t.created_at),
                ms(t.expires_at),
                t.used_at.map(ms)
            ])
            .db()?;
            Ok(())
        })
        .await
    }

    async fn sign_in_token(&self, token_hash: &str) -> StoreResult<Option<SignInToken>> {
        let token_hash = token_hash.to_string();
        self.read(move |conn| {
            get(
                conn,
                &format!("SELECT {SIGN_IN_TOKEN_SELECT} FROM sign_in_tokens WHERE token_hash = ?1"),
                [token_hash],
                read(sign_in_token_from_row),
            )
        })
        .await
    }

    async fn consume_sign_in_token(
        &self,
        token_hash: &str,
        purpose: TokenPurpose,
        at: Timestamp,
    ) -> StoreResult<Option<SignInToken>> {
        let token_hash = token_hash.to_string();
        self.write(move |conn| {
            get(
                conn,
                &format!(
                    "UPDATE sign_in_tokens SET used_at = ?3 \
                     WHERE token_hash = ?1 AND purpose = ?2 AND used_at IS NULL AND expires_at > ?3 \
                     RETURNING {SIGN_IN_TOKEN_SELECT}"
                ),
                params![token_hash, purpose.as_str(), ms(at)],
                read(sign_in_token_from_row),
            )
        })
        .await
    }

    async fn retire_sign_in_tokens(&self, user: UserId, purpose: TokenPurpose, at: Timestamp) -> StoreResult<u64> {
        self.write(move |conn| {
            let n = conn
                .prepare_cached(
                    "UPDATE sign_in_tokens SET used_at = ?3 WHERE user_id = ?1 AND purpose = ?2 AND used_at IS NULL",
                )
                .db()?
                .execute(params![user.0, purpose.as_str(), ms(at)])
                .db()?;
            Ok(n as u64)
        })
        .await
    }

    async fn prune_sign_in_tokens(&self, before: Timestamp) -> StoreResult<u64> {
        self.write(move |conn| {
            let n = conn
                .prepare_cached("DELETE FROM sign_in_tokens WHERE expires_at < ?1")
                .db()?
                .execute([ms(before)])
                .db()?;
            Ok(n as u64)
        })
        .await
    }

    async fn idempotency_begin(
        &self,
        key: &IdempotencyKey,
        fingerprint: &str,
        at: Timestamp,
    ) -> StoreResult<IdempotencyBegin> {
        let (key, fingerprint) = (key.clone(), fingerprint.to_string());
        self.write(move |conn| {
            let found: Option<IdempotencyRow> = get(
                conn,
                "SELECT fingerprint, status, body, created_at FROM idempotency_keys WHERE user_id = ?1 AND key = ?2",
                params![key.user_id.0, key.key],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )?;
            match found {
                Some((fp, Some(status), body, _)) => Ok(IdempotencyBegin::Done {
                    fingerprint: fp,
                    status: u16::try_from(status).unwrap_or(500),
                    body: body.unwrap_or_default(),
                }),
                Some((_, None, _, created)) if ms(at) - created < STALE_MS => Ok(IdempotencyBegin::InProgress),
                _ => {
                    conn.prepare_cached(
                        "INSERT INTO idempotency_keys (user_id, key, fingerprint, status, body, created_at) VALUES (?1, ?2, ?3, NULL, NULL, ?4)
                         ON CONFLICT (user_id, key) DO UPDATE SET fingerprint = excluded.fingerprint, created_at = excluded.created_at",
                    )
                    .db()?
                    .execute(params![key.user_id.0, key.key, fingerprint, ms(at)])
                    .db()?;
                    Ok(IdempotencyBegin::Started)
                }
            }
        })
        .await
    }

    async fn idempotency_finish(&self, key: &IdempotencyKey, status: u16, body: &[u8]) -> StoreResult<()> {
        let (k, b) = (key.clone(), body.to_vec());
        self.write(move |conn| {
            let key = &k;
            let body = &b;
            conn.prepare_cached("UPDATE idempotency_keys SET status = ?1, body = ?2 WHERE user_id = ?3 AND key = ?4")
                .db()?
                .execute(params![i64::from(status), body, key.user_id.0, key.key])
                .db()?;
            Ok(())
        })
        .await
    }

    async fn idempotency_abandon(&self, key: &IdempotencyKey) -> StoreResult<()> {
        let key = key.clone();
        self.write(move |conn| {
            conn.prepare_cached("DELETE FROM idempotency_keys WHERE user_id = ?1 AND key = ?2 AND status IS NULL")
                .db()?
                .execute(params![key.user_id.0, key.key])
                .db()?;
            Ok(())
        })
        .await
    }
}

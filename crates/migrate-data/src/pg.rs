//! The PostgreSQL end of a copy.

use crate::checksum::{Summer, TableSum};
use crate::sqlite::{BATCH, Batch, Layout, Write, ident, quoted};
use crate::value::Val;
use crate::{MigrateError, Progress, derived};
use futures_util::TryStreamExt;
use std::collections::HashSet;
use tokio::sync::mpsc;
use tokio_postgres::types::{ToSql, Type};
use tokio_postgres::{Client, NoTls};

/// A connection for the copy.
pub struct Db {
    client: Client,
}

/// Every column's type, table by table, in the layout's order.
pub type Types = Vec<Vec<Type>>;

/// No parameters.
fn none() -> std::iter::Empty<&'static (dyn ToSql + Sync)> {
    std::iter::empty()
}

impl Db {
    /// Connects (the store opened and migrated the database before).
    pub async fn connect(url: &str) -> Result<Self, MigrateError> {
        let (client, connection) = tokio_postgres::connect(url, NoTls).await?;
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::warn!(error = %e, "migrate-data: the PostgreSQL connection ended");
            }
        });
        Ok(Self { client })
    }

    /// Checks that every table and column of the layout exists here, and
    /// that this database has no table the layout lacks; answers the
    /// columns' types.
    pub async fn types(&self, layout: &Layout) -> Result<Types, MigrateError> {
        let mut out = Vec::new();
        for (i, t) in layout.tables.iter().enumerate() {
            let stmt = self
                .client
                .prepare(&format!("{} LIMIT 0", layout.select(i)))
                .await
                .map_err(|e| MigrateError::Schema(format!("table {} on PostgreSQL: {e}", t.name)))?;
            out.push(stmt.columns().iter().map(|c| c.type_().clone()).collect());
        }
        let known: HashSet<&str> = layout.tables.iter().map(|t| t.name.as_str()).collect();
        for row in
            self.client.query("SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema()", &[]).await?
        {
            let name: String = row.try_get(0)?;
            if !known.contains(name.as_str()) && !derived(&name) {
                return Err(MigrateError::Schema(format!("PostgreSQL has a table SQLite lacks: {name}")));
            }
        }
        Ok(out)
    }

    /// Refuses a target that already holds an installation.
    pub async fn check_empty(&self) -> Result<(), MigrateError> {
        for t in ["users", "tickets"] {
            let n: i64 = self.client.query_one(&format!("SELECT count(*) FROM {t}"), &[]).await?.try_get(0)?;
            if n > 0 {
                return Err(MigrateError::Refused(format!(
                    "the target already holds an installation ({n} {t}); copy into a new, empty database"
                )));
            }
        }
        Ok(())
    }

    /// Fills this (empty) database from the batches an SQLite reader sends,
    /// in one transaction, summing the rows as they pass.
    pub async fn fill(
        &mut self,
        layout: &Layout,
        types: &Types,
        mut rx: mpsc::Receiver<Batch>,
        progress: &mut (dyn FnMut(Progress) + Send),
    ) -> Result<Vec<TableSum>, MigrateError> {
        let tx = self.client.transaction().await?;
        // Rows come table by table; references (a ticket merged into a newer
        // one) are checked at commit.
        tx.batch_execute("SET CONSTRAINTS ALL DEFERRED").await?;
        let all: Vec<String> = tx
            .query("SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema()", &[])
            .await?
            .iter()
            .map(|r| r.try_get::<_, String>(0))
            .collect::<Result<_, _>>()?;
        let clear: Vec<String> = all.iter().filter(|t| *t != "schema_migrations").map(|t| ident(t)).collect();
        if !clear.is_empty() {
            tx.batch_execute(&format!("TRUNCATE {} RESTART IDENTITY CASCADE", clear.join(", "))).await?;
        }
        let mut sums: Vec<Summer> = layout.tables.iter().map(|t| Summer::new(&t.name)).collect();
        let (mut done, mut total) = (0u64, 0u64);
        while let Some(batch) = rx.recv().await {
            match batch {
                Batch::Totals(t) => total = t.iter().sum(),
                Batch::Rows(i, rows) => {
                    let t = &layout.tables[i];
                    for chunk in rows.chunks(max_rows(t.columns.len())) {
                        let mut params: Vec<Box<dyn ToSql + Sync + Send>> =
                            Vec::with_capacity(chunk.len() * t.columns.len());
                        for row in chunk {
                            for ((v, ty), col) in row.iter().zip(&types[i]).zip(&t.columns) {
                                params.push(v.to_pg(ty, &t.name, col)?);
                            }
                            sums[i].add(row);
                        }
                        let sql = insert_sql(&t.name, &t.columns, chunk.len());
                        let refs: Vec<&(dyn ToSql + Sync)> =
                            params.iter().map(|p| p.as_ref() as &(dyn ToSql + Sync)).collect();
                        tx.execute(&sql, &refs).await?;
                    }
                    done += rows.len() as u64;
                    progress(Progress::Rows { table: t.name.clone(), done, total });
                }
            }
        }
        // Identity columns go on after the highest copied id.
        let identities = tx
            .query(
                "SELECT table_name::text, column_name::text FROM information_schema.columns
                 WHERE table_schema = current_schema() AND is_identity = 'YES'",
                &[],
            )
            .await?;
        for row in identities {
            let (table, column): (String, String) = (row.try_get(0)?, row.try_get(1)?);
            let sql = format!(
                "SELECT setval(pg_get_serial_sequence($1, $2), COALESCE((SELECT max({c}) FROM {t}), 0) + 1, false)",
                c = ident(&column),
                t = ident(&table)
            );
            tx.query_one(&sql, &[&ident(&table), &column]).await?;
        }
        tx.commit().await?;
        Ok(sums.into_iter().map(Summer::finish).collect())
    }

    /// Reads every table in one repeatable-read transaction and sends the
    /// rows to an SQLite writer, summing them as they pass; tells the writer
    /// to commit when everything is sent.
    pub async fn read_into(
        &mut self,
        layout: &Layout,
        out: mpsc::Sender<Write>,
        progress: &mut (dyn FnMut(Progress) + Send),
    ) -> Result<Vec<TableSum>, MigrateError> {
        let tx = self
            .client
            .build_transaction()
            .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .await?;
        let mut total = 0u64;
        for t in &layout.tables {
            let n: i64 = tx.query_one(&format!("SELECT count(*) FROM {}", ident(&t.name)), &[]).await?.try_get(0)?;
            total += u64::try_from(n).unwrap_or(0);
        }
        let mut sums = Vec::new();
        let mut done = 0u64;
        for (i, t) in layout.tables.iter().enumerate() {
            let mut summer = Summer::new(&t.name);
            let stream = tx.query_raw(&layout.select(i), none()).await?;
            futures_util::pin_mut!(stream);
            let mut batch = Vec::with_capacity(BATCH);
            while let Some(row) = stream.try_next().await? {
                let vals = values(&row, &t.name)?;
                summer.add(&vals);
                batch.push(vals);
                if batch.len() == BATCH {
                    done += BATCH as u64;
                    send(&out, Write::Rows(i, std::mem::take(&mut batch))).await?;
                    progress(Progress::Rows { table: t.name.clone(), done, total });
                }
            }
            if !batch.is_empty() {
                done += batch.len() as u64;
                send(&out, Write::Rows(i, batch)).await?;
                progress(Progress::Rows { table: t.name.clone(), done, total });
            }
            sums.push(summer.finish());
        }
        send(&out, Write::Commit).await?;
        tx.commit().await?;
        Ok(sums)
    }

    /// Counts and checksums every table of the layout.
    pub async fn sums(&mut self, layout: &Layout) -> Result<Vec<TableSum>, MigrateError> {
        let tx = self
            .client
            .build_transaction()
            .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .await?;
        let mut out = Vec::new();
        for (i, t) in layout.tables.iter().enumerate() {
            let mut summer = Summer::new(&t.name);
            let stream = tx.query_raw(&layout.select(i), none()).await?;
            futures_util::pin_mut!(stream);
            while let Some(row) = stream.try_next().await? {
                let vals = values(&row, &t.name)?;
                summer.add(&vals);
            }
            out.push(summer.finish());
        }
        tx.commit().await?;
        Ok(out)
    }
}

/// Every column of a row.
fn values(row: &tokio_postgres::Row, table: &str) -> Result<Vec<Val>, MigrateError> {
    (0..row.len()).map(|c| Val::from_pg(row, c, table)).collect()
}

/// Hands a batch to the SQLite writer (whose own error explains a refusal).
async fn send(out: &mpsc::Sender<Write>, w: Write) -> Result<(), MigrateError> {
    out.send(w).await.map_err(|_| MigrateError::Refused("the SQLite writer stopped".into()))
}

/// Rows per INSERT: PostgreSQL takes at most 65,535 parameters a statement.
fn max_rows(columns: usize) -> usize {
    (30_000 / columns.max(1)).clamp(1, BATCH)
}

/// `INSERT INTO t (…) VALUES ($1, …), (…)` for `rows` rows.
fn insert_sql(table: &str, columns: &[String], rows: usize) -> String {
    let n = columns.len();
    let mut sql = format!("INSERT INTO {} ({}) VALUES ", ident(table), quoted(columns));
    for r in 0..rows {
        if r > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for c in 0..n {
            if c > 0 {
                sql.push_str(", ");
            }
            sql.push('$');
            sql.push_str(&(r * n + c + 1).to_string());
        }
        sql.push(')');
    }
    sql
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inserts_number_their_parameters_row_by_row() {
        let cols = vec!["id".to_string(), "name".to_string()];
        assert_eq!(insert_sql("t", &cols, 2), "INSERT INTO \"t\" (\"id\", \"name\") VALUES ($1, $2), ($3, $4)");
        assert!(max_rows(40) * 40 <= 65_535);
        assert_eq!(max_rows(1), BATCH);
    }
}

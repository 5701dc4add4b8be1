//! Throw-away databases for tests (feature `testing`), used by this crate's
//! tests and by the server's test support.

use std::str::FromStr;

/// The environment variable naming the test cluster's admin URL, such as
/// `postgres://postgres@127.0.0.1:55432/postgres`.
pub const ENV: &str = "TESSERA_TEST_POSTGRES";

/// A fresh, empty database named `tessera_t_<16 hex digits>` on the cluster
/// named by [`ENV`]. Dropping it does NOT drop the database: the test
/// cluster is thrown away after the run (`scripts/test` starts one), and a
/// database left behind helps when a test fails.
pub struct TempDatabase {
    url: String,
    name: String,
}

impl TempDatabase {
    /// Creates the database.
    ///
    /// # Panics
    ///
    /// When [`ENV`] is not set (a test must fail, not skip: run the tests
    /// through `scripts/test`, which starts a throw-away cluster, or set the
    /// variable), or the cluster cannot be reached.
    #[allow(clippy::expect_used, clippy::panic)]
    pub async fn create() -> TempDatabase {
        let admin = std::env::var(ENV).unwrap_or_else(|_| {
            panic!(
                "{ENV} is not set: run the tests through scripts/test (it starts a throw-away PostgreSQL \
                 cluster), or set {ENV} to an admin URL such as postgres://postgres@127.0.0.1:55432/postgres"
            )
        });
        let config = tokio_postgres::Config::from_str(&admin).expect("TESSERA_TEST_POSTGRES is not a valid URL");
        let (client, connection) =
            config.connect(tokio_postgres::NoTls).await.expect("cannot connect to TESSERA_TEST_POSTGRES");
        let task = tokio::spawn(connection);
        let name = format!("tessera_t_{:016x}", getrandom::u64().expect("no randomness"));
        client.batch_execute(&format!("CREATE DATABASE {name}")).await.expect("cannot create a test database");
        drop(client);
        let _ = task.await;
        TempDatabase { url: replace_database(&admin, &name), name }
    }

    /// The new database's URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The new database's name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// The admin URL with its database (the path) replaced, query kept.
fn replace_database(admin: &str, name: &str) -> String {
    let (base, query) = match admin.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (admin, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_part = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    match query {
        Some(q) => format!("{host_part}/{name}?{q}"),
        None => format!("{host_part}/{name}"),
    }
}

#[cfg(test)]
mod tests {
    use super::replace_database;

    #[test]
    fn the_database_of_the_url_is_replaced() {
        assert_eq!(
            replace_database("postgres://postgres@127.0.0.1:55432/postgres", "x"),
            "postgres://postgres@127.0.0.1:55432/x"
        );
        assert_eq!(
            replace_database("postgres://u:p@127.0.0.1/db?sslmode=disable", "x"),
            "postgres://u:p@127.0.0.1/x?sslmode=disable"
        );
        assert_eq!(replace_database("postgres://127.0.0.1:5432", "x"), "postgres://127.0.0.1:5432/x");
    }
}

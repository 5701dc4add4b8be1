//! Row-order-independent checksums of a table's contents.

use crate::value::Val;
use sha2::{Digest, Sha256};

/// A table's row count and checksum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableSum {
    /// The table.
    pub table: String,
    /// Its rows.
    pub rows: u64,
    /// The sum of its rows' SHA-256 digests (first 16 bytes, wrapping), in
    /// hex: independent of the order rows are read in.
    pub checksum: String,
}

/// Sums rows as they pass.
#[derive(Debug)]
pub struct Summer {
    table: String,
    rows: u64,
    sum: u128,
    buf: Vec<u8>,
}

impl Summer {
    /// Starts a table's sum.
    pub fn new(table: &str) -> Self {
        Self { table: table.to_string(), rows: 0, sum: 0, buf: Vec::with_capacity(256) }
    }

    /// Adds a row.
    pub fn add(&mut self, row: &[Val]) {
        self.buf.clear();
        for v in row {
            v.canonical(&mut self.buf);
        }
        let digest = Sha256::digest(&self.buf);
        let mut first = [0u8; 16];
        first.copy_from_slice(&digest[..16]);
        self.sum = self.sum.wrapping_add(u128::from_le_bytes(first));
        self.rows += 1;
    }

    /// The table's sum.
    pub fn finish(self) -> TableSum {
        TableSum { table: self.table, rows: self.rows, checksum: hex::encode(self.sum.to_le_bytes()) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sum(rows: &[Vec<Val>]) -> TableSum {
        let mut s = Summer::new("t");
        for r in rows {
            s.add(r);
        }
        s.finish()
    }

    #[test]
    fn order_does_not_matter_but_every_value_does() {
        let a = vec![Val::Int(1), Val::Text("ab".into()), Val::Null];
        let b = vec![Val::Int(2), Val::Text("a".into()), Val::Blob(b"b".to_vec())];
        assert_eq!(sum(&[a.clone(), b.clone()]), sum(&[b.clone(), a.clone()]));
        let changed = vec![Val::Int(2), Val::Text("a".into()), Val::Text("b".into())];
        assert_ne!(sum(&[a.clone(), b]).checksum, sum(&[a, changed]).checksum);
        // Values never run into each other: ("ab", "") differs from ("a", "b").
        let x = vec![Val::Text("ab".into()), Val::Text(String::new())];
        let y = vec![Val::Text("a".into()), Val::Text("b".into())];
        assert_ne!(sum(&[x]).checksum, sum(&[y]).checksum);
        // A null is not an empty text, nor zero.
        assert_ne!(sum(&[vec![Val::Null]]).checksum, sum(&[vec![Val::Text(String::new())]]).checksum);
        assert_ne!(sum(&[vec![Val::Null]]).checksum, sum(&[vec![Val::Int(0)]]).checksum);
    }
}

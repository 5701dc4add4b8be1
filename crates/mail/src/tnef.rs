//! Outlook's `winmail.dat` (TNEF, `application/ms-tnef`, MS-OXTNEF): the
//! files a customer attached, unpacked so agents see them, not a file
//! nobody outside Outlook can open.
//!
//! Only what a helpdesk needs is read: each attachment's title and data.
//! The rich-text body inside is not — the message carries its own text
//! part beside `winmail.dat`. Written here rather than taken from a crate:
//! the one pure-Rust TNEF crate (`tnef` 0.1) is unmaintained since 2019 and
//! slices its input unchecked, and a hostile message must never panic the
//! gateway. Every length is checked against what is left; a truncated or
//! malformed stream yields the files complete before the damage.

/// The stream's first four bytes (little-endian `0x223E9F78`).
const SIGNATURE: u32 = 0x223E_9F78;
/// Attribute level of an attachment's attributes.
const LEVEL_ATTACHMENT: u8 = 2;
/// `attAttachRendData`: starts a new attachment.
const ATT_ATTACH_REND_DATA: u32 = 0x0006_9002;
/// `attAttachTitle`: its file name (8-bit, NUL-terminated).
const ATT_ATTACH_TITLE: u32 = 0x0001_8010;
/// `attAttachData`: its bytes.
const ATT_ATTACH_DATA: u32 = 0x0006_800F;
/// The most files taken from one stream.
const MAX_FILES: usize = 500;

/// One file unpacked from a TNEF stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TnefFile {
    /// Its name (`attachment-N.bin` when the stream gave none).
    pub name: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

/// The files in a TNEF stream, or `None` when the bytes are not TNEF. A
/// stream damaged part-way answers the files complete before the damage.
pub fn files(data: &[u8]) -> Option<Vec<TnefFile>> {
    let mut r = Reader { data, at: 0 };
    if r.u32()? != SIGNATURE {
        return None;
    }
    r.take(2)?; // the legacy key
    let mut out: Vec<(Option<String>, Option<Vec<u8>>)> = Vec::new();
    while let Some((level, id, value)) = r.attribute() {
        if level != LEVEL_ATTACHMENT {
            continue;
        }
        match id {
            ATT_ATTACH_REND_DATA => {
                if out.len() >= MAX_FILES {
                    break;
                }
                out.push((None, None));
            }
            ATT_ATTACH_TITLE => {
                if let Some(last) = out.last_mut() {
                    last.0 = Some(title(value));
                }
            }
            ATT_ATTACH_DATA => {
                if let Some(last) = out.last_mut() {
                    last.1 = Some(value.to_vec());
                }
            }
            _ => {}
        }
    }
    Some(
        out.into_iter()
            .enumerate()
            .filter_map(|(n, (name, bytes))| {
                let name = name.filter(|s| !s.is_empty()).unwrap_or_else(|| format!("attachment-{}.bin", n + 1));
                Some(TnefFile { name, bytes: bytes? })
            })
            .collect(),
    )
}

/// An 8-bit title without its NUL: UTF-8 when it is, else Windows-1252
/// (Outlook's default OEM page in the West; every byte maps to something).
fn title(raw: &[u8]) -> String {
    let raw = raw.split(|b| *b == 0).next().unwrap_or_default();
    let text = match std::str::from_utf8(raw) {
        Ok(s) => s.to_owned(),
        Err(_) => encoding_rs::WINDOWS_1252.decode_without_bom_handling(raw).0.into_owned(),
    };
    // A file name, not a path: the last segment, no control characters.
    let last = text.rsplit(['/', '\\']).next().unwrap_or_default();
    last.chars().filter(|c| !c.is_control()).collect::<String>().trim().to_owned()
}

/// A cursor over the stream that never reads past its end.
struct Reader<'a> {
    data: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.at.checked_add(n)?;
        let slice = self.data.get(self.at..end)?;
        self.at = end;
        Some(slice)
    }

    fn u32(&mut self) -> Option<u32> {
        let b = self.take(4)?;
        Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// The next attribute: its level, id and value (the checksum is read
    /// and not enforced: Outlook's own readers accept a wrong one).
    fn attribute(&mut self) -> Option<(u8, u32, &'a [u8])> {
        let level = *self.take(1)?.first()?;
        let id = self.u32()?;
        let len = usize::try_from(self.u32()?).ok()?;
        let value = self.take(len)?;
        self.take(2)?;
        Some((level, id, value))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A TNEF stream with a message-level attribute and these files.
    pub(crate) fn stream(files: &[(&[u8], &[u8])]) -> Vec<u8> {
        fn attr(out: &mut Vec<u8>, level: u8, id: u32, value: &[u8]) {
            out.push(level);
            out.extend_from_slice(&id.to_le_bytes());
            out.extend_from_slice(&u32::try_from(value.len()).unwrap().to_le_bytes());
            out.extend_from_slice(value);
            let sum = value.iter().fold(0u16, |s, b| s.wrapping_add(u16::from(*b)));
            out.extend_from_slice(&sum.to_le_bytes());
        }
        let mut out = SIGNATURE.to_le_bytes().to_vec();
        out.extend_from_slice(&[0x01, 0x00]);
        attr(&mut out, 1, 0x0009_8008, b"IPM.Microsoft Mail.Note\0");
        for (name, bytes) in files {
            attr(&mut out, LEVEL_ATTACHMENT, ATT_ATTACH_REND_DATA, &[0u8; 14]);
            let mut t = name.to_vec();
            t.push(0);
            attr(&mut out, LEVEL_ATTACHMENT, ATT_ATTACH_TITLE, &t);
            attr(&mut out, LEVEL_ATTACHMENT, ATT_ATTACH_DATA, bytes);
        }
        out
    }

    #[test]
    fn files_come_out_with_their_names() {
        let s = stream(&[(b"report.pdf", b"%PDF-1.4 data"), (b"Fatura \xDDstanbul.xlsx", b"PK\x03\x04")]);
        let got = files(&s).expect("TNEF");
        assert_eq!(got.len(), 2);
        assert_eq!((got[0].name.as_str(), got[0].bytes.as_slice()), ("report.pdf", &b"%PDF-1.4 data"[..]));
        // Windows-1252 has no İ: 0xDD reads as Ý, never a replacement mark.
        assert_eq!(got[1].name, "Fatura Ýstanbul.xlsx");
    }

    #[test]
    fn other_bytes_are_not_tnef_and_damage_keeps_what_came_before() {
        assert_eq!(files(b"PK\x03\x04 a zip"), None);
        assert_eq!(files(b""), None);
        let s = stream(&[(b"a.txt", b"first"), (b"b.txt", b"second file")]);
        // Cut inside the second file's data: the first is whole.
        let cut = &s[..s.len() - 5];
        let got = files(cut).unwrap();
        assert_eq!(got.iter().map(|f| f.name.as_str()).collect::<Vec<_>>(), ["a.txt"]);
        // A length claiming more than there is reads nothing past the end.
        let mut lying = stream(&[]);
        lying.push(LEVEL_ATTACHMENT);
        lying.extend_from_slice(&ATT_ATTACH_DATA.to_le_bytes());
        lying.extend_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(files(&lying).unwrap(), vec![]);
        // A path in a title is cut to its file name.
        let s = stream(&[(b"..\\..\\evil\\x.exe", b"MZ")]);
        assert_eq!(files(&s).unwrap()[0].name, "x.exe");
    }
}

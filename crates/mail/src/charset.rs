//! Charset decoding with fallbacks: mail often declares no charset, the
//! wrong one (`utf-8` over windows-1254 bytes, `gb2312` over GBK), or none
//! for 8-bit header bytes. The department's language tells which legacy
//! charset a sender most likely used, so a wrong guess is rare where it
//! matters to the reader.

use encoding_rs::{
    BIG5, EUC_JP, Encoding, GB18030, ISO_2022_JP, KOI8_R, SHIFT_JIS, UTF_8, WINDOWS_1251, WINDOWS_1252, WINDOWS_1254,
};

/// The language of the department a message came to: which legacy
/// charsets to try when a message's own declaration is missing or wrong.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum LanguageHint {
    /// English (and anything unknown): windows-1252.
    #[default]
    En,
    /// Turkish: windows-1254 (a superset of ISO-8859-9).
    Tr,
    /// Russian: KOI8-R or windows-1251, picked by the letters they give.
    Ru,
    /// Chinese: GB18030 (covers GB2312 and GBK) or Big5.
    Zh,
    /// Japanese: Shift_JIS or EUC-JP (ISO-2022-JP is sniffed for every hint).
    Ja,
}

impl LanguageHint {
    /// The hint for a language code as departments store it (`tr`,
    /// `ru-RU`, `zh_CN`, `zh-Hant`); unknown codes give [`LanguageHint::En`].
    pub fn from_code(code: &str) -> Self {
        let primary = code.split(['-', '_']).next().unwrap_or_default().to_ascii_lowercase();
        match primary.as_str() {
            "tr" => Self::Tr,
            "ru" | "uk" | "be" => Self::Ru,
            "zh" => Self::Zh,
            "ja" => Self::Ja,
            _ => Self::En,
        }
    }
}

/// Text decoded from bytes, and what had to be guessed to decode it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Decoded {
    pub text: String,
    /// A note for the message's problems (no personal data: charset names only).
    pub problem: Option<String>,
}

/// ISO-2022-JP's escape sequences (JIS X 0208 in, ASCII/Roman out).
fn has_iso2022jp_escapes(bytes: &[u8]) -> bool {
    bytes
        .windows(3)
        .any(|w| matches!(w, [0x1b, b'$', b'B'] | [0x1b, b'$', b'@'] | [0x1b, b'(', b'J'] | [0x1b, b'(', b'I']))
}

/// Decodes with replacement characters for invalid bytes.
fn lossy(enc: &'static Encoding, bytes: &[u8]) -> String {
    enc.decode_without_bom_handling(bytes).0.into_owned()
}

/// Decodes only if every byte is valid in `enc`.
fn strict(enc: &'static Encoding, bytes: &[u8]) -> Option<String> {
    enc.decode_without_bom_handling_and_without_replacement(bytes).map(|c| c.into_owned())
}

/// Lower-case Cyrillic letters in a text: Russian prose is mostly lower
/// case, and reading KOI8-R as windows-1251 (or the reverse) swaps the cases.
fn cyrillic_lowercase(text: &str) -> usize {
    text.chars().filter(|c| ('а'..='я').contains(c) || *c == 'ё').count()
}

/// Common characters of Chinese prose, simplified and traditional: text
/// read in the wrong CJK charset decodes to rare characters instead.
const COMMON_HANZI: &str = "的一是不了在人有我他这个们中来上大为和国地到以说时要就出会可也你对生能而子那得于着下自之年过发后作里用道行所然家种事成方多经么去法学如都同现当没动面起看定天分还进好小部其些主样理心她本前开但因只从想实這個們來為國說時會對於著過發後裡種經麼學現當沒動還開從實請謝問題";

fn hanzi_score(text: &str) -> usize {
    text.chars().filter(|c| COMMON_HANZI.contains(*c)).count()
}

/// Decodes bytes that carry no usable charset, using the language hint.
/// Returns the text and the name of the charset used.
pub(crate) fn guess(bytes: &[u8], hint: LanguageHint) -> (String, &'static str) {
    if has_iso2022jp_escapes(bytes) {
        return (lossy(ISO_2022_JP, bytes), ISO_2022_JP.name());
    }
    match hint {
        LanguageHint::En => (lossy(WINDOWS_1252, bytes), WINDOWS_1252.name()),
        LanguageHint::Tr => (lossy(WINDOWS_1254, bytes), WINDOWS_1254.name()),
        LanguageHint::Ru => {
            let koi = lossy(KOI8_R, bytes);
            let cp = lossy(WINDOWS_1251, bytes);
            if cyrillic_lowercase(&koi) > cyrillic_lowercase(&cp) {
                (koi, KOI8_R.name())
            } else {
                (cp, WINDOWS_1251.name())
            }
        }
        LanguageHint::Zh => pick_strict(bytes, GB18030, BIG5, hanzi_score),
        LanguageHint::Ja => pick_strict(bytes, SHIFT_JIS, EUC_JP, |t| {
            // Hiragana is frequent in any Japanese sentence.
            t.chars().filter(|c| ('\u{3041}'..='\u{3096}').contains(c)).count()
        }),
    }
}

/// Of two multi-byte charsets, the one that decodes without errors; if both
/// do, the one whose text scores higher (the first on a tie).
fn pick_strict(
    bytes: &[u8],
    first: &'static Encoding,
    second: &'static Encoding,
    score: impl Fn(&str) -> usize,
) -> (String, &'static str) {
    match (strict(first, bytes), strict(second, bytes)) {
        (Some(a), Some(b)) => {
            if score(&b) > score(&a) {
                (b, second.name())
            } else {
                (a, first.name())
            }
        }
        (Some(a), None) => (a, first.name()),
        (None, Some(b)) => (b, second.name()),
        (None, None) => (lossy(first, bytes), first.name()),
    }
}

/// The encoding for a declared label, with mail's usual mislabels mapped to
/// the superset senders really used.
fn for_label(label: &str) -> Option<&'static Encoding> {
    let l = label.trim().trim_matches(['"', '\'']).to_ascii_lowercase();
    match l.as_str() {
        "gb2312" | "gbk" | "cp936" | "x-gbk" | "euc-cn" | "gb_2312-80" | "csgb2312" | "ms936" => Some(GB18030),
        "iso-2022-jp-ms" | "iso-2022-jp-1" | "iso-2022-jp-2" | "iso-2022-jp-3" => Some(ISO_2022_JP),
        "big5-hkscs" | "cn-big5" | "x-x-big5" => Some(BIG5),
        _ => Encoding::for_label_no_replacement(l.as_bytes()),
    }
}

/// Whether a label names plain ASCII (8-bit bytes under it are undeclared).
fn is_ascii_label(label: &str) -> bool {
    matches!(
        label.trim().trim_matches(['"', '\'']).to_ascii_lowercase().as_str(),
        "us-ascii" | "ascii" | "ansi_x3.4-1968" | "iso646-us" | "us"
    )
}

/// Turkish letters that ISO-8859-9/windows-1254 put where Latin-1 has
/// Icelandic ones: ğ Ğ ı İ ş Ş read as ð Ð ý Ý þ Þ.
fn looks_like_misread_turkish(text: &str) -> bool {
    text.chars().any(|c| matches!(c, 'ð' | 'Ð' | 'ý' | 'Ý' | 'þ' | 'Þ'))
}

/// Decodes a text body (or header bytes) given its declared charset, if
/// any, falling back on the hint when the declaration is missing, unknown
/// or contradicted by the bytes.
pub(crate) fn decode(bytes: &[u8], declared: Option<&str>, hint: LanguageHint) -> Decoded {
    let declared = declared.map(str::trim).filter(|l| !l.is_empty());
    let ascii_only = bytes.is_ascii();

    let Some(label) = declared else {
        if has_iso2022jp_escapes(bytes) {
            return Decoded {
                text: lossy(ISO_2022_JP, bytes),
                problem: Some("no charset declared; ISO-2022-JP recognised".into()),
            };
        }
        if let Ok(text) = std::str::from_utf8(bytes) {
            return Decoded {
                text: text.to_owned(),
                problem: (!ascii_only).then(|| "no charset declared; read as UTF-8".into()),
            };
        }
        let (text, used) = guess(bytes, hint);
        return Decoded { text, problem: Some(format!("no charset declared; read as {used}")) };
    };

    let label_shown: String = label.chars().filter(|c| !c.is_control()).take(40).collect();

    if is_ascii_label(label) && !ascii_only {
        return decode(bytes, None, hint).with_prefix(&format!("declared {label_shown} but 8-bit"));
    }

    let Some(enc) = for_label(label) else {
        if let Some(decoder) = mail_parser::decoders::charsets::map::charset_decoder(label.as_bytes()) {
            // Charsets encoding_rs lacks (UTF-7, UTF-16 variants mail-parser knows).
            return Decoded { text: decoder(bytes), problem: None };
        }
        return decode(bytes, None, hint)
            .with_prefix(&format!("unknown charset {label_shown}"))
            .or_note(&format!("unknown charset {label_shown}"));
    };

    if enc == UTF_8 {
        if let Ok(text) = std::str::from_utf8(bytes) {
            return Decoded { text: text.to_owned(), problem: None };
        }
        if has_iso2022jp_escapes(bytes) {
            return Decoded {
                text: lossy(ISO_2022_JP, bytes),
                problem: Some("declared UTF-8 but invalid; ISO-2022-JP recognised".into()),
            };
        }
        let (text, used) = guess(bytes, hint);
        return Decoded { text, problem: Some(format!("declared UTF-8 but invalid; read as {used}")) };
    }

    // Mail labelled latin-1 (or any single-byte charset) is often UTF-8.
    if enc.is_single_byte()
        && !ascii_only
        && let Ok(text) = std::str::from_utf8(bytes)
    {
        return Decoded { text: text.to_owned(), problem: Some(format!("declared {} but is UTF-8", enc.name())) };
    }

    if enc == WINDOWS_1252 && hint == LanguageHint::Tr && !ascii_only {
        let text = lossy(WINDOWS_1252, bytes);
        if looks_like_misread_turkish(&text) {
            return Decoded {
                text: lossy(WINDOWS_1254, bytes),
                problem: Some(format!("declared {label_shown}; read as windows-1254 (Turkish letters)")),
            };
        }
        return Decoded { text, problem: None };
    }

    let (text, had_errors) = enc.decode_without_bom_handling(bytes);
    if had_errors {
        let (guessed, used) = guess(bytes, hint);
        if !guessed.contains('\u{fffd}') && used != enc.name() {
            return Decoded { text: guessed, problem: Some(format!("invalid {} bytes; read as {used}", enc.name())) };
        }
        return Decoded { text: text.into_owned(), problem: Some(format!("invalid {} bytes replaced", enc.name())) };
    }
    Decoded { text: text.into_owned(), problem: None }
}

impl Decoded {
    fn with_prefix(mut self, prefix: &str) -> Self {
        if let Some(p) = self.problem.take() {
            let rest = p.strip_prefix("no charset declared; ").unwrap_or(&p);
            self.problem = Some(format!("{prefix}; {rest}"));
        }
        self
    }

    fn or_note(mut self, note: &str) -> Self {
        if self.problem.is_none() {
            self.problem = Some(note.to_owned());
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn koi8_and_cp1251_are_told_apart() {
        let text = "Здравствуйте, у меня не работает почта";
        let (koi, _, _) = KOI8_R.encode(text);
        let (cp, _, _) = WINDOWS_1251.encode(text);
        assert_eq!(guess(&koi, LanguageHint::Ru).0, text);
        assert_eq!(guess(&cp, LanguageHint::Ru).0, text);
    }

    #[test]
    fn gbk_and_big5_are_told_apart() {
        let simplified = "您好，我的服务器无法连接，请帮忙看一下这个问题";
        let traditional = "您好，我的伺服器無法連線，請幫忙看一下這個問題";
        let (gb, _, _) = GB18030.encode(simplified);
        let (b5, _, _) = BIG5.encode(traditional);
        assert_eq!(guess(&gb, LanguageHint::Zh).0, simplified);
        assert_eq!(guess(&b5, LanguageHint::Zh).0, traditional);
    }

    #[test]
    fn declared_utf8_over_turkish_bytes_uses_the_hint() {
        let (bytes, _, _) = WINDOWS_1254.encode("Şifremi unuttum, giriş yapamıyorum");
        let d = decode(&bytes, Some("utf-8"), LanguageHint::Tr);
        assert_eq!(d.text, "Şifremi unuttum, giriş yapamıyorum");
        assert!(d.problem.is_some());
    }

    #[test]
    fn latin1_label_over_turkish_text_is_read_as_turkish() {
        let (bytes, _, _) = WINDOWS_1254.encode("Fatura ödemesi başarısız");
        let d = decode(&bytes, Some("iso-8859-1"), LanguageHint::Tr);
        assert_eq!(d.text, "Fatura ödemesi başarısız");
        // An English department keeps the declared charset.
        let d = decode(&bytes, Some("iso-8859-1"), LanguageHint::En);
        assert_ne!(d.text, "Fatura ödemesi başarısız");
    }

    #[test]
    fn iso2022jp_is_sniffed_without_a_label() {
        let (bytes, _, _) = ISO_2022_JP.encode("お問い合わせありがとうございます");
        let d = decode(&bytes, None, LanguageHint::En);
        assert_eq!(d.text, "お問い合わせありがとうございます");
    }

    #[test]
    fn hint_codes() {
        assert_eq!(LanguageHint::from_code("tr-TR"), LanguageHint::Tr);
        assert_eq!(LanguageHint::from_code("zh_Hant"), LanguageHint::Zh);
        assert_eq!(LanguageHint::from_code("ru"), LanguageHint::Ru);
        assert_eq!(LanguageHint::from_code(""), LanguageHint::En);
        assert_eq!(LanguageHint::from_code("xx"), LanguageHint::En);
    }
}

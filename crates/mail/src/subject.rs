//! Subjects: the reply and forward prefixes of every language we serve,
//! and the ticket tag Tessera puts in the subjects it sends.

use std::sync::LazyLock;

use regex::Regex;

/// One reply/forward prefix (or an `[External]`-style banner) at the start.
static PREFIX: LazyLock<Regex> = LazyLock::new(|| {
    // A constant pattern; a typo fails every test.
    #[allow(clippy::expect_used)]
    Regex::new(concat!(
        r"(?i)^\s*(?:",
        r"\[(?:external|ext)\]",
        r"|(?:re|fwd|fw|aw|wg|sv|vs|ynt|ilt|İlt|İLT|回复|回覆|答复|答覆|转发|轉發|ответ|отв|пересл)",
        r"\s*(?:\[\d{1,4}\]|\(\d{1,4}\)|\^\d{1,4})?\s*[:：]",
        r")\s*"
    ))
    .expect("subject prefix pattern compiles")
});

/// The subject without its reply/forward prefixes (stripped repeatedly:
/// `Re: AW: Fwd:` → the topic) and with whitespace collapsed, for matching
/// a reply to its ticket by subject. Case is kept; compare without case.
pub fn normalize(subject: &str) -> String {
    let mut rest = subject;
    while let Some(m) = PREFIX.find(rest) {
        if m.end() == 0 {
            break;
        }
        rest = &rest[m.end()..];
    }
    rest.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The ticket number in a subject's `[#123456]` tag, if there is one (the
/// first, if several).
pub fn ticket_tag(subject: &str) -> Option<String> {
    tessera_core::ticket::number_in_subject(subject).map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_in_every_language() {
        for s in [
            "Re: Sunucu çöktü",
            "RE: RE: Sunucu çöktü",
            "Fwd: Sunucu çöktü",
            "FW: Sunucu çöktü",
            "Fw: AW: WG: Sunucu çöktü",
            "SV: VS: Sunucu çöktü",
            "YNT: Sunucu çöktü",
            "Ynt: İLT: Sunucu çöktü",
            "ILT: Sunucu çöktü",
            "回复：Sunucu çöktü",
            "回复: 答复: 转发: Sunucu çöktü",
            "Ответ: Отв: Sunucu çöktü",
            "RE[2]: Sunucu çöktü",
            "[External] Re: Sunucu çöktü",
            "  Re :  Sunucu   çöktü ",
        ] {
            assert_eq!(normalize(s), "Sunucu çöktü", "{s}");
        }
        // Words that only begin like a prefix stay.
        assert_eq!(normalize("Reboot: server"), "Reboot: server");
        assert_eq!(normalize("Svar"), "Svar");
        assert_eq!(normalize(""), "");
    }

    #[test]
    fn ticket_tags() {
        assert_eq!(ticket_tag("Re: [#482913] Sunucu çöktü").as_deref(), Some("482913"));
        assert_eq!(ticket_tag("[#12345] too short"), None);
        assert_eq!(ticket_tag("[#012345] leading zero"), None);
        assert_eq!(ticket_tag("#482913 no brackets"), None);
        assert_eq!(ticket_tag("[#1234567890] long").as_deref(), Some("1234567890"));
    }
}

//! Subjects: the reply and forward prefixes of every language we serve,
//! and the ticket tag Tessera puts in the subjects it sends.

/// The subject's topic, for matching a message to a ticket by subject
/// (see [`tessera_core::ticket::subject_topic`]).
pub fn normalize(subject: &str) -> String {
    tessera_core::ticket::subject_topic(subject)
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
    fn topics_come_from_the_core_rule() {
        assert_eq!(normalize("Ynt: İLT: Sunucu çöktü"), "sunucu çöktü");
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

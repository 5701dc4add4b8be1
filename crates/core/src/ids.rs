//! Typed identifiers, so a department id can never be passed where a ticket id
//! is expected. All are database row ids (positive 64-bit integers).

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl From<i64> for $name {
            fn from(v: i64) -> Self {
                Self(v)
            }
        }
    };
}

id_type!(
    /// A user: customer, agent or admin.
    UserId
);
id_type!(
    /// An organization that groups customers (a billing client and its contacts).
    OrganizationId
);
id_type!(
    /// A department tickets are filed under.
    DepartmentId
);
id_type!(
    /// A service (product, domain) a customer bought.
    ServiceId
);
id_type!(
    /// A ticket's internal id; the public reference is its number.
    TicketId
);
id_type!(
    /// One message (reply or note) of a ticket's conversation.
    MessageId
);
id_type!(
    /// An uploaded file.
    AttachmentId
);
id_type!(
    /// One entry of the append-only event log.
    EventId
);
id_type!(
    /// A custom field definition.
    CustomFieldId
);
id_type!(
    /// An API token.
    TokenId
);
id_type!(
    /// A webhook.
    WebhookId
);
id_type!(
    /// A saved view.
    ViewId
);
id_type!(
    /// One delivery of a webhook.
    DeliveryId
);
id_type!(
    /// An SLA policy.
    SlaPolicyId
);
id_type!(
    /// A validation hook or panel endpoint.
    HookId
);
id_type!(
    /// A raw e-mail message handed to Tessera (its row in `inbound_messages`).
    InboundId
);
id_type!(
    /// An IMAP mailbox Tessera reads mail from (its row in `mailboxes`).
    MailboxId
);
id_type!(
    /// An entry of the blocked-senders list (its row in `sender_blocks`).
    SenderBlockId
);

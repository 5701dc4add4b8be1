//! The `secret` custom fields the hosting REST API's server details are
//! kept in (`server_ip`, `server_user`, `server_password`): encrypted at
//! rest, writable by customers, shown only to the ticket's agents.
//!
//! The dialect makes sure they exist the first time a client sends one,
//! through the desk's own admin operation, as the system.

use tessera_core::{Actor, CustomFieldDef, FieldType};
use tessera_desk::{CustomFieldInput, Desk, DeskError};

/// One server detail: the request parameter, the field key, and the
/// field's labels by language.
#[derive(Debug, Clone, Copy)]
pub struct SecretField {
    /// The hosting API's parameter (`serverip`).
    pub param: &'static str,
    /// The custom field's key (`server_ip`).
    pub key: &'static str,
    /// Labels by language code.
    pub labels: [(&'static str, &'static str); 4],
}

/// The three server details.
pub const FIELDS: [SecretField; 3] = [
    SecretField {
        param: "serverip",
        key: "server_ip",
        labels: [("en", "Server IP"), ("tr", "Sunucu IP adresi"), ("zh", "服务器 IP"), ("ru", "IP-адрес сервера")],
    },
    SecretField {
        param: "serveruser",
        key: "server_user",
        labels: [
            ("en", "Server user"),
            ("tr", "Sunucu kullanıcı adı"),
            ("zh", "服务器用户名"),
            ("ru", "Пользователь сервера"),
        ],
    },
    SecretField {
        param: "serverpassword",
        key: "server_password",
        labels: [("en", "Server password"), ("tr", "Sunucu şifresi"), ("zh", "服务器密码"), ("ru", "Пароль сервера")],
    },
];

/// Why the fields could not be made ready.
#[derive(Debug, thiserror::Error)]
pub enum SecretFieldError {
    /// A field with the key exists but an admin made it something other
    /// than a secret; the dialect will not store a password in it.
    #[error("the custom field {0} exists but is not a secret field")]
    NotSecret(&'static str),
    /// The desk failed.
    #[error(transparent)]
    Desk(#[from] DeskError),
}

/// Makes sure the secret fields with these keys exist (creating the
/// missing ones), and that each is a secret field.
pub async fn ensure(desk: &Desk, keys: &[&'static str]) -> Result<(), SecretFieldError> {
    let sys = Actor::system();
    for key in keys {
        let existing: Option<CustomFieldDef> = desk.custom_fields(&sys).await?.into_iter().find(|d| d.key == *key);
        let def = match existing {
            Some(d) => d,
            None => {
                let labels = FIELDS
                    .iter()
                    .find(|f| f.key == *key)
                    .map(|f| f.labels.iter().map(|(lang, text)| ((*lang).to_string(), (*text).to_string())).collect())
                    .unwrap_or_default();
                let input = CustomFieldInput {
                    key: Some((*key).to_string()),
                    labels: Some(labels),
                    field_type: Some(FieldType::Secret),
                    customer_visible: Some(false),
                    customer_editable: Some(true),
                    ..CustomFieldInput::default()
                };
                match desk.create_custom_field(&sys, input).await {
                    Ok(d) => d,
                    // Another request made it meanwhile.
                    Err(DeskError::Conflict { code: "already_exists", .. }) => desk
                        .custom_fields(&sys)
                        .await?
                        .into_iter()
                        .find(|d| d.key == *key)
                        .ok_or(DeskError::not_found("custom field"))?,
                    Err(e) => return Err(e.into()),
                }
            }
        };
        if def.field_type != FieldType::Secret {
            return Err(SecretFieldError::NotSecret(key));
        }
    }
    Ok(())
}

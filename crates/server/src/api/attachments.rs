//! Attachments: multipart upload, metadata, download.
//!
//! Files are uploaded first (`POST /attachments`, one or more `file` parts)
//! and then named in `attachment_ids` of a ticket, reply or note. Downloads
//! are served as attachments with the sniffed type and `nosniff`.

use super::dto::*;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{Auth, Id};
use crate::state::AppState;
use axum::Json;
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tessera_core::ids::AttachmentId;

/// The upload form (for the OpenAPI document).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct UploadForm {
    /// One or more files.
    #[schema(value_type = Vec<String>, format = Binary)]
    file: Vec<u8>,
}

fn multipart_error(e: axum::extract::multipart::MultipartError) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", "the upload is larger than allowed")
    } else {
        ApiError::bad_request("malformed_multipart", format!("the multipart body is malformed: {}", e.body_text()))
    }
}

/// Uploads files (multipart/form-data, parts named `file`); answers their
/// ids. Limits: `max_attachment_bytes` per file, `max_attachments_per_message` files.
#[utoipa::path(post, path = "/attachments", tag = "attachments",
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses((status = 201, body = AttachmentList), (status = 400, body = ErrorBody), (status = 413, body = ErrorBody)))]
pub async fn upload(
    State(s): State<AppState>,
    Auth(a): Auth,
    req: Request,
) -> ApiResult<(StatusCode, Json<AttachmentList>)> {
    let mut mp = Multipart::from_request(req, &s).await.map_err(|e| {
        ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            format!("send multipart/form-data: {e}"),
        )
    })?;
    let max_files = s.desk.limits().max_attachments_per_message;
    let max_bytes = s.desk.limits().max_attachment_bytes;
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    while let Some(mut field) = mp.next_field().await.map_err(multipart_error)? {
        if field.name() != Some("file") {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_body",
                "upload files in parts named \"file\"",
            )
            .with_field("file"));
        }
        if files.len() >= max_files {
            return Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_many",
                format!("at most {max_files} files at once"),
            ));
        }
        let name = field.file_name().unwrap_or("file").to_string();
        let mut bytes = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
            if bytes.len() + chunk.len() > max_bytes {
                return Err(ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "too_large",
                    format!("a file may be at most {max_bytes} bytes"),
                ));
            }
            bytes.extend_from_slice(&chunk);
        }
        files.push((name, bytes));
    }
    if files.is_empty() {
        return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body", "no file part in the upload")
            .with_field("file"));
    }
    let mut out = Vec::with_capacity(files.len());
    for (name, bytes) in files {
        out.push(AttachmentOut::from(s.desk.upload(&a, &name, bytes).await?));
    }
    Ok((StatusCode::CREATED, Json(AttachmentList { attachments: out })))
}

/// An attachment's record.
#[utoipa::path(get, path = "/attachments/{id}", tag = "attachments", params(("id" = i64, Path)),
    responses((status = 200, body = AttachmentOut), (status = 404, body = ErrorBody)))]
pub async fn get_attachment(State(s): State<AppState>, Auth(a): Auth, Id(id): Id) -> ApiResult<Json<AttachmentOut>> {
    Ok(Json(s.desk.attachment(&a, AttachmentId(id)).await?.into()))
}

/// Downloads an attachment (always as a download, never rendered inline).
#[utoipa::path(get, path = "/attachments/{id}/download", tag = "attachments", params(("id" = i64, Path)),
    responses((status = 200, description = "The file, with the type sniffed at upload", content_type = "*/*", body = Vec<u8>), (status = 404, body = ErrorBody)))]
pub async fn download(State(s): State<AppState>, Auth(a): Auth, Id(id): Id) -> ApiResult<Response> {
    let (rec, bytes) = s.desk.download(&a, AttachmentId(id)).await?;
    let mut resp = bytes.into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&rec.content_type).unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    h.insert(header::CONTENT_DISPOSITION, content_disposition(&rec.filename));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    Ok(resp)
}

/// `attachment; filename="ascii"; filename*=UTF-8''percent-encoded` (RFC 6266).
fn content_disposition(name: &str) -> HeaderValue {
    let ascii: String = name
        .chars()
        .map(|c| if c.is_ascii_graphic() || c == ' ' { c } else { '_' })
        .filter(|c| *c != '"' && *c != '\\')
        .collect();
    let mut encoded = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    HeaderValue::from_str(&format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}"))
        .unwrap_or(HeaderValue::from_static("attachment"))
}

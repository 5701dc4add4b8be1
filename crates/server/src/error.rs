//! The one place where failures become HTTP answers.
//!
//! Every error is `{"error": {"code": "...", "message": "...", "field": ...}}`
//! with a 4xx status for anything the caller did wrong. A 5xx means a fault
//! of ours: its cause is logged and the caller gets a generic message.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use tessera_core::DomainError;
use tessera_desk::DeskError;

/// The body of every error answer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// What went wrong.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable snake_case code (`not_found`, `invalid_body`, `version_mismatch`...).
    pub code: String,
    /// For people.
    pub message: String,
    /// The input at fault, when one is.
    pub field: Option<String>,
    /// Where in that input the problem is, in characters from its start
    /// (searches that do not parse).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub position: Option<usize>,
}

/// An error answer.
#[derive(Debug)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable code.
    pub code: String,
    /// Message.
    pub message: String,
    /// Field.
    pub field: Option<String>,
    /// Position in the field, in characters.
    pub position: Option<usize>,
}

impl ApiError {
    /// An error with no field.
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        Self { status, code: code.into(), message: message.into(), field: None, position: None }
    }

    /// Names the field at fault.
    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    /// 404.
    pub fn not_found(what: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", format!("{what} not found"))
    }

    /// 400 for a malformed request part.
    pub fn bad_request(code: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }
}

impl From<DeskError> for ApiError {
    fn from(e: DeskError) -> Self {
        let status = match &e {
            DeskError::Unauthenticated => StatusCode::UNAUTHORIZED,
            DeskError::Forbidden { .. } => StatusCode::FORBIDDEN,
            DeskError::NotFound { .. } => StatusCode::NOT_FOUND,
            DeskError::Domain(DomainError::Invalid { .. }) => StatusCode::UNPROCESSABLE_ENTITY,
            DeskError::Domain(_) | DeskError::Conflict { .. } => StatusCode::CONFLICT,
            DeskError::VersionMismatch { .. } => StatusCode::PRECONDITION_FAILED,
            DeskError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            DeskError::Refused(_) | DeskError::Search { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            DeskError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            DeskError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        e.log_fault("api");
        if status == StatusCode::SERVICE_UNAVAILABLE {
            return Self::new(status, "unavailable", "the service is temporarily unavailable; try again shortly");
        }
        if status.is_server_error() {
            return Self::new(status, "internal", "something went wrong on our side; it has been logged");
        }
        let position = match &e {
            DeskError::Search { position, .. } => Some(*position),
            _ => None,
        };
        Self { status, code: e.code().into(), message: e.to_string(), field: e.field().map(str::to_string), position }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail { code: self.code, message: self.message, field: self.field, position: self.position },
        };
        let mut resp = (self.status, Json(body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            resp.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        resp
    }
}

/// Results of handlers.
pub type ApiResult<T> = Result<T, ApiError>;

/// Answers unknown paths.
pub async fn fallback() -> ApiError {
    ApiError::not_found("route")
}

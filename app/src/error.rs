//! The one error type every server function returns. Each variant is something
//! a person can act on; database and internal failures are logged with their
//! details and reach the person only as a reference number.
use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("Please sign in first.")]
    NotSignedIn,
    #[error("You do not have permission to do that.")]
    Forbidden,
    #[error("We could not find that page. It may have moved, or the address may be mistyped.")]
    NotFound,
    #[error("{message}")]
    Invalid { field: String, message: String },
    #[error("{0}")]
    Conflict(String),
    /// The request itself could not be read: a field missing, a number that
    /// is not a whole number, a body that is not a form. Never the person's
    /// fault when they use the portal's own pages.
    #[error("{0}")]
    BadRequest(String),
    #[error(
        "That was too much to send at once. Nothing was saved. Please send less, or split it up."
    )]
    TooLarge,
    #[error("Too many attempts. Please try again in {} minutes.", retry_after_secs.div_ceil(60))]
    RateLimited { retry_after_secs: u64 },
    #[error("This service is not available just now. Please try again in a few minutes.")]
    Unavailable,
    /// Too much of one costly kind of work at once (checking passwords).
    #[error("Too many people are signing in right now. Please try again in a minute.")]
    Busy,
    #[error("Something went wrong and nothing was saved. If it happens again, please quote reference {reference}.")]
    Internal { reference: String },
    /// The request never reached the server, or its answer could not be read.
    #[error("We could not reach the server. Please check your connection and try again.")]
    Connection { detail: String },
}

impl AppError {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }

    /// Logs an unexpected failure with its context and returns the error the
    /// person sees: a reference they can quote, never the driver's text.
    #[cfg(feature = "ssr")]
    pub fn internal(context: &str, error: impl std::fmt::Display) -> Self {
        use rand::Rng;
        let reference: String = rand::thread_rng()
            .sample_iter(&rand::distributions::Alphanumeric)
            .take(8)
            .map(|c| char::from(c).to_ascii_uppercase())
            .collect();
        match current_request_id() {
            Some(request) => {
                tracing::error!(%reference, %request, context, error = %error, "internal error")
            }
            None => tracing::error!(%reference, context, error = %error, "internal error"),
        }
        Self::Internal { reference }
    }

    /// The HTTP status this error should carry when a page shows it.
    #[cfg(feature = "ssr")]
    pub fn status(&self) -> http::StatusCode {
        use http::StatusCode;
        match self {
            Self::NotSignedIn => StatusCode::UNAUTHORIZED,
            Self::Forbidden => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::RateLimited { .. } | Self::Busy => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal { .. } | Self::Connection { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

#[cfg(feature = "ssr")]
impl From<sqlx::Error> for AppError {
    fn from(error: sqlx::Error) -> Self {
        match error {
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed => {
                tracing::warn!(error = %error, "database unavailable");
                Self::Unavailable
            }
            other => Self::internal("database", other),
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    /// On the server these are failures to read the request (its arguments
    /// or its body); in the browser, failures to reach the server.
    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        #[cfg(feature = "ssr")]
        {
            unreadable_request(value)
        }
        #[cfg(not(feature = "ssr"))]
        {
            Self::Connection {
                detail: value.to_string(),
            }
        }
    }
}

/// What a person is told when the server cannot read what was sent. The
/// detail (such as "missing field `title`") says where; it is logged too.
#[cfg(feature = "ssr")]
fn unreadable_request(error: ServerFnErrorErr) -> AppError {
    match error {
        ServerFnErrorErr::Args(detail)
        | ServerFnErrorErr::Deserialization(detail)
        | ServerFnErrorErr::MissingArg(detail)
        | ServerFnErrorErr::MiddlewareError(detail)
        | ServerFnErrorErr::UnsupportedRequestMethod(detail) => {
            tracing::warn!(%detail, "a request could not be read");
            if detail.contains("length limit exceeded") {
                return AppError::TooLarge;
            }
            AppError::BadRequest(format!(
                "The form sent could not be read ({}), so nothing was saved. \
                 Please go back, reload the page and try again.",
                plain_detail(&detail)
            ))
        }
        other => AppError::internal("server function", other),
    }
}

/// serde's wording, shortened to what is wrong ("missing field `title`"),
/// and cut short so an address cannot carry a whole page of it.
#[cfg(feature = "ssr")]
fn plain_detail(detail: &str) -> String {
    let detail = detail
        .rsplit("failed with reason: ")
        .next()
        .unwrap_or(detail)
        .trim();
    detail.chars().take(120).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_limit_message_rounds_minutes_up() {
        let error = AppError::RateLimited {
            retry_after_secs: 61,
        };
        assert_eq!(
            error.to_string(),
            "Too many attempts. Please try again in 2 minutes."
        );
    }

    #[test]
    fn errors_survive_the_trip_to_the_browser() {
        let error = AppError::invalid("email", "Enter an email address like name@example.org");
        let bytes = <AppError as FromServerFnError>::ser(&error);
        assert_eq!(<AppError as FromServerFnError>::de(bytes), error);
    }
}

/// The id the router gives each request (kept in its extensions), so an
/// error's reference leads to the request in the log.
#[cfg(feature = "ssr")]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(pub String);

/// The id of the request being answered, when a page or server function is
/// being made for one. Pages load their data in tasks of their own, which
/// the request's log span does not reach, so it is read from the request.
#[cfg(feature = "ssr")]
fn current_request_id() -> Option<String> {
    let parts = leptos::prelude::use_context::<http::request::Parts>()?;
    parts.extensions.get::<RequestId>().map(|id| id.0.clone())
}

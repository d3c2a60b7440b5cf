//! Receiving a results file. A plain multipart form post, so it works the
//! same with and without JavaScript: the file is checked, kept as an import,
//! and the browser is sent to the import's page to see the problems or the
//! preview.
use std::net::SocketAddr;

use app::{
    error::AppError,
    performance::{import, importing::server as importing},
    permissions::{self, Action},
    state::AppState,
};
use axum::{
    body::Body,
    extract::{ConnectInfo, FromRequest, Multipart, Path, Request, State},
    http::header,
    response::{IntoResponse, Redirect, Response},
};
use tower_sessions::Session;

/// Room for the form's other parts around the largest file accepted.
const FORM_OVERHEAD: usize = 64 * 1024;
/// A far larger upload is read and dropped, so that the browser sees the
/// answer instead of a broken connection; beyond this it is cut off.
const DRAIN_LIMIT: usize = 64 * 1024 * 1024;

pub async fn upload_results(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    session: Session,
    request: Request,
) -> Response {
    let source = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(address)| address.ip().to_string())
        .unwrap_or_else(|| "unknown".into());
    match receive(&state, &slug, &session, &source, request).await {
        Ok(id) => {
            Redirect::to(&format!("/landlords/{slug}/performance/import/{id}")).into_response()
        }
        Err(error) => {
            let status = error.status();
            crate::router::plain_page(
                status,
                "Your file was not received",
                &format!(
                    "<p>{}</p><p><a href=\"/landlords/{}/performance/import\">Back to the import page</a></p>",
                    html_escape(&error.to_string()),
                    html_escape(&slug)
                ),
            )
        }
    }
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

async fn receive(
    state: &AppState,
    slug: &str,
    session: &Session,
    source: &str,
    request: Request,
) -> Result<i64, AppError> {
    let landlord = app::landlords::queries::record(&state.db, slug).await?;
    let user = app::accounts::session::user_of(session, &state.db).await?;
    permissions::require(user.as_ref(), Action::EditPerformance, landlord.id)?;
    let user = user.ok_or(AppError::NotSignedIn)?;

    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if let Some(length) = declared.filter(|&n| n > import::MAX_FILE_BYTES + FORM_OVERHEAD) {
        drain(request.into_body()).await;
        return importing::store_outcome(
            &state.db,
            landlord.id,
            user.id,
            "",
            "",
            Err(too_large(length)),
            source,
        )
        .await;
    }

    let mut form = Multipart::from_request(request, state)
        .await
        .map_err(|e| AppError::invalid("file", format!("The upload could not be read: {e}")))?;
    let mut file: Option<(String, Vec<u8>)> = None;
    while let Some(mut field) = form
        .next_field()
        .await
        .map_err(|e| AppError::invalid("file", format!("The upload could not be read: {e}")))?
    {
        if field.name() != Some("file") {
            continue;
        }
        let name = field.file_name().unwrap_or_default().to_string();
        let mut bytes = Vec::new();
        while let Some(chunk) = field
            .chunk()
            .await
            .map_err(|e| AppError::invalid("file", format!("The upload could not be read: {e}")))?
        {
            bytes.extend_from_slice(&chunk);
            // Without a declared length, stop reading once it is too large.
            if bytes.len() > import::MAX_FILE_BYTES {
                return importing::store_outcome(
                    &state.db,
                    landlord.id,
                    user.id,
                    &name,
                    "",
                    Err(too_large(bytes.len())),
                    source,
                )
                .await;
            }
        }
        file = Some((name, bytes));
    }
    let (name, bytes) =
        file.ok_or_else(|| AppError::invalid("file", "Choose a CSV file to upload"))?;
    if name.is_empty() && bytes.is_empty() {
        return Err(AppError::invalid("file", "Choose a CSV file to upload"));
    }
    importing::store(&state.db, &landlord, user.id, &name, &bytes, source).await
}

/// The answer for a file over the limit, refused before it is read in full.
fn too_large(length: usize) -> import::Rejected {
    let megabytes = length as f64 / (1024.0 * 1024.0);
    import::Rejected {
        problems: vec![import::Problem {
            line: None,
            column: None,
            message: format!(
                "The file is {megabytes:.1} MB; the largest file the portal accepts is {} MB. Split it into smaller files.",
                import::MAX_FILE_BYTES / (1024 * 1024)
            ),
        }],
        more: 0,
    }
}

async fn drain(body: Body) {
    use http_body_util::BodyExt;
    let mut body = body;
    let mut seen = 0usize;
    while let Some(Ok(frame)) = body.frame().await {
        if let Some(data) = frame.data_ref() {
            seen += data.len();
        }
        if seen > DRAIN_LIMIT {
            break;
        }
    }
}

//! Files people send and fetch outside server functions. A results file is
//! a plain multipart form post, so it works the same with and without
//! JavaScript: the file is checked, kept as an import, and the browser is
//! sent to the import's page to see the problems or the preview. Review
//! documents arrive the same way and leave as downloads.
use app::{
    error::AppError,
    identity::session::Caller,
    performance::imports::{check, queries as imports},
    permissions::{self, Action, Authorised},
    scrutiny::reviews::{file_kinds, queries::documents, DOCUMENT_HINT},
    state::AppState,
};
use axum::{
    body::Body,
    extract::{FromRequest, Multipart, Path, Request, State},
    http::header,
    response::{IntoResponse, Redirect, Response},
};

/// Room for the form's other parts around the largest file accepted.
const FORM_OVERHEAD: usize = 64 * 1024;
/// A far larger upload is read and dropped, so that the browser sees the
/// answer instead of a broken connection; beyond this it is cut off.
const DRAIN_LIMIT: usize = 64 * 1024 * 1024;

/// The upload and download routes, merged into the router. Each upload
/// may be as large as the file it carries, and no larger.
pub fn routes() -> axum::Router<AppState> {
    use axum::{
        extract::DefaultBodyLimit,
        routing::{get, post},
    };
    axum::Router::new()
        .route(
            "/landlords/{slug}/performance/import",
            post(upload_results)
                .layer(DefaultBodyLimit::max(check::MAX_FILE_BYTES + FORM_OVERHEAD)),
        )
        .route(
            "/landlords/{slug}/scrutiny/reviews/{id}/documents",
            post(upload_document).layer(DefaultBodyLimit::max(
                file_kinds::MAX_DOCUMENT_BYTES + FORM_OVERHEAD,
            )),
        )
        .route(
            "/landlords/{slug}/scrutiny/reviews/{review}/documents/{id}",
            get(download_document),
        )
}

pub async fn upload_results(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    caller: Caller,
    request: Request,
) -> Response {
    match receive(&state, &slug, &caller, request).await {
        Ok(id) => {
            Redirect::to(&format!("/landlords/{slug}/performance/import/{id}")).into_response()
        }
        Err(error) => {
            let status = error.status();
            crate::plain_pages::plain_page(
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
    caller: &Caller,
    request: Request,
) -> Result<i64, AppError> {
    let Authorised {
        landlord, actor, ..
    } = permissions::authorise_caller(state, caller, slug, Action::EditPerformance).await?;

    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if let Some(length) = declared.filter(|&n| n > check::MAX_FILE_BYTES + FORM_OVERHEAD) {
        drain(request.into_body()).await;
        return imports::store_outcome(&state.db, &actor, "", "", Err(too_large(length))).await;
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
            if bytes.len() > check::MAX_FILE_BYTES {
                return imports::store_outcome(
                    &state.db,
                    &actor,
                    &name,
                    "",
                    Err(too_large(bytes.len())),
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
    imports::store(&state.db, &landlord, &actor, &name, &bytes).await
}

/// The answer for a file over the limit, refused before it is read in full.
fn too_large(length: usize) -> check::Rejected {
    let megabytes = length as f64 / (1024.0 * 1024.0);
    check::Rejected {
        problems: vec![check::Problem {
            line: None,
            column: None,
            message: format!(
                "The file is {megabytes:.1} MB; the largest file the portal accepts is {} MB. Split it into smaller files.",
                check::MAX_FILE_BYTES / (1024 * 1024)
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

/// Receiving a document for a review's evidence log: a plain multipart
/// form, like the results file. A refusal shows the form again with the
/// title as typed (a browser cannot refill the file).
pub async fn upload_document(
    State(state): State<AppState>,
    Path((slug, review_id)): Path<(String, i64)>,
    caller: Caller,
    request: Request,
) -> Response {
    let review = format!("/landlords/{slug}/scrutiny/reviews/{review_id}");
    match receive_document(&state, &slug, review_id, &caller, request).await {
        Ok(_) => {
            let mut response = Redirect::to(&review).into_response();
            let done = app::site::Confirmation::new("Your document is added to the evidence.")
                .with_link(format!("{review}#evidence"), "Go to the evidence");
            if let Some(cookie) = done.cookie(state.base_url.starts_with("https://")) {
                response.headers_mut().append(header::SET_COOKIE, cookie);
            }
            response
        }
        Err((error, title)) => crate::plain_pages::plain_page(
            error.status(),
            "Your document was not added",
            &format!(
                "<div class=\"error-summary\" role=\"alert\"><h2>There is a problem</h2><p>{}</p></div>{}\
                 <p><a href=\"{}\">Back to the review</a></p>",
                html_escape(&error.to_string()),
                document_form(&review, &title),
                html_escape(&review)
            ),
        ),
    }
}

/// The upload form, as the review page shows it, with `title` filled in.
fn document_form(review: &str, title: &str) -> String {
    format!(
        "<form method=\"post\" action=\"{0}/documents\" enctype=\"multipart/form-data\">\
         <div class=\"field\"><label for=\"document-title\">Title</label>\
         <input id=\"document-title\" name=\"title\" type=\"text\" required value=\"{1}\"></div>\
         <div class=\"field\"><label for=\"document-file\">Document</label>\
         <p class=\"hint\" id=\"document-file-hint\">{2}</p>\
         <input id=\"document-file\" name=\"file\" type=\"file\" required aria-describedby=\"document-file-hint\"></div>\
         <button type=\"submit\" class=\"button secondary\">Upload the document</button></form>",
        html_escape(review),
        html_escape(title),
        DOCUMENT_HINT
    )
}

async fn receive_document(
    state: &AppState,
    slug: &str,
    review_id: i64,
    caller: &Caller,
    request: Request,
) -> Result<i64, (AppError, String)> {
    let no_title = |error: AppError| (error, String::new());
    let Authorised {
        landlord, actor, ..
    } = permissions::authorise_caller(state, caller, slug, Action::WorkOnReviews)
        .await
        .map_err(no_title)?;
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if let Some(length) = declared.filter(|&n| n > file_kinds::MAX_DOCUMENT_BYTES + FORM_OVERHEAD) {
        drain(request.into_body()).await;
        return Err(no_title(AppError::invalid(
            "file",
            file_kinds::too_large_message(length),
        )));
    }
    let unreadable = |e: &dyn std::fmt::Display| {
        AppError::invalid("file", format!("The upload could not be read: {e}"))
    };
    let mut form = Multipart::from_request(request, state)
        .await
        .map_err(|e| no_title(unreadable(&e)))?;
    let (mut title, mut file) = (String::new(), None::<(String, Vec<u8>)>);
    while let Some(mut field) = form
        .next_field()
        .await
        .map_err(|e| (unreadable(&e), title.clone()))?
    {
        match field.name() {
            Some("title") => {
                title = field
                    .text()
                    .await
                    .map_err(|e| (unreadable(&e), String::new()))?;
            }
            Some("file") => {
                let name = field.file_name().unwrap_or_default().to_string();
                let mut bytes = Vec::new();
                while let Some(chunk) = field
                    .chunk()
                    .await
                    .map_err(|e| (unreadable(&e), title.clone()))?
                {
                    bytes.extend_from_slice(&chunk);
                    if bytes.len() > file_kinds::MAX_DOCUMENT_BYTES {
                        return Err((
                            AppError::invalid("file", file_kinds::too_large_message(bytes.len())),
                            title,
                        ));
                    }
                }
                file = Some((name, bytes));
            }
            _ => {}
        }
    }
    let Some((name, bytes)) = file.filter(|(name, bytes)| !name.is_empty() || !bytes.is_empty())
    else {
        return Err((
            AppError::invalid("file", "Choose the document to upload"),
            title,
        ));
    };
    documents::store(
        &state.db, &landlord, review_id, &actor, &title, &name, &bytes,
    )
    .await
    .map_err(|error| (error, title))
}

/// A document from a review's evidence log, as a download. Drafts' documents
/// are for the panel and staff, like the drafts themselves.
pub async fn download_document(
    State(state): State<AppState>,
    Path((slug, review_id, id)): Path<(String, i64, i64)>,
    caller: Caller,
) -> Response {
    match find_document(&state, &slug, review_id, id, &caller).await {
        Ok((name, content_type, bytes)) => {
            let disposition = format!(
                "attachment; filename=\"{}\"; filename*=UTF-8''{}",
                name.replace(|c: char| !c.is_ascii(), "_"),
                url::form_urlencoded::byte_serialize(name.as_bytes())
                    .collect::<String>()
                    .replace('+', "%20")
            );
            let mut response = Response::new(Body::from(bytes));
            let headers = response.headers_mut();
            for (key, value) in [
                (header::CONTENT_TYPE, content_type),
                (header::CONTENT_DISPOSITION, disposition),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
                (
                    header::CONTENT_SECURITY_POLICY,
                    "sandbox; default-src 'none'".to_string(),
                ),
                (header::CACHE_CONTROL, "private, no-store".to_string()),
            ] {
                if let Ok(value) = header::HeaderValue::from_str(&value) {
                    headers.insert(key, value);
                }
            }
            response
        }
        Err(error) => crate::plain_pages::plain_page(
            error.status(),
            "Document not available",
            &format!("<p>{}</p>", html_escape(&error.to_string())),
        ),
    }
}

async fn find_document(
    state: &AppState,
    slug: &str,
    review_id: i64,
    id: i64,
    caller: &Caller,
) -> Result<(String, String, Vec<u8>), AppError> {
    let landlord = app::landlords::queries::record(&state.db, slug).await?;
    let (name, content_type, bytes, published) =
        documents::fetch(&state.db, &landlord, review_id, id).await?;
    if published.is_none() {
        // A draft's documents are for those who may see the draft.
        let user = caller.person(&state.db).await?;
        permissions::require_or_hide(user.as_ref(), Action::SeeDraftReviews, landlord.id)?;
    }
    Ok((name, content_type, bytes))
}

//! What every command route shares, written once: the caller, the stream and the version a
//! command acts on ([`On`]); running the command on the aggregate's event store; and the answer,
//! the stream as the caller may see it with its version as ETag (and `Location` when created).
//! A route group only says where its streams live and how they look ([`Resource`]), and which
//! aggregate an action belongs to ([`Action`]).

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse, HttpResponseBuilder};
use futures::future::LocalBoxFuture;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use crate::auth::Authenticated;
use crate::domain::{Actor, Command, DomainError, LoggableEvent, Visibility};
use crate::error::AppError;
use crate::http::{etag, IfMatch};
use crate::state::AppState;
use crate::store::aggregates::{Aggregates, EventStoreOf, Loaded};

/// An aggregate as the API shows it.
pub(super) trait Resource:
    esrs::Aggregate<
        Error = DomainError,
        State: Send + Sync + Clone + Visibility,
        Command: Send,
        Event: LoggableEvent + DeserializeOwned,
    > + Sized
    + Send
    + Sync
    + 'static
{
    /// The collection, e.g. `/api/v1/listings`; a stream is `{PATH}/{id}`.
    const PATH: &'static str;

    fn events(aggregates: &Aggregates) -> &EventStoreOf<Self>;

    /// Writes the stream as `viewer` may see it into `out`; 404 when the stream has no entity.
    fn view(
        state: &AppState,
        viewer: &Actor,
        loaded: &Loaded<Self::State>,
        out: &mut HttpResponseBuilder,
    ) -> Result<HttpResponse, AppError>;
}

/// A command's action, which names its aggregate, so a route writes `on.run(action)`.
pub(super) trait Action: Send + Sized + 'static {
    type Of: Resource<Command = Command<Self>>;
}

/// The answer to a command (or a read of one stream): the view, its version as ETag, and where
/// the stream lives when the command created it.
pub(super) fn respond<A>(
    state: &AppState,
    viewer: &Actor,
    status: StatusCode,
    loaded: &Loaded<A::State>,
) -> Result<HttpResponse, AppError>
where
    A: Resource,
{
    let mut out = HttpResponse::build(status);
    out.insert_header(etag(loaded.version));
    if status == StatusCode::CREATED {
        out.insert_header(("Location", format!("{}/{}", A::PATH, loaded.id)));
    }
    A::view(state, viewer, loaded, &mut out)
}

/// Starts stream `id` with `action` and answers 201.
pub(super) async fn create<X: Action>(
    state: &AppState,
    actor: Actor,
    id: Uuid,
    action: X,
) -> Result<HttpResponse, AppError> {
    let command = Command::new(actor, state.clock.now(), action);
    let loaded = X::Of::events(&state.aggregates).create(id, command).await?;
    respond::<X::Of>(state, &actor, StatusCode::CREATED, &loaded)
}

/// The caller, the stream (`{id}` in the path) and the version (`If-Match`) a command route acts
/// on, extracted in the order the routes always took them: a missing token is 401 before a bad
/// id or ETag is looked at.
pub(super) struct On {
    pub state: web::Data<AppState>,
    pub auth: Authenticated,
    pub id: Uuid,
    pub if_match: IfMatch,
}

impl On {
    pub fn actor(&self) -> Actor {
        self.auth.0
    }

    /// Runs `action` on the stream the caller may see, and answers with the stream after it.
    pub async fn run<X: Action>(&self, action: X) -> Result<HttpResponse, AppError> {
        run(&self.state, self.actor(), self.id, self.if_match.0, action).await
    }
}

/// [`On::run`] for a route whose path names more than the stream (`{id}/…/{item_id}`), so that
/// it cannot be an [`On`].
pub(super) async fn run<X: Action>(
    state: &AppState,
    actor: Actor,
    id: Uuid,
    expected: Option<i32>,
    action: X,
) -> Result<HttpResponse, AppError> {
    let command = Command::new(actor, state.clock.now(), action);
    let loaded = X::Of::events(&state.aggregates)
        .execute_visible(id, expected, command)
        .await?;
    respond::<X::Of>(state, &actor, StatusCode::OK, &loaded)
}

impl FromRequest for On {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, actix_web::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let state = web::Data::<AppState>::from_request(req, payload);
        let auth = Authenticated::from_request(req, payload);
        let id = web::Path::<Uuid>::from_request(req, payload);
        let if_match = IfMatch::from_request(req, payload);
        Box::pin(async move {
            Ok(On {
                state: state.await?,
                auth: auth.await?,
                id: id.await?.into_inner(),
                if_match: if_match.await?,
            })
        })
    }
}

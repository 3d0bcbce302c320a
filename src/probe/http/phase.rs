//! What an http probe is doing at each moment, so that a timeout says what it waited for.

use super::super::{ProbeError, ProbeErrorKind};
use crate::config::model::HttpProbe;
use hyper_util::client::legacy::connect::Connection;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;

/// What the probe is waiting for, shared with the timeout message; and its part in opening
/// the first connection to its origin.
#[derive(Clone, Default)]
pub(super) struct Phase(Arc<Mutex<(State, String)>>, Arc<Mutex<Role>>);

/// How long a request whose origin just opened an HTTP/2 connection waits for the pool to hand
/// it that connection before it opens one of its own.
const H2_GRACE: Duration = Duration::from_millis(100);

/// A request's part in opening the first connection to its origin (see [`Openings`]).
#[derive(Default)]
pub(super) enum Role {
    #[default]
    None,
    /// It opens the first connection.
    Opener(OpeningGuard),
    /// Another request opens it: a connection of its own waits until that one is open.
    Waiter(watch::Receiver<Opening>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Opening {
    Pending,
    Open { h2: bool },
}

/// Held by the request that opens the first connection to an origin; says how it went when
/// given back or dropped (dropped without a connection: as if it were HTTP/1.1).
pub(super) struct OpeningGuard(watch::Sender<Opening>);

impl OpeningGuard {
    fn open(self, h2: bool) {
        let _ = self.0.send(Opening::Open { h2 });
    }
}

impl Drop for OpeningGuard {
    fn drop(&mut self) {
        self.0.send_if_modified(|state| {
            let pending = *state == Opening::Pending;
            if pending {
                *state = Opening::Open { h2: false };
            }
            pending
        });
    }
}

/// The first connection to each origin of a client. When several checks of one host start
/// together, the first opens a connection and the others' connects wait for it: if it speaks
/// HTTP/2, the pool hands it to them and their own connects end unused; over HTTP/1.1 they go
/// on, a handshake later.
#[derive(Default)]
pub(super) struct Openings(Mutex<HashMap<String, watch::Receiver<Opening>>>);

impl Openings {
    /// This request's role for `origin`.
    pub(super) fn claim(&self, origin: &str) -> Role {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        match map.get(origin) {
            Some(open) if *open.borrow() != Opening::Pending => Role::None,
            Some(open) => Role::Waiter(open.clone()),
            None => {
                let (tx, rx) = watch::channel(Opening::Pending);
                map.insert(origin.to_string(), rx);
                Role::Opener(OpeningGuard(tx))
            }
        }
    }
}

#[derive(Clone, Copy, Default)]
pub(super) enum State {
    #[default]
    Starting,
    Resolving,
    Connecting,
    AwaitingHeaders,
    ReadingBody(u64),
}

impl Phase {
    pub(super) fn set(&self, state: State, target: &str) {
        let mut guard = self.0.lock().unwrap_or_else(|e| e.into_inner());
        *guard = (state, target.to_string());
    }

    pub(super) fn set_state(&self, state: State) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).0 = state;
    }

    /// Gives the request about to be sent its `role`, for the connection it may open.
    pub(super) fn set_role(&self, role: Role) {
        *self.1.lock().unwrap_or_else(|e| e.into_inner()) = role;
    }

    /// Takes the role (the connector's, once; `None` after).
    pub(super) fn take_role(&self) -> Role {
        std::mem::take(&mut *self.1.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// A connection finished opening; a connect that outlived its request (finishing in
    /// the background for the pool) leaves a later phase alone.
    fn connected(&self) {
        let mut guard = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if matches!(guard.0, State::Connecting) {
            guard.0 = State::AwaitingHeaders;
        }
    }

    pub(super) fn describe(&self) -> String {
        let guard = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let target = &guard.1;
        match guard.0 {
            State::Starting => "starting".into(),
            State::Resolving => format!("resolving {target}"),
            State::Connecting => format!("connecting to {target} (TCP and TLS handshake)"),
            State::AwaitingHeaders => format!("waiting for the response headers from {target}"),
            State::ReadingBody(n) => format!("reading the body from {target} ({n} bytes so far)"),
        }
    }
}

tokio::task_local! {
    /// The running probe's phase. Connections are opened inside the request's own task, so
    /// the connector can report "connecting" to the probe that asked for it.
    pub(super) static PHASE: Phase;
}

/// Wraps reqwest's connector to mark the time spent opening a connection.
#[derive(Clone)]
pub(super) struct PhaseLayer;

impl<S> tower_layer::Layer<S> for PhaseLayer {
    type Service = PhaseService<S>;

    fn layer(&self, inner: S) -> PhaseService<S> {
        PhaseService { inner }
    }
}

#[derive(Clone)]
pub(super) struct PhaseService<S> {
    inner: S,
}

type BoxFuture<T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send>>;

impl<S, R> tower_service::Service<R> for PhaseService<S>
where
    S: tower_service::Service<R>,
    S::Future: Send + 'static,
    S::Response: Connection,
    S::Error: From<&'static str>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = BoxFuture<Result<S::Response, S::Error>>;

    fn poll_ready(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: R) -> Self::Future {
        let phase = PHASE.try_with(Phase::clone).ok();
        let role = phase.as_ref().map_or(Role::None, Phase::take_role);
        if let Some(phase) = &phase {
            phase.set_state(State::Connecting);
        }
        let connecting = self.inner.call(request);
        Box::pin(async move {
            let opener = match role {
                Role::Opener(guard) => Some(guard),
                Role::Waiter(open) => {
                    if !wait_for_opener(open).await {
                        if let Some(phase) = &phase {
                            phase.connected();
                        }
                        return Err(
                            "the pool gave the request the origin's HTTP/2 connection".into()
                        );
                    }
                    None
                }
                Role::None => None,
            };
            let connected = connecting.await;
            if let Some(guard) = opener {
                let h2 = connected
                    .as_ref()
                    .is_ok_and(|c| c.connected().is_negotiated_h2());
                guard.open(h2);
            }
            if let (Some(phase), true) = (phase, connected.is_ok()) {
                phase.connected();
            }
            connected
        })
    }
}

/// Waits until the origin's first connection is open; `false` when this connect is not
/// needed: that connection speaks HTTP/2 and the request took it from the pool, leaving this
/// connect to finish in the background (outside the request's task, where [`PHASE`] is unset).
async fn wait_for_opener(mut open: watch::Receiver<Opening>) -> bool {
    let state = open.wait_for(|s| *s != Opening::Pending).await.map(|s| *s);
    if let Ok(Opening::Open { h2: true }) = state {
        // Looked at every few milliseconds, so that the request's phase soon says what it
        // waits for.
        let started = tokio::time::Instant::now();
        while started.elapsed() < H2_GRACE {
            tokio::time::sleep(H2_GRACE / 20).await;
            if PHASE.try_with(|_| ()).is_err() {
                return false;
            }
        }
    }
    true
}

pub(super) fn timed_out(probe: &HttpProbe, timeout: Duration, phase: &Phase) -> ProbeError {
    ProbeError {
        kind: ProbeErrorKind::Timeout,
        message: format!(
            "{} {}: no complete answer within {} (timeout) while {}",
            probe.method,
            probe.url,
            humantime::format_duration(timeout),
            phase.describe()
        ),
    }
}

/// The running probe's phase, where the caller runs inside one.
pub(super) fn current() -> Option<Phase> {
    PHASE.try_with(Phase::clone).ok()
}

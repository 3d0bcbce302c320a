//! What an http probe is doing at each moment, so that a timeout says what it waited for.

use super::super::{ProbeError, ProbeErrorKind};
use crate::spec::model::HttpProbe;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What the probe is waiting for, shared with the timeout message.
#[derive(Clone, Default)]
pub(super) struct Phase(Arc<Mutex<(State, String)>>);

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
        if let Some(phase) = &phase {
            phase.set_state(State::Connecting);
        }
        let connecting = self.inner.call(request);
        Box::pin(async move {
            let connected = connecting.await;
            if let (Some(phase), true) = (phase, connected.is_ok()) {
                phase.connected();
            }
            connected
        })
    }
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

//! Long requests (rename, semantic tokens, inlay hints, references, workspace symbols, code
//! lenses, what-if) run here, on a worker thread, over the latest analysis of their set: the
//! one the main thread has cached when it is current, else one built here from a snapshot the
//! main thread took. The main thread stays free to read the client's messages, so a
//! `$/cancelRequest` is seen while the work is queued or running: the task checks its flag
//! before it starts, after the analysis is built and wherever it loops, and a cancelled task is
//! answered `RequestCancelled`.

use crate::analysis::{Analysis, Snapshot};
use crate::workspace::SetId;
use lsp_server::{ErrorCode, RequestId};
use lsp_types::SemanticToken;
use policyc::check::CheckOptions;
use serde_json::Value;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

pub type Error = (ErrorCode, String);

/// Whether the client cancelled the request.
#[derive(Debug, Clone, Default)]
pub struct Cancel(Arc<AtomicBool>);

impl Cancel {
    pub fn cancel(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    /// `Err(RequestCancelled)` once cancelled, for `?` in a task.
    pub fn check(&self) -> Result<(), Error> {
        if self.is_cancelled() {
            Err((ErrorCode::RequestCanceled, "cancelled".to_owned()))
        } else {
            Ok(())
        }
    }
}

/// The analysis a task works on.
pub enum Input {
    /// Current, from the main thread's cache.
    Ready(Arc<Analysis>),
    /// To build from this snapshot.
    Build(Snapshot, CheckOptions),
}

/// What a task hands back besides its answer: state for the main thread to keep.
#[derive(Debug, Default)]
pub struct Reply {
    pub value: Value,
    /// Semantic tokens sent for a document (its URI), under a result id, for later deltas.
    pub tokens: Option<(String, String, Vec<SemanticToken>)>,
    /// A message for the client to show (`window/showMessage`).
    pub show: Option<(lsp_types::MessageType, String)>,
}

pub type Work = Box<dyn FnOnce(&[Arc<Analysis>], &Cancel) -> Result<Reply, Error> + Send>;

pub struct Task {
    pub id: RequestId,
    pub method: String,
    pub cancel: Cancel,
    pub inputs: Vec<(SetId, Input)>,
    pub work: Work,
}

pub struct Done {
    pub id: RequestId,
    pub method: String,
    pub outcome: Result<Reply, Error>,
    /// Analyses built for the task, for the main thread to cache if still current.
    pub built: Vec<(SetId, Arc<Analysis>)>,
}

/// Runs tasks in order until the channel closes.
pub fn worker(tasks: crossbeam_channel::Receiver<Task>, done: crossbeam_channel::Sender<Done>) {
    while let Ok(task) = tasks.recv() {
        let mut built = Vec::new();
        let outcome = run(task.inputs, task.work, &task.cancel, &mut built);
        let result = Done {
            id: task.id,
            method: task.method,
            outcome,
            built,
        };
        if done.send(result).is_err() {
            return;
        }
    }
}

fn run(
    inputs: Vec<(SetId, Input)>,
    work: Work,
    cancel: &Cancel,
    built: &mut Vec<(SetId, Arc<Analysis>)>,
) -> Result<Reply, Error> {
    cancel.check()?;
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        let mut analyses = Vec::with_capacity(inputs.len());
        for (set, input) in inputs {
            cancel.check()?;
            let a = match input {
                Input::Ready(a) => a,
                Input::Build(snap, options) => {
                    let a = Arc::new(Analysis::with_options(snap, &options));
                    built.push((set, a.clone()));
                    a
                }
            };
            analyses.push(a);
        }
        cancel.check()?;
        work(&analyses, cancel)
    }));
    outcome.unwrap_or_else(|panic| {
        let why = crate::server::panic_message(panic.as_ref());
        log!("policyc-lsp: a request panicked: {why}");
        Err((ErrorCode::InternalError, format!("internal error: {why}")))
    })
}

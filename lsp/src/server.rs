//! The main loop. State (the [`Workspace`], the settings, the last semantic tokens sent)
//! changes here, on one thread; diagnostics are computed on snapshots by a check thread, and
//! long requests by a request thread ([`tasks`]), both answering on channels. The loop
//! `select!`s over the client's messages, the two threads' results, the debounce deadline and
//! (when the client cannot watch files) a polling tick. Every handler runs under
//! `catch_unwind`: a panic answers `InternalError` (requests) or is logged (notifications), and
//! the server lives on.
//!
//! [`tasks`]: crate::tasks

use crate::analysis::{Analysis, Snapshot};
use crate::code_lens;
use crate::completion;
use crate::features;
use crate::hover;
use crate::inlay_hints;
use crate::navigation;
use crate::rename;
use crate::semantic_tokens;
use crate::settings::Settings;
use crate::tasks::{self, Cancel, Done, Input, Reply, Task, Work};
use crate::uri;
use crate::workspace::{DocKey, Ignored, SetId, Workspace};
use crossbeam_channel::{Receiver, Sender, never, select};
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::Notification as _;
use lsp_types::request::Request as _;
use lsp_types::{
    CodeActionProviderCapability, CodeLensOptions, CompletionOptions,
    DidChangeWatchedFilesRegistrationOptions, ExecuteCommandOptions, FileSystemWatcher,
    FoldingRangeProviderCapability, GlobPattern, HoverProviderCapability, InitializeParams, OneOf,
    PositionEncodingKind, PublishDiagnosticsParams, Registration, RegistrationParams,
    RenameOptions, SemanticToken, SemanticTokensFullOptions, SemanticTokensOptions,
    SemanticTokensServerCapabilities, ServerCapabilities, TextDocumentSyncCapability,
    TextDocumentSyncKind, Uri, WorkDoneProgressOptions, WorkspaceFoldersServerCapabilities,
    WorkspaceServerCapabilities, notification as notif, request as req,
};
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

/// How long a burst of edits must pause before the set is re-checked.
pub const DEBOUNCE: Duration = Duration::from_millis(50);
/// How often files on disk are polled when the client cannot watch them.
const POLL: Duration = Duration::from_secs(2);
/// A request that only exists to prove panics are caught (enabled by an environment variable).
const DEBUG_PANIC: &str = "policyc/debugPanic";
/// A long request that only exists to prove cancellation works: it waits `{"ms": N}` on the
/// request thread, watching for `$/cancelRequest` (enabled by an environment variable).
const DEBUG_SLEEP: &str = "policyc/debugSleep";
/// At most this many workspace symbols are returned.
const MAX_SYMBOLS: usize = 1000;

type Error = (ErrorCode, String);

fn invalid_params(e: impl std::fmt::Display) -> Error {
    (ErrorCode::InvalidParams, e.to_string())
}

/// The capabilities the server announces.
pub fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        position_encoding: Some(PositionEncodingKind::UTF16),
        text_document_sync: Some(TextDocumentSyncCapability::Kind(
            TextDocumentSyncKind::INCREMENTAL,
        )),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        definition_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(vec![".".into(), "[".into(), " ".into()]),
            ..Default::default()
        }),
        document_symbol_provider: Some(OneOf::Left(true)),
        document_formatting_provider: Some(OneOf::Left(true)),
        code_action_provider: Some(CodeActionProviderCapability::Simple(true)),
        code_lens_provider: Some(CodeLensOptions {
            resolve_provider: Some(false),
        }),
        execute_command_provider: Some(ExecuteCommandOptions {
            commands: vec![features::RUN_TEST.to_owned(), code_lens::WHAT_IF.to_owned()],
            ..Default::default()
        }),
        rename_provider: Some(OneOf::Right(RenameOptions {
            prepare_provider: Some(true),
            work_done_progress_options: WorkDoneProgressOptions::default(),
        })),
        semantic_tokens_provider: Some(SemanticTokensServerCapabilities::SemanticTokensOptions(
            SemanticTokensOptions {
                legend: semantic_tokens::legend(),
                full: Some(SemanticTokensFullOptions::Delta { delta: Some(true) }),
                range: None,
                work_done_progress_options: WorkDoneProgressOptions::default(),
            },
        )),
        inlay_hint_provider: Some(OneOf::Left(true)),
        document_highlight_provider: Some(OneOf::Left(true)),
        folding_range_provider: Some(FoldingRangeProviderCapability::Simple(true)),
        workspace_symbol_provider: Some(OneOf::Left(true)),
        workspace: Some(WorkspaceServerCapabilities {
            workspace_folders: Some(WorkspaceFoldersServerCapabilities {
                supported: Some(true),
                change_notifications: Some(OneOf::Left(true)),
            }),
            file_operations: None,
        }),
        ..Default::default()
    }
}

/// Runs the server on stdin/stdout until `exit`. Returns the process exit code: 0 after a
/// `shutdown`, 1 otherwise (as the protocol says).
pub fn run_stdio() -> i32 {
    // Our own framing (`framing.rs`): a bad frame is answered or skipped, never fatal.
    let (connection, io_threads) = crate::framing::stdio();
    let code = match run_with(&connection, true) {
        Ok(code) => code,
        Err(e) => {
            log!("policyc-lsp: {e}");
            1
        }
    };
    drop(connection);
    if let Err(e) = io_threads.join() {
        log!("policyc-lsp: {e}");
    }
    code
}

/// Initializes and runs the main loop on any connection.
pub fn run(connection: &Connection) -> Result<i32, String> {
    run_with(connection, false)
}

/// [`run`]; `preserialized`: the connection's writer is `framing`'s, which takes large
/// notifications as JSON text ([`crate::framing::preserialized`]).
fn run_with(connection: &Connection, preserialized: bool) -> Result<i32, String> {
    let (id, params) = connection.initialize_start().map_err(|e| e.to_string())?;
    let params = initialize_params(params);
    let result = serde_json::json!({
        "capabilities": capabilities(),
        "serverInfo": { "name": "policyc-lsp", "version": env!("CARGO_PKG_VERSION") },
    });
    connection
        .initialize_finish(id, result)
        .map_err(|e| e.to_string())?;
    let mut server = Server::new(connection, &params);
    server.preserialized = preserialized;
    // `initialize_finish` has read the `initialized` notification: register now.
    server.register_watchers();
    Ok(server.main_loop())
}

/// Reads `initialize`'s params leniently: a client that leaves out `processId` (required by
/// the protocol) still gets its workspace folder and capabilities honoured.
fn initialize_params(mut params: Value) -> InitializeParams {
    if let Some(map) = params.as_object_mut() {
        map.entry("processId").or_insert(Value::Null);
    }
    serde_json::from_value(params).unwrap_or_else(|e| {
        log!("policyc-lsp: unreadable initialize params ({e}); using defaults");
        InitializeParams::default()
    })
}

/// The workspace folders: every one the client names, else its (deprecated) `rootUri`.
#[allow(deprecated)] // `root_uri` is still what many clients send.
fn roots_of(params: &InitializeParams) -> Vec<PathBuf> {
    let folders: Vec<PathBuf> = params
        .workspace_folders
        .iter()
        .flatten()
        .filter_map(|f| uri::to_path(&f.uri))
        .collect();
    if !folders.is_empty() {
        return folders;
    }
    params.root_uri.iter().filter_map(uri::to_path).collect()
}

/// A check of every set, sent to the worker.
struct Job {
    generation: u64,
    sets: Vec<(SetId, Snapshot)>,
    options: policyc::check::CheckOptions,
}

struct JobResult {
    generation: u64,
    /// `None` when the check panicked (logged; nothing is published).
    analyses: Option<Vec<(SetId, Arc<Analysis>)>>,
}

struct Server<'a> {
    conn: &'a Connection,
    ws: Workspace,
    /// The latest analysis of each set; current when its generation is the workspace's.
    cache: HashMap<SetId, Arc<Analysis>>,
    jobs: Sender<Job>,
    results: Receiver<JobResult>,
    in_flight: bool,
    deadline: Option<Instant>,
    /// Every URI we published diagnostics for, per set (to clear files that left a set).
    published: HashMap<SetId, HashSet<Uri>>,
    last_publish: Instant,
    last_change: Instant,
    shutdown: bool,
    watch_dynamically: bool,
    code_lens_refresh: bool,
    poll: Option<Receiver<Instant>>,
    next_id: i32,
    settings: Settings,
    /// Long requests go to the request thread; their answers come back here.
    tasks: Sender<Task>,
    done: Receiver<Done>,
    /// Requests on the request thread, by id, with their cancellation flag.
    pending: HashMap<RequestId, Cancel>,
    /// The semantic tokens last sent for each document (by URI), under their result id.
    tokens: HashMap<String, (String, Vec<SemanticToken>)>,
    next_result: u64,
    inlay_hint_refresh: bool,
    semantic_tokens_refresh: bool,
    /// Diagnostics are sent as JSON text, not as a `Value` tree (the stdio transport).
    preserialized: bool,
}

impl<'a> Server<'a> {
    fn new(conn: &'a Connection, params: &InitializeParams) -> Server<'a> {
        let (jobs, job_rx) = crossbeam_channel::unbounded::<Job>();
        let (result_tx, results) = crossbeam_channel::unbounded::<JobResult>();
        let spawned = thread::Builder::new()
            .name("policyc-check".into())
            .spawn(move || worker(job_rx, result_tx));
        if let Err(e) = spawned {
            log!("policyc-lsp: cannot start the check thread: {e}");
        }
        let (tasks, task_rx) = crossbeam_channel::unbounded::<Task>();
        let (done_tx, done) = crossbeam_channel::unbounded::<Done>();
        let spawned = thread::Builder::new()
            .name("policyc-requests".into())
            .spawn(move || tasks::worker(task_rx, done_tx));
        if let Err(e) = spawned {
            log!("policyc-lsp: cannot start the request thread: {e}");
        }
        let mut settings = Settings::default();
        if let Some(options) = &params.initialization_options {
            settings.update(options);
        }
        let caps = &params.capabilities;
        let watch_dynamically = caps
            .workspace
            .as_ref()
            .and_then(|w| w.did_change_watched_files.as_ref())
            .and_then(|d| d.dynamic_registration)
            .unwrap_or(false);
        let code_lens_refresh = caps
            .workspace
            .as_ref()
            .and_then(|w| w.code_lens.as_ref())
            .and_then(|c| c.refresh_support)
            .unwrap_or(false);
        let inlay_hint_refresh = caps
            .workspace
            .as_ref()
            .and_then(|w| w.inlay_hint.as_ref())
            .and_then(|c| c.refresh_support)
            .unwrap_or(false);
        let semantic_tokens_refresh = caps
            .workspace
            .as_ref()
            .and_then(|w| w.semantic_tokens.as_ref())
            .and_then(|c| c.refresh_support)
            .unwrap_or(false);
        let roots = roots_of(params);
        let poll = (!watch_dynamically && !roots.is_empty()).then(|| crossbeam_channel::tick(POLL));
        Server {
            conn,
            ws: Workspace::new(roots),
            cache: HashMap::new(),
            jobs,
            results,
            in_flight: false,
            // Check the workspace folder right away.
            deadline: Some(Instant::now()),
            published: HashMap::new(),
            last_publish: Instant::now(),
            last_change: Instant::now(),
            shutdown: false,
            watch_dynamically,
            code_lens_refresh,
            poll,
            next_id: 0,
            settings,
            tasks,
            done,
            pending: HashMap::new(),
            tokens: HashMap::new(),
            next_result: 0,
            inlay_hint_refresh,
            semantic_tokens_refresh,
            preserialized: false,
        }
    }

    fn main_loop(&mut self) -> i32 {
        loop {
            let deadline = match self.deadline {
                Some(at) if !self.in_flight => crossbeam_channel::at(at),
                _ => never(),
            };
            let poll = self.poll.clone().unwrap_or_else(never);
            select! {
                recv(self.conn.receiver) -> msg => match msg {
                    Ok(Message::Request(r)) => self.on_request(r),
                    Ok(Message::Notification(n)) => {
                        if n.method == notif::Exit::METHOD {
                            return if self.shutdown { 0 } else { 1 };
                        }
                        self.on_notification(n);
                    }
                    Ok(Message::Response(_)) => {}
                    Err(_) => return if self.shutdown { 0 } else { 1 },
                },
                recv(self.results) -> r => {
                    if let Ok(r) = r {
                        self.on_result(r);
                    }
                }
                recv(self.done) -> d => {
                    if let Ok(d) = d {
                        self.on_done(d);
                    }
                }
                recv(deadline) -> _ => self.start_check(),
                recv(poll) -> _ => {
                    if self.ws.rescan() {
                        self.schedule();
                    }
                }
            }
        }
    }

    fn send(&self, msg: impl Into<Message>) {
        if self.conn.sender.send(msg.into()).is_err() {
            log!("policyc-lsp: the client is gone");
        }
    }

    fn notify<N: lsp_types::notification::Notification>(&self, params: N::Params) {
        self.send(Notification::new(N::METHOD.to_owned(), params));
    }

    /// A file's diagnostics; on stdio as JSON text, since thousands of them as a `Value` tree
    /// would cost several times the text.
    fn publish_diagnostics(&self, params: PublishDiagnosticsParams) {
        if self.preserialized {
            match crate::framing::preserialized(notif::PublishDiagnostics::METHOD, &params) {
                Ok(message) => return self.send(message),
                Err(e) => log!("policyc-lsp: cannot serialize diagnostics: {e}"),
            }
        }
        self.notify::<notif::PublishDiagnostics>(params);
    }

    fn request_client<R: lsp_types::request::Request>(&mut self, params: R::Params) {
        self.next_id += 1;
        let id = RequestId::from(format!("policyc-{}", self.next_id));
        self.send(Request::new(id, R::METHOD.to_owned(), params));
    }

    // --- checking --------------------------------------------------------------------------

    /// A change after a pause is checked at once; changes in a burst wait until it pauses for
    /// [`DEBOUNCE`] (and a check in flight when they arrive is superseded: its result is
    /// dropped as stale and the newest text is checked next).
    fn schedule(&mut self) {
        let now = Instant::now();
        let pause = now.duration_since(self.last_change) >= DEBOUNCE;
        self.last_change = now;
        self.deadline = Some(if pause { now } else { now + DEBOUNCE });
    }

    fn start_check(&mut self) {
        self.deadline = None;
        let generation = self.ws.generation;
        let sets = self.ws.sets();
        // Requests may already have analysed the current text: publish that.
        if sets.iter().all(|s| {
            self.cache
                .get(s)
                .is_some_and(|a| a.generation == generation)
        }) {
            let analyses = sets
                .iter()
                .filter_map(|s| Some((s.clone(), self.cache.get(s)?.clone())))
                .collect();
            self.publish(analyses);
            return;
        }
        let sets = sets
            .into_iter()
            .map(|s| {
                let snap = self.ws.snapshot(&s);
                (s, snap)
            })
            .collect();
        let options = self.settings.check_options();
        if self
            .jobs
            .send(Job {
                generation,
                sets,
                options,
            })
            .is_ok()
        {
            self.in_flight = true;
        }
    }

    fn on_result(&mut self, r: JobResult) {
        self.in_flight = false;
        let current = r.generation == self.ws.generation;
        let Some(analyses) = r.analyses else {
            return;
        };
        if current {
            for (set, a) in &analyses {
                self.cache.insert(set.clone(), a.clone());
            }
        }
        // A stale result is dropped while newer text waits to be checked, unless edits have
        // kept diagnostics from the user for a while.
        if current || self.last_publish.elapsed() > Duration::from_millis(500) {
            self.publish(analyses);
        }
        if !current && self.deadline.is_none() {
            self.deadline = Some(Instant::now());
        }
    }

    // `Uri` hashes by its text; clippy cannot see that its inner cell never changes it.
    #[allow(clippy::mutable_key_type)]
    fn publish(&mut self, analyses: Vec<(SetId, Arc<Analysis>)>) {
        self.last_publish = Instant::now();
        let mut now: HashMap<SetId, HashSet<Uri>> = HashMap::new();
        for (set, analysis) in &analyses {
            let uris = now.entry(set.clone()).or_default();
            for f in analysis.publishable() {
                uris.insert(f.uri.clone());
                self.publish_diagnostics(PublishDiagnosticsParams {
                    uri: f.uri,
                    diagnostics: f.diagnostics,
                    version: f.version,
                });
            }
        }
        // Files that left a set (deleted, closed outside the folder) are cleared, unless another
        // set published them just now (a `policyc.toml` created above them moved them).
        let live: HashSet<Uri> = now.values().flatten().cloned().collect();
        for uri in std::mem::take(&mut self.published).into_values().flatten() {
            if !live.contains(&uri) {
                self.notify::<notif::PublishDiagnostics>(PublishDiagnosticsParams {
                    uri,
                    diagnostics: Vec::new(),
                    version: None,
                });
            }
        }
        self.published = now;
        if self.code_lens_refresh {
            self.request_client::<req::CodeLensRefresh>(());
        }
        if self.inlay_hint_refresh {
            self.request_client::<req::InlayHintRefreshRequest>(());
        }
        if self.semantic_tokens_refresh {
            self.request_client::<req::SemanticTokensRefresh>(());
        }
    }

    /// The current analysis of the set `uri` belongs to, computed now if the text changed
    /// since the last one, and the file's id in it.
    fn analysis(&mut self, uri: &Uri) -> Option<(Arc<Analysis>, policyc::source::FileId)> {
        let set = self.ws.set_of(uri);
        let generation = self.ws.generation;
        let analysis = match self.cache.get(&set) {
            Some(a) if a.generation == generation => a.clone(),
            _ => {
                let a = Arc::new(Analysis::with_options(
                    self.ws.snapshot(&set),
                    &self.settings.check_options(),
                ));
                self.cache.insert(set, a.clone());
                a
            }
        };
        let file = file_of(&analysis, uri)?;
        Some((analysis, file))
    }

    /// What a task needs to work on `set`: the cached analysis when current, else a snapshot.
    fn input(&self, set: &SetId) -> Input {
        match self.cache.get(set) {
            Some(a) if a.generation == self.ws.generation => Input::Ready(a.clone()),
            _ => Input::Build(self.ws.snapshot(set), self.settings.check_options()),
        }
    }

    fn on_done(&mut self, d: Done) {
        let cancelled = self.pending.remove(&d.id).is_some_and(|c| c.is_cancelled());
        for (set, a) in d.built {
            if a.generation == self.ws.generation {
                self.cache.insert(set, a);
            }
        }
        let response = match d.outcome {
            _ if cancelled => Response::new_err(
                d.id,
                ErrorCode::RequestCanceled as i32,
                format!("`{}` was cancelled", d.method),
            ),
            Ok(reply) => {
                if let Some((uri, id, data)) = reply.tokens {
                    self.tokens.insert(uri, (id, data));
                }
                if let Some((typ, message)) = reply.show {
                    self.notify::<notif::ShowMessage>(lsp_types::ShowMessageParams {
                        typ,
                        message,
                    });
                }
                Response::new_ok(d.id, reply.value)
            }
            Err((code, message)) => Response::new_err(d.id, code as i32, message),
        };
        self.send(response);
    }

    // --- requests ----------------------------------------------------------------------------

    fn on_request(&mut self, r: Request) {
        let id = r.id.clone();
        if self.shutdown {
            self.send(Response::new_err(
                id,
                ErrorCode::InvalidRequest as i32,
                "the server is shutting down".to_owned(),
            ));
            return;
        }
        let method = r.method.clone();
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            if is_long(&r) {
                self.offload(r).map(|()| None)
            } else {
                self.dispatch(r).map(Some)
            }
        }));
        let response = match outcome {
            // On the request thread: answered when it is done.
            Ok(Ok(None)) => return,
            Ok(Ok(Some(value))) => Response::new_ok(id, value),
            Ok(Err((code, message))) => Response::new_err(id, code as i32, message),
            Err(panic) => {
                let why = panic_message(panic.as_ref());
                log!("policyc-lsp: `{method}` panicked: {why}");
                Response::new_err(
                    id,
                    ErrorCode::InternalError as i32,
                    format!("internal error in `{method}`: {why}"),
                )
            }
        };
        self.send(response);
    }

    fn dispatch(&mut self, r: Request) -> Result<Value, Error> {
        fn params<R: lsp_types::request::Request>(r: Request) -> Result<R::Params, Error> {
            serde_json::from_value(r.params).map_err(invalid_params)
        }
        fn ok(v: impl serde::Serialize) -> Result<Value, Error> {
            serde_json::to_value(v).map_err(|e| (ErrorCode::InternalError, e.to_string()))
        }
        match r.method.as_str() {
            req::Shutdown::METHOD => {
                self.shutdown = true;
                ok(())
            }
            req::Formatting::METHOD => {
                let p = params::<req::Formatting>(r)?;
                let Some(doc) = self.ws.doc(&p.text_document.uri) else {
                    return ok(());
                };
                match features::format(&doc.text, &doc.index) {
                    Ok(edits) => ok(edits),
                    Err(why) => {
                        log!("policyc-lsp: not formatting `{}`: {why}", doc.uri.as_str());
                        ok(())
                    }
                }
            }
            req::ExecuteCommand::METHOD => {
                let p = params::<req::ExecuteCommand>(r)?;
                if p.command != features::RUN_TEST {
                    return Err((
                        ErrorCode::InvalidParams,
                        format!("unknown command `{}`", p.command),
                    ));
                }
                let arg = |i: usize| {
                    p.arguments
                        .get(i)
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                };
                let (Some(uri), Some(title)) = (arg(0), arg(1)) else {
                    return Err(invalid_params("expected arguments [uri, title]"));
                };
                let uri: Uri = uri.parse().map_err(invalid_params)?;
                let Some((a, _)) = self.analysis(&uri) else {
                    return Err(invalid_params("no such document"));
                };
                let Some((passed, failures)) = features::run_test(&a, &title) else {
                    return Err(invalid_params(format!("no test \"{title}\"")));
                };
                let message = if passed {
                    format!("test \"{title}\" passed")
                } else {
                    format!("test \"{title}\" failed: {}", failures.join("; "))
                };
                self.notify::<notif::ShowMessage>(lsp_types::ShowMessageParams {
                    typ: if passed {
                        lsp_types::MessageType::INFO
                    } else {
                        lsp_types::MessageType::WARNING
                    },
                    message,
                });
                ok(serde_json::json!({ "passed": passed, "failures": failures }))
            }
            DEBUG_PANIC if std::env::var_os("POLICYC_LSP_TEST_PANIC").is_some() => {
                panic!("deliberate panic for testing")
            }
            other => Err((
                ErrorCode::MethodNotFound,
                format!("unknown method `{other}`"),
            )),
        }
    }

    /// Sends a long request to the request thread, with the analyses of `sets` it needs.
    fn offload(&mut self, r: Request) -> Result<(), Error> {
        let (sets, work) = self.long_request(&r)?;
        let inputs = sets
            .into_iter()
            .map(|s| {
                let input = self.input(&s);
                (s, input)
            })
            .collect();
        let cancel = Cancel::default();
        self.pending.insert(r.id.clone(), cancel.clone());
        let task = Task {
            id: r.id.clone(),
            method: r.method,
            cancel,
            inputs,
            work,
        };
        self.tasks.send(task).map_err(|_| {
            self.pending.remove(&r.id);
            (
                ErrorCode::InternalError,
                "the request thread is gone".to_owned(),
            )
        })
    }

    /// The sets a long request reads and the work to do on their analyses.
    fn long_request(&mut self, r: &Request) -> Result<(Vec<SetId>, Work), Error> {
        fn params<P: serde::de::DeserializeOwned>(r: &Request) -> Result<P, Error> {
            serde_json::from_value(r.params.clone()).map_err(invalid_params)
        }
        fn reply(v: impl serde::Serialize) -> Result<Reply, Error> {
            let value =
                serde_json::to_value(v).map_err(|e| (ErrorCode::InternalError, e.to_string()))?;
            Ok(Reply {
                value,
                ..Reply::default()
            })
        }
        let one = |uri: &Uri, ws: &Workspace| vec![ws.set_of(uri)];
        // Work at one position of one document, in its set's analysis; a document the analysis
        // does not hold answers `null`.
        fn at(
            ws: &Workspace,
            uri: Uri,
            position: lsp_types::Position,
            f: impl FnOnce(&Analysis, policyc::source::FileId, usize) -> Result<Reply, Error>
            + Send
            + 'static,
        ) -> (Vec<SetId>, Work) {
            (
                vec![ws.set_of(&uri)],
                Box::new(move |a, _| {
                    let Some((a, file)) = file_in(a, &uri) else {
                        return reply(());
                    };
                    let offset = a.offset(file, position);
                    f(a, file, offset)
                }),
            )
        }
        Ok(match r.method.as_str() {
            req::HoverRequest::METHOD => {
                let p: lsp_types::HoverParams = params(r)?;
                let doc = p.text_document_position_params;
                at(
                    &self.ws,
                    doc.text_document.uri,
                    doc.position,
                    |a, file, offset| reply(hover::hover(a, file, offset)),
                )
            }
            req::GotoDefinition::METHOD => {
                let p: lsp_types::GotoDefinitionParams = params(r)?;
                let doc = p.text_document_position_params;
                at(
                    &self.ws,
                    doc.text_document.uri,
                    doc.position,
                    |a, file, offset| {
                        if let Some(file) = navigation::path_definition(a, file, offset) {
                            return reply(vec![file]);
                        }
                        let locations = features::definition(a, file, offset);
                        if locations.is_empty() {
                            reply(())
                        } else {
                            reply(locations)
                        }
                    },
                )
            }
            req::Completion::METHOD => {
                let p: lsp_types::CompletionParams = params(r)?;
                let doc = p.text_document_position;
                at(
                    &self.ws,
                    doc.text_document.uri,
                    doc.position,
                    move |a, file, _| match a.file(file) {
                        Some(f) => reply(completion::complete(
                            a.text(file),
                            &f.index,
                            doc.position,
                            &a.compiled.model,
                        )),
                        None => reply(()),
                    },
                )
            }
            req::DocumentSymbolRequest::METHOD => {
                let p: lsp_types::DocumentSymbolParams = params(r)?;
                let uri = p.text_document.uri;
                (
                    one(&uri, &self.ws),
                    Box::new(move |a, _| match file_in(a, &uri) {
                        Some((a, file)) => reply(features::document_symbols(a, file)),
                        None => reply(()),
                    }),
                )
            }
            req::CodeActionRequest::METHOD => {
                let p: lsp_types::CodeActionParams = params(r)?;
                let uri = p.text_document.uri;
                let range = p.range;
                let okta_compat = self.settings.okta_compat;
                (
                    one(&uri, &self.ws),
                    Box::new(move |a, _| {
                        let Some((a, file)) = file_in(a, &uri) else {
                            return reply(());
                        };
                        let (start, end) = match a.file(file) {
                            Some(f) => f.index.byte_range(a.text(file), range),
                            None => (0, 0),
                        };
                        let span = policyc::source::Span::new(start, end);
                        let mut actions = features::code_actions(a, file, span);
                        // What-if runs check and the tests of the edited set: never on the
                        // main loop.
                        actions.extend(code_lens::mark_inactive(a, file, span, okta_compat));
                        reply(actions)
                    }),
                )
            }
            req::PrepareRenameRequest::METHOD => {
                let p: lsp_types::TextDocumentPositionParams = params(r)?;
                at(
                    &self.ws,
                    p.text_document.uri,
                    p.position,
                    |a, file, offset| {
                        rename::prepare(a, file, offset)
                            .map_err(|why| (ErrorCode::RequestFailed, why))
                            .and_then(reply)
                    },
                )
            }
            req::Rename::METHOD => {
                let p: lsp_types::RenameParams = params(r)?;
                let doc = p.text_document_position;
                let name = p.new_name;
                at(
                    &self.ws,
                    doc.text_document.uri,
                    doc.position,
                    move |a, file, offset| {
                        rename::rename(a, file, offset, &name)
                            .map_err(|why| (ErrorCode::RequestFailed, why))
                            .and_then(reply)
                    },
                )
            }
            req::References::METHOD => {
                let p: lsp_types::ReferenceParams = params(r)?;
                let doc = p.text_document_position;
                let include = p.context.include_declaration;
                at(
                    &self.ws,
                    doc.text_document.uri,
                    doc.position,
                    move |a, file, offset| match navigation::amr_references(a, file, offset) {
                        Some(rules) => reply(rules),
                        None => reply(features::references(a, file, offset, include)),
                    },
                )
            }
            req::DocumentHighlightRequest::METHOD => {
                let p: lsp_types::DocumentHighlightParams = params(r)?;
                let doc = p.text_document_position_params;
                at(
                    &self.ws,
                    doc.text_document.uri,
                    doc.position,
                    |a, file, offset| reply(navigation::highlights(a, file, offset)),
                )
            }
            req::FoldingRangeRequest::METHOD => {
                let p: lsp_types::FoldingRangeParams = params(r)?;
                let uri = p.text_document.uri;
                (
                    one(&uri, &self.ws),
                    Box::new(move |a, _| match file_in(a, &uri) {
                        Some((a, file)) => reply(navigation::folding_ranges(a, file)),
                        None => reply(()),
                    }),
                )
            }
            req::WorkspaceSymbolRequest::METHOD => {
                let p: lsp_types::WorkspaceSymbolParams = params(r)?;
                (
                    self.ws.sets(),
                    Box::new(move |a, cancel| {
                        cancel.check()?;
                        let analyses: Vec<&Analysis> = a.iter().map(|a| a.as_ref()).collect();
                        reply(navigation::workspace_symbols(
                            &analyses,
                            &p.query,
                            MAX_SYMBOLS,
                        ))
                    }),
                )
            }
            req::InlayHintRequest::METHOD => {
                let p: lsp_types::InlayHintParams = params(r)?;
                let uri = p.text_document.uri;
                let enabled = self.settings.inlay_hints;
                (
                    one(&uri, &self.ws),
                    Box::new(move |a, _| match file_in(a, &uri) {
                        Some((a, file)) if enabled => reply(inlay_hints::hints(a, file, p.range)),
                        _ => reply(Vec::<()>::new()),
                    }),
                )
            }
            req::CodeLensRequest::METHOD => {
                let p: lsp_types::CodeLensParams = params(r)?;
                let uri = p.text_document.uri;
                let what_if = self.settings.what_if_lenses;
                (
                    one(&uri, &self.ws),
                    Box::new(move |a, _| {
                        let Some((a, file)) = file_in(a, &uri) else {
                            return reply(());
                        };
                        let mut lenses = features::code_lenses(a, file);
                        if what_if {
                            lenses.extend(code_lens::lenses(a, file));
                        }
                        reply(lenses)
                    }),
                )
            }
            req::SemanticTokensFullRequest::METHOD
            | req::SemanticTokensFullDeltaRequest::METHOD => {
                let (uri, previous) = if r.method == req::SemanticTokensFullRequest::METHOD {
                    let p: lsp_types::SemanticTokensParams = params(r)?;
                    (p.text_document.uri, None)
                } else {
                    let p: lsp_types::SemanticTokensDeltaParams = params(r)?;
                    let previous = self
                        .tokens
                        .get(p.text_document.uri.as_str())
                        .filter(|(id, _)| *id == p.previous_result_id)
                        .map(|(_, data)| data.clone());
                    (p.text_document.uri, previous)
                };
                self.next_result += 1;
                let id = self.next_result.to_string();
                (
                    one(&uri, &self.ws),
                    Box::new(move |a, _| {
                        let Some((a, file)) = file_in(a, &uri) else {
                            return reply(());
                        };
                        let data = semantic_tokens::tokens(a, file);
                        let mut out = match previous {
                            Some(old) => {
                                reply(lsp_types::SemanticTokensFullDeltaResult::TokensDelta(
                                    semantic_tokens::delta(&old, &data, id.clone()),
                                ))?
                            }
                            None => reply(semantic_tokens::full(data.clone(), id.clone()))?,
                        };
                        out.tokens = Some((uri.as_str().to_owned(), id, data));
                        Ok(out)
                    }),
                )
            }
            req::ExecuteCommand::METHOD => {
                // Only `policyc.whatIf` comes here (see `is_long`).
                let p: lsp_types::ExecuteCommandParams = params(r)?;
                let arg = |i: usize| {
                    p.arguments
                        .get(i)
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                };
                let (Some(uri), Some(verb), Some(name)) = (arg(0), arg(1), arg(2)) else {
                    return Err(invalid_params("expected arguments [uri, verb, name]"));
                };
                let uri: Uri = uri.parse().map_err(invalid_params)?;
                let okta_compat = self.settings.okta_compat;
                (
                    one(&uri, &self.ws),
                    Box::new(move |a, _| {
                        let Some((a, _)) = file_in(a, &uri) else {
                            return Err(invalid_params("no such document"));
                        };
                        let change = code_lens::change(a, &verb, &name).map_err(invalid_params)?;
                        let v = code_lens::what_if(a, change, okta_compat)
                            .map_err(|why| (ErrorCode::RequestFailed, why))?;
                        let typ = if v.refused {
                            lsp_types::MessageType::WARNING
                        } else {
                            lsp_types::MessageType::INFO
                        };
                        let mut out = reply(serde_json::json!({
                            "refused": v.refused,
                            "message": v.message,
                            "broken": v.broken,
                        }))?;
                        out.show = Some((typ, v.message));
                        Ok(out)
                    }),
                )
            }
            DEBUG_SLEEP => {
                let ms = r.params.get("ms").and_then(Value::as_u64).unwrap_or(0);
                (
                    Vec::new(),
                    Box::new(move |_, cancel| {
                        let until = Instant::now() + Duration::from_millis(ms);
                        while Instant::now() < until {
                            cancel.check()?;
                            thread::sleep(Duration::from_millis(5));
                        }
                        reply(ms)
                    }),
                )
            }
            other => {
                return Err((
                    ErrorCode::MethodNotFound,
                    format!("unknown method `{other}`"),
                ));
            }
        })
    }

    // --- notifications -----------------------------------------------------------------------

    fn on_notification(&mut self, n: Notification) {
        let method = n.method.clone();
        if let Err(panic) = catch_unwind(AssertUnwindSafe(|| self.notification(n))) {
            log!(
                "policyc-lsp: `{method}` panicked: {}",
                panic_message(panic.as_ref())
            );
        }
    }

    fn notification(&mut self, n: Notification) {
        fn params<N: lsp_types::notification::Notification>(n: Notification) -> Option<N::Params> {
            match serde_json::from_value(n.params) {
                Ok(p) => Some(p),
                Err(e) => {
                    log!("policyc-lsp: ignoring `{}`: {e}", N::METHOD);
                    None
                }
            }
        }
        match n.method.as_str() {
            notif::DidOpenTextDocument::METHOD => {
                if let Some(p) = params::<notif::DidOpenTextDocument>(n) {
                    let d = p.text_document;
                    self.ws.open(d.uri, d.text, d.version);
                    self.schedule();
                }
            }
            notif::DidChangeTextDocument::METHOD => {
                if let Some(p) = params::<notif::DidChangeTextDocument>(n) {
                    let d = p.text_document;
                    match self.ws.change(&d.uri, d.version, p.content_changes) {
                        Ok(()) => self.schedule(),
                        Err(Ignored::NotOpen) => log!(
                            "policyc-lsp: ignoring a change to `{}`, which is not open",
                            d.uri.as_str()
                        ),
                        Err(Ignored::Stale { have, got }) => log!(
                            "policyc-lsp: ignoring version {got} of `{}` (have {have})",
                            d.uri.as_str()
                        ),
                    }
                }
            }
            notif::DidCloseTextDocument::METHOD => {
                if let Some(p) = params::<notif::DidCloseTextDocument>(n) {
                    self.tokens.remove(p.text_document.uri.as_str());
                    self.ws.close(&p.text_document.uri);
                    self.schedule();
                }
            }
            notif::DidChangeWatchedFiles::METHOD => {
                if let Some(p) = params::<notif::DidChangeWatchedFiles>(n) {
                    let mut changed = false;
                    for e in p.changes {
                        if let Some(path) = uri::to_path(&e.uri) {
                            changed |= self.ws.refresh(&path);
                        }
                    }
                    if changed {
                        self.schedule();
                    }
                }
            }
            notif::Cancel::METHOD => {
                if let Some(p) = params::<notif::Cancel>(n) {
                    let id = match p.id {
                        lsp_types::NumberOrString::Number(n) => RequestId::from(n),
                        lsp_types::NumberOrString::String(s) => RequestId::from(s),
                    };
                    // A request already answered (or answered on the main thread) is ignored.
                    if let Some(cancel) = self.pending.get(&id) {
                        cancel.cancel();
                    }
                }
            }
            notif::DidChangeConfiguration::METHOD => {
                if let Some(p) = params::<notif::DidChangeConfiguration>(n)
                    && self.settings.update(&p.settings)
                {
                    // Every analysis is stale: the check options may have changed.
                    self.ws.generation += 1;
                    self.schedule();
                }
            }
            notif::DidChangeWorkspaceFolders::METHOD => {
                if let Some(p) = params::<notif::DidChangeWorkspaceFolders>(n) {
                    let paths = |f: Vec<lsp_types::WorkspaceFolder>| -> Vec<PathBuf> {
                        f.iter().filter_map(|f| uri::to_path(&f.uri)).collect()
                    };
                    let added = paths(p.event.added);
                    let removed = paths(p.event.removed);
                    if self.ws.change_folders(added, &removed) {
                        let sets = self.ws.sets();
                        self.cache.retain(|set, _| match set {
                            SetId::Folder(_) => sets.contains(set),
                            SetId::Lone(_) => true,
                        });
                        if self.poll.is_none() && !self.watch_dynamically {
                            self.poll = Some(crossbeam_channel::tick(POLL));
                        }
                        self.schedule();
                    }
                }
            }
            // didSave, setTrace, ...: nothing to do.
            _ => {}
        }
    }

    fn register_watchers(&mut self) {
        if !self.watch_dynamically {
            return;
        }
        let options = DidChangeWatchedFilesRegistrationOptions {
            watchers: vec![
                FileSystemWatcher {
                    glob_pattern: GlobPattern::String("**/*.policy".to_owned()),
                    kind: None,
                },
                FileSystemWatcher {
                    glob_pattern: GlobPattern::String("**/policyc.toml".to_owned()),
                    kind: None,
                },
            ],
        };
        let Ok(options) = serde_json::to_value(options) else {
            return;
        };
        self.request_client::<req::RegisterCapability>(RegistrationParams {
            registrations: vec![Registration {
                id: "policyc-watch".to_owned(),
                method: notif::DidChangeWatchedFiles::METHOD.to_owned(),
                register_options: Some(options),
            }],
        });
    }
}

/// Requests answered on the request thread: every one that reads an analysis (which may have
/// to be built: a check of the whole set), so the main loop never waits on one.
fn is_long(r: &Request) -> bool {
    let method = r.method.as_str();
    let what_if = method == req::ExecuteCommand::METHOD
        && r.params.get("command").and_then(Value::as_str) == Some(code_lens::WHAT_IF);
    what_if
        || matches!(
            method,
            req::HoverRequest::METHOD
                | req::GotoDefinition::METHOD
                | req::Completion::METHOD
                | req::DocumentSymbolRequest::METHOD
                | req::CodeActionRequest::METHOD
                | req::PrepareRenameRequest::METHOD
                | req::Rename::METHOD
                | req::References::METHOD
                | req::DocumentHighlightRequest::METHOD
                | req::FoldingRangeRequest::METHOD
                | req::WorkspaceSymbolRequest::METHOD
                | req::InlayHintRequest::METHOD
                | req::CodeLensRequest::METHOD
                | req::SemanticTokensFullRequest::METHOD
                | req::SemanticTokensFullDeltaRequest::METHOD
        )
        || (method == DEBUG_SLEEP && std::env::var_os("POLICYC_LSP_TEST_SLOW").is_some())
}

/// The file `uri` names in an analysis, by path (or URI).
fn file_of(analysis: &Analysis, uri: &Uri) -> Option<policyc::source::FileId> {
    let key = DocKey::of(uri);
    analysis
        .files
        .iter()
        .position(|f| DocKey::of(&f.uri) == key)
        .and_then(|i| u32::try_from(i).ok())
        .map(policyc::source::FileId)
}

/// The first analysis of a task, and `uri`'s file in it.
fn file_in<'a>(
    analyses: &'a [Arc<Analysis>],
    uri: &Uri,
) -> Option<(&'a Analysis, policyc::source::FileId)> {
    let a = analyses.first()?;
    Some((a, file_of(a, uri)?))
}

pub(crate) fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".to_owned()
    }
}

/// The check thread: analyses every set of a job; the newest queued job wins.
fn worker(jobs: Receiver<Job>, results: Sender<JobResult>) {
    while let Ok(mut job) = jobs.recv() {
        while let Ok(newer) = jobs.try_recv() {
            job = newer;
        }
        let generation = job.generation;
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            job.sets
                .into_iter()
                .map(|(set, snap)| (set, Arc::new(Analysis::with_options(snap, &job.options))))
                .collect::<Vec<_>>()
        }));
        let analyses = outcome
            .map_err(|panic| {
                log!(
                    "policyc-lsp: a check panicked: {}",
                    panic_message(panic.as_ref())
                );
            })
            .ok();
        if results
            .send(JobResult {
                generation,
                analyses,
            })
            .is_err()
        {
            return;
        }
    }
}

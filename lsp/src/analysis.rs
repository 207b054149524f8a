//! One policy set at one moment: a [`Snapshot`] of its files' text, and the [`Analysis`] made
//! from it (compiled, checked, indexed). Built off the main thread for diagnostics, or on it
//! when a request needs the latest text; never mutated afterwards.

use crate::convert::to_lsp_diagnostic;
use crate::index::Index;
use crate::line_index::LineIndex;
use lsp_types::{Location, Position, Range, Uri};
use policyc::Compiled;
use policyc::check::CheckOptions;
use policyc::check::support::Support;
use policyc::diagnostic::Diagnostic;
use policyc::source::{FileId, Loc, SourceFile, Sources};
use std::sync::OnceLock;

/// Files larger than this are not checked (the CLI refuses them too): the editor gets one
/// diagnostic saying so, and the rest of the set is checked without them.
pub const MAX_FILE_BYTES: usize = 16 * 1024 * 1024;

/// One file of a snapshot.
#[derive(Debug, Clone)]
pub struct SnapshotFile {
    /// What diagnostics are published under: the client's URI for open documents.
    pub uri: Uri,
    /// The name the library uses in messages: the path relative to the workspace root.
    pub name: String,
    pub text: String,
    /// The open document's version, `None` for files read from disk.
    pub version: Option<i32>,
    /// Why the file is not checked (too large, not UTF-8), if so.
    pub refused: Option<String>,
}

/// The text of every file of one policy set, at one moment.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub files: Vec<SnapshotFile>,
    /// Bumped by the workspace on every change; stale results are recognised by it.
    pub generation: u64,
    /// The set's `policyc.toml`, if it has one.
    pub config: Option<std::sync::Arc<SetConfig>>,
}

/// A set's `policyc.toml`: its levels apply to the set's check (before the server's own
/// settings), and a problem with it is published on the file.
#[derive(Debug, Clone)]
pub struct SetConfig {
    pub uri: Uri,
    pub text: String,
    /// The settings, or why they cannot be used (an `invalid-config` diagnostic in `text`,
    /// `FileId(0)`); the set is then checked without them.
    pub parsed: Result<policyc::config::Config, Box<Diagnostic>>,
}

impl SetConfig {
    /// Parses the file's text, or says why it could not be read (`Err`).
    pub fn new(uri: Uri, text: Result<String, String>) -> SetConfig {
        match text {
            Ok(text) => SetConfig {
                parsed: policyc::config::parse(FileId(0), &text),
                uri,
                text,
            },
            Err(why) => SetConfig {
                uri,
                text: String::new(),
                parsed: Err(Box::new(Diagnostic::new(
                    policyc::diagnostic::Code::InvalidConfig,
                    Loc::new(FileId(0), policyc::source::Span::new(0, 0)),
                    why,
                ))),
            },
        }
    }

    /// Its diagnostics in protocol form: none, or the one that says what is wrong.
    fn publishable(&self) -> FileDiagnostics {
        let index = LineIndex::new(&self.text);
        let locate = |loc: Loc| {
            Some(Location {
                uri: self.uri.clone(),
                range: index.range(&self.text, loc.span.start as usize, loc.span.end as usize),
            })
        };
        FileDiagnostics {
            uri: self.uri.clone(),
            version: None,
            diagnostics: self
                .parsed
                .as_ref()
                .err()
                .map(|d| to_lsp_diagnostic(d, locate))
                .into_iter()
                .collect(),
        }
    }
}

/// A compiled file, addressed by its `FileId`.
#[derive(Debug)]
pub struct AnalyzedFile {
    pub uri: Uri,
    pub version: Option<i32>,
    pub index: LineIndex,
}

/// Diagnostics for one file, ready to publish.
#[derive(Debug, Clone)]
pub struct FileDiagnostics {
    pub uri: Uri,
    pub version: Option<i32>,
    pub diagnostics: Vec<lsp_types::Diagnostic>,
}

#[derive(Debug)]
pub struct Analysis {
    pub generation: u64,
    pub compiled: Compiled,
    /// `policyc::check`'s diagnostics: the same as `policyc check` prints.
    pub diagnostics: Vec<Diagnostic>,
    /// By `FileId`.
    pub files: Vec<AnalyzedFile>,
    /// Files left out, with why.
    pub refused: Vec<SnapshotFile>,
    /// The set's `policyc.toml`, if it has one.
    pub config: Option<std::sync::Arc<SetConfig>>,
    index: OnceLock<Index>,
    support: OnceLock<Support>,
}

impl Analysis {
    /// Compiles and checks a snapshot as one policy set, with the default check options.
    pub fn new(snapshot: Snapshot) -> Analysis {
        Analysis::with_options(snapshot, &CheckOptions::default())
    }

    /// Compiles and checks a snapshot as one policy set.
    pub fn with_options(snapshot: Snapshot, options: &CheckOptions) -> Analysis {
        let mut sources = Sources::new();
        let mut files = Vec::new();
        let mut refused = Vec::new();
        for f in snapshot.files {
            if f.refused.is_some() {
                refused.push(SnapshotFile {
                    text: String::new(),
                    ..f
                });
                continue;
            }
            files.push(AnalyzedFile {
                uri: f.uri,
                version: f.version,
                index: LineIndex::new(&f.text),
            });
            sources.add(SourceFile::new(f.name, f.text));
        }
        let compiled = policyc::compile(sources);
        // The set's `policyc.toml` levels first, then the server's own: as the CLI's flags win
        // over the file.
        let configured;
        let options = match snapshot.config.as_ref().map(|c| &c.parsed) {
            Some(Ok(config)) => {
                configured = CheckOptions {
                    levels: config.levels.clone().then(&options.levels),
                    ..options.clone()
                };
                &configured
            }
            _ => options,
        };
        // The check builds the satisfiability engine anyway: keep it for hover.
        let (diagnostics, built) = policyc::check::check_with_support(&compiled, options);
        let support = built.map_or_else(OnceLock::new, OnceLock::from);
        Analysis {
            generation: snapshot.generation,
            compiled,
            diagnostics,
            files,
            refused,
            config: snapshot.config,
            index: OnceLock::new(),
            support,
        }
    }

    /// Names and references of the whole set, built on first use.
    pub fn index(&self) -> &Index {
        self.index.get_or_init(|| Index::build(&self.compiled))
    }

    /// Which sources can satisfy each rule (the checker's satisfiability engine), built on
    /// first use.
    pub fn support(&self) -> &Support {
        self.support.get_or_init(|| Support::build(&self.compiled))
    }

    pub fn file_id(&self, uri: &Uri) -> Option<FileId> {
        self.files
            .iter()
            .position(|f| &f.uri == uri)
            .and_then(|i| u32::try_from(i).ok())
            .map(FileId)
    }

    pub fn text(&self, file: FileId) -> &str {
        self.compiled
            .sources
            .get(file)
            .map_or("", |f| f.text.as_str())
    }

    pub fn file(&self, file: FileId) -> Option<&AnalyzedFile> {
        self.files.get(file.0 as usize)
    }

    pub fn range(&self, loc: Loc) -> Range {
        match self.file(loc.file) {
            Some(f) => {
                let text = self.text(loc.file);
                f.index
                    .range(text, loc.span.start as usize, loc.span.end as usize)
            }
            None => Range::default(),
        }
    }

    pub fn location(&self, loc: Loc) -> Option<Location> {
        let f = self.file(loc.file)?;
        Some(Location {
            uri: f.uri.clone(),
            range: self.range(loc),
        })
    }

    /// The byte offset of a position in a file of the set (clamped).
    pub fn offset(&self, file: FileId, pos: Position) -> usize {
        match self.file(file) {
            Some(f) => f.index.offset(self.text(file), pos),
            None => 0,
        }
    }

    /// Every file's diagnostics in protocol form, files without any included (so that a file
    /// that became clean is cleared).
    pub fn publishable(&self) -> Vec<FileDiagnostics> {
        let mut out: Vec<FileDiagnostics> = self
            .files
            .iter()
            .map(|f| FileDiagnostics {
                uri: f.uri.clone(),
                version: f.version,
                diagnostics: Vec::new(),
            })
            .collect();
        for d in &self.diagnostics {
            let lsp = to_lsp_diagnostic(d, |loc| self.location(loc));
            if let Some(file) = out.get_mut(d.primary.loc.file.0 as usize) {
                file.diagnostics.push(lsp);
            }
        }
        if let Some(config) = &self.config {
            out.push(config.publishable());
        }
        for f in &self.refused {
            out.push(FileDiagnostics {
                uri: f.uri.clone(),
                version: f.version,
                diagnostics: vec![lsp_types::Diagnostic {
                    range: Range::default(),
                    severity: Some(lsp_types::DiagnosticSeverity::ERROR),
                    source: Some("policyc".to_owned()),
                    message: f.refused.clone().unwrap_or_default(),
                    ..Default::default()
                }],
            });
        }
        out
    }
}

/// Why a text cannot be checked, if it cannot.
pub fn refusal(name: &str, len: usize) -> Option<String> {
    (len > MAX_FILE_BYTES).then(|| {
        format!(
            "`{name}` is {len} bytes; policy files are limited to {} MiB, so it is not checked",
            MAX_FILE_BYTES / 1024 / 1024
        )
    })
}

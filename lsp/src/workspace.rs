//! What the server knows about the user's files: open documents (by URI, with their version)
//! and the `.policy` files of the workspace folders read from disk. Changed only on the main
//! thread; checks and requests work on [`Snapshot`]s of it.
//!
//! Policy sets are found as `policyc check FOLDER` finds them (the same folder walk, and the one
//! definition, `policyc::cli::load::config_folder_where`): a file belongs to the set of the
//! nearest folder above it that holds a `policyc.toml`, up to its workspace folder (the
//! innermost one holding it), else to the workspace folder's own set. A set's `policyc.toml`
//! says which of its files belong to it (`paths`; an open document always does) and its levels.

use crate::analysis::{SetConfig, Snapshot, SnapshotFile, refusal};
use crate::line_index::LineIndex;
use crate::uri;
use lsp_types::{TextDocumentContentChangeEvent, Uri};
use policyc::cli::load::Roots;
use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

/// An open document.
#[derive(Debug, Clone)]
pub struct Document {
    pub uri: Uri,
    pub text: String,
    pub version: i32,
    pub index: LineIndex,
}

/// How documents are told apart: by path for `file://` URIs, by URI otherwise.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DocKey {
    Path(PathBuf),
    Other(String),
}

impl DocKey {
    pub fn of(uri: &Uri) -> DocKey {
        match uri::to_path(uri) {
            Some(p) => DocKey::Path(p),
            None => DocKey::Other(uri.as_str().to_owned()),
        }
    }
}

/// Which policy set a file belongs to: a folder's (a workspace folder, or a folder under it that
/// holds a `policyc.toml`), or its own (a file outside every folder is checked alone).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SetId {
    Folder(PathBuf),
    Lone(DocKey),
}

#[derive(Debug, Clone)]
struct DiskFile {
    /// The text, or why it is not checked.
    text: Result<String, String>,
    stamp: Stamp,
}

type Stamp = (u64, Option<SystemTime>);

#[derive(Debug)]
struct ConfigFile {
    /// `None` when the path has no `file:` URI to show the settings' problems on.
    config: Option<Arc<SetConfig>>,
    stamp: Stamp,
}

#[derive(Debug, Default)]
pub struct Workspace {
    /// The workspace folders, each a policy set.
    pub roots: Vec<PathBuf>,
    docs: HashMap<DocKey, Document>,
    disk: BTreeMap<PathBuf, DiskFile>,
    /// The `policyc.toml` files under the workspace folders, by the folder holding each: read
    /// and parsed when the file changes, not on every check.
    configs: BTreeMap<PathBuf, ConfigFile>,
    /// Bumped on every change.
    pub generation: u64,
}

/// Why a `didChange` was ignored.
#[derive(Debug, PartialEq, Eq)]
pub enum Ignored {
    NotOpen,
    Stale { have: i32, got: i32 },
}

impl Workspace {
    pub fn new(roots: Vec<PathBuf>) -> Workspace {
        let mut ws = Workspace {
            roots,
            ..Workspace::default()
        };
        ws.rescan();
        ws
    }

    /// Adds and removes workspace folders (`didChangeWorkspaceFolders`); true when anything
    /// changed.
    pub fn change_folders(&mut self, added: Vec<PathBuf>, removed: &[PathBuf]) -> bool {
        let before = self.roots.clone();
        self.roots.retain(|r| !removed.contains(r));
        for a in added {
            if !self.roots.contains(&a) {
                self.roots.push(a);
            }
        }
        if self.roots == before {
            return false;
        }
        self.generation += 1;
        self.rescan();
        true
    }

    /// The innermost workspace folder holding `path`, unless the folder walk skips a folder
    /// between them (`.git`, `target`, `node_modules`, ...): a file the walk never reads is not
    /// read on a change either, as `policyc check FOLDER` would not read it.
    fn walked_folder_of(&self, path: &Path) -> Option<&PathBuf> {
        let root = self.folder_of(path)?;
        let inside = path.strip_prefix(root).ok()?.parent()?;
        let skipped = inside.components().any(|c| {
            matches!(c, std::path::Component::Normal(n)
                if policyc::cli::load::skips_folder(&n.to_string_lossy()))
        });
        (!skipped).then_some(root)
    }

    /// The innermost workspace folder holding `path`.
    fn folder_of(&self, path: &Path) -> Option<&PathBuf> {
        self.roots
            .iter()
            .filter(|r| path.starts_with(r))
            .max_by_key(|r| r.components().count())
    }

    pub fn doc(&self, uri: &Uri) -> Option<&Document> {
        self.docs.get(&DocKey::of(uri))
    }

    pub fn open(&mut self, uri: Uri, text: String, version: i32) {
        self.generation += 1;
        let index = LineIndex::new(&text);
        self.docs.insert(
            DocKey::of(&uri),
            Document {
                uri,
                text,
                version,
                index,
            },
        );
    }

    /// Applies a `didChange`: full replacements and range edits (UTF-16 positions, clamped;
    /// a reversed range is ordered). A change to a document that is not open, or with a version
    /// older than the one we have, is ignored.
    pub fn change(
        &mut self,
        uri: &Uri,
        version: i32,
        changes: Vec<TextDocumentContentChangeEvent>,
    ) -> Result<(), Ignored> {
        let doc = self
            .docs
            .get_mut(&DocKey::of(uri))
            .ok_or(Ignored::NotOpen)?;
        if version <= doc.version {
            return Err(Ignored::Stale {
                have: doc.version,
                got: version,
            });
        }
        for change in changes {
            match change.range {
                None => doc.text = change.text,
                Some(range) => {
                    let (start, end) = doc.index.byte_range(&doc.text, range);
                    doc.text.replace_range(start..end, &change.text);
                }
            }
            doc.index = LineIndex::new(&doc.text);
        }
        doc.version = version;
        self.generation += 1;
        Ok(())
    }

    /// Closes a document: its file on disk (if any) counts again, re-read now.
    pub fn close(&mut self, uri: &Uri) -> bool {
        let key = DocKey::of(uri);
        let was_open = self.docs.remove(&key).is_some();
        if let DocKey::Path(p) = &key {
            self.refresh(p);
        }
        self.generation += 1;
        was_open
    }

    /// Re-reads every `.policy` file under the root; true when anything changed.
    pub fn rescan(&mut self) -> bool {
        let mut found = Vec::new();
        let mut configs = Vec::new();
        for root in &self.roots {
            walk(root, &mut found, &mut configs, 0);
        }
        found.sort();
        found.dedup();
        configs.sort();
        configs.dedup();
        let mut changed = false;
        let keep: std::collections::BTreeSet<PathBuf> = configs
            .iter()
            .filter_map(|c| c.parent().map(Path::to_path_buf))
            .collect();
        let before = self.configs.len();
        self.configs.retain(|dir, _| keep.contains(dir));
        changed |= self.configs.len() != before;
        for c in &configs {
            changed |= self.refresh(c);
        }
        let keep: std::collections::BTreeSet<&PathBuf> = found.iter().collect();
        let before = self.disk.len();
        self.disk.retain(|p, _| keep.contains(p));
        changed |= self.disk.len() != before;
        for p in &found {
            changed |= self.refresh(p);
        }
        if changed {
            self.generation += 1;
        }
        changed
    }

    /// Re-reads one file (created, changed or deleted on disk); true when anything changed.
    pub fn refresh(&mut self, path: &Path) -> bool {
        if path
            .file_name()
            .is_some_and(|n| n == policyc::config::FILE_NAME)
        {
            return self.refresh_config(path);
        }
        let under_root = self.walked_folder_of(path).is_some();
        let is_policy = path.extension().is_some_and(|e| e == "policy");
        let meta = fs::metadata(path).ok().filter(|m| m.is_file());
        let changed = match meta {
            Some(meta) if under_root && is_policy => {
                let stamp = (meta.len(), meta.modified().ok());
                if self.disk.get(path).is_some_and(|f| f.stamp == stamp) {
                    false
                } else {
                    let root = self.folder_of(path).cloned().unwrap_or_default();
                    let text = read(&root, path, &meta, &self.name_of(path));
                    self.disk
                        .insert(path.to_path_buf(), DiskFile { text, stamp });
                    true
                }
            }
            _ => self.disk.remove(path).is_some(),
        };
        if changed {
            self.generation += 1;
        }
        changed
    }

    /// Re-reads a `policyc.toml` (created, changed or deleted); true when anything changed.
    fn refresh_config(&mut self, path: &Path) -> bool {
        let Some(dir) = path.parent().map(Path::to_path_buf) else {
            return false;
        };
        let meta = fs::symlink_metadata(path).ok();
        let changed = match meta {
            Some(meta) if self.walked_folder_of(path).is_some() => {
                let stamp = (meta.len(), meta.modified().ok());
                if self.configs.get(&dir).is_some_and(|f| f.stamp == stamp) {
                    false
                } else {
                    let text =
                        read_capped(&dir, path, policyc::config::MAX_BYTES, &self.name_of(path));
                    let config =
                        uri::from_path(path).map(|uri| Arc::new(SetConfig::new(uri, text)));
                    self.configs.insert(dir, ConfigFile { config, stamp });
                    true
                }
            }
            _ => self.configs.remove(&dir).is_some(),
        };
        if changed {
            self.generation += 1;
        }
        changed
    }

    pub fn set_of(&self, uri: &Uri) -> SetId {
        let key = DocKey::of(uri);
        match &key {
            DocKey::Path(p) => match self.set_of_path(p) {
                Some(set) => set,
                None => SetId::Lone(key),
            },
            DocKey::Other(_) => SetId::Lone(key),
        }
    }

    /// The set of a file under a workspace folder: the policy set definition the CLI uses,
    /// over the `policyc.toml` files this workspace knows.
    fn set_of_path(&self, path: &Path) -> Option<SetId> {
        let folder = self.folder_of(path)?;
        let root = policyc::cli::load::config_folder_where(path, folder, |dir| {
            self.configs.contains_key(dir)
        });
        Some(SetId::Folder(root.unwrap_or_else(|| folder.clone())))
    }

    /// Every policy set there is to check: each workspace folder's, each folder's under them
    /// that holds a `policyc.toml`, and each open file outside them.
    pub fn sets(&self) -> Vec<SetId> {
        let mut sets: Vec<SetId> = self.roots.iter().cloned().map(SetId::Folder).collect();
        for dir in self.configs.keys() {
            let set = SetId::Folder(dir.clone());
            if !sets.contains(&set) {
                sets.push(set);
            }
        }
        let mut lone: Vec<SetId> = self
            .docs
            .values()
            .map(|d| self.set_of(&d.uri))
            .filter(|s| matches!(s, SetId::Lone(_)))
            .collect();
        lone.sort();
        sets.extend(lone);
        sets
    }

    /// The name the library uses in messages: the path relative to its workspace folder.
    fn name_of(&self, path: &Path) -> String {
        let rel = self
            .folder_of(path)
            .and_then(|r| path.strip_prefix(r).ok())
            .unwrap_or(path);
        rel.to_string_lossy().into_owned()
    }

    /// The text of every file of a set, open documents over disk contents.
    pub fn snapshot(&self, set: &SetId) -> Snapshot {
        let mut files: BTreeMap<DocKey, SnapshotFile> = BTreeMap::new();
        let mut config = None;
        match set {
            SetId::Folder(dir) => {
                config = self.config_of(dir);
                let parsed = config.as_ref().and_then(|c| c.parsed.as_ref().ok());
                for (path, f) in &self.disk {
                    if self.set_of_path(path).as_ref() != Some(set) {
                        continue;
                    }
                    // The set's `paths`: a file left out is not checked (an open one is, below).
                    let included = parsed
                        .is_none_or(|c| path.strip_prefix(dir).is_ok_and(|rel| c.includes(rel)));
                    if !included {
                        continue;
                    }
                    let Some(uri) = uri::from_path(path) else {
                        continue;
                    };
                    let (text, refused) = match &f.text {
                        Ok(t) => (t.clone(), None),
                        Err(why) => (String::new(), Some(why.clone())),
                    };
                    files.insert(
                        DocKey::Path(path.clone()),
                        SnapshotFile {
                            uri,
                            name: self.name_of(path),
                            text,
                            version: None,
                            refused,
                        },
                    );
                }
                for (key, doc) in &self.docs {
                    if &self.set_of(&doc.uri) == set {
                        files.insert(key.clone(), self.doc_file(key, doc));
                    }
                }
            }
            SetId::Lone(key) => {
                if let Some(doc) = self.docs.get(key) {
                    files.insert(key.clone(), self.doc_file(key, doc));
                }
            }
        }
        Snapshot {
            files: files.into_values().collect(),
            generation: self.generation,
            config,
        }
    }

    /// A set's `policyc.toml`, with an entry of its `paths` that names nothing refused as the
    /// CLI refuses it (checked on each use: the file or folder may appear at any time).
    fn config_of(&self, dir: &Path) -> Option<Arc<SetConfig>> {
        let config = self.configs.get(dir)?.config.clone()?;
        let missing = config.parsed.as_ref().ok().and_then(|c| {
            let shown = policyc::cli::load::set_name(Path::new(&self.name_of(dir)));
            policyc::cli::load::missing_path(c, dir, policyc::source::FileId(0), &shown)
        });
        Some(match missing {
            Some(d) => Arc::new(SetConfig {
                parsed: Err(Box::new(d)),
                ..(*config).clone()
            }),
            None => config,
        })
    }

    fn doc_file(&self, key: &DocKey, doc: &Document) -> SnapshotFile {
        let name = match key {
            DocKey::Path(p) => self.name_of(p),
            DocKey::Other(u) => u.clone(),
        };
        let refused = refusal(&name, doc.text.len());
        SnapshotFile {
            uri: doc.uri.clone(),
            text: if refused.is_some() {
                String::new()
            } else {
                doc.text.clone()
            },
            name,
            version: Some(doc.version),
            refused,
        }
    }
}

/// `.policy` files (and `policyc.toml` files) under `dir`, as the CLI finds them: hidden
/// folders, `target` and `node_modules` skipped, symlinked folders not followed.
fn walk(dir: &Path, out: &mut Vec<PathBuf>, configs: &mut Vec<PathBuf>, depth: usize) {
    if depth > 64 {
        return;
    }
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let Ok(meta) = fs::symlink_metadata(&path) else {
            continue;
        };
        if meta.is_dir() {
            if !policyc::cli::load::skips_folder(&name) {
                walk(&path, out, configs, depth + 1);
            }
        } else if name.ends_with(".policy") {
            out.push(path);
        } else if name == policyc::config::FILE_NAME {
            configs.push(path);
        }
    }
}

/// Reads a file of the folder as the CLI reads a policy file (`Roots::read_text`): a regular
/// file whose real path lies under the workspace folder, capped on the bytes read. A link out of
/// the folder, a FIFO or a device is refused with a message, never read.
fn read(root: &Path, path: &Path, meta: &fs::Metadata, name: &str) -> Result<String, String> {
    let len = usize::try_from(meta.len()).unwrap_or(usize::MAX);
    if let Some(why) = refusal(name, len) {
        return Err(why);
    }
    read_capped(root, path, policyc::cli::load::MAX_FILE_BYTES, name)
}

/// `path` read as the CLI reads it (a regular file under `root`, at most `cap` bytes), its
/// refusal naming it `name`.
fn read_capped(root: &Path, path: &Path, cap: u64, name: &str) -> Result<String, String> {
    Roots::with(&[root.to_path_buf()], false)
        .read_text(path, cap)
        .map_err(|why| why.replace(&format!("`{}`", path.display()), &format!("`{name}`")))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// A change reported in a folder the walk skips (`node_modules`, `.git`, `target`) adds
    /// neither a file nor a policy set: the workspace stays what the walk (and `policyc check`)
    /// finds.
    #[test]
    fn a_change_in_a_skipped_folder_adds_no_file_and_no_set() {
        let root = std::env::temp_dir().join(format!("policyc-lsp-skipped-{}", std::process::id()));
        let _ = fs::remove_dir_all(&root);
        for dir in ["set", "node_modules/pkg", ".git/x", "target/debug"] {
            fs::create_dir_all(root.join(dir)).unwrap();
        }
        fs::write(
            root.join("set/org.policy"),
            "org acme { engine identity }\n",
        )
        .unwrap();
        let mut ws = Workspace::new(vec![root.clone()]);
        let before = ws.sets();
        for dir in ["node_modules/pkg", ".git/x", "target/debug"] {
            let policy = root.join(dir).join("copy.policy");
            let config = root.join(dir).join(policyc::config::FILE_NAME);
            fs::write(&policy, "org acme { engine identity }\n").unwrap();
            fs::write(&config, "").unwrap();
            assert!(!ws.refresh(&policy), "{}", policy.display());
            assert!(!ws.refresh(&config), "{}", config.display());
        }
        assert_eq!(ws.sets(), before);
        let files = ws.snapshot(&SetId::Folder(root.clone())).files.len();
        assert_eq!(files, 1);
        // The same change in a folder the walk reads counts.
        let config = root.join("set").join(policyc::config::FILE_NAME);
        fs::write(&config, "").unwrap();
        assert!(ws.refresh(&config));
        assert!(ws.sets().contains(&SetId::Folder(root.join("set"))));
        let _ = fs::remove_dir_all(&root);
    }
}

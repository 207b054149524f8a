//! `policyc eval`: simulate one sign-in (or replay a log of them) and print the decision and
//! why. The CLI reads files and streams; deciding is `crate::eval`, reading JSON is
//! `crate::eval::input`, the output contract is `crate::eval::output`.

use super::claims::{InspectArgs, InspectFormat, inspect_claims_file, read_input};
use super::{ColorChoice, EXIT_CANNOT_RUN, EXIT_FAILED, EXIT_OK, load, use_color};
use crate::Compiled;
use crate::claims::{ClaimsError, Protocol, TrustedClaims, report};
use crate::eval::input::{self, InputError};
use crate::eval::output::{self, DecisionJson};
use crate::eval::{Claims, SignIn, explain, explain_briefly};
use clap::ValueEnum;
use serde::Serialize;
use serde_json::Value;
use std::io::{self, BufRead, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

/// A batch line longer than this is refused (and skipped) without being read whole.
pub const MAX_LINE_BYTES: usize = 1024 * 1024;
/// `--user` and `--claims` files larger than this are refused.
const MAX_INPUT_BYTES: usize = 1024 * 1024;

/// Output format of `eval`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum EvalFormat {
    /// The decision, why, and the numbered trace, for people.
    #[default]
    Human,
    /// One JSON object (a stable contract; see the README).
    Json,
}

/// Simulate a sign-in: which rule decides, allow, challenge or deny, and why.
///
/// One sign-in: `--app`, optionally `--user`, and where the user signed in: `--claims`,
/// `--id-token`, `--saml` or `--local`. Many: `--batch FILE.jsonl` (one
/// `{"app":..,"user":{..},"claims":{..}}` or `{"app":..,"user":{..},"saml":"..","idp":".."}`
/// per line, `-` for stdin) writes one JSON decision per
/// line; with `--compare FOLDER` or `--compare-rev REV` it prints only the sign-ins whose
/// decision changes between that policy set (before) and PATHS (after).
///
/// Exit 0 whatever the decision, 1 on input errors (bad JSON, unknown app, group or IdP, refused
/// token, any bad batch line), 2 when the policy set cannot be loaded or has errors.
#[derive(Debug, Clone, clap::Args)]
pub struct EvalArgs {
    /// The app the user signs in to.
    #[arg(long, value_name = "APP", required_unless_present = "batch")]
    pub app: Option<String>,
    /// Who signs in: inline JSON or a file, `{"groups":[..],"zone":Z,"risk":R,"platform":P,
    /// "domain":D,"device":{"registered":bool,"managed":bool}}` (all optional).
    #[arg(long, value_name = "FILE|JSON")]
    pub user: Option<String>,
    /// The IdP's claims, inline JSON or a file: `{"idp":"corp","amr":["pwd","hwk"]}`.
    #[arg(long, value_name = "FILE|JSON", group = "input")]
    pub claims: Option<String>,
    /// An OIDC ID token, verified with the IdP's `jwks` as `claims inspect` does.
    #[arg(long, value_name = "FILE", group = "input")]
    pub id_token: Option<PathBuf>,
    /// A SAML `Response` or `Assertion`, its XML signature verified with the IdP's
    /// `certificate` or `metadata` as `claims inspect` does.
    #[arg(long, value_name = "FILE", group = "input")]
    pub saml: Option<PathBuf>,
    /// Accept SAML signed with RSA-SHA1 or with SHA-1 digests (refused by default as
    /// `weak-algorithm`).
    #[arg(long)]
    pub allow_sha1: bool,
    /// Read SAML from an IdP with no `certificate` or `metadata` (refused by default as
    /// `unverified`); the claims then say `"signature":"unverified"`. An IdP with a
    /// certificate still needs a valid signature.
    #[arg(long)]
    pub allow_unverified: bool,
    /// A local sign-in: no IdP, no claims.
    #[arg(long, group = "input")]
    pub local: bool,
    /// The IdP that sent the claims (default: named by the claims, or the only IdP).
    #[arg(long, value_name = "NAME")]
    pub idp: Option<String>,
    /// Check token times at this instant (Unix seconds) instead of the clock.
    #[arg(long, value_name = "UNIX")]
    pub now: Option<u64>,
    /// Output format of a single sign-in; `--batch` always writes JSON lines.
    #[arg(long, value_enum, default_value_t = EvalFormat::Human)]
    pub format: EvalFormat,
    /// Keep the step-by-step `trace` in `--batch` JSON lines.
    #[arg(long)]
    pub trace: bool,
    /// Replay sign-ins from a JSON-lines file (`-` for stdin), one decision per line. A line
    /// gives its claims as `"claims":{..}` (written by hand) or as a SAML response,
    /// `"saml":"<base64 or XML>"` with an optional `"idp"`, verified as `--saml` is (with
    /// `--allow-sha1` and `--allow-unverified` applying to every line).
    #[arg(
        long,
        value_name = "FILE.jsonl",
        conflicts_with_all = ["app", "user", "claims", "id_token", "saml", "local"]
    )]
    pub batch: Option<PathBuf>,
    /// With `--batch`: the policy set before the change; print only changed decisions.
    #[arg(
        long,
        value_name = "FOLDER",
        requires = "batch",
        conflicts_with = "compare_rev"
    )]
    pub compare: Option<PathBuf>,
    /// With `--batch`: the policy set before the change is PATHS at this git revision.
    #[arg(long, value_name = "REV")]
    pub compare_rev: Option<String>,
    /// Bold the decision line, and colour the errors of a set that cannot be simulated: `auto`
    /// when the output is a terminal and `NO_COLOR` is unset.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Files or folders of the policy set (default: the current folder).
    pub paths: Vec<PathBuf>,
}

pub fn run(args: &EvalArgs) -> u8 {
    if args.batch.is_none() && (args.compare.is_some() || args.compare_rev.is_some()) {
        errln!("error: `--compare` and `--compare-rev` compare the sign-ins of a `--batch` log");
        return EXIT_CANNOT_RUN;
    }
    let (compiled, set) = match compile(&args.paths, args.color, "eval") {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    let result = match &args.batch {
        Some(path) => batch(args, &compiled, &set, path),
        None => single(args, &compiled),
    };
    match result {
        Ok(code) => code,
        // A closed pipe (`| head`) is not an error of ours.
        Err(e) if super::is_closed_pipe(&e) => EXIT_OK,
        Err(e) => {
            errln!("error: {e}");
            EXIT_FAILED
        }
    }
}

/// Loads and compiles the one policy set under `paths` (its files taken out of the returned
/// set); on failure prints why (`command` refuses several sets) and gives the exit code.
fn compile(
    paths: &[PathBuf],
    color: ColorChoice,
    command: &str,
) -> Result<(Compiled, load::OneSet), u8> {
    let mut one = load::load_one_set(paths, command).map_err(|e| e.report())?;
    let sources = std::mem::take(&mut one.set.sources);
    Ok((checked(crate::compile(sources), color)?, one))
}

/// The compiled set, or its errors printed and exit 2: decisions on a broken set would mislead.
fn checked(compiled: Compiled, color: ColorChoice) -> Result<Compiled, u8> {
    super::refuse_errors_in(
        compiled,
        "fix them (`policyc check`) before simulating sign-ins",
        EXIT_CANNOT_RUN,
        color,
    )
}

fn single(args: &EvalArgs, compiled: &Compiled) -> io::Result<u8> {
    let refuse = |message: &str| {
        errln!("error: {message}");
        Ok(EXIT_FAILED)
    };
    if args.claims.is_none() && args.id_token.is_none() && args.saml.is_none() && !args.local {
        errln!(
            "error: say where the user signed in: `--claims JSON`, `--id-token FILE`, `--saml FILE` or `--local`"
        );
        return Ok(EXIT_CANNOT_RUN);
    }
    let model = &compiled.model;
    let app = match input::app_by_name(model, args.app.as_deref().unwrap_or_default()) {
        Ok(app) => app,
        Err(e) => return refuse(&e.message),
    };
    let user = match &args.user {
        None => crate::eval::User::default(),
        Some(arg) => match json_arg(arg, "--user")
            .and_then(|v| input::user_from_json(model, &v).map_err(|e| e.message))
        {
            Ok(user) => user,
            Err(e) => return refuse(&e),
        },
    };
    let claims = match read_claims(args, compiled) {
        Ok(claims) => claims,
        Err(e) => return refuse(&e),
    };
    let sign_in = SignIn { app, user, claims };
    let explained = explain(compiled, &sign_in);
    let mut stdout = io::stdout().lock();
    match args.format {
        EvalFormat::Human => write!(
            stdout,
            "{}",
            output::human(compiled, &sign_in, &explained, use_color(args.color))
        )?,
        EvalFormat::Json => writeln!(
            stdout,
            "{}",
            DecisionJson::new(compiled, &sign_in, &explained, true).to_line()
        )?,
    }
    stdout.flush()?;
    Ok(EXIT_OK)
}

/// The claims of a single sign-in, read and checked by the claims layer exactly as
/// `claims inspect` does (same IdP selection, JWKS relative to the policy file).
fn read_claims(args: &EvalArgs, compiled: &Compiled) -> Result<Option<Claims>, String> {
    if args.local {
        return Ok(None);
    }
    let idps = load::idp_configs(compiled);
    let refused = |e: ClaimsError| report::error_human(&e).trim_end().to_owned();
    let trusted = if let Some(arg) = &args.claims {
        let text = text_arg(arg, "--claims")?;
        inspect_claims_file(text.as_bytes(), args.idp.as_deref(), &idps).map_err(refused)?
    } else if args.id_token.is_some() || args.saml.is_some() {
        let inspect = InspectArgs {
            id_token: args.id_token.clone(),
            saml: args.saml.clone(),
            claims: None,
            idp: args.idp.clone(),
            now: args.now,
            format: InspectFormat::Json,
            allow_sha1: args.allow_sha1,
            allow_unverified: args.allow_unverified,
            paths: args.paths.clone(),
        };
        read_input(&inspect, &idps)
            .map_err(|e| e.to_string())?
            .map_err(refused)?
    } else {
        return Ok(None);
    };
    let id = input::idp_by_name(&compiled.model, &trusted.idp).map_err(|e| e.message)?;
    Ok(Some(Claims::from_trusted(&compiled.model, id, &trusted)))
}

/// An argument that is inline JSON (starts with `{`) or the path of a file holding it.
fn text_arg(arg: &str, flag: &str) -> Result<String, String> {
    if arg.trim_start().starts_with('{') {
        return Ok(arg.to_owned());
    }
    let path = Path::new(arg);
    let roots = load::Roots::new(&[path.to_path_buf()]);
    let bytes = roots.read(path, MAX_INPUT_BYTES as u64).map_err(|e| {
        format!("`{flag}` is neither inline JSON (starting with `{{`) nor a readable file: {e}")
    })?;
    let text = String::from_utf8(bytes).map_err(|_| format!("`{arg}` is not UTF-8 text"))?;
    Ok(text)
}

fn json_arg(arg: &str, flag: &str) -> Result<Value, String> {
    let text = text_arg(arg, flag)?;
    serde_json::from_str(&text).map_err(|e| {
        format!(
            "`{flag}` is not JSON (line {}, column {}): {e}",
            e.line(),
            e.column()
        )
    })
}

/// Replays a JSON-lines log, one decision (or one changed decision) per line, in bounded
/// memory: one line in, one line out.
fn batch(args: &EvalArgs, after: &Compiled, set: &load::OneSet, path: &Path) -> io::Result<u8> {
    let before = match (&args.compare, &args.compare_rev) {
        (Some(folder), _) => {
            match compile(std::slice::from_ref(folder), args.color, "eval --compare") {
                Ok((c, _)) => Some(c),
                Err(code) => return Ok(code),
            }
        }
        // The set's files at the revision, as `check --base` reads them (its `paths` apply).
        (None, Some(rev)) => match load::sources_at_rev(rev, &args.paths)
            .and_then(|sources| set.at_rev(&sources, rev))
        {
            Ok(sources) => match checked(crate::compile(sources), args.color) {
                Ok(c) => Some(c),
                Err(code) => return Ok(code),
            },
            Err(e) => {
                errln!("error: {e}");
                return Ok(EXIT_CANNOT_RUN);
            }
        },
        (None, None) => None,
    };
    let mut reader: Box<dyn BufRead> = if path == Path::new("-") {
        Box::new(io::stdin().lock())
    } else {
        match std::fs::File::open(path) {
            Ok(f) => Box::new(io::BufReader::new(f)),
            Err(e) => {
                errln!("error: cannot read `{}`: {e}", path.display());
                return Ok(EXIT_FAILED);
            }
        }
    };
    let after_saml = BatchSaml::new(after, args, &args.paths);
    // The certificates of a `--compare` folder are read under that folder.
    let before_paths = args
        .compare
        .clone()
        .map_or_else(|| args.paths.clone(), |f| vec![f]);
    let before_saml = before
        .as_ref()
        .map(|b| BatchSaml::new(b, args, &before_paths));
    let mut out = BufWriter::new(io::stdout().lock());
    let mut buf = Vec::new();
    let mut line_no = 0u64;
    let mut bad = 0u64;
    let mut compared = 0u64;
    let mut changes: Vec<(String, u64)> = Vec::new();
    while let Some(too_long) = next_line(&mut reader, &mut buf)? {
        line_no += 1;
        let value = if too_long {
            Err(format!("line is longer than {} KiB", MAX_LINE_BYTES / 1024))
        } else {
            match std::str::from_utf8(&buf) {
                Err(_) => Err("line is not UTF-8".to_owned()),
                Ok(text) if text.trim().is_empty() => continue,
                Ok(text) => serde_json::from_str::<Value>(text)
                    .map_err(|e| format!("not JSON (column {}): {e}", e.column())),
            }
        };
        let result = value.and_then(|v| match &before_saml {
            None => {
                decide(&after_saml, &v, args.trace).map(|d| Some(with_line(line_no, &d.to_line())))
            }
            Some(before) => {
                let old = decide(before, &v, args.trace).map_err(|e| format!("before: {e}"))?;
                let new = decide(&after_saml, &v, args.trace).map_err(|e| format!("after: {e}"))?;
                compared += 1;
                if !old.differs_from(&new) {
                    return Ok(None);
                }
                let key = format!("{}→{}", old.decision, new.decision);
                match changes.iter_mut().find(|(k, _)| *k == key) {
                    Some((_, n)) => *n += 1,
                    None => changes.push((key, 1)),
                }
                let changed = Changed {
                    line: line_no,
                    before: &old,
                    after: &new,
                };
                Ok(Some(
                    serde_json::to_string(&changed).map_err(|e| e.to_string())?,
                ))
            }
        });
        let written = match result {
            Ok(Some(line)) => writeln!(out, "{line}"),
            Ok(None) => Ok(()),
            Err(e) => {
                bad += 1;
                let error = LineError {
                    line: line_no,
                    error: &e,
                };
                writeln!(out, "{}", serde_json::to_string(&error)?)
            }
        };
        // The reader has gone (`| head`): the replay stops, and says what it found so far.
        match written {
            Err(e) if super::is_closed_pipe(&e) => break,
            written => written?,
        }
    }
    match out.flush() {
        Err(e) if super::is_closed_pipe(&e) => {}
        flushed => flushed?,
    }
    if before.is_some() {
        let changed: u64 = changes.iter().map(|(_, n)| n).sum();
        let detail = if changes.is_empty() {
            String::new()
        } else {
            format!(
                " ({})",
                changes
                    .iter()
                    .map(|(k, n)| format!("{n} {k}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        errln!(
            "compared {compared} sign-in{}: {changed} changed{detail}",
            if compared == 1 { "" } else { "s" }
        );
    }
    if bad > 0 {
        errln!(
            "error: {bad} bad line{} (see the `error` lines)",
            if bad == 1 { "" } else { "s" }
        );
        return Ok(EXIT_FAILED);
    }
    Ok(EXIT_OK)
}

/// A batch line that could not be evaluated: `{"line":N,"error":".."}`.
#[derive(Serialize)]
struct LineError<'a> {
    line: u64,
    error: &'a str,
}

/// A sign-in whose decision a policy change changes: `{"line":N,"before":{..},"after":{..}}`.
/// `{"line":N,` + the decision's own fields: every line of a replay says which input line it
/// answers, first (blank input lines get no output, but are counted).
fn with_line(line: u64, object: &str) -> String {
    match object.strip_prefix('{') {
        Some("}") => format!("{{\"line\":{line}}}"),
        Some(rest) => format!("{{\"line\":{line},{rest}"),
        None => object.to_owned(),
    }
}

#[derive(Serialize)]
struct Changed<'a> {
    line: u64,
    before: &'a DecisionJson,
    after: &'a DecisionJson,
}

/// What `"saml"` lines of a batch are read against: a policy set's IdPs and their certificates,
/// read from disk once, at the first such line.
struct BatchSaml<'a> {
    compiled: &'a Compiled,
    now: u64,
    allow_sha1: bool,
    allow_unverified: bool,
    /// Where the IdPs' certificate files may be read from.
    roots: load::Roots,
    idps: std::cell::OnceCell<Result<BatchIdps, String>>,
}

type BatchIdps = (
    Vec<crate::claims::IdpConfig>,
    Vec<Result<Option<crate::claims::SigningKeys>, ClaimsError>>,
);

impl<'a> BatchSaml<'a> {
    fn new(compiled: &'a Compiled, args: &EvalArgs, paths: &[PathBuf]) -> BatchSaml<'a> {
        BatchSaml {
            compiled,
            now: args.now.unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_secs())
                    .unwrap_or(0)
            }),
            allow_sha1: args.allow_sha1,
            allow_unverified: args.allow_unverified,
            roots: load::Roots::new(paths),
            idps: std::cell::OnceCell::new(),
        }
    }

    /// The claims of a line's `"saml"` (raw XML or base64), from its `"idp"` or the only SAML
    /// IdP, verified as `--saml` is.
    fn read(&self, doc: &str, idp: Option<&str>) -> Result<Claims, String> {
        let loaded = self.idps.get_or_init(|| {
            let idps = load::idp_configs(self.compiled);
            let keys = idps
                .iter()
                .map(|idp| match super::claims::signing_keys(idp, &self.roots) {
                    Ok(keys) => Ok(keys.map_err(|e| e.to_string())),
                    Err(e) => Err(e.to_string()),
                })
                .collect::<Result<Vec<_>, String>>()?;
            let keys = keys
                .into_iter()
                .map(|k| k.map_err(|e| ClaimsError::new(crate::claims::ErrorKind::Malformed, e)))
                .collect();
            Ok((idps, keys))
        });
        let (idps, keys) = loaded.as_ref().map_err(Clone::clone)?;
        let refused = |e: ClaimsError| report::error_human(&e).trim_end().to_owned();
        let trusted = read_batch_saml(
            doc.as_bytes(),
            idp,
            idps,
            keys,
            self.now,
            self.allow_sha1,
            self.allow_unverified,
        )
        .map_err(refused)?;
        let id = input::idp_by_name(&self.compiled.model, &trusted.idp).map_err(|e| e.message)?;
        Ok(Claims::from_trusted(&self.compiled.model, id, &trusted))
    }
}

/// A SAML document of a `--batch` line, read against `idps` (their certificates in `keys`, in
/// the same order, as [`signing_keys`] read them), as `--saml` is.
fn read_batch_saml(
    doc: &[u8],
    idp: Option<&str>,
    idps: &[crate::claims::IdpConfig],
    keys: &[Result<Option<crate::claims::SigningKeys>, ClaimsError>],
    now: u64,
    allow_sha1: bool,
    allow_unverified: bool,
) -> Result<TrustedClaims, ClaimsError> {
    let idp = super::claims::select_idp(idp, idps, Some(Protocol::Saml), None)?;
    idp.expect_protocol(Protocol::Saml)?;
    let at = idps
        .iter()
        .position(|i| std::ptr::eq(i, idp))
        .ok_or_else(|| ClaimsError::new(crate::claims::ErrorKind::UnknownIdp, "no such idp"))?;
    let keys = match keys.get(at) {
        Some(Ok(keys)) => keys.as_ref(),
        Some(Err(e)) => return Err(e.clone()),
        None => None,
    };
    let verification = crate::claims::SamlVerification {
        keys,
        allow_sha1,
        allow_unverified,
    };
    crate::claims::read_saml(
        doc,
        idp,
        now,
        &crate::claims::Limits::default(),
        &verification,
    )
}

/// A batch line's `"saml"` and `"idp"`, taken out of the sign-in (which then reads as one
/// without claims); a line with both `"saml"` and `"claims"` is refused.
/// A batch line's SAML document and the IdP it names.
type LineSaml = (String, Option<String>);

fn take_saml(v: &Value) -> Result<(Value, Option<LineSaml>), String> {
    let Some(obj) = v.as_object().filter(|o| o.contains_key("saml")) else {
        return Ok((v.clone(), None));
    };
    let mut rest = obj.clone();
    let doc = match rest.remove("saml") {
        Some(Value::String(doc)) => doc,
        _ => {
            return Err("`saml` must be a string: the SAML response, raw XML or base64".to_owned());
        }
    };
    let idp = match rest.remove("idp") {
        None | Some(Value::Null) => None,
        Some(Value::String(idp)) => Some(idp),
        Some(_) => return Err("`idp` must be a string: the IdP that sent the `saml`".to_owned()),
    };
    if rest.get("claims").is_some_and(|c| !c.is_null()) {
        return Err("a sign-in has `claims` or `saml`, not both".to_owned());
    }
    Ok((Value::Object(rest), Some((doc, idp))))
}

fn decide(saml: &BatchSaml<'_>, v: &Value, trace: bool) -> Result<DecisionJson, String> {
    let compiled = saml.compiled;
    let (v, doc) = take_saml(v)?;
    let mut sign_in = input::sign_in_from_json(compiled, &v).map_err(|e: InputError| e.message)?;
    if let Some((doc, idp)) = doc {
        sign_in.claims = Some(saml.read(&doc, idp.as_deref())?);
    }
    // Without `--trace`, the fast path: no trace is built for a million-line log.
    let explained = if trace {
        explain(compiled, &sign_in)
    } else {
        explain_briefly(compiled, &sign_in)
    };
    Ok(DecisionJson::new(compiled, &sign_in, &explained, trace))
}

/// Reads the next line into `buf` (newline included); `Some(true)` when the line was longer
/// than [`MAX_LINE_BYTES`], in which case the rest of it is skipped unread into memory.
fn next_line(reader: &mut dyn BufRead, buf: &mut Vec<u8>) -> io::Result<Option<bool>> {
    buf.clear();
    let n = (&mut *reader)
        .take(MAX_LINE_BYTES as u64 + 1)
        .read_until(b'\n', buf)?;
    if n == 0 {
        return Ok(None);
    }
    if buf.len() <= MAX_LINE_BYTES || buf.last() == Some(&b'\n') {
        return Ok(Some(false));
    }
    loop {
        let available = reader.fill_buf()?;
        if available.is_empty() {
            break;
        }
        match available.iter().position(|b| *b == b'\n') {
            Some(i) => {
                reader.consume(i + 1);
                break;
            }
            None => {
                let len = available.len();
                reader.consume(len);
            }
        }
    }
    buf.clear();
    Ok(Some(true))
}
